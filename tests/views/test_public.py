"""Residents: the public sign, reporting, tracking in plain words, rating, and the supervisors' reopen requests."""
import io
import re
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from tests.public_helpers import after_photo, drive_to_closed, jpeg_bytes, make_public
from app.storage import RateBucket
from workflows.models import Attachment, Case, CaseEvent, ReopenRequest, ResidentRating, User
from workflows.service import fire


@pytest.fixture
def world(app_world):
    return make_public(app_world)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T0


def report_form(client, world, **fields):
    """POST the report form of grid 1 (CSRF token taken from the form page)."""
    data = {"category": str(world.litter.id), "description": "东门垃圾堆了三天没人清运", "place": f"u{world.u1.id}",
            "location": "车棚旁", "phone": "139 1234 5678"}
    data.update(fields)
    return client.post("/g/G1/report", data, token_from="/g/G1/report", content_type="multipart/form-data")


def tracking_path(response):
    location = response.headers["Location"]
    assert re.fullmatch(r"/track/[2-9A-HJKMNP-Z]{16}", location), location
    return location


def test_public_sign_shows_published_phones_and_anonymised_results(client, world, clock, app):
    User.update(phone="13911112222", publish_phone=True, duties="每日巡查").where(User.id == world.member.id).execute()
    User.update(phone="13933334444", publish_phone=False).where(User.id == world.member2.id).execute()
    case = new_case(world, reporter_name="张三", reporter_phone="13655556666", source="resident")
    drive_to_closed(world, case, T0)
    html = client.get("/g/G1").get_data(as_text=True)
    assert "一网格" in html and "13911112222" in html and "每日巡查" in html
    assert "13933334444" not in html  # chose not to publish
    assert "网格长" in html and "lead" in html  # the lead's name is listed
    assert "本网格近期办结" in html and "垃圾堆放" in html and "环卫所" in html
    assert "张三" not in html and "13655556666" not in html and case.title not in html
    assert "/g/G1/report" in html and "/g/G1/qr.svg" in html
    assert "cases" not in re.findall(r'href="/([a-z]+)', html)  # no staff navigation
    assert client.get("/g/NOPE").status_code == 404


def test_qr_code_encodes_the_report_url(client, world, app):
    app.config["PUBLIC_BASE_URL"] = "https://wangge.example.gov.cn"
    svg = client.get("/g/G1/qr.svg")
    assert svg.status_code == 200 and svg.content_type == "image/svg+xml"
    poster = client.get("/g/G1/poster").get_data(as_text=True)
    assert "https://wangge.example.gov.cn/g/G1/report" in poster


def test_resident_report_becomes_a_found_case_with_a_tracking_code(client, world, clock):
    response = report_form(client, world, photos=(io.BytesIO(jpeg_bytes()), "p.jpg"))
    assert response.status_code == 303
    code = tracking_path(response).rsplit("/", 1)[1]
    case = Case.get(Case.tracking_code == code)
    assert (case.state, case.source, case.grid_id, case.category_id) == ("found", "resident", world.g1.id, world.litter.id)
    assert (case.building_id, case.unit_id) == (world.b1.id, world.u1.id)
    assert case.location_text == "1号楼1单元 车棚旁" and case.reporter_phone == "139 1234 5678"
    assert case.title == "东门垃圾堆了三天没人清运"
    row = CaseEvent.get(CaseEvent.case == case.id)
    assert (row.event, row.actor_role, row.actor_id) == ("create", "resident", None)
    assert Attachment.get(Attachment.case == case.id).kind == "before"
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "已受理，网格员正在核实处理" in page and "感谢您的反映" in page
    assert "1234" not in page and "5678" not in page


def test_tracking_codes_are_random_and_typed_codes_are_forgiving(client, world, clock):
    codes = {tracking_path(report_form(client, world)).rsplit("/", 1)[1] for _ in range(3)}
    assert len(codes) == 3
    code = codes.pop()
    grouped = "-".join(code[i:i + 4] for i in range(0, 16, 4)).lower()
    assert client.get(f"/track?code={grouped}").headers["Location"] == f"/track/{code}"
    missing = client.get("/track?code=ABCD-EFGH-JKMN-PQRS")
    assert missing.status_code == 404 and "没有找到这个查询码" in missing.get_data(as_text=True)


