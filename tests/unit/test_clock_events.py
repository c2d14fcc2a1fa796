"""Extensions (延期) and suspension (挂起) on the case clock, with fixed times (T0 = Monday 2 March 2026 09:00)."""
from datetime import datetime, timedelta

import pytest
from playhouse.shortcuts import model_to_dict

from tests.factories import T0, new_case
from workflows.clock import Clock, Limit, light
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent, Notice
from workflows.service import available_events, fire
from workflows.sweep import sweep

CLOCK = Clock()
THREE_DAYS = Limit(3, "working_days")


def assigned(world, category=None, at=T0):
    """A case dispatched to sanitation at `at`."""
    case = new_case(world, at=at, category=category)
    fire(case, "report", world.lead, at, clock=CLOCK)
    fire(case, "dispatch", world.community, at, clock=CLOCK, department=world.sanitation.id)
    return case


def refused(case, event, actor, at, **data):
    """Fire and expect a refusal that changes nothing; returns the refusal."""
    before = (model_to_dict(Case.get_by_id(case.id), recurse=False), CaseEvent.select().count())
    with pytest.raises(WorkflowError) as caught:
        fire(case, event, actor, at, clock=CLOCK, **data)
    assert (model_to_dict(Case.get_by_id(case.id), recurse=False), CaseEvent.select().count()) == before
    return caught.value


def rows(case, event):
    return list(CaseEvent.select().where((CaseEvent.case == case.id) & (CaseEvent.event == event)))


def test_stamped_step_lights_at_79_80_and_100_percent(world):
    case = assigned(world)
    assert case.deadline == datetime(2026, 3, 5, 9) and case.warn_at == datetime(2026, 3, 4, 11, 48)
    at79, at80 = CLOCK.add(T0, THREE_DAYS, 0.79), CLOCK.add(T0, THREE_DAYS, 0.80)
    assert light(at79, case.warn_at, case.deadline) == "green"
    assert light(at80, case.warn_at, case.deadline) == "yellow"
    assert light(case.deadline, case.warn_at, case.deadline) == "red"


def test_an_approved_extension_moves_the_deadline_and_the_warning(world):
    case = assigned(world)
    old_deadline = case.deadline
    fire(case, "request_extension", world.handler, T0 + timedelta(hours=1), clock=CLOCK,
         requested_deadline="2026-03-10T17:30", reason="需要采购配件")
    assert "request_extension" not in available_events(case, world.handler, T0 + timedelta(hours=1))
    assert refused(case, "request_extension", world.handler, T0 + timedelta(hours=1),
                   requested_deadline="2026-03-11T17:30", reason="again").code == "invalid_state"
    assert case.deadline == old_deadline  # asking moves nothing
    assert "approve_extension" in available_events(case, world.community, T0 + timedelta(hours=2))
    row = fire(case, "approve_extension", world.community, T0 + timedelta(hours=2), clock=CLOCK, note="同意")
    assert case.deadline == datetime(2026, 3, 10, 17, 30)
    # 80% of the longer step (48.5 working hours from Monday 09:00) is 38.8 h: Monday 9 March 14:48.
    assert case.warn_at == datetime(2026, 3, 9, 14, 48)
    assert CLOCK.used_fraction(T0, case.warn_at, THREE_DAYS) > 1  # the old limit would be long gone
    assert (row.event, row.prev_deadline, row.deadline, row.actor_id) == (
        "approve_extension", old_deadline, case.deadline, world.community.id)
    assert row.data == {"requested_deadline": "2026-03-10 17:30:00"}
    assert rows(case, "request_extension")[0].data == {"requested_deadline": "2026-03-10T17:30", "reason": "需要采购配件"}
    assert case.step_started_at == T0 and case.state == "assigned"
    # Not overdue at the old deadline any more: the sweep leaves it alone.
    assert sweep(old_deadline + timedelta(days=1), CLOCK).first == 0
    assert "approve_extension" not in available_events(case, world.community, T0 + timedelta(hours=3))


