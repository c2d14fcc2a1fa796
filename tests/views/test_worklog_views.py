"""Work-log pages: a member's week and day, their note, a grid's week; scope and printing."""
from datetime import date, datetime, timedelta

import pytest

from tests.factories import new_case, stop_clock
from workflows.models import WorkLogNote
from workflows.patrols import end_patrol, start_patrol
from workflows.service import fire

THURSDAY = datetime(2026, 3, 5, 18, 0)


@pytest.fixture
def w(app, app_world):
    """A member's Monday: one patrol, two cases found, one handled, one reported."""
    stop_clock(app, THURSDAY)
    p = start_patrol(app_world.member, datetime(2026, 3, 2, 9, 0))
    first = new_case(app_world, at=datetime(2026, 3, 2, 9, 10), patrol=p)
    second = new_case(app_world, at=datetime(2026, 3, 2, 9, 20), patrol=p)
    end_patrol(p, app_world.member, datetime(2026, 3, 2, 10, 0))
    fire(first, "handle", app_world.member, datetime(2026, 3, 2, 10, 30), note="已清理")
    fire(second, "report", app_world.member, datetime(2026, 3, 2, 11, 0))
    app_world.cases = (first, second)
    return app_world


def cells(html, row_id):
    """The text of each <td> of one table row."""
    row = html.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return [cell.split(">", 1)[1].split("</td>")[0].split("<")[0].strip() for cell in row.split("<td")[1:]]


def test_the_member_sees_their_week_summarised(login, w):
    member = login("member")
    landing = member.get("/worklog")
    assert landing.status_code == 302 and landing.headers["Location"].endswith(f"/worklog/people/{w.member.id}")
    page = member.get(f"/worklog/people/{w.member.id}?week=2026-03-02").get_data(as_text=True)
    assert "发现" in page and "处置" in page and "上报" in page and "核查" in page
    monday = cells(page, "day-2026-03-02")
    assert monday[1:7] == ["1", "0", "2", "1", "1", "0"]  # patrols, buildings, found, handled, reported, verified
    assert 'data-print' in page and "本周工作小结" in page
    day = member.get(f"/worklog/people/{w.member.id}/days/2026-03-02").get_data(as_text=True)
    assert all(case.number in day for case in w.cases) and "09:00–10:00" in day


def test_a_note_is_saved_and_refused_text_is_kept(login, w):
    member = login("member")
    page = f"/worklog/people/{w.member.id}/days/2026-03-05"
    ok = member.post("/worklog/notes", {"kind": "day", "day": "2026-03-05", "text": "走访独居老人2户"}, token_from=page)
    assert ok.status_code == 303
    assert WorkLogNote.get().text == "走访独居老人2户"
    too_long = "长" * 2001
    refused = member.post("/worklog/notes", {"kind": "day", "day": "2026-03-05", "text": too_long}, token_from=page)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "内容过长（最多2000个字）" in html
    assert too_long in html  # the text comes back as typed
    assert WorkLogNote.get().text == "走访独居老人2户"
    stale = member.post("/worklog/notes", {"kind": "day", "day": "2026-02-20", "text": "补记"}, token_from=page)
    assert stale.status_code == 400 and "只能填写或修改最近7天的工作记录" in stale.get_data(as_text=True)
    week = member.post("/worklog/notes", {"kind": "week", "day": "2026-03-04", "text": "本周发现2件"}, token_from=page)
    assert week.status_code == 303
    assert WorkLogNote.get(WorkLogNote.kind == "week").day == date(2026, 3, 2)
    assert login("community").post("/worklog/notes", {"kind": "day", "day": "2026-03-05", "text": "x"},
                                    token_from="/cases").status_code == 403


def test_grid_week_for_the_lead_and_offices_printable(login, w):
    lead = login("lead")
    assert lead.get("/worklog").headers["Location"].endswith("/worklog/grids/G1")
    page = lead.get("/worklog/grids/G1?week=2026-03-02").get_data(as_text=True)
    member_row = cells(page, f"person-{w.member.id}")
    assert member_row[1:7] == ["1", "1/5", "2", "1", "1", "0"]
    assert "data-print" in page and "@media print" not in page  # print styles live in the stylesheet
    assert login("supervisor").get("/worklog/grids/G1").status_code == 200
    assert "一网格" in login("community").get("/worklog").get_data(as_text=True)


def test_logs_are_scoped(login, w):
    assert login("member2").get(f"/worklog/people/{w.member.id}").status_code == 404
    assert login("lead_g2").get(f"/worklog/people/{w.member.id}").status_code == 404
    assert login("lead_g2").get("/worklog/grids/G1").status_code == 404
    assert login("other_supervisor").get("/worklog/grids/G1").status_code == 404
    assert login("lead").get(f"/worklog/people/{w.member.id}").status_code == 200
    assert login("member").get("/worklog/grids/G1").status_code == 403
    assert login("handler").get("/worklog").status_code == 403
    assert login("member").get(f"/worklog/people/{w.member.id}/days/2026-02-31").status_code == 404


def test_next_week_link_stops_at_this_week(login, w):
    page = login("member").get(f"/worklog/people/{w.member.id}").get_data(as_text=True)
    assert "下一周" not in page and "上一周" in page
    last_week = (THURSDAY.date() - timedelta(days=7)).isoformat()
    assert "下一周" in login("member").get(f"/worklog/people/{w.member.id}?week={last_week}").get_data(as_text=True)
