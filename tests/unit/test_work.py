"""Work for a person: giving a case, tasks, and each person's list nearest deadline first."""
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent, Task, TaskEvent
from workflows.sweep import sweep
from workflows.service import fire
from workflows.work import cancel_task, finish_task, give_task, my_work, team_today

CLOCK = Clock()
H = timedelta(hours=1)


def given(w, case, holder, actor=None, at=T0 + H, **data):
    return fire(case, "give", actor or w.lead, at, clock=CLOCK, holder=holder.id, **data)


def test_a_lead_gives_a_case_to_a_member_and_the_history_says_so(world):
    case = new_case(world)
    row = given(world, case, world.member2, due="2026-03-02T16:00", instructions="下午去现场核实")
    saved = Case.get_by_id(case.id)
    assert (saved.holder_id, saved.holder_due, saved.state) == (world.member2.id, T0.replace(hour=16), "found")
    assert (row.event, row.actor_id, row.data["holder"], row.data["due"]) == (
        "give", world.lead.id, world.member2.id, "2026-03-02 16:00:00")
    assert (row.data["instructions"], row.data["holder_name"]) == ("下午去现场核实", "member2")
    # Given again: the newest holder holds it; both hand-overs stay in the history.
    given(world, case, world.member, at=T0 + 2 * H)
    assert Case.get_by_id(case.id).holder_id == world.member.id
    assert CaseEvent.select().where((CaseEvent.case == case.id) & (CaseEvent.event == "give")).count() == 2


def test_the_next_step_is_the_next_offices_to_give(world):
    case = new_case(world)
    given(world, case, world.member2)
    fire(case, "report", world.member2, T0 + 2 * H, clock=CLOCK)
    assert Case.get_by_id(case.id).holder_id is None
    fire(case, "escalate", world.lead, T0 + 3 * H, clock=CLOCK, reason="需协调")
    fire(case, "dispatch", world.community, T0 + 4 * H, clock=CLOCK, department=world.sanitation.id)
    given(world, case, world.handler, actor=world.community, at=T0 + 5 * H)
    assert Case.get_by_id(case.id).holder_id == world.handler.id


@pytest.mark.parametrize("holder, due, message", [
    ("member_g2", None, "Choose a member of the case's grid or of its department."),  # another grid
    ("handler", None, "Choose a member of the case's grid or of its department."),  # not its department (yet)
    ("community", None, "Choose a member of the case's grid or of its department."),  # an office, not a person
    ("member2", "2026-03-02T09:30", "Give a due time that is still to come."),  # before now (10:00)
    ("member2", "2026-02-30T09:30", "Give a due time that is still to come."),  # no such day
])
def test_a_case_is_given_only_to_someone_who_may_hold_it(world, holder, due, message):
    case = new_case(world)
    data = {"due": due} if due else {}
    with pytest.raises(WorkflowError) as refused:
        given(world, case, getattr(world, holder), **data)
    assert refused.value.message == message
    assert Case.get_by_id(case.id).holder_id is None and Case.get_by_id(case.id).version == case.version


def test_a_deactivated_person_holds_nothing_new(world):
    case = new_case(world)
    world.member2.active = False
    world.member2.save()
    with pytest.raises(WorkflowError):
        given(world, case, world.member2)


def test_tasks_are_given_done_and_cancelled_with_a_history(world):
    task = give_task(world.lead, world.g1, world.member, T0, title="核查3号楼消防通道", due_at=T0 + 6 * H,
                     instructions="拍照上传")
    with pytest.raises(WorkflowError):  # only the person it was given to reports it done
        finish_task(task, world.member2, T0 + H, "已核查")
    done = finish_task(task, world.member, T0 + 2 * H, "通道已清理")
    assert (done.state, done.done_at, done.result) == ("done", T0 + 2 * H, "通道已清理")
    with pytest.raises(WorkflowError) as twice:
        cancel_task(done, world.lead, T0 + 3 * H, "重复")
    assert twice.value.message == "This task is no longer open."
    other = give_task(world.community, world.g1, world.member2, T0, title="走访", due_at=T0 + 30 * H)
    with pytest.raises(WorkflowError):  # a colleague does not cancel it
        cancel_task(other, world.member, T0 + H, "x")
    assert cancel_task(other, world.lead, T0 + H, "已合并到其他任务").state == "cancelled"
    assert [e.event for e in TaskEvent.select().order_by(TaskEvent.id)] == ["give", "done", "give", "cancel"]


@pytest.mark.parametrize("actor, grid, assignee, due, field", [
    ("lead", "g1", "member_g2", 6, "assignee"),  # not of the grid
    ("lead", "g1", "member", -1, "due_at"),  # due already
    ("lead_g2", "g1", "member", 6, None),  # another grid's lead
    ("member", "g1", "member2", 6, None),  # a member gives nothing
    ("community2", "g1", "member", 6, None),  # another community
])
def test_tasks_are_given_only_within_the_givers_reach(world, actor, grid, assignee, due, field):
    with pytest.raises(WorkflowError) as refused:
        give_task(getattr(world, actor), getattr(world, grid), getattr(world, assignee), T0, title="x",
                  due_at=T0 + due * H)
    assert refused.value.field == field
    assert Task.select().count() == 0


def test_my_work_is_nearest_deadline_first_with_lights(world):
    found = new_case(world)  # found by member at T0 (Monday 09:00): 24 hours to handle or report
    held = new_case(world, actor=world.member2)
    given(world, held, world.member, due="2026-03-02T11:00")
    late_task = give_task(world.lead, world.g1, world.member, T0, title="补录台账", due_at=T0 + 30 * H)
    soon_task = give_task(world.lead, world.g1, world.member, T0, title="核查", due_at=T0 + 3 * H)  # yellow from 11:00
    give_task(world.lead, world.g1, world.member2, T0, title="不是我的", due_at=T0 + H)
    at = T0 + 150 * timedelta(minutes=1)  # 11:30 on the Monday
    items = my_work(world.member, at)
    assert [(item.kind, item.obj.id) for item in items] == [
        ("held", held.id), ("task", soon_task.id), ("found", found.id), ("task", late_task.id)]
    assert [item.light for item in items] == ["red", "yellow", "green", "green"]


def test_notices_addressed_to_a_lead_are_on_the_leads_list(world):
    case = new_case(world)
    fire(case, "report", world.member, T0 + H, clock=CLOCK)
    sweep(T0 + 10 * 24 * H, CLOCK)
    kinds = [item.kind for item in my_work(world.lead, T0 + 10 * 24 * H)]
    assert "notice" in kinds and "notice" not in [item.kind for item in my_work(world.member, T0 + 10 * 24 * H)]


def test_the_leads_day_shows_each_persons_work_and_what_is_overdue(world):
    give_task(world.lead, world.g1, world.member, T0, title="核查", due_at=T0 + H)
    give_task(world.lead, world.g1, world.member2, T0, title="走访", due_at=T0 + 30 * H)
    rows = {person.username: (len(items), overdue) for person, items, overdue in team_today(world.g1, T0 + 2 * H)}
    assert rows == {"lead": (0, 0), "member": (1, 1), "member2": (1, 0)}
