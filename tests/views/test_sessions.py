"""Server-side sessions: sign-out, deactivation and password changes end them; timeouts; CSRF with the session."""
from datetime import datetime, timedelta

import pytest

from app import accounts, sessions
from tests.conftest import TOKEN, Client
from tests.factories import PASSWORD, new_case, peewee_queries
from app.storage import LoginSession
from workflows.models import CaseEvent, User

T = datetime(2026, 3, 2, 9, 0)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T


def cookie(client):
    """The session cookie's value."""
    return client.http.get_cookie("session").value


def replay(app, value):
    """A new client that presents a copied session cookie (as a thief would)."""
    thief = Client(app.test_client())
    thief.http.set_cookie("session", value)
    return thief


def signed_in(response):
    """True if the response is a page for a signed-in user (not the sign-in redirect)."""
    return response.status_code == 200


def test_sign_out_ends_the_session_on_the_server_even_for_a_copied_cookie(app, login, app_world, clock):
    member = login("member")
    stolen = cookie(member)
    assert signed_in(replay(app, stolen).get("/cases"))
    response = member.post("/logout", token_from="/cases")
    assert response.status_code == 303
    assert replay(app, stolen).get("/cases").status_code == 302  # to the sign-in page
    record = LoginSession.get(LoginSession.user == app_world.member.id)
    assert (record.ended_at, record.end_reason) == (T, "signout")