def test_a_denied_extension_keeps_the_deadline_and_a_new_request_may_follow(world):
    case = assigned(world)
    at = T0 + timedelta(hours=1)
    fire(case, "request_extension", world.handler, at, clock=CLOCK, requested_deadline="2026-03-09T12:00", reason="r")
    assert refused(case, "deny_extension", world.supervisor, at).field == "reason"
    assert refused(case, "deny_extension", world.other_supervisor, at).code == "forbidden"
    assert refused(case, "approve_extension", world.street_disp, at).code == "forbidden"  # not the case's level
    fire(case, "deny_extension", world.supervisor, at, clock=CLOCK, reason="按原时限完成")
    assert case.deadline == datetime(2026, 3, 5, 9) and case.warn_at == datetime(2026, 3, 4, 11, 48)
    assert refused(case, "approve_extension", world.community, at).code == "invalid_state"
    fire(case, "request_extension", world.handler, at, clock=CLOCK, requested_deadline="2026-03-06T12:00", reason="r2")
    assert len(rows(case, "request_extension")) == 2 and len(rows(case, "deny_extension")) == 1


def test_extension_requests_are_checked(world):
    case = assigned(world)
    at = T0 + timedelta(hours=1)
    assert refused(case, "request_extension", world.handler, at, reason="r").field == "requested_deadline"
    for bad in ("tomorrow", "2026-03-05T09:00", "2026-03-01T09:00", "2026-03-10T17:30+08:00"):
        assert refused(case, "request_extension", world.handler, at, requested_deadline=bad, reason="r").code == "invalid"
    assert refused(case, "request_extension", world.police_handler, at, requested_deadline="2026-03-10T17:30",
                   reason="r").code == "forbidden"
    assert refused(case, "request_extension", world.handler, case.deadline, requested_deadline="2026-03-10T17:30",
                   reason="r").message == "An extension must be requested before the deadline."


def test_no_extension_is_granted_while_the_clock_is_stopped(world):
    case = assigned(world)
    fire(case, "request_extension", world.handler, T0, clock=CLOCK, requested_deadline="2026-03-10T17:30", reason="r")
    fire(case, "request_suspension", world.community, T0, clock=CLOCK, reason="r")
    fire(case, "approve_suspension", world.supervisor, T0, clock=CLOCK)
    assert refused(case, "approve_extension", world.community, T0).message == (
        "The clock is stopped while the case is suspended.")
    fire(case, "resume", world.community, T0 + timedelta(days=1), clock=CLOCK)
    fire(case, "approve_extension", world.community, T0 + timedelta(days=1), clock=CLOCK)
    assert case.deadline == datetime(2026, 3, 10, 17, 30) and case.suspended_at is None


def test_an_extension_that_would_shorten_the_deadline_is_not_approved(world):
    case = assigned(world)
    fire(case, "request_extension", world.handler, T0, clock=CLOCK, requested_deadline="2026-03-10T17:30", reason="r")
    fire(case, "request_suspension", world.community, T0, clock=CLOCK, reason="r")
    fire(case, "approve_suspension", world.supervisor, T0, clock=CLOCK)
    fire(case, "resume", world.community, datetime(2026, 3, 9, 9), clock=CLOCK)
    assert case.deadline == datetime(2026, 3, 12, 9)  # later than what was asked
    assert "approve_extension" not in available_events(case, world.community, datetime(2026, 3, 9, 10))
    fire(case, "deny_extension", world.community, datetime(2026, 3, 9, 10), clock=CLOCK, reason="已恢复计时")


def test_a_pending_request_lapses_when_the_step_ends(world):
    case = assigned(world)
    fire(case, "request_extension", world.handler, T0, clock=CLOCK, requested_deadline="2026-03-10T17:30", reason="r")
    fire(case, "rectify", world.handler, T0 + timedelta(hours=1), clock=CLOCK, note="done")
    fire(case, "rework", world.member, T0 + timedelta(hours=2), clock=CLOCK, reason="not done")
    assert "approve_extension" not in available_events(case, world.community, T0 + timedelta(hours=3))


