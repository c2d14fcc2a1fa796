"""Meetings (issue 20): the agenda the data proposes, decisions that create work, and the next meeting's
look at what became of them — over a hand-built fixture of one grid's cases."""
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.meetings import (
    add_item,
    agenda,
    attendance,
    carried_over,
    close_meeting,
    decide,
    history,
    open_meeting,
    propose_again,
    record_attendance,
    write_minutes,
)
from workflows.models import Case, CaseEvent, MeetingDecision, MeetingEvent, Task
from workflows.service import fire
from workflows.work import finish_task

CLOCK = Clock()
H = timedelta(hours=1)
NOW = T0 + 5 * H  # Monday 14:00; a case found this morning is due tomorrow morning


def cases(w):
    """One case per agenda source in grid 1, one ordinary case, and an overdue case in grid 2."""
    c = {}
    c["overdue"] = new_case(w, at=T0 - timedelta(days=2))  # found Saturday: 24 hours, due Sunday
    c["reworked"] = new_case(w, at=T0)
    Case.update(rework_count=2).where(Case.id == c["reworked"].id).execute()
    c["declined"] = new_case(w, at=T0)
    fire(c["declined"], "report", w.member, T0 + H / 4, clock=CLOCK)
    fire(c["declined"], "escalate", w.lead, T0 + H / 2, clock=CLOCK, reason="需部门处置")
    fire(c["declined"], "dispatch", w.community, T0 + H, clock=CLOCK, department=w.sanitation.id)
    fire(c["declined"], "decline", w.handler, T0 + 2 * H, clock=CLOCK, reason="不属本所职责")
    c["urgent"] = new_case(w, at=T0, category=w.urgent, urgency="urgent")
    c["reopened"] = new_case(w, at=T0 - timedelta(days=5))
    fire(c["reopened"], "handle", w.member, T0 - timedelta(days=5) + H, clock=CLOCK, note="已清理")
    fire(c["reopened"], "verify", w.lead, T0 - timedelta(days=5) + 2 * H, clock=CLOCK, note="核查通过")
    fire(c["reopened"], "close", w.community, T0 - timedelta(days=5) + 3 * H, clock=CLOCK)
    fire(c["reopened"], "reopen", w.supervisor, T0 + 3 * H, clock=CLOCK, reason="居民反映仍有堆物")
    c["ordinary"] = new_case(w, at=T0)
    c["other_grid"] = new_case(w, grid=w.g2, actor=w.member_g2, at=T0 - timedelta(days=2))
    return c


def reasons_by_case(meeting):
    return {item.case_id: set(item.reasons.split(",")) for item in agenda(meeting) if item.case_id}


def test_the_agenda_proposes_each_kind_of_hard_case_once_with_its_reasons(world):
    c = cases(world)
    meeting = open_meeting(world.g1, world.lead, NOW, kind="grid_monthly", title="三月网格例会", held_at=NOW)
    got = reasons_by_case(meeting)
    # The declined case is back in `reported` since 11:00, a 4-working-hour step: not overdue yet.
    assert got == {
        c["overdue"].id: {"overdue"},
        c["reworked"].id: {"reworked"},
        c["declined"].id: {"declined"},
        c["urgent"].id: {"urgent", "overdue"},  # an emergency's found step has 1 hour (TIME_LIMITS)
        c["reopened"].id: {"reopened"},
    }
    assert [item.position for item in agenda(meeting)] == [1, 2, 3, 4, 5]
    # Expected at a grid's meeting: its team (the other grid's people are not).
    assert {p.username for p, _present in attendance(meeting)} == {"member", "member2", "lead"}


def test_a_joint_meeting_looks_over_the_whole_community_and_expects_its_offices_and_departments(world):
    c = cases(world)
    meeting = open_meeting(world.c1, world.community, NOW, kind="joint_quarterly", title="一季度联席会议",
                           held_at=NOW)
    got = reasons_by_case(meeting)
    assert c["other_grid"].id in got and c["overdue"].id in got and c["ordinary"].id not in got
    expected = {p.username for p, _present in attendance(meeting)}
    assert {"community", "lead", "lead_g2", "handler", "police_handler"} <= expected
    assert not expected & {"member", "member2", "far_handler", "community2"}


