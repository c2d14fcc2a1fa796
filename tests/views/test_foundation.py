"""Signing in, seeing only what is in scope, and the one write route."""
import io

from PIL import Image

from tests.factories import PASSWORD, new_case
from workflows.models import Attachment, Case, CaseEvent, User


def jpeg_bytes(size=(64, 48)):
    """A small real JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def state_of(case):
    return Case.get_by_id(case.id).state


def history_count(case):
    return CaseEvent.select().where(CaseEvent.case == case.id).count()


def test_sign_in_lands_on_the_case_list(client, app_world):
    response = client.login("member")
    assert response.status_code == 303
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    assert "事件" in page.get_data(as_text=True)


def test_wrong_password_is_refused_in_chinese(client, app_world):
    response = client.login("member", "wrong password")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in_and_keeps_history(client, app_world):
    case = new_case(app_world)
    User.update(active=False).where(User.id == app_world.member.id).execute()
    assert client.login("member", PASSWORD).status_code == 400
    assert CaseEvent.get(CaseEvent.case == case.id).actor_id == app_world.member.id


def test_list_shows_only_cases_in_scope(login, app_world):
    mine = new_case(app_world)
    theirs = new_case(app_world, grid=app_world.g2, actor=app_world.member_g2)
    page = login("member").get("/cases").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page
    street_page = login("street_disp").get("/cases").get_data(as_text=True)
    assert mine.number in street_page and theirs.number in street_page


def test_case_of_another_grid_is_not_found(login, app_world):
    theirs = new_case(app_world, grid=app_world.g2, actor=app_world.member_g2)
    assert login("member").get(f"/cases/{theirs.id}").status_code == 404


def test_case_page_shows_timeline_and_allowed_actions(login, app_world):
    case = new_case(app_world)
    html = login("member").get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.number in html and "登记" in html
    assert f"/cases/{case.id}/events/report" in html
    assert f"/cases/{case.id}/events/void" not in html  # a member may not void


def test_report_through_the_write_route(login, app_world):
    case = new_case(app_world)
    member = login("member")
    response = member.post(f"/cases/{case.id}/events/report", {"version": case.version, "note": "上报"},
                           token_from=f"/cases/{case.id}")
    assert response.status_code == 303
    assert state_of(case) == "reported"
    row = CaseEvent.get(CaseEvent.case == case.id, CaseEvent.seq == 2)
    assert (row.event, row.actor_id) == ("report", app_world.member.id)


def test_forged_posts_change_nothing(login, app_world):
    """Other grid, wrong role, wrong state, stale version, missing CSRF token: all refused."""
    case = new_case(app_world)
    theirs = new_case(app_world, grid=app_world.g2, actor=app_world.member_g2)
    member = login("member")
    token_page = f"/cases/{case.id}"
    attempts = [
        (theirs, "report", {"version": theirs.version}, 404),
        (case, "void", {"version": case.version, "void_kind": "invalid", "reason": "x"}, 403),
        (case, "rectify", {"version": case.version, "note": "x"}, 403),
        (case, "verify", {"version": case.version, "note": "x"}, 400),
        (case, "report", {"version": case.version - 1}, 409),
    ]
    for target, event, data, status in attempts:
        before = (state_of(target), history_count(target))
        response = member.post(f"/cases/{target.id}/events/{event}", data, token_from=token_page)
        assert response.status_code == status, (event, response.status_code)
        assert (state_of(target), history_count(target)) == before
    response = member.http.post(f"/cases/{case.id}/events/report", data={"version": case.version})
    assert response.status_code == 400
    assert state_of(case) == "found"


def test_stale_form_says_changed_by_someone_else(login, app_world):
    case = new_case(app_world)
    member = login("member")
    member.post(f"/cases/{case.id}/events/report", {"version": case.version}, token_from=f"/cases/{case.id}")
    response = login("member2").post(f"/cases/{case.id}/events/handle", {"version": case.version, "note": "n"},
                                     token_from=f"/cases/{case.id}")
    assert response.status_code == 409
    assert "已被他人更新" in response.get_data(as_text=True)


def test_after_photo_is_reencoded_and_a_fake_one_refused(login, app_world):
    case = new_case(app_world)
    member = login("member")
    url = f"/cases/{case.id}/events/handle"
    fake = {"version": case.version, "note": "已清理", "photos": (io.BytesIO(b"not an image"), "x.jpg")}
    response = member.post(url, fake, token_from=f"/cases/{case.id}", content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不是照片" in html and "已清理" in html  # the message, and the note kept
    assert state_of(case) == "found" and Attachment.select().count() == 0
    good = {"version": case.version, "note": "已清理", "photos": (io.BytesIO(jpeg_bytes()), "after.jpg")}
    response = member.post(url, good, token_from=f"/cases/{case.id}", content_type="multipart/form-data")
    assert response.status_code == 303
    photo = Attachment.get(Attachment.case == case.id)
    assert (photo.kind, photo.width, photo.height, photo.content_type) == ("after", 64, 48, "image/jpeg")
    thumb = member.get(f"/attachments/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
    thumb.close()
    assert login("member_g2").get(f"/attachments/{photo.id}").status_code == 404


def test_workflow_page_and_language_switch(login, app_world):
    member = login("member")
    html = member.get("/workflow").get_data(as_text=True)
    assert "stateDiagram-v2" in html and "待处置" in html
    member.post("/lang", {"lang": "en", "next": "/workflow"}, token_from="/workflow")
    assert "Found" in member.get("/workflow").get_data(as_text=True)


def test_double_submitted_event_form_records_one_event(login, app_world):
    """The form's request key makes a double tap harmless."""
    case = new_case(app_world)
    member = login("member")
    html = member.get(f"/cases/{case.id}").get_data(as_text=True)
    import re

    key = re.search(r'action="/cases/%d/events/report".*?name="request_key" value="([0-9a-f]+)"' % case.id, html,
                    re.S).group(1)
    form = {"version": case.version, "request_key": key}
    first = member.post(f"/cases/{case.id}/events/report", form, token_from=f"/cases/{case.id}")
    second = member.post(f"/cases/{case.id}/events/report", form, token_from=f"/cases/{case.id}")
    assert first.status_code == 303 and second.status_code == 303
    assert history_count(case) == 2