def test_suspension_stops_the_clock_and_resume_gives_back_the_working_time_left(world):
    case = assigned(world)
    asked, approved = T0 + timedelta(hours=1), T0 + timedelta(hours=2)  # Monday 10:00 and 11:00
    assert refused(case, "request_suspension", world.community2, asked).code == "forbidden"
    fire(case, "request_suspension", world.community, asked, clock=CLOCK, reason="等待法院裁定")
    assert case.suspended_at is None and case.deadline == datetime(2026, 3, 5, 9)
    assert refused(case, "approve_suspension", world.street_disp, approved).code == "forbidden"
    row = fire(case, "approve_suspension", world.supervisor, approved, clock=CLOCK)
    saved = Case.get_by_id(case.id)
    assert (saved.suspended_at, saved.deadline, saved.warn_at) == (approved, None, None)
    assert (row.prev_deadline, row.deadline) == (datetime(2026, 3, 5, 9), None)
    # Stopped: a sweep a week later issues nothing.
    assert sweep(datetime(2026, 3, 9, 10), CLOCK).first == 0
    assert refused(case, "request_suspension", world.community, approved).message == "The case is already suspended."
    # Resumed on Monday 9 March 15:00 with the 19 working hours that were left (Mon 11:00 → Thu 09:00).
    resumed = datetime(2026, 3, 9, 15)
    fire(case, "resume", world.community, resumed, clock=CLOCK)
    assert case.suspended_at is None
    assert case.deadline == datetime(2026, 3, 12, 11)
    assert case.warn_at == datetime(2026, 3, 11, 15, 48)  # the 14.8 h that were left to the warning
    assert CLOCK.working_seconds(resumed, case.deadline) == CLOCK.working_seconds(approved, datetime(2026, 3, 5, 9))
    assert case.step_started_at == T0 and case.state == "assigned"
    assert [r.event for r in CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq)][-3:] == [
        "request_suspension", "approve_suspension", "resume"]


def test_natural_hours_resume_in_natural_hours(world):
    case = assigned(world, category=world.urgent)  # assigned urgent: 24 hours on the wall clock
    assert case.deadline == T0 + timedelta(hours=24)
    fire(case, "request_suspension", world.street_disp, T0 + timedelta(hours=1), clock=CLOCK, reason="暴雨")
    fire(case, "approve_suspension", world.supervisor, T0 + timedelta(hours=2), clock=CLOCK)
    fire(case, "resume", world.supervisor, T0 + timedelta(hours=50), clock=CLOCK)
    assert case.deadline == T0 + timedelta(hours=72)


def test_a_case_suspended_while_overdue_stays_overdue(world):
    case = assigned(world)
    late = case.deadline + timedelta(hours=2)
    fire(case, "request_suspension", world.community, late, clock=CLOCK, reason="r")
    fire(case, "approve_suspension", world.supervisor, late, clock=CLOCK)
    fire(case, "resume", world.community, late + timedelta(days=3), clock=CLOCK)
    assert case.deadline == datetime(2026, 3, 5, 9) and case.warn_at == datetime(2026, 3, 4, 11, 48)


def test_denied_suspension_and_a_step_change_while_suspended(world):
    case = assigned(world)
    fire(case, "request_suspension", world.community, T0, clock=CLOCK, reason="r")
    assert refused(case, "deny_suspension", world.supervisor, T0).field == "reason"
    fire(case, "deny_suspension", world.supervisor, T0, clock=CLOCK, reason="不符合条件")
    assert case.suspended_at is None and case.deadline == datetime(2026, 3, 5, 9)
    assert refused(case, "resume", world.community, T0).message == "The case is not suspended."
    fire(case, "request_suspension", world.community, T0, clock=CLOCK, reason="r")
    fire(case, "approve_suspension", world.supervisor, T0, clock=CLOCK)
    # The department finishes anyway: the next step starts a fresh, running clock.
    fire(case, "rectify", world.handler, T0 + timedelta(days=2), clock=CLOCK, note="done")
    assert case.suspended_at is None and case.deadline == CLOCK.deadline(T0 + timedelta(days=2), Limit(1, "working_days"))


def test_no_notice_for_a_suspended_step_but_one_after_it_resumes_and_runs_out(world):
    case = assigned(world)
    fire(case, "request_suspension", world.community, T0, clock=CLOCK, reason="r")
    fire(case, "approve_suspension", world.supervisor, T0, clock=CLOCK)
    assert sweep(datetime(2026, 3, 20, 9), CLOCK).first == 0
    fire(case, "resume", world.supervisor, datetime(2026, 3, 20, 9), clock=CLOCK)
    assert sweep(case.deadline, CLOCK).first == 1
    assert Notice.get().step_started_at == T0
