"""Meetings through the pages: who sees and holds which meetings, decisions that give work, the printed
minutes, and bad input answered with 4xx and nothing changed."""
from datetime import datetime, timedelta

import pytest

from tests.factories import new_case
from workflows.meetings import close_meeting, decide, open_meeting
from workflows.models import Case, Meeting, MeetingDecision, MeetingEvent, MeetingItem, Task

MONDAY = datetime(2026, 3, 2, 14, 0)


@pytest.fixture
def w(app, app_world, clock):
    clock.set(MONDAY)
    app_world.overdue = new_case(app_world, at=MONDAY - timedelta(days=2))
    app_world.fresh = new_case(app_world, at=MONDAY - timedelta(hours=1))
    return app_world


def counts():
    return tuple(model.select().count() for model in (Meeting, MeetingItem, MeetingDecision, MeetingEvent, Task))


def test_the_lead_opens_a_meeting_whose_agenda_the_data_proposed_and_records_decisions(login, w):
    lead = login("lead")
    index = lead.get("/meetings").get_data(as_text=True)
    assert 'id="open-meeting"' in index and f'value="{w.g1.id}"' in index and f'value="{w.g2.id}"' not in index
    opened = lead.post("/meetings/open", {"unit": w.g1.id, "title": "", "held_at": "2026-03-02T14:00", "place": "社区会议室"},
                       token_from="/meetings")
    assert opened.status_code == 303
    meeting = Meeting.get()
    assert (meeting.kind, meeting.org_id, meeting.chair_id) == ("grid_monthly", w.g1.id, w.lead.id)
    assert meeting.title == "一网格 2026-03 网格月度例会"
    page = f"/meetings/{meeting.id}"
    html = lead.get(page).get_data(as_text=True)
    assert w.overdue.number in html and w.fresh.number not in html and 'id="decide"' in html
    gave = lead.post(f"/meetings/{meeting.id}/decisions", {"kind": "give_case", "text": "明日清运", "case": w.overdue.id,
                                                            "person": w.member2.id, "due_at": "2026-03-03T12:00"},
                     token_from=page)
    assert gave.status_code == 303
    assert Case.get_by_id(w.overdue.id).holder_id == w.member2.id
    tasked = lead.post(f"/meetings/{meeting.id}/decisions", {"kind": "task", "text": "排查消防通道",
                                                              "person": w.member.id, "due_at": "2026-03-04T17:00"},
                       token_from=page)
    assert tasked.status_code == 303 and Task.get().assignee_id == w.member.id
    assert lead.post(f"/meetings/{meeting.id}/attendance", {"present": [str(w.lead.id), str(w.member.id)]},
                     token_from=page).status_code == 303
    assert lead.post(f"/meetings/{meeting.id}/minutes", {"minutes": "研究超期案件", "guests": "物业"},
                     token_from=page).status_code == 303
    assert lead.post(f"/meetings/{meeting.id}/items", {"title": "汛期准备", "case_number": ""},
                     token_from=page).status_code == 303
    printed = lead.get(f"/meetings/{meeting.id}/print").get_data(as_text=True)
    assert "研究超期案件" in printed and "明日清运" in printed and "汛期准备" in printed and "print.css" in printed
    assert lead.post(f"/meetings/{meeting.id}/close", {}, token_from=page).status_code == 303
    assert Meeting.get_by_id(meeting.id).state == "closed"
    assert 'id="decide"' not in lead.get(page).get_data(as_text=True)


def test_the_next_meeting_shows_what_became_of_the_previous_decisions(login, w, clock):
    first = open_meeting(w.g1, w.lead, MONDAY, kind="grid_monthly", title="三月例会", held_at=MONDAY)
    decide(first, w.lead, MONDAY, kind="task", text="排查消防通道", person=w.member, due_at=MONDAY + timedelta(days=1))
    close_meeting(first, w.lead, MONDAY)
    later = clock.set(MONDAY + timedelta(days=28))
    second = open_meeting(w.g1, w.lead, later, kind="grid_monthly", title="四月例会", held_at=later)
    html = login("member").get(f"/meetings/{second.id}").get_data(as_text=True)
    assert 'id="carried-over"' in html and "排查消防通道" in html and 'class="outcome-overdue"' in html
    assert "上次会议决定落实情况" in html
    assert 'id="decide"' not in html  # a member sees the meeting but does not hold it


