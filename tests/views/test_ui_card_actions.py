"""Acting on a card: the answer moves it, a stale card says so, nothing is applied twice,
and forged requests change nothing."""
import io
import os
import re
from datetime import timedelta

from PIL import Image

from tests.factories import T0, new_case
from workflows.models import Attachment, Case, CaseEvent

NOW = T0 + timedelta(hours=2)


def card_headers(case):
    """What htmx sends for a card's form."""
    return {"HX-Request": "true", "HX-Target": f"case-{case.id}"}


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


def state_and_history(case):
    fresh = Case.get_by_id(case.id)
    return fresh.state, fresh.level, fresh.department_id, CaseEvent.select().where(CaseEvent.case == case.id).count()


def post_card(client, case, event, data, view="board", **kw):
    """POST a card's form as htmx does."""
    form = {"version": case.version, "view": view, **data}
    return client.post(f"/cases/{case.id}/events/{event}", form, token_from="/grids/G1/board",
                       headers=card_headers(case), **kw)


def test_a_one_tap_action_moves_the_card_into_its_new_column(login, app_world, clock):
    case = new_case(app_world)
    response = post_card(login("member"), case, "report", {"request_key": "k" * 32})
    assert response.status_code == 200
    html = response.get_data(as_text=True).strip()
    assert html.startswith('<div hx-swap-oob="afterbegin:#cards-reported">')
    assert f'<article id="case-{case.id}"' in html and html.count("<article") == 1
    assert response.headers["HX-Trigger-After-Settle"] == "board-changed"
    assert state_and_history(case)[::3] == ("reported", 2)
    row = CaseEvent.get(CaseEvent.case == case.id, CaseEvent.seq == 2)
    assert (row.event, row.actor_id, row.request_key) == ("report", app_world.member.id, "k" * 32)


def test_an_inline_form_refusal_keeps_the_card_in_place_with_the_message_and_the_input(login, app_world, clock):
    w = app_world
    case = new_case(w)
    post_card(login("lead"), case, "report", {})
    case = Case.get_by_id(case.id)
    office = login("street_disp")
    # The case is at grid level: the lead escalates first.
    post_card(login("lead"), case, "escalate", {"reason": "报社区"})
    post_card(login("community"), Case.get_by_id(case.id), "escalate", {"reason": "报街道"})
    case = Case.get_by_id(case.id)
    before = state_and_history(case)
    response = post_card(office, case, "dispatch", {"instructions": "三天内清理完毕"})
    assert response.status_code == 400
    html = response.get_data(as_text=True).strip()
    assert html.startswith(f'<article id="case-{case.id}"') and "hx-swap-oob" not in html
    assert "请选择职能部门。" in html and "三天内清理完毕" in html
    assert re.search(r'<details class="card-action" open>\s*<summary class="button">派遣', html)
    assert "HX-Trigger-After-Settle" not in response.headers
    assert state_and_history(case) == before


def test_a_stale_card_says_so_and_shows_the_case_as_it_is(login, app_world, clock):
    case = new_case(app_world)
    post_card(login("member2"), case, "report", {})
    before = state_and_history(case)
    response = post_card(login("member"), case, "handle", {"note": "已处理"})  # the version the member saw
    assert response.status_code == 409
    html = response.get_data(as_text=True).strip()
    assert "已被他人更新" in html
    assert html.startswith('<div hx-swap-oob="afterbegin:#cards-reported">')
    assert "/events/handle" not in html  # the fresh card offers what is possible now: nothing, for a member
    assert state_and_history(case) == before


def test_a_double_tap_is_applied_once(login, app_world, clock):
    case = new_case(app_world)
    member = login("member")
    first = post_card(member, case, "report", {"request_key": "d" * 32})
    second = post_card(member, case, "report", {"request_key": "d" * 32})
    assert first.status_code == second.status_code == 200
    assert state_and_history(case)[::3] == ("reported", 2)


