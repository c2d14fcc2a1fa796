"""Issue 19: transfer (转办) from one department to another with a reason; the clock continues (the default)
or restarts as configured; transfers and declines count in statistics."""
from datetime import date, timedelta

import pytest

from tests.factories import T0, new_case
from workflows import machine
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Case
from workflows.service import available_events, fire
from workflows.stats import custom, facts_for, tally

CLOCK = Clock()


def assigned(w, at=T0):
    case = new_case(w, at=at)
    fire(case, "report", w.lead, at, clock=CLOCK)
    fire(case, "dispatch", w.community, at, clock=CLOCK, department=w.sanitation.id)
    return case


def test_a_transfer_keeps_the_clock_by_default(world):
    case = assigned(world)
    started, deadline, warn_at = case.step_started_at, case.deadline, case.warn_at
    later = T0 + timedelta(hours=3)
    row = fire(case, "transfer", world.handler, later, clock=CLOCK, department=world.police.id, reason="属治安问题")
    saved = Case.get_by_id(case.id)
    assert (saved.state, saved.department_id) == ("assigned", world.police.id)
    assert (saved.step_started_at, saved.deadline, saved.warn_at) == (started, deadline, warn_at)
    assert (row.event, row.note, row.department_id) == ("transfer", "属治安问题", world.police.id)
    assert row.data == {"department": world.police.id, "reason": "属治安问题", "from_department": world.sanitation.id,
                        "clock": "continue"}
    # Now it is the police's to work; sanitation no longer sees it.
    assert "rectify" in available_events(saved, world.police_handler, later)
    assert "rectify" not in available_events(saved, world.handler, later)


def test_a_transfer_restarts_the_clock_when_configured(world, monkeypatch):
    monkeypatch.setattr(machine, "TRANSFER_CLOCK", "restart")
    case = assigned(world)
    later = T0 + timedelta(hours=3)
    row = fire(case, "transfer", world.handler, later, clock=CLOCK, department=world.police.id, reason="r")
    limit = machine.default_limit("assigned", case.urgency)
    assert case.step_started_at == later and case.deadline == CLOCK.deadline(later, limit)
    assert row.prev_deadline == CLOCK.deadline(T0, limit) and row.deadline == case.deadline
    assert row.data["clock"] == "restart"


@pytest.mark.parametrize("department, field", [("sanitation", "department"), ("far_dept", "department")])
def test_a_transfer_goes_to_another_department_serving_the_area(world, department, field):
    case = assigned(world)
    version = case.version
    with pytest.raises(WorkflowError) as refused:
        fire(case, "transfer", world.handler, T0, clock=CLOCK, department=getattr(world, department).id, reason="r")
    assert Case.get_by_id(case.id).version == version
    assert refused.value.field == field or refused.value.message


def test_a_transfer_needs_a_reason_and_the_holding_department(world):
    case = assigned(world)
    with pytest.raises(WorkflowError):
        fire(case, "transfer", world.handler, T0, clock=CLOCK, department=world.police.id)
    for other in ("police_handler", "community", "supervisor"):
        with pytest.raises(WorkflowError):
            fire(case, "transfer", getattr(world, other), T0, clock=CLOCK, department=world.police.id, reason="r")


def test_transfers_and_declines_count_for_the_department_that_passed_the_case_on(world):
    transferred = assigned(world)
    fire(transferred, "transfer", world.handler, T0 + timedelta(hours=1), clock=CLOCK,
         department=world.police.id, reason="r")
    declined = assigned(world)
    fire(declined, "decline", world.handler, T0 + timedelta(hours=1), clock=CLOCK, reason="非本部门")
    period = custom(date(2026, 3, 1), date(2026, 3, 31))
    groups = tally(facts_for(Case.select(), period, T0 + timedelta(days=1), CLOCK), ("department", "total"),
                   keep_ids=True)
    sanitation, police = groups["department"][world.sanitation.id], groups["department"][world.police.id]
    assert sanitation.counts["transfers"] == 1 and set(sanitation.ids["transfers"]) == {transferred.id}
    assert sanitation.counts["declines"] == 1
    assert police.counts["transfers"] == 0
    assert set(police.ids["recorded"]) == {transferred.id}  # the case is with the police now
