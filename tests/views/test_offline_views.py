"""The server side of offline use: the manifest, the service worker, the outbox page, and the intake
route answering the outbox in JSON — the same route, the same form, the same intake key."""
import io
import json
import re

from PIL import Image

from workflows.models import Attachment, Case, CaseEvent, Category, User

KEY = "a" * 32


def photo():
    """A small JPEG upload."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "JPEG")
    buffer.seek(0)
    return (buffer, "p.jpg")


def send(client, grid, data, token):
    """POST the intake form the way static/js/outbox.js does: JSON asked for, the token in a header."""
    return client.http.post(f"/cases/new?grid={grid}", data=data, headers={"Accept": "application/json",
                                                                         "X-CSRFToken": token},
                            content_type="multipart/form-data")


def session_of(client):
    """The outbox's session answer."""
    response = client.get("/outbox/session.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_manifest_names_the_app_in_chinese_with_its_icons(client, app_world):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    body = json.loads(response.get_data(as_text=True))
    assert body["name"] == "网格案件" or re.search(r"[\u4e00-\u9fff]", body["name"]), body["name"]
    assert body["display"] == "standalone" and body["start_url"] == "/" and body["theme_color"]
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        width, height = Image.open(io.BytesIO(image.data)).size
        image.close()
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_is_served_from_the_root_with_workbox_and_the_shell(client, app_world):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-store" not in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    settings = json.loads(text.split("\n", 1)[0][len("self.GRIDCASE = "):-1])
    assert settings["workbox"] == "/static/vendor/"
    vendored = client.get("/static/vendor/workbox-sw.js")
    assert vendored.status_code == 200
    vendored.close()
    shell = {entry["url"] for entry in settings["shell"]}
    assert {"/static/css/app.css", "/static/js/outbox.js", "/static/vendor/htmx.min.js"} <= shell
    assert all(len(entry["revision"]) == 16 for entry in settings["shell"])
    assert "precacheAndRoute" in text and "NetworkFirst" in text


def test_every_page_links_the_manifest_and_the_outbox_script(client, app_world):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert 'type="module" src="/static/js/outbox.js"' in html and 'data-user=""' in html


def test_the_outbox_is_for_those_who_record_cases(login, app_world):
    member = login("member")
    page = member.get("/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="outbox-list"' in html and 'href="/outbox"' in html  # the header's entry
    assert f'data-user="{app_world.member.id}"' in html
    state = session_of(member)
    assert state["user"] == app_world.member.id and state["csrf"]
    assert "/cases/new?grid=G1" in state["keep"] and "/outbox" in state["keep"]
    # Department inspectors record cases too (issue 19): their outbox opens; a building head records none.
    assert login("handler").get("/outbox").status_code == 200
    head = login("building_head")
    assert head.get("/outbox").status_code == 403
    assert head.get("/outbox/session.json").status_code == 403
    assert 'href="/outbox"' not in head.get("/registry").get_data(as_text=True)


def test_an_outbox_item_is_recorded_once_with_its_photos_and_history(login, app_world):
    member = login("member")
    token = session_of(member)["csrf"]
    data = {"category": str(app_world.litter.id), "description": "地下室堆物", "source": "patrol", "intake_key": KEY}
    first = send(member, "G1", dict(data, photos=photo()), token)
    assert first.status_code == 201, first.get_data(as_text=True)
    number = first.get_json()["number"]
    case = Case.get(Case.number == number)
    assert first.get_json()["url"] == f"/cases/{case.id}"
    # The answer was lost; the outbox sends again: the same case, nothing new, photo not stored twice.
    again = send(member, "G1", dict(data, photos=photo()), token)
    assert again.status_code == 201 and again.get_json()["number"] == number
    assert Case.select().count() == 1
    assert CaseEvent.select().where(CaseEvent.case == case.id).count() == 1
    assert Attachment.select().count() == 1


def test_a_resend_after_the_category_was_retired_still_gets_its_case(login, app_world):
    member = login("member")
    token = session_of(member)["csrf"]
    data = {"category": str(app_world.litter.id), "source": "patrol", "intake_key": KEY}
    number = send(member, "G1", data, token).get_json()["number"]
    Category.update(active=False).where(Category.id == app_world.litter.id).execute()
    again = send(member, "G1", data, token)
    assert again.status_code == 201 and again.get_json()["number"] == number
    assert Case.select().count() == 1


def test_a_retired_category_is_refused_by_name_and_nothing_is_saved(login, app_world):
    Category.update(active=False).where(Category.id == app_world.litter.id).execute()
    member = login("member")
    token = session_of(member)["csrf"]
    refused = send(member, "G1", {"category": str(app_world.litter.id), "source": "patrol", "intake_key": KEY,
                                  "photos": photo()}, token)
    assert refused.status_code == 400
    body = refused.get_json()
    assert "垃圾堆放" in body["errors"]["category"] and body["message"]
    assert Case.select().count() == 0 and Attachment.select().count() == 0
    # Corrected with another category, the same key records it.
    fixed = send(member, "G1", {"category": str(app_world.urgent.id), "source": "patrol", "intake_key": KEY}, token)
    assert fixed.status_code == 201
    assert Case.get(Case.intake_key == KEY).category_id == app_world.urgent.id


def test_a_member_moved_to_another_grid_is_told_why(login, app_world):
    member = login("member")
    token = session_of(member)["csrf"]
    User.update(org=app_world.g2).where(User.id == app_world.member.id).execute()
    refused = send(member, "G1", {"category": str(app_world.litter.id), "source": "patrol", "intake_key": KEY}, token)
    assert refused.status_code == 403
    assert "网格" in refused.get_json()["message"]
    assert Case.select().count() == 0


def test_someone_elses_key_is_refused_as_used(login, app_world):
    member = login("member")
    send(member, "G1", {"category": str(app_world.litter.id), "source": "patrol", "intake_key": KEY},
         session_of(member)["csrf"])
    other = login("member2")
    refused = send(other, "G1", {"category": str(app_world.litter.id), "source": "patrol", "intake_key": KEY},
                   session_of(other)["csrf"])
    assert refused.status_code == 409 and refused.get_json()["message"]
    assert Case.select().count() == 1


def test_the_page_form_still_redirects_to_the_board(login, app_world):
    member = login("member")
    response = member.post("/cases/new?grid=G1", data={"category": str(app_world.litter.id), "source": "patrol",
                                                        "intake_key": KEY}, token_from="/cases/new?grid=G1")
    assert response.status_code == 303 and Case.select().count() == 1


def test_a_resend_after_the_member_moved_still_gets_its_case(login, app_world):
    member = login("member")
    token = session_of(member)["csrf"]
    data = {"category": str(app_world.litter.id), "source": "patrol", "intake_key": KEY}
    number = send(member, "G1", data, token).get_json()["number"]
    User.update(org=app_world.g2).where(User.id == app_world.member.id).execute()
    again = send(member, "G1", data, token)
    assert again.status_code == 201 and again.get_json()["number"] == number
    assert Case.select().count() == 1
    # A new key in the old grid is refused, with the reason.
    refused = send(member, "G1", dict(data, intake_key="b" * 32), token)
    assert refused.status_code == 403 and Case.select().count() == 1
