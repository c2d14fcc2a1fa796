"""The intake form: fields, photos, handling on the spot in one transaction, idempotency,
patrol links, refusals that keep what was typed and store nothing, and who may record where."""
import gc
import io
import os
import re
from datetime import timedelta

import warnings

import pytest
from PIL import Image

from tests.factories import T0, new_case
from workflows.errors import WorkflowError
from workflows.models import Attachment, Case, CaseEvent, Category, Patrol

NOW = T0 + timedelta(hours=2)
FIELDS = ("category", "title", "description", "building", "unit", "location_text", "lat", "lng", "urgency",
          "source", "reporter_name", "reporter_phone", "photos", "handle_now", "note", "after_photos", "intake_key")


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


def jpeg(size=(80, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 60, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def form_for(w, **fields):
    """A filled intake form."""
    data = {"category": w.litter.id, "title": "", "description": "东门垃圾两天未清运", "building": w.b1.id,
            "unit": w.u1.id, "location_text": "东门", "lat": "30.25", "lng": "120.16", "urgency": "",
            "source": "patrol", "reporter_name": "", "reporter_phone": "", "intake_key": "a" * 32}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, data, grid="G1"):
    return client.post(f"/cases/new?grid={grid}", data, token_from=f"/cases/new?grid={grid}",
                       content_type="multipart/form-data")


def stored_files(app):
    folder = app.config["UPLOAD_FOLDER"]
    return os.listdir(folder) if os.path.exists(folder) else []


def test_the_form_has_the_agreed_field_names(login, app_world, clock):
    html = login("member").get("/cases/new?grid=G1").get_data(as_text=True)
    for name in FIELDS:
        assert f'name="{name}"' in html, name
    assert 'id="submit-case"' in html
    assert re.search(r'<input type="file" name="photos" accept="image/\*" capture="environment" multiple', html)
    assert re.search(r'name="intake_key" value="[0-9a-f]{32}"', html)
    assert 'type="checkbox" name="handle_now"' in html and "已现场处置" in html


def test_a_member_records_a_case_with_a_photo(login, app_world, app, clock):
    w = app_world
    response = submit(login("member"), form_for(w, photos=(io.BytesIO(jpeg()), "IMG_0001.jpg"),
                                                reporter_name="王阿姨", reporter_phone="13900001111"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/grids/G1/board")
    case = Case.get()
    assert (case.state, case.grid_id, case.building_id, case.unit_id) == ("found", w.g1.id, w.b1.id, w.u1.id)
    assert (case.title, case.urgency, case.source) == ("垃圾堆放 · 1号楼", "normal", "patrol")
    assert (case.lat, case.lng, case.location_text, case.reporter_phone) == (30.25, 120.16, "东门", "13900001111")
    assert (case.created_at, case.created_by_id, case.intake_key) == (NOW, w.member.id, "a" * 32)
    photo = Attachment.get(Attachment.case == case.id)
    assert (photo.kind, photo.event.event) == ("before", "create")
    assert len(stored_files(app)) == 2  # the photo and its thumbnail


def test_handled_on_the_spot_in_one_step(login, app_world, clock):
    w = app_world
    data = form_for(w, handle_now="y", note="已现场清理", urgency="urgent",
                    photos=(io.BytesIO(jpeg()), "before.jpg"))
    data["after_photos"] = (io.BytesIO(jpeg((50, 50))), "after.jpg")
    assert submit(login("member"), data).status_code == 303
    case = Case.get()
    assert (case.state, case.urgency, case.version) == ("handled", "urgent", 2)
    rows = list(CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq))
    assert [(r.event, r.note) for r in rows] == [("create", ""), ("handle", "已现场清理")]
    kinds = {(a.kind, a.event.event) for a in Attachment.select()}
    assert kinds == {("before", "create"), ("after", "handle")}


def test_handling_that_fails_leaves_no_case_and_no_files(login, app_world, app, clock, monkeypatch):
    import app.views.intake as intake

    def refuse(*args, **kwargs):
        raise WorkflowError("invalid", "Write a note.", field="note")

    monkeypatch.setattr(intake, "fire", refuse)
    data = form_for(w := app_world, handle_now="y", note="处理了", photos=(io.BytesIO(jpeg()), "before.jpg"))
    data["after_photos"] = (io.BytesIO(jpeg()), "after.jpg")
    response = submit(login("member"), data)
    assert response.status_code == 400 and "请填写说明。" in response.get_data(as_text=True)
    assert Case.select().count() == 0 and CaseEvent.select().count() == 0 and Attachment.select().count() == 0
    assert stored_files(app) == [] and w.g1.id


def test_a_double_submit_records_one_case_and_keeps_no_stray_photo(login, app_world, app, clock):
    member = login("member")
    for _ in range(2):
        response = submit(member, form_for(app_world, photos=(io.BytesIO(jpeg()), "x.jpg")))
        assert response.status_code == 303
    assert Case.select().count() == 1 and Attachment.select().count() == 1
    assert len(stored_files(app)) == 2


def test_a_case_recorded_on_patrol_links_to_the_patrol(login, app_world, clock):
    w = app_world
    Patrol.create(user=w.member2, grid=w.g1, started_at=T0)  # someone else's patrol
    patrol = Patrol.create(user=w.member, grid=w.g1, started_at=T0)
    Patrol.create(user=w.member, grid=w.g1, started_at=T0 - timedelta(days=1), ended_at=T0 - timedelta(hours=20))
    submit(login("member"), form_for(w))
    assert Case.get().patrol_id == patrol.id
    submit(login("member2"), form_for(w, intake_key="b" * 32))
    assert Case.get(Case.intake_key == "b" * 32).patrol_id != patrol.id


@pytest.mark.parametrize("change, field_message", [
    ({"category": None}, "请选择事件类别。"),
    ({"handle_now": "y", "note": ""}, "请填写现场处置情况。"),
    ({"reporter_phone": "call me"}, "电话号码只能包含数字"),
    ({"unit": "999"}, "请从选项中选择。"),
])
def test_a_refused_form_says_why_in_chinese_and_keeps_what_was_typed(login, app_world, app, clock, change,
                                                                     field_message):
    data = form_for(app_world, title="东门垃圾", photos=(io.BytesIO(jpeg()), "x.jpg"), **change)
    response = submit(login("member"), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_message in html and "已填写的内容已保留" in html
    assert 'value="东门垃圾"' in html and "东门垃圾两天未清运" in html and 'value="东门"' in html
    assert Case.select().count() == 0 and Attachment.select().count() == 0 and stored_files(app) == []


@pytest.mark.parametrize("upload, message", [
    ((b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024), "huge.jpg"), "超过10 MB"),
    ((b"%PDF-1.4 not a photo", "scan.jpg"), "不是照片"),
])
def test_an_oversized_or_fake_photo_is_refused_and_nothing_is_stored(login, app_world, app, clock, upload, message):
    good = (io.BytesIO(jpeg()), "good.jpg")
    bad = (io.BytesIO(upload[0]), upload[1])
    data = form_for(app_world, title="东门垃圾")
    data["photos"] = [good, bad]
    client = login("member")
    with warnings.catch_warnings():
        # werkzeug's test client spools a big body to a temporary file it leaves to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        response = submit(client, data)
        html = response.get_data(as_text=True)
        gc.collect()
    assert response.status_code == 400 and message in html and upload[1] in html
    assert 'value="东门垃圾"' in html and "东门垃圾两天未清运" in html
    assert Case.select().count() == 0 and Attachment.select().count() == 0 and stored_files(app) == []


def test_too_many_photos_are_refused(login, app_world, app, clock):
    data = form_for(app_world)
    data["photos"] = [(io.BytesIO(jpeg()), f"{i}.jpg") for i in range(app.config["MAX_PHOTOS"] + 1)]
    response = submit(login("member"), data)
    assert response.status_code == 400 and "每次最多上传6张照片" in response.get_data(as_text=True)
    assert Case.select().count() == 0 and stored_files(app) == []


@pytest.mark.parametrize("username, path, status", [
    ("member", "/cases/new?grid=G2", 404),
    ("member", "/cases/new?grid=NOPE", 404),
    ("handler", "/cases/new?grid=G1", 200),       # a grid its department serves
    ("handler", "/cases/new?grid=G4", 404),       # another street's grid
    ("env_handler", "/cases/new?grid=G4", 200),   # a district department serves every street
    ("supervisor", "/cases/new?grid=G3", 200),
    ("supervisor", "/cases/new?grid=G4", 404),
    ("admin", "/cases/new?grid=G1", 403),
    ("community2", "/cases/new?grid=G1", 404),
    ("community", "/cases/new?grid=G1", 200),
    ("street_disp", "/cases/new?grid=G3", 200),
])
def test_recording_checks_role_and_scope(login, app_world, clock, username, path, status):
    client = login(username)
    assert client.get(path).status_code == status


def test_a_forged_intake_for_another_grid_stores_nothing(login, app_world, app, clock):
    member = login("member")
    response = member.post("/cases/new?grid=G2", form_for(app_world, photos=(io.BytesIO(jpeg()), "x.jpg")),
                           token_from="/cases/new?grid=G1", content_type="multipart/form-data")
    assert response.status_code == 404
    assert Case.select().count() == 0 and stored_files(app) == []
    no_token = member.http.post("/cases/new?grid=G1", data=form_for(app_world))
    assert no_token.status_code == 400 and Case.select().count() == 0


def test_without_a_grid_members_go_to_theirs_and_offices_choose(login, app_world, clock):
    assert login("member").get("/cases/new").headers["Location"].endswith("/cases/new?grid=G1")
    html = login("community").get("/cases/new").get_data(as_text=True)
    assert "/cases/new?grid=G1" in html and "/cases/new?grid=G2" in html and "/cases/new?grid=G3" not in html


def test_the_categories_most_used_in_the_grid_come_first(login, app_world, clock):
    w = app_world
    for _ in range(3):
        new_case(w, category=w.complex, at=NOW - timedelta(days=1))
    new_case(w, category=w.urgent, at=NOW - timedelta(days=1))
    Category.update(active=False).where(Category.id == w.litter.id).execute()
    html = login("member").get("/cases/new?grid=G1").get_data(as_text=True)
    common = html.split('class="chips common"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'value="(\d+)"', common) == [str(w.complex.id), str(w.urgent.id)]
    assert f'value="{w.litter.id}"' not in html  # deactivated categories leave the picker


def test_a_department_inspector_records_straight_into_its_own_queue(login, app_world, clock):
    """Issue 19: a sanitation inspector's find of a category routed to the department is assigned to it at once."""
    Category.update(inspected_to="department").where(Category.id == app_world.litter.id).execute()
    client = login("handler")
    form = client.get("/cases/new?grid=G1").get_data(as_text=True)
    assert 'name="handle_now"' not in form
    response = submit(client, form_for(app_world, building="", unit=""))
    assert response.status_code == 303
    case = Case.get()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert (case.state, case.department_id, case.level) == ("assigned", app_world.sanitation.id, "street")
    rows = [(e.event, e.actor_id, e.department_id) for e in CaseEvent.select().order_by(CaseEvent.seq)]
    assert rows == [("create", app_world.handler.id, None), ("take_on", app_world.handler.id, app_world.sanitation.id)]
    assert client.get(f"/cases/{case.id}").status_code == 200


def test_a_supervisors_find_goes_to_the_grid(login, app_world, clock):
    client = login("supervisor")
    response = submit(client, form_for(app_world, building="", unit=""), grid="G3")
    assert response.status_code == 303 and response.headers["Location"].endswith("/grids/G3/board")
    case = Case.get()
    assert (case.state, case.level, case.department_id) == ("reported", "grid", None)
    assert [e.event for e in CaseEvent.select().order_by(CaseEvent.seq)] == ["create", "pass_to_grid"]
