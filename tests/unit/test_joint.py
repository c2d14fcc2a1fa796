"""Issue 19: joint handling (联办). The dispatcher names co-departments; each records its part (result, photos)
or explains it; the lead's rectify waits until every part is done or explained."""
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent, CasePart
from workflows.policy import can, visible_cases
from workflows.service import available_events, fire

CLOCK = Clock()


def joint(w, co=("police", "district_env")):
    case = new_case(w)
    fire(case, "report", w.lead, T0, clock=CLOCK)
    fire(case, "dispatch", w.community, T0, clock=CLOCK, department=w.sanitation.id,
         co_departments=",".join(str(getattr(w, name).id) for name in co))
    return case


def parts(case):
    return {p.department_id: (p.state, p.result, p.explained)
            for p in CasePart.select().where(CasePart.case == case.id)}


def test_dispatch_adds_open_parts_and_co_departments_see_the_case(world):
    case = joint(world)
    assert parts(case) == {world.police.id: ("open", "", ""), world.district_env.id: ("open", "", "")}
    row = CaseEvent.select().where((CaseEvent.case == case.id) & (CaseEvent.event == "dispatch")).get()
    assert row.data["co_departments"] == [world.police.id, world.district_env.id]
    for handler in ("police_handler", "env_handler"):
        actor = getattr(world, handler)
        assert can(actor, "case.view", case) and case.id in [c.id for c in visible_cases(actor)]
        assert available_events(case, actor, T0) == ["record_part", "explain_part"]
    assert "record_part" not in available_events(case, world.handler, T0)  # the lead has no part of its own


def test_parts_block_rectify_until_each_is_done_or_explained(world):
    case = joint(world)
    at = T0 + timedelta(hours=1)
    assert "rectify" not in available_events(case, world.handler, at)
    with pytest.raises(WorkflowError) as refused:
        fire(case, "rectify", world.handler, at, clock=CLOCK, note="已整改")
    assert "Co-departments" in refused.value.message and case.state == "assigned"
    row = fire(case, "record_part", world.police_handler, at, clock=CLOCK, note="已劝离占道摊贩")
    assert (row.department_id, row.note, row.to_state) == (world.police.id, "已劝离占道摊贩", "assigned")
    with pytest.raises(WorkflowError):  # one part each
        fire(case, "record_part", world.police_handler, at, clock=CLOCK, note="again")
    with pytest.raises(WorkflowError):
        fire(case, "rectify", world.handler, at, clock=CLOCK, note="已整改")
    fire(case, "explain_part", world.env_handler, at, clock=CLOCK, reason="现场无环境违法")
    assert parts(case) == {world.police.id: ("done", "已劝离占道摊贩", ""),
                           world.district_env.id: ("explained", "", "现场无环境违法")}
    assert CasePart.get(CasePart.department == world.police.id).event_id == row.id
    fire(case, "rectify", world.handler, at, clock=CLOCK, note="已整改")
    assert Case.get_by_id(case.id).state == "rectified"


def test_a_case_without_co_departments_rectifies_as_before(world):
    case = joint(world, co=())
    assert parts(case) == {}
    fire(case, "rectify", world.handler, T0, clock=CLOCK, note="已整改")
    assert case.state == "rectified"


@pytest.mark.parametrize("co", ["sanitation", "far_dept"])
def test_co_departments_are_others_serving_the_area(world, co):
    case = new_case(world)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    with pytest.raises(WorkflowError):
        fire(case, "dispatch", world.community, T0, clock=CLOCK, department=world.sanitation.id,
             co_departments=str(getattr(world, co).id))
    assert case.state == "reported" and CasePart.select().count() == 0


def test_garbage_co_departments_are_refused(world):
    case = new_case(world)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    for value in ("abc", "1,,x", "99999999999999999999"):
        with pytest.raises(WorkflowError):
            fire(case, "dispatch", world.community, T0, clock=CLOCK, department=world.sanitation.id,
                 co_departments=value)
