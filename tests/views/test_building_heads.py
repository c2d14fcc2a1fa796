"""Building heads and unit heads (楼栋长、单元长): the roster kept by the grid's team (add, end with a
reason, print, export — phones masked), and the narrow sign-in of a head: the rooms, households and
people they keep, masked, without sensitive groups; nothing else of the grid or of the case loop."""
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests.registry_world import make_registry
from workflows.models import BuildingHead, Unit

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def reg(app, app_world):
    w = app_world
    w.registry = make_registry({"g1": w.g1, "g2": w.g2})
    r = w.registry["g1"]
    # A second unit of the same building: a unit head of it does not see 1单元's rooms.
    w.unit2 = Unit.create(building=r.building, name="2单元")
    w.head_user = w.building_head
    return w


def form_token(client, url):
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def add(client, w, place, **extra):
    data = {"place": place, "name": "王大爷", "phone": "13912345678", "user": "", "started_on": "2026-03-01",
            "csrf_token": form_token(client, "/registry/grids/G1/heads"), **extra}
    return client.http.post("/registry/grids/G1/heads/new", data=data)


def test_the_lead_keeps_the_roster_and_it_prints_and_exports_masked(reg, login):
    w, lead = reg, login("lead")
    r = w.registry["g1"]
    assert add(lead, w, f"b{r.building.id}", user=str(w.head_user.id)).status_code == 303
    assert add(lead, w, f"u{w.unit2.id}", name="李阿姨", phone="").status_code == 303
    html = lead.get("/registry/grids/G1/heads").get_data(as_text=True)
    assert "王大爷" in html and "李阿姨" in html and "139****5678" in html and "13912345678" not in html
    printed = lead.get("/registry/grids/G1/heads/print").get_data(as_text=True)
    assert 'id="roster-sheet"' in printed and "王大爷" in printed and "13912345678" not in printed
    book = load_workbook(io.BytesIO(lead.get("/registry/grids/G1/heads.xlsx").data), read_only=True)
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert ["1号楼", "整栋", "王大爷", "139****5678", "是", "2026-03-01"] in rows
    assert not any("13912345678" in str(cell) for row in rows for cell in row)
    # Ending a duty needs a reason; it stays on the roster as ended, with who and why.
    head = BuildingHead.get(BuildingHead.name == "李阿姨")
    token = form_token(lead, "/registry/grids/G1/heads")
    refused = lead.http.post(f"/registry/heads/{head.id}/end", data={"on": "2026-04-01", "reason": "", "csrf_token": token})
    assert refused.status_code == 400 and BuildingHead.get_by_id(head.id).ended_on is None
    done = lead.http.post(f"/registry/heads/{head.id}/end", data={"on": "2026-04-01", "reason": "搬走了", "csrf_token": token})
    assert done.status_code == 303
    ended = BuildingHead.get_by_id(head.id)
    assert (ended.ended_on, ended.end_reason, ended.ended_by_id) == (date(2026, 4, 1), "搬走了", w.lead.id)
    assert BuildingHead.select().count() == 2  # never deleted


def test_bad_roster_input_is_a_400_and_changes_nothing(reg, login):
    w, lead = reg, login("lead")
    r2 = w.registry["g2"]
    for place in (f"b{r2.building.id}", "b999999999999", "x1", "", "u" + "9" * 40):
        response = add(lead, w, place)
        assert response.status_code == 400, place
    assert add(lead, w, f"b{w.registry['g1'].building.id}", started_on="2026-13-40").status_code == 400
    assert add(lead, w, f"b{w.registry['g1'].building.id}", user="99999").status_code == 400
    assert BuildingHead.select().count() == 0


def test_only_keepers_change_the_roster_and_only_viewers_read_it(reg, login):
    w = reg
    for username, read, write in (("member", 200, 303), ("community", 200, 303), ("supervisor", 200, None),
                                  ("member_g2", 404, None), ("handler", 403, None), ("building_head", 403, None)):
        client = login(username)
        assert client.get("/registry/grids/G1/heads").status_code == read, username
        if write:
            assert add(client, w, f"b{w.registry['g1'].building.id}", name=username).status_code == write
    assert sorted(h.name for h in BuildingHead.select()) == ["community", "member"]


def test_a_building_head_signs_in_to_the_rooms_they_keep_masked_without_sensitive_groups(reg, login):
    w = reg
    r, r2 = w.registry["g1"], w.registry["g2"]
    BuildingHead.create(grid=w.g1, building=r.building, name="楼栋长老王", user=w.head_user, started_on=date(2026, 3, 1),
                        created_at=datetime(2026, 3, 1, 9))
    head = login("building_head")
    assert head.get("/").headers["Location"].endswith("/registry")
    index = head.get("/registry").get_data(as_text=True)
    assert r.building.name in index and r2.building.name not in index
    building = head.get(f"/registry/buildings/{r.building.id}").get_data(as_text=True)
    assert r.head.name in building
    person = head.get(f"/registry/people/{r.other.id}")
    assert person.status_code == 200
    html = person.get_data(as_text=True)
    assert r.other.id_number not in html and r.other.phone not in html and "社区矫正" not in html
    assert r.other.id_number[-4:] in html  # masked, the tail shown
    found = head.get(f"/registry/search?q={r.other.id_number[-4:]}").get_data(as_text=True)
    assert r.other.name in found
    # Nothing else: another grid's people, the grid page, organisations, reveals, edits, the case loop.
    for url in (f"/registry/people/{r2.head.id}", "/registry/grids/G1", f"/registry/organisations/{r.org.id}",
                f"/registry/things/{r.thing.id}", f"/registry/people/{r.head.id}/edit", "/registry/grids/G1/heads",
                "/cases", "/board", "/notices", "/stats", "/registry/reveals", "/work"):
        assert head.get(url).status_code in (403, 404), url
    token = form_token(head, "/account/password")
    reveal = head.http.post(f"/registry/people/{r.other.id}/reveal",
                            data={"field": "id_number", "reason": "核对", "csrf_token": token})
    assert reveal.status_code in (403, 404)
    assert r2.head.name not in head.get(f"/registry/search?q={r2.head.id_number[-4:]}").get_data(as_text=True)


def test_a_unit_head_sees_only_their_unit_and_an_ended_duty_sees_nothing(reg, login):
    w = reg
    r = w.registry["g1"]
    duty = BuildingHead.create(grid=w.g1, building=r.building, unit=w.unit2, name="单元长", user=w.head_user,
                               started_on=date(2026, 3, 1), created_at=datetime(2026, 3, 1, 9))
    head = login("building_head")
    assert head.get(f"/registry/rooms/{r.room.id}").status_code == 404  # 1单元's room: not theirs
    assert head.get(f"/registry/people/{r.head.id}").status_code == 404
    assert r.head.name not in head.get(f"/registry/buildings/{r.building.id}").get_data(as_text=True)
    BuildingHead.update(ended_on=date(2026, 3, 2), end_reason="卸任").where(BuildingHead.id == duty.id).execute()
    assert head.get(f"/registry/buildings/{r.building.id}").status_code == 404
    assert r.building.name not in head.get("/registry").get_data(as_text=True)
