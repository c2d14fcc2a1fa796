"""Kept cards (app/rendercache.py): reused only while what they show is unchanged, the same HTML for
everyone they are kept for, never carrying a session's CSRF token, an idempotency key or anything
about who looked; and pages (with their tokens) made for each response."""
import re
from datetime import timedelta

from flask_login import login_user

from app import rendercache
from app.rendercache import CSRF_MARK, KEY_MARK
from app.cards import Cards
from tests.conftest import Client
from tests.factories import T0, new_case
from workflows.models import Case, User
from workflows.service import fire

NOW = T0 + timedelta(hours=2)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


def card(html, case):
    return html.split(f'id="case-{case.id}"', 1)[1].split("</article>", 1)[0]


def keys(html):
    return re.findall(r'name="request_key" value="([^"]*)"', html)


def test_every_form_gets_a_fresh_key_and_the_sessions_token_on_every_load(login, app_world, clock):
    for _ in range(3):
        new_case(app_world)
    member = login("member")
    first = member.get("/grids/G1/board").get_data(as_text=True)
    second = member.get("/grids/G1/board").get_data(as_text=True)
    assert CSRF_MARK not in first + second and KEY_MARK not in first + second
    assert len(keys(first)) >= 6 and len(set(keys(first))) == len(keys(first))
    assert not set(keys(first)) & set(keys(second))
    # Flask-WTF signs the session's raw token with the second it renders it: compare the raw part.
    tokens = {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', first + second)}
    assert len(tokens) == 1  # the session's token, as Flask-WTF renders it within one session
    other = login("lead").get("/grids/G1/board").get_data(as_text=True)
    assert not {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', other)} & tokens


def test_a_card_changed_by_someone_else_is_shown_as_it_is_now(login, app_world, clock):
    w = app_world
    case = new_case(w)
    member = login("member")
    assert 'data-event="report"' in card(member.get("/grids/G1/board").get_data(as_text=True), case)
    fire(case, "report", w.lead, NOW)
    html = member.get("/grids/G1/board").get_data(as_text=True)
    assert 'data-state="reported"' in card(html, case)
    assert 'data-event="report"' not in card(html, case)


def test_a_card_follows_the_light_the_language_and_the_viewers_role(login, app_world, clock, app):
    w = app_world
    case = new_case(w)  # found: 24 hours, warning at 80%
    lead = login("lead")
    assert "edge-green" in card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    clock.set(Case.get_by_id(case.id).warn_at)
    lead = login("lead")  # 19 hours later: a new sign-in (sessions end after 8 idle hours)
    assert "edge-yellow" in card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    lead.post("/lang", {"lang": "en", "next": "/grids/G1/board"}, token_from="/grids/G1/board")
    english = card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    assert "Report" in english and "上报" not in english
    # The lead becomes a member of the grid: the lead-only actions leave the card at once.
    assert 'data-event="void"' in english or 'summary class="button">Void' in english
    User.update(role="member").where(User.id == w.lead.id).execute()
    as_member = card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    assert "Void" not in as_member


def test_pages_are_made_per_response_and_a_flash_message_is_shown_once(login, app_world, clock):
    office = login("community")
    office.get("/grids/G1/board")  # the session now has its CSRF token
    # Two empty grids of the community: the same aggregates and ETag, yet each page is its own.
    first = office.get("/grids/G1/board")
    second = office.get("/grids/G2/board")
    assert first.headers["ETag"] == second.headers["ETag"]
    assert "一网格" in first.get_data(as_text=True) and "二网格" not in first.get_data(as_text=True)
    assert "二网格" in second.get_data(as_text=True) and "一网格" not in second.get_data(as_text=True)
    # A page carrying a flash message shows it once; the next load is the plain board.
    with office.http.session_transaction() as session:
        session["_flashes"] = [("message", "已保存")]
    assert "已保存" in office.get("/grids/G1/board").get_data(as_text=True)
    assert "已保存" not in office.get("/grids/G1/board").get_data(as_text=True)


def test_a_kept_card_is_what_rendering_it_now_gives_and_says_nothing_of_who_looked(login, app_world, clock, app):
    w = app_world
    cases = [new_case(w) for _ in range(3)]
    fire(cases[0], "report", w.lead, NOW)
    member = login("member")
    page = member.get("/grids/G1/board").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with app.test_request_context("/grids/G1/board"):
        login_user(User.get_by_id(w.member.id))
        cards = Cards(User.get_by_id(w.member.id), NOW)
        for case in Case.select().where(Case.id.in_([c.id for c in cases])):
            key = cards.key(case.id, case.version, "green", case.entered_by_id)
            kept = rendercache.kept(key)
            assert kept is not None and f'id="case-{case.id}"' in kept
            # The cache off: the card rendered now is exactly the kept one, marks and all.
            assert kept == rendercache.marked(lambda case=case: cards.card(None, case.id))
            assert token.split(".")[0] not in kept and token not in kept and "member" not in kept
            assert "request_key" not in kept or KEY_MARK in kept


def test_another_member_of_the_grid_is_served_the_same_kept_cards(login, app_world, clock, app):
    w = app_world
    new_case(w, actor=w.lead)  # entered by neither of them (who entered a step decides who verifies it)
    login("member").get("/grids/G1/board")
    cache = app.extensions["render_cache"]
    before = cache.count()
    html = login("member2").get("/grids/G1/board").get_data(as_text=True)
    assert cache.count() == before  # the same role in the same grid: nothing rendered again
    assert 'data-event="report"' in html


def test_an_unchanged_board_is_served_from_its_kept_columns_until_a_case_or_a_light_changes(login, app_world,
                                                                                            clock, app):
    w = app_world
    case = new_case(w, actor=w.lead)
    member = login("member")
    member.get("/grids/G1/board")
    cache = app.extensions["render_cache"]
    before = cache.count()
    assert 'data-state="found"' in card(member.get("/grids/G1/board").get_data(as_text=True), case)
    assert cache.count() == before
    fire(case, "report", w.lead, NOW)  # through the write path: the grid's change count moves
    assert 'data-state="reported"' in card(member.get("/grids/G1/board").get_data(as_text=True), case)
    clock.set(Case.get_by_id(case.id).deadline)  # the light turns red, nothing else changes
    assert "edge-red" in card(member.get("/grids/G1/board").get_data(as_text=True), case)


def test_a_page_of_an_earlier_session_is_never_unchanged_for_the_next(app, app_world, clock):
    """Sign in as A, out, in as B on the same browser: the board and the queue answer in full with
    B's token (a 304 would keep A's page and its dead token), and sign-out, the language switch and
    a card action all work with the tokens of the page B was given."""
    w = app_world
    case = new_case(w)
    browser = Client(app.test_client())
    for first, second, path in (("member", "lead", "/grids/G1/board"), ("member", "member", "/grids/G1/board"),
                                ("community", "community", "/queue")):
        assert browser.login(first).status_code == 303
        old = browser.get(path)
        assert old.status_code == 200
        logout = re.search(r'action="/logout".*?name="csrf_token" value="([^"]+)"', old.get_data(as_text=True), re.S)
        assert browser.http.post("/logout", data={"csrf_token": logout.group(1)}).status_code == 303
        assert browser.login(second).status_code == 303
        new = browser.get(path, headers={"If-None-Match": old.headers["ETag"]})
        assert new.status_code == 200 and new.headers["ETag"] != old.headers["ETag"]
        html = new.get_data(as_text=True)
        tokens = {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', html)}
        assert len(tokens) == 1 and not tokens & {t.split(".")[0] for t in re.findall(
            r'name="csrf_token" value="([^"]+)"', old.get_data(as_text=True))}
        page_token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        switched = browser.http.post("/lang", data={"csrf_token": page_token, "lang": "zh_CN", "next": path})
        assert switched.status_code == 303
        if path != "/queue" and second != "lead":
            form = re.search(r'id="case-%d".*?name="csrf_token" value="([^"]+)".*?name="version" value="(\d+)"'
                             r'.*?name="request_key" value="([^"]+)".*?data-event="report"' % case.id, html, re.S)
            done = browser.http.post(f"/cases/{case.id}/events/report", headers={"HX-Request": "true"}, data={
                "csrf_token": form.group(1), "version": form.group(2), "request_key": form.group(3),
                "view": "board"})
            assert done.status_code == 200 and Case.get_by_id(case.id).state == "reported"
        assert browser.http.post("/logout", data={"csrf_token": page_token}).status_code == 303