@pytest.mark.parametrize("fields, field_message", [
    ({"category": ""}, "请选择问题类型"),
    ({"category": "999"}, "请选择问题类型"),
    ({"description": "脏"}, "请用几句话描述问题"),
    ({"description": "很" * 1001}, "描述请不要超过 1000 个字"),
    ({"phone": "call me"}, "电话号码只能填数字"),
    ({"place": "b999999"}, "请从列表中选择楼栋"),
    ({"photos": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.jpg")}, "不是照片"),
    ({"photos": [(io.BytesIO(jpeg_bytes()), f"{i}.jpg") for i in range(4)]}, "最多 3 张"),
])
def test_bad_reports_are_refused_in_chinese_and_store_nothing(client, world, clock, fields, field_message):
    before = (Case.select().count(), Attachment.select().count())
    response = report_form(client, world, **fields)
    assert response.status_code == 400
    assert field_message in response.get_data(as_text=True)
    assert (Case.select().count(), Attachment.select().count()) == before


def test_a_private_category_or_a_building_of_another_grid_is_refused(client, world, clock):
    assert report_form(client, world, category=str(world.urgent.id)).status_code == 400
    assert report_form(client, world, place=f"b{world.b2.id}").status_code == 400
    assert Case.select().count() == 0


def test_honeypot_refuses_with_a_clear_message(client, world, clock):
    response = report_form(client, world, website="http://spam.example")
    assert response.status_code == 400
    assert "疑似由程序自动填写" in response.get_data(as_text=True)
    assert Case.select().count() == 0


def test_reports_are_rate_limited_per_address(client, world, clock, app):
    app.config["PUBLIC_REPORT_LIMITS"] = ((2, 600),)
    assert report_form(client, world).status_code == 303
    assert report_form(client, world).status_code == 303
    refused = report_form(client, world)
    assert refused.status_code == 429 and "提交次数过多" in refused.get_data(as_text=True)
    assert Case.select().count() == 2
    other = client.http.post("/g/G1/report", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 400  # another address is not limited (only its CSRF token is missing)
    clock.advance(minutes=25)
    assert report_form(client, world).status_code == 303
    assert RateBucket.select().where(RateBucket.key == "report:127.0.0.1").count() >= 1


def test_tracking_follows_dispatch_and_closing_in_plain_words(client, world, clock, app):
    code = tracking_path(report_form(client, world)).rsplit("/", 1)[1]
    case = Case.get(Case.tracking_code == code)
    drive_to_closed(world, case, T0, steps=3)
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "责任单位正在办理" in page and "环卫所" in page and "派交责任单位办理" in page
    assert "13800001111" not in page and "请尽快清运" not in page  # instructions are internal
    assert "member" not in page and "community" not in page  # no staff names
    assert 'id="rating"' not in page
    fire_rest(world, case, app)
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "已办结" in page and "群众满意，予以销号。" in page
    photo = Attachment.get((Attachment.case == case.id) & (Attachment.kind == "after"))
    assert f"/photos/{photo.id}" in page
    served = client.get(f"/photos/{photo.id}")
    assert served.status_code == 200 and served.content_type == "image/jpeg"
    served.close()
    assert 'name="rating"' in page


def fire_rest(world, case, app):
    """Rectify (with an after-photo), verify and close a dispatched case."""
    fire(case, "rectify", world.handler, T0 + timedelta(hours=1), attachments=[after_photo(app)], note="已清运完毕。")
    fire(case, "verify", world.member, T0 + timedelta(hours=2), note="经现场核查，整改到位。")
    fire(case, "close", world.community, T0 + timedelta(hours=3), callback="satisfied", note="群众满意，予以销号。")


def test_open_case_photos_and_before_photos_are_not_public(client, world, clock, app):
    report_form(client, world, photos=(io.BytesIO(jpeg_bytes()), "p.jpg"))
    before = Attachment.get(Attachment.kind == "before")
    assert client.get(f"/photos/{before.id}").status_code == 404


def test_rating_once_and_dissatisfied_goes_to_the_supervisor(client, login, world, clock, app):
    code = tracking_path(report_form(client, world)).rsplit("/", 1)[1]
    case = Case.get(Case.tracking_code == code)
    drive_to_closed(world, case, T0, photo=after_photo(app))
    clock.advance(hours=5)
    assert Case.get_by_id(case.id).state == "closed"
    response = client.post(f"/track/{code}/rating", {"rating": "dissatisfied", "comment": "又堆起来了"},
                           token_from=f"/track/{code}")
    assert response.status_code == 303
    rating = ResidentRating.get(ResidentRating.case == case.id)
    assert (rating.rating, rating.comment) == ("dissatisfied", "又堆起来了")
    request = ReopenRequest.get(ReopenRequest.case == case.id)
    assert request.status == "pending"
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "督导组将复核此事件" in page and "您的评价" in page and 'name="rating"' not in page
    again = client.post(f"/track/{code}/rating", {"rating": "satisfied"}, token_from=f"/track/{code}")
    assert again.status_code == 409 and "已评价过" in again.get_data(as_text=True)
    assert ResidentRating.select().count() == 1

    supervisor = login("supervisor")
    listing = supervisor.get("/supervision/reopen-requests").get_data(as_text=True)
    assert case.number in listing and "又堆起来了" in listing and "重新办理" in listing
    assert login("other_supervisor").get("/supervision/reopen-requests").get_data(as_text=True).count(case.number) == 0
    assert login("member").get("/supervision/reopen-requests").status_code == 403
    assert login("other_supervisor").post(f"/supervision/reopen-requests/{request.id}",
                                          {"action": "reopen", "note": "x"},
                                          token_from="/supervision/reopen-requests").status_code == 404
    empty = supervisor.post(f"/supervision/reopen-requests/{request.id}", {"action": "reopen", "note": ""},
                            token_from="/supervision/reopen-requests")
    assert empty.status_code == 400 and "请填写理由" in empty.get_data(as_text=True)
    done = supervisor.post(f"/supervision/reopen-requests/{request.id}",
                           {"action": "reopen", "note": "群众不满意，重新办理"}, token_from="/supervision/reopen-requests")
    assert done.status_code == 303
    case = Case.get_by_id(case.id)
    assert case.state == "reported"
    last = CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq.desc()).first()
    assert (last.event, last.actor_id, last.note) == ("reopen", world.supervisor.id, "群众不满意，重新办理")
    assert ReopenRequest.get_by_id(request.id).status == "reopened"
    staff_page = supervisor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "群众评价" in staff_page and "督导已决定重新办理" in staff_page


def test_satisfied_rating_makes_no_request_and_dismissal_keeps_the_case_closed(client, login, world, clock, app):
    first = tracking_path(report_form(client, world)).rsplit("/", 1)[1]
    second = tracking_path(report_form(client, world)).rsplit("/", 1)[1]
    for code in (first, second):
        drive_to_closed(world, Case.get(Case.tracking_code == code), T0)
    client.post(f"/track/{first}/rating", {"rating": "satisfied"}, token_from=f"/track/{first}")
    assert ReopenRequest.select().count() == 0
    client.post(f"/track/{second}/rating", {"rating": "dissatisfied"}, token_from=f"/track/{second}")
    request = ReopenRequest.get()
    response = login("supervisor").post(f"/supervision/reopen-requests/{request.id}",
                                        {"action": "dismiss", "note": "已核实整改到位"},
                                        token_from="/supervision/reopen-requests")
    assert response.status_code == 303
    assert ReopenRequest.get_by_id(request.id).status == "dismissed"
    assert Case.get(Case.tracking_code == second).state == "closed"


def test_rating_is_refused_before_closing_and_after_30_days(client, world, clock):
    code = tracking_path(report_form(client, world)).rsplit("/", 1)[1]
    early = client.post(f"/track/{code}/rating", {"rating": "satisfied"}, token_from=f"/track/{code}")
    assert early.status_code == 400 and "办结后即可评价" in early.get_data(as_text=True)
    drive_to_closed(world, Case.get(Case.tracking_code == code), T0)
    clock.advance(days=31)
    late = client.post(f"/track/{code}/rating", {"rating": "satisfied"}, token_from=f"/track/{code}")
    assert late.status_code == 400 and "30 天后不再接受评价" in late.get_data(as_text=True)
    bad = client.post(f"/track/{code}/rating", {"rating": "great"}, token_from=f"/track/{code}")
    assert bad.status_code == 400
    assert ResidentRating.select().count() == 0


def test_voided_duplicate_reads_as_merged(client, world, clock):
    code = tracking_path(report_form(client, world)).rsplit("/", 1)[1]
    original = new_case(world)
    fire(Case.get(Case.tracking_code == code), "void", world.lead, T0, void_kind="duplicate",
         duplicate_of=original.number, reason="与已上报事件重复")
    page = client.get(f"/track/{code}").get_data(as_text=True)
    assert "已与之前反映的同一问题合并办理" in page and "与已上报事件重复" in page


def test_staff_pages_need_their_roles(login, world):
    assert login("member").get("/admin/api-keys").status_code == 403
    assert login("supervisor").get("/admin/api-keys").status_code == 403
    assert login("admin").get("/supervision/reopen-requests").status_code == 403
    nav = login("admin").get("/admin/api-keys").get_data(as_text=True)
    assert "接口密钥" in nav
    assert "重办申请" in login("supervisor").get("/cases").get_data(as_text=True)
