"""Issue 19: department staff and supervisors record cases from their own inspections.

Per category (Category.inspected_to) a department inspector's case goes straight to their own
department (assigned, with the take_on row) or to the grid where it was found (reported); a
supervisor's always goes to the grid. They record only where they work.
"""
import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent, Category
from workflows.policy import can, visible_cases, visible_grids
from workflows.service import available_events, fire, route_inspected

CLOCK = Clock()


def routed_to_department(w):
    Category.update(inspected_to="department").where(Category.id == w.litter.id).execute()
    w.litter = Category.get_by_id(w.litter.id)


def history(case):
    return [(e.event, e.from_state, e.to_state, e.actor_id, e.department_id)
            for e in CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq)]


def test_a_department_inspector_takes_its_own_find_on(world):
    routed_to_department(world)
    case = new_case(world, actor=world.handler)
    route_inspected(case, world.handler, T0, clock=CLOCK)
    saved = Case.get_by_id(case.id)
    assert (saved.state, saved.department_id, saved.level) == ("assigned", world.sanitation.id, "street")
    assert saved.deadline == CLOCK.deadline(T0, built_in_limit("assigned", "normal"))
    assert history(case)[-1] == ("take_on", "found", "assigned", world.handler.id, world.sanitation.id)
    # The department then works it like any dispatched case.
    assert "rectify" in available_events(saved, world.handler, T0)


def built_in_limit(state, urgency):
    from workflows.machine import default_limit

    return default_limit(state, urgency)


def test_a_district_department_takes_on_at_district_level(world):
    routed_to_department(world)
    case = new_case(world, grid=world.g4, actor=world.env_handler)
    route_inspected(case, world.env_handler, T0, clock=CLOCK)
    assert (case.state, case.department_id, case.level) == ("assigned", world.district_env.id, "district")


def test_a_category_routed_to_the_grid_goes_to_the_grid_and_the_inspector_still_sees_it(world):
    case = new_case(world, actor=world.handler)
    assert "take_on" not in available_events(case, world.handler, T0)
    with pytest.raises(WorkflowError):
        fire(case, "take_on", world.handler, T0, clock=CLOCK)
    route_inspected(case, world.handler, T0, clock=CLOCK)
    assert (case.state, case.level, case.department_id) == ("reported", "grid", None)
    assert history(case)[-1] == ("pass_to_grid", "found", "reported", world.handler.id, None)
    assert can(world.handler, "case.view", case)
    assert case.id in [c.id for c in visible_cases(world.handler)]
    assert case.id not in [c.id for c in visible_cases(world.police_handler)]
    # The grid's lead decides on it as on any report of the grid.
    lead_may = available_events(case, world.lead, T0)
    assert "dispatch" not in lead_may and "escalate" in lead_may


def test_a_department_routed_category_cannot_be_passed_to_the_grid_by_its_department(world):
    routed_to_department(world)
    case = new_case(world, actor=world.handler)
    assert available_events(case, world.handler, T0) == ["take_on"]
    with pytest.raises(WorkflowError):
        fire(case, "pass_to_grid", world.handler, T0, clock=CLOCK)


def test_a_supervisors_find_always_goes_to_the_grid(world):
    routed_to_department(world)
    case = new_case(world, grid=world.g3, actor=world.supervisor)
    route_inspected(case, world.supervisor, T0, clock=CLOCK)
    assert (case.state, case.level, case.department_id) == ("reported", "grid", None)


@pytest.mark.parametrize("who, grid, allowed", [
    ("handler", "g1", True), ("handler", "g3", True), ("handler", "g4", False),     # sanitation serves street S1
    ("env_handler", "g4", True),                                                     # a district department: all
    ("supervisor", "g3", True), ("supervisor", "g4", False), ("other_supervisor", "g4", True),
])
def test_inspectors_record_only_where_they_work(world, who, grid, allowed):
    actor, unit = getattr(world, who), getattr(world, grid)
    assert can(actor, "case.record", unit) is allowed
    assert (unit.id in [g.id for g in visible_grids(actor)]) is allowed
    if allowed:
        assert new_case(world, grid=unit, actor=actor).state == "found"
    else:
        with pytest.raises(WorkflowError):
            new_case(world, grid=unit, actor=actor)


def test_only_whoever_recorded_it_routes_it(world):
    routed_to_department(world)
    by_member = new_case(world)
    by_handler = new_case(world, actor=world.handler)
    for actor in (world.member, world.lead, world.community, world.police_handler, world.supervisor):
        assert not can(actor, "inspector", by_handler)
    assert not can(world.handler, "inspector", by_member)
    with pytest.raises(WorkflowError):
        fire(by_member, "take_on", world.handler, T0, clock=CLOCK)