def test_the_kind_of_meeting_and_who_holds_it_are_checked(world):
    with pytest.raises(WorkflowError):
        open_meeting(world.g1, world.lead, NOW, kind="joint_quarterly", title="x", held_at=NOW)
    with pytest.raises(WorkflowError):  # a member does not hold the team's meeting
        open_meeting(world.g1, world.member, NOW, kind="grid_monthly", title="x", held_at=NOW)
    with pytest.raises(WorkflowError):  # another grid's lead
        open_meeting(world.g1, world.lead_g2, NOW, kind="grid_monthly", title="x", held_at=NOW)
    with pytest.raises(WorkflowError):  # a department
        open_meeting(world.c1, world.handler, NOW, kind="joint_quarterly", title="x", held_at=NOW)


def test_a_refreshed_agenda_adds_only_what_is_new_and_the_chair_adds_items(world):
    c = cases(world)
    meeting = open_meeting(world.g1, world.lead, NOW, kind="grid_monthly", title="三月网格例会", held_at=NOW)
    assert propose_again(meeting, world.lead, NOW) == 0
    # Tomorrow afternoon the ordinary case (and the others found this morning) are overdue as well.
    later = T0 + timedelta(days=1, hours=6)
    assert propose_again(meeting, world.lead, later) == 1  # the ordinary one; the rest are on already
    assert c["ordinary"].id in reasons_by_case(meeting)
    item = add_item(meeting, world.lead, later, title="汛期排水准备")
    assert (item.case_id, item.ref, item.added_by_id, item.position) == (None, "", world.lead.id, 7)
    with pytest.raises(WorkflowError):  # another grid's case is not this meeting's
        add_item(meeting, world.lead, later, title="", case=c["other_grid"])
    events = [e.event for e in history(meeting)]
    assert events == ["open", "propose", "propose", "propose", "item"]


def test_decisions_give_a_case_and_a_task_and_the_next_meeting_shows_what_became_of_them(world):
    c = cases(world)
    meeting = open_meeting(world.g1, world.lead, NOW, kind="grid_monthly", title="三月网格例会", held_at=NOW)
    record_attendance(meeting, world.lead, NOW, {world.lead.id, world.member2.id})
    assert {p.username: present for p, present in attendance(meeting)} == {
        "lead": True, "member2": True, "member": False}
    write_minutes(meeting, world.lead, NOW, minutes="逐件研究了超期案件。", guests="物业公司 王经理")
    gave = decide(meeting, world.lead, NOW, kind="give_case", text="明天上午清运完毕", case=c["overdue"],
                  person=world.member2, due_at=NOW + 20 * H, clock=CLOCK)
    held = Case.get_by_id(c["overdue"].id)
    assert (held.holder_id, held.holder_due) == (world.member2.id, NOW + 20 * H)
    event = CaseEvent.get_by_id(gave.case_event_id)
    assert (event.event, event.actor_id, event.data["instructions"]) == ("give", world.lead.id, "明天上午清运完毕")
    tasked = decide(meeting, world.lead, NOW, kind="task", text="排查3号楼消防通道", case=c["urgent"],
                    person=world.member, due_at=NOW + 48 * H)
    task = Task.get_by_id(tasked.task_id)
    assert (task.assignee_id, task.given_by_id, task.org_id, task.title) == (
        world.member.id, world.lead.id, world.g1.id, "排查3号楼消防通道")
    assert "三月网格例会" in task.instructions and c["urgent"].number in task.instructions
    decide(meeting, world.lead, NOW, kind="note", text="下月重点整治楼道堆物")
    close_meeting(meeting, world.lead, NOW + H)
    with pytest.raises(WorkflowError):  # a closed meeting takes no more decisions
        decide(meeting, world.lead, NOW + H, kind="note", text="补充")

    # A month later: the member finished the task; the case is still held and its due time has passed.
    finish_task(task, world.member, NOW + 24 * H, "已排查，通道畅通")
    month = NOW + timedelta(days=28)
    following = open_meeting(world.g1, world.lead, month, kind="grid_monthly", title="四月网格例会", held_at=month)
    previous, outcomes = carried_over(following, month)
    assert previous.id == meeting.id
    assert [(o.decision.kind, o.status) for o in outcomes] == [("give_case", "overdue"), ("task", "done"),
                                                               ("note", "recorded")]
    # The case is closed before the meeting after that: the outcome says so.
    fire(c["overdue"], "handle", world.member2, month + H, clock=CLOCK, note="已清运")
    fire(c["overdue"], "verify", world.lead, month + 2 * H, clock=CLOCK, note="核查通过")
    fire(c["overdue"], "close", world.community, month + 3 * H, clock=CLOCK)
    assert [o.status for o in carried_over(following, month + 4 * H)[1]] == ["closed", "done", "recorded"]
    # The first meeting has nothing before it.
    assert carried_over(meeting, month) == (None, [])


