"""Each role lands where it works; dispatchers and departments work from their queues."""
import re
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from workflows.service import fire

NOW = T0 + timedelta(hours=2)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


@pytest.mark.parametrize("username, landing", [
    ("member", "/work"),
    ("lead", "/work"),
    ("community", "/queue"),
    ("street_disp", "/queue"),
    ("handler", "/queue"),
    ("supervisor", "/streets/S1/board"),
    ("district_disp", "/queue"),
    ("admin", "/admin/"),
])
def test_each_role_lands_where_it_works(login, app_world, clock, username, landing):
    client = login(username)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_members_see_the_big_new_case_button_and_their_board_in_the_menu(login, app_world, clock):
    html = login("member").get("/grids/G1/board").get_data(as_text=True)
    assert 'id="new-case" href="/cases/new?grid=G1"' in html and "新建事件" in html
    assert login("member").get("/board").headers["Location"] == "/grids/G1/board"
    assert login("handler").get("/board").headers["Location"] == "/departments/sanitation/board"
    assert login("community").get("/board").headers["Location"] == "/communities/C1/board"
    assert login("admin").get("/board").status_code == 403  # an administrator has no board of their own


def section(html, name):
    """The case ids listed in one queue section."""
    part = html.split(f'id="queue-{name}"', 1)[1].split("</section>", 1)[0]
    return [int(i) for i in re.findall(r'<article id="case-(\d+)"', part)]


def test_the_community_queue_holds_what_waits_for_its_decision(login, app_world, clock):
    w = app_world
    at_grid = new_case(w)
    fire(at_grid, "report", w.member, T0)  # the lead decides this one
    to_decide = new_case(w, actor=w.lead)
    fire(to_decide, "report", w.lead, T0)
    urgent = new_case(w, actor=w.lead, category=w.urgent, at=T0 - timedelta(days=3))
    fire(urgent, "report", w.lead, T0 - timedelta(days=3))
    lead_handled = new_case(w, actor=w.lead)
    fire(lead_handled, "handle", w.lead, T0, note="已处理")
    member_handled = new_case(w)
    fire(member_handled, "handle", w.member, T0, note="已处理")  # the lead checks this one
    verified = new_case(w, actor=w.lead)
    fire(verified, "report", w.lead, T0)
    fire(verified, "dispatch", w.community, T0, department=w.sanitation.id)
    fire(verified, "rectify", w.handler, T0, note="ok")
    fire(verified, "verify", w.member, T0, note="ok")
    html = login("community").get("/queue").get_data(as_text=True)
    assert section(html, "intake") == [urgent.id, to_decide.id]  # nearest deadline first
    assert section(html, "check") == [lead_handled.id]
    assert section(html, "close") == [verified.id]
    assert f"/cases/{to_decide.id}/events/dispatch" in html and f"/cases/{verified.id}/events/close" in html


def test_the_department_queue_is_its_assigned_cases_nearest_deadline_first(login, app_world, clock):
    w = app_world
    cases = []
    for category in (w.complex, w.urgent, w.litter):
        case = new_case(w, actor=w.lead, category=category)
        fire(case, "report", w.lead, T0)
        fire(case, "dispatch", w.community, T0, department=w.sanitation.id)
        cases.append(case)
    other = new_case(w, actor=w.lead)
    fire(other, "report", w.lead, T0)
    fire(other, "dispatch", w.community, T0, department=w.police.id)
    html = login("handler").get("/queue").get_data(as_text=True)
    complex_, urgent, normal = cases
    assert section(html, "assigned") == [urgent.id, normal.id, complex_.id]
    assert other.number not in html


def test_the_queue_is_for_dispatchers_and_departments_only(login, app_world, clock):
    for username in ("member", "lead", "supervisor", "admin"):
        assert login(username).get("/queue").status_code == 403


def test_the_queue_polls_with_an_etag(login, app_world, clock):
    handler = login("handler")
    headers = {"HX-Request": "true", "HX-Target": "queue"}
    etag = handler.get("/queue", headers=headers).headers["ETag"]
    assert handler.get("/queue", headers={**headers, "If-None-Match": etag}).status_code == 304