def test_scope_each_role_sees_only_the_meetings_of_its_area(login, w):
    g1 = open_meeting(w.g1, w.lead, MONDAY, kind="grid_monthly", title="一网格例会", held_at=MONDAY)
    g2 = open_meeting(w.g2, w.lead_g2, MONDAY, kind="grid_monthly", title="二网格例会", held_at=MONDAY)
    joint = open_meeting(w.c1, w.community, MONDAY, kind="joint_quarterly", title="一社区联席会议", held_at=MONDAY)
    seen = {
        "member": {"一网格例会"}, "lead_g2": {"二网格例会"}, "community": {"一网格例会", "二网格例会", "一社区联席会议"},
        "community2": set(), "supervisor": {"一网格例会", "二网格例会", "一社区联席会议"},
    }
    for username, titles in seen.items():
        html = login(username).get("/meetings").get_data(as_text=True)
        assert {t for t in ("一网格例会", "二网格例会", "一社区联席会议") if t in html} == titles, username
    assert login("handler").get("/meetings").status_code == 403
    assert login("member").get(f"/meetings/{g2.id}").status_code == 404
    assert login("member").get(f"/meetings/{joint.id}").status_code == 404
    assert login("community2").get(f"/meetings/{g1.id}/print").status_code == 404
    # The lead of another grid cannot change grid 1's meeting, nor open one there.
    before = counts()
    other = login("lead_g2")
    assert other.post(f"/meetings/{g1.id}/decisions", {"kind": "note", "text": "越权"},
                      token_from="/meetings").status_code == 404
    assert other.post("/meetings/open", {"unit": w.g1.id}, token_from="/meetings").status_code == 404
    assert login("supervisor").post(f"/meetings/{g1.id}/close", {}, token_from="/meetings").status_code == 403
    assert counts() == before


@pytest.mark.parametrize("path, data", [
    ("/meetings/open", {"unit": "abc"}),
    ("/meetings/open", {"unit": "99999999999999999999"}),
    ("/meetings/open", {"unit": "{g1}", "held_at": "2026-02-30T10:00"}),
    ("/meetings/open", {"unit": "{g1}", "title": "x" * 201}),
    ("/meetings/open", {"unit": "{district}"}),
    ("/meetings/{m}/decisions", {"kind": "vote", "text": "x"}),
    ("/meetings/{m}/decisions", {"kind": "note", "text": ""}),
    ("/meetings/{m}/decisions", {"kind": "give_case", "text": "x", "case": "{other}", "person": "{member2}"}),
    ("/meetings/{m}/decisions", {"kind": "give_case", "text": "x", "case": "2147483647", "person": "{member2}"}),
    ("/meetings/{m}/decisions", {"kind": "task", "text": "x", "person": "{member}", "due_at": "9999-99-99"}),
    ("/meetings/{m}/decisions", {"kind": "task", "text": "x", "person": "{member}", "due_at": "2026-03-01T10:00"}),
    ("/meetings/{m}/attendance", {"present": ["x"]}),
    ("/meetings/{m}/attendance", {"present": ["{member_g2}"]}),
    ("/meetings/{m}/items", {"title": "", "case_number": ""}),
    ("/meetings/{m}/items", {"title": "x", "case_number": "2099-999999"}),
    ("/meetings/{m}/minutes", {"minutes": "x" * 20001}),
])
def test_bad_input_is_a_4xx_in_chinese_and_changes_nothing(login, w, path, data):
    meeting = open_meeting(w.g1, w.lead, MONDAY, kind="grid_monthly", title="三月例会", held_at=MONDAY)
    other = new_case(w, grid=w.g2, actor=w.member_g2, at=MONDAY)
    names = {"g1": w.g1.id, "district": w.district.id, "m": meeting.id, "other": other.id, "member2": w.member2.id,
             "member": w.member.id, "member_g2": w.member_g2.id}
    fill = lambda value: value.format(**names) if isinstance(value, str) else [v.format(**names) for v in value]  # noqa: E731
    before = counts()
    lead = login("lead")
    response = lead.post(fill(path), {key: fill(value) for key, value in data.items()}, token_from="/meetings")
    assert 400 <= response.status_code < 500, response.status_code
    assert counts() == before
    body = response.get_data(as_text=True)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body)
    if "/decisions" in path and data.get("kind") == "give_case":  # a case of another grid, or none
        assert "在本次会议的范围内找不到该案件。" in body


def test_the_demo_seed_holds_meetings_whose_decisions_gave_work(w):
    from random import Random

    from app.seed_meetings import seed_meetings
    from workflows.meetings import carried_over

    assert seed_meetings(Random(7), MONDAY) == 2 * 2 + 2  # grids 1 and 2 have a lead; communities 1 and 2 an office
    current = Meeting.get((Meeting.org == w.g1.id) & (Meeting.state == "open"))
    previous, outcomes = carried_over(current, MONDAY)
    assert previous.state == "closed"
    assert sorted(o.status for o in outcomes) == ["done", "overdue", "recorded"]
    assert Case.get_by_id(w.overdue.id).holder_id is not None  # this month's meeting gave the overdue case
    assert Meeting.select().where(Meeting.kind == "joint_quarterly").count() == 2