def test_a_decision_that_cannot_be_carried_out_is_refused_whole(world):
    c = cases(world)
    meeting = open_meeting(world.g1, world.lead, NOW, kind="grid_monthly", title="三月网格例会", held_at=NOW)
    before = (MeetingDecision.select().count(), Task.select().count(), CaseEvent.select().count(),
              MeetingEvent.select().count())
    refusals = [
        dict(kind="give_case", text="交给二网格", case=c["overdue"], person=world.member_g2),  # not of its grid
        dict(kind="give_case", text="没有案件", person=world.member2),
        dict(kind="task", text="没有期限", person=world.member),
        dict(kind="task", text="给部门", person=world.handler, due_at=NOW + H),
        dict(kind="note", text=""),
        dict(kind="vote", text="未知"),
        dict(kind="note", text="别的网格的案件", case=c["other_grid"]),
    ]
    for data in refusals:
        with pytest.raises(WorkflowError):
            decide(meeting, world.lead, NOW, clock=CLOCK, **data)
    with pytest.raises(WorkflowError):  # a member records no decisions
        decide(meeting, world.member, NOW, kind="note", text="我的决定")
    assert (MeetingDecision.select().count(), Task.select().count(), CaseEvent.select().count(),
            MeetingEvent.select().count()) == before
    assert Case.get_by_id(c["overdue"].id).holder_id is None


def test_the_memo_book_puts_open_entries_and_those_sent_to_the_meeting_on_the_agenda(world):
    """民情备忘录 → 例会: open entries of the unit's grids, and entries ended as 提交例会 since the last meeting;
    a resolved entry, or one sent before the last meeting, is not proposed."""
    from workflows.models import MemoEntry

    w = world
    day = NOW.date()

    def entry(grid, text, ending=None, ended_at=None):
        return MemoEntry.create(grid=grid, day=day - timedelta(days=3), category="facility", text=text,
                                author=w.member, created_at=NOW - timedelta(days=3), ending=ending, ended_at=ended_at,
                                ended_by=w.lead if ending else None)

    still_open = entry(w.g1, "楼道灯坏了")
    sent = entry(w.g1, "小区停车难", "agenda", NOW - H)
    entry(w.g1, "井盖松动", "resolved", NOW - H)
    other_grid = entry(w.g2, "垃圾清运不及时")
    grid_meeting = open_meeting(w.g1, w.lead, NOW, kind="grid_monthly", title="三月网格例会", held_at=NOW)
    memo_items = {item.ref: item for item in agenda(grid_meeting) if item.ref.startswith("memo:")}
    assert set(memo_items) == {f"memo:{still_open.id}", f"memo:{sent.id}"}
    assert memo_items[f"memo:{sent.id}"].reasons == "memo" and "小区停车难" in memo_items[f"memo:{sent.id}"].title
    assert memo_items[f"memo:{sent.id}"].case_id is None
    joint = open_meeting(w.c1, w.community, NOW, kind="joint_quarterly", title="一季度联席会议", held_at=NOW)
    assert f"memo:{other_grid.id}" in {item.ref for item in agenda(joint)}
    # The next grid meeting: the entry sent before the last one is not proposed again; the open one still is.
    close_meeting(grid_meeting, w.lead, NOW + H)
    later = NOW + timedelta(days=30)
    nxt = open_meeting(w.g1, w.lead, later, kind="grid_monthly", title="四月网格例会", held_at=later)
    refs = {item.ref for item in agenda(nxt)}
    assert f"memo:{still_open.id}" in refs and f"memo:{sent.id}" not in refs