def test_a_queue_card_stays_in_place_after_the_action(login, app_world, clock):
    w = app_world
    case = new_case(w, actor=w.lead)
    post_card(login("lead"), case, "report", {})
    case = Case.get_by_id(case.id)
    response = login("community").post(
        f"/cases/{case.id}/events/dispatch", {"version": case.version, "view": "queue", "department": w.sanitation.id},
        token_from="/queue", headers=card_headers(case))
    html = response.get_data(as_text=True).strip()
    assert response.status_code == 200 and html.strip().startswith(f'<article id="case-{case.id}"')
    assert "环卫所" in html and state_and_history(case)[0] == "assigned"


def test_a_case_the_actor_can_no_longer_see_leaves_their_queue(login, app_world, clock):
    w = app_world
    case = new_case(w, actor=w.lead)
    post_card(login("lead"), case, "report", {})
    post_card(login("community"), Case.get_by_id(case.id), "dispatch", {"department": w.sanitation.id})
    case = Case.get_by_id(case.id)
    response = login("handler").post(
        f"/cases/{case.id}/events/decline", {"version": case.version, "view": "queue", "reason": "不属于本部门"},
        token_from="/queue", headers=card_headers(case))
    assert response.status_code == 200 and response.data == b""
    assert state_and_history(case)[:3] == ("reported", "community", None)


def test_a_card_photo_that_is_not_an_image_is_refused_and_nothing_is_stored(login, app_world, app, clock):
    w = app_world
    case = new_case(w, actor=w.lead)
    post_card(login("lead"), case, "report", {})
    post_card(login("community"), Case.get_by_id(case.id), "dispatch", {"department": w.sanitation.id})
    case = Case.get_by_id(case.id)
    before = state_and_history(case)
    data = {"note": "已清运", "photos": (io.BytesIO(b"GIF89a but not really"), "after.jpg")}
    response = post_card(login("handler"), case, "rectify", data, view="queue", content_type="multipart/form-data")
    html = response.get_data(as_text=True).strip()
    assert response.status_code == 400 and "不是照片" in html and "已清运" in html
    assert state_and_history(case) == before and Attachment.select().count() == 0
    folder = app.config["UPLOAD_FOLDER"]
    assert not os.path.exists(folder) or os.listdir(folder) == []


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 128, 0)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_rectify_with_an_after_photo_from_the_card(login, app_world, clock):
    w = app_world
    case = new_case(w, actor=w.lead)
    post_card(login("lead"), case, "report", {})
    post_card(login("community"), Case.get_by_id(case.id), "dispatch", {"department": w.sanitation.id})
    case = Case.get_by_id(case.id)
    data = {"note": "已清运", "photos": (io.BytesIO(jpeg()), "after.jpg")}
    response = post_card(login("handler"), case, "rectify", data, view="queue", content_type="multipart/form-data")
    assert response.status_code == 200
    photo = Attachment.get(Attachment.case == case.id)
    assert photo.kind == "after" and photo.event.event == "rectify"


def test_forged_card_posts_are_refused_and_change_nothing(login, app_world, clock):
    """Other grid, wrong role, wrong state, missing CSRF token: all refused, nothing changes."""
    w = app_world
    case = new_case(w)
    theirs = new_case(w, grid=w.g2, actor=w.member_g2)
    member = login("member")
    attempts = [
        (theirs, "report", {}, 404),
        (case, "void", {"void_kind": "invalid", "reason": "x"}, 403),
        (case, "dispatch", {"department": w.sanitation.id}, 403),
        (case, "verify", {"note": "x"}, 400),
        (case, "nonsense", {}, 404),
    ]
    for target, event, data, status in attempts:
        before = state_and_history(target)
        response = post_card(member, target, event, data)
        assert response.status_code == status, (event, response.status_code)
        assert "<html" not in response.get_data(as_text=True)  # an htmx answer fits in the card
        assert state_and_history(target) == before
    before = state_and_history(case)
    no_token = member.http.post(f"/cases/{case.id}/events/report", data={"version": case.version, "view": "board"},
                                headers=card_headers(case))
    assert no_token.status_code == 400
    assert state_and_history(case) == before