def test_sign_out_clears_the_browsers_cache_and_storage(login, app_world, clock):
    response = login("member").post("/logout", token_from="/cases")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(client, app_world, target):
    token = client.token("/login")
    response = client.http.post(f"/login?next={target}", data={"username": "member", "password": PASSWORD,
                                                                 "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_sign_in_events_are_logged_without_the_password(client, app_world, caplog):
    caplog.set_level("INFO")
    client.login("member", "wrong guess 123")
    client.login("member")
    text = caplog.text
    assert "sign-in failed: 'member'" in text and "signed in: member" in text
    assert "wrong guess 123" not in text and PASSWORD not in text


def test_sign_out_everywhere_ends_every_device(app, login, app_world, clock):
    tablet, desk = login("member"), login("member")
    tablet.post("/logout", {"everywhere": "1"}, token_from="/cases")
    assert desk.get("/cases").status_code == 302
    assert LoginSession.select().where(LoginSession.ended_at.is_null()).count() == 0


def test_deactivating_a_user_ends_all_their_sessions_at_once(app, login, app_world, clock):
    tablet, desk, other = login("member"), login("member"), login("member2")
    assert accounts.deactivate(User.get(User.username == "member"), T) == 2
    assert tablet.get("/cases").status_code == 302
    assert desk.get("/cases").status_code == 302
    assert signed_in(other.get("/cases"))


def test_a_user_deactivated_behind_the_apps_back_is_signed_out_on_the_next_request(login, app_world, clock):
    tablet = login("member")
    User.update(active=False).where(User.username == "member").execute()
    assert tablet.get("/cases").status_code == 302
    assert LoginSession.get(LoginSession.user == app_world.member.id).end_reason == "deactivated"


def test_changes_made_elsewhere_reach_a_process_that_already_knows_the_session(app, login, app_world, clock):
    """A process reuses the user it built for a session while the session's row and the user's are
    unchanged; a sign-out, a deactivation or a new role written by another process (here: straight
    to the database) is seen on the very next request all the same."""
    tablet, desk = login("member"), login("member")
    for client in (tablet, desk):
        assert signed_in(client.get("/cases")) and signed_in(client.get("/cases"))  # known to this process
    User.update(role="lead").where(User.username == "member").execute()
    assert "网格长" in tablet.get("/cases").get_data(as_text=True)
    first = LoginSession.select().where(LoginSession.user == app_world.member.id).order_by(LoginSession.id).first()
    LoginSession.update(ended_at=T, end_reason="signout").where(LoginSession.id == first.id).execute()
    assert tablet.get("/cases").status_code == 302
    assert signed_in(desk.get("/cases"))
    User.update(active=False).where(User.username == "member").execute()
    assert desk.get("/cases").status_code == 302


def test_the_session_id_is_new_at_every_sign_in_and_only_its_hash_is_stored(app, client, app_world, clock):
    before = client.token("/login")
    client.login("member")
    first = cookie(client)
    assert client.http.post("/logout", data={"csrf_token": before}).status_code == 400  # the pre-sign-in token died
    client.post("/logout", token_from="/cases")
    client.login("member")
    tokens = [s.token_hash for s in LoginSession.select().order_by(LoginSession.id)]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert cookie(client) != first
    value = app.session_interface.get_signing_serializer(app).loads(cookie(client))
    assert sessions.digest(value["_user_id"]) == tokens[1]
    assert value["_user_id"] not in tokens  # the database never holds a usable token
    assert value["_user_id"] != str(app_world.member.id)
    # Only what the app reads: the token (no unused Flask-Login marks; a page's CSRF token joins it later).
    assert set(value) == {"_user_id"}


def test_idle_timeout_ends_the_session_with_a_clear_message(app, login, app_world, clock):
    app.config["SESSION_IDLE_MINUTES"] = 30
    member = login("member")
    clock.set(T + timedelta(minutes=29))
    assert signed_in(member.get("/cases"))  # activity keeps it alive
    clock.set(T + timedelta(minutes=29 + 29))
    assert signed_in(member.get("/cases"))
    clock.set(T + timedelta(minutes=29 + 29 + 31))
    response = member.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "登录已失效" in member.get(response.headers["Location"]).get_data(as_text=True)
    assert LoginSession.get().end_reason == "idle"


def test_absolute_timeout_ends_even_a_busy_session(app, login, app_world, clock):
    app.config["SESSION_MAX_HOURS"] = 12
    member = login("member")
    for hour in range(1, 12):
        clock.set(T + timedelta(hours=hour))
        assert signed_in(member.get("/cases"))
    clock.set(T + timedelta(hours=12, minutes=1))
    assert member.get("/cases").status_code == 302
    assert LoginSession.get().end_reason == "expired"


def test_an_htmx_request_after_the_session_ended_redirects_the_whole_page(app, login, app_world, clock):
    member = login("member")
    member.post("/logout", token_from="/cases")
    response = member.get("/cases", headers={"HX-Request": "true", "HX-Target": "case-list"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login")


def test_changing_the_password_signs_out_other_devices_and_keeps_this_one(app, login, app_world, clock):
    tablet, desk = login("member"), login("member")
    response = desk.post("/account/password", {"current": PASSWORD, "new": "街道网格员的新口令很长", "confirm": "街道网格员的新口令很长"},
                         token_from="/account/password")
    assert response.status_code == 303
    assert signed_in(desk.get("/cases"))
    assert tablet.get("/cases").status_code == 302
    assert Client(app.test_client()).login("member", "街道网格员的新口令很长").status_code == 303


def test_changing_the_password_needs_the_current_one(login, app_world, clock):
    member = login("member")
    response = member.post("/account/password", {"current": "wrong", "new": "a much better one", "confirm": "a much better one"},
                           token_from="/account/password")
    assert response.status_code == 400
    assert "当前密码不正确" in response.get_data(as_text=True)


# ---- CSRF ----


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(login, app_world, clock):
    case = new_case(app_world)
    member = login("member")
    for path, data in [(f"/cases/{case.id}/events/report", {"version": 1}), ("/logout", {}),
                       ("/account/password", {"current": PASSWORD, "new": "x" * 12, "confirm": "x" * 12})]:
        response = member.http.post(path, data=data)
        assert response.status_code == 400, path
    assert CaseEvent.select().count() == 1
    assert signed_in(member.get("/cases"))


def test_htmx_posts_carry_the_token_in_a_header(login, app_world, clock):
    case = new_case(app_world)
    member = login("member")
    token = TOKEN.search(member.get(f"/cases/{case.id}").get_data(as_text=True)).group(1)
    response = member.http.post(f"/cases/{case.id}/events/report", data={"version": 1},
                                headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303
    assert CaseEvent.select().count() == 2


def test_a_form_left_open_for_hours_still_posts(login, app_world, clock, monkeypatch):
    """The token does not expire on its own (a tablet sits on a form); it dies with the session."""
    import time

    from itsdangerous.timed import TimestampSigner

    case = new_case(app_world)
    member = login("member")
    token = TOKEN.search(member.get(f"/cases/{case.id}").get_data(as_text=True)).group(1)
    # Seven hours pass before the form is sent (tokens carry the time they were signed).
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 7 * 3600)
    clock.set(T + timedelta(hours=7))
    response = member.http.post(f"/cases/{case.id}/events/report", data={"version": 1, "csrf_token": token})
    assert response.status_code == 303


def test_signing_out_kills_the_csrf_token_at_once(login, app_world, clock):
    member = login("member")
    token = TOKEN.search(member.get("/cases").get_data(as_text=True)).group(1)
    member.post("/logout", token_from="/cases")
    # Even a form that needs no sign-in (the language switch) refuses the dead session's token.
    assert member.http.post("/lang", data={"lang": "en", "csrf_token": token}).status_code == 400


def test_the_csrf_token_dies_with_the_session(app, login, app_world, clock):
    case = new_case(app_world)
    member = login("member")
    token = TOKEN.search(member.get(f"/cases/{case.id}").get_data(as_text=True)).group(1)
    member.post("/logout", token_from="/cases")
    member.login("member")
    response = member.http.post(f"/cases/{case.id}/events/report", data={"version": 1, "csrf_token": token})
    assert response.status_code == 400
    assert CaseEvent.select().count() == 1


def test_a_static_file_is_served_without_reading_the_session(login, app_world, clock, caplog):
    """Pages load a dozen scripts, styles and icons: a signed-in browser's request for one must not
    cost a session lookup (nor any other statement)."""
    member = login("member")
    assert member.get("/work").status_code == 200  # the session is read for a page
    response, statements = peewee_queries(caplog, lambda: member.get("/static/favicon.svg"))
    response.close()
    assert response.status_code == 200
    assert statements == []
