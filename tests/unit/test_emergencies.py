"""Issue 19: an emergency (紧急) has its own limit at every step and is reported at once to the offices above."""
from datetime import timedelta

from tests.factories import T0, new_case
from workflows import limits
from workflows.clock import Clock, Limit
from workflows.machine import TIME_LIMITS, default_limit
from workflows.models import EmergencyReport
from workflows.notices import open_emergencies
from workflows.service import fire

CLOCK = Clock()
URGENT_STEPS = (  # (event, actor, data, the state entered, its emergency limit)
    ("report", "lead", {}, "reported", Limit(1, "hours")),
    ("dispatch", "community", {"department": "sanitation"}, "assigned", Limit(24, "hours")),
    ("rectify", "handler", {"note": "已处置"}, "rectified", Limit(2, "hours")),
    ("verify", "member", {"note": "已核查"}, "verified", Limit(4, "hours")),
)


def test_every_step_of_an_emergency_has_its_own_limit(world):
    case = new_case(world, category=world.urgent)
    assert case.urgency == "urgent" and case.deadline == T0 + timedelta(hours=1)
    at = T0
    for event, actor, data, state, limit in URGENT_STEPS:
        at += timedelta(minutes=30)
        if "department" in data:
            data = {"department": world.sanitation.id}
        fire(case, event, getattr(world, actor), at, clock=CLOCK, **data)
        assert case.state == state
        assert TIME_LIMITS[(state, "urgent")] == limit
        assert case.deadline == CLOCK.deadline(at, limit), state


def test_a_routine_case_keeps_the_routine_limits(world):
    case = new_case(world)
    assert case.deadline == T0 + timedelta(hours=24)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    assert case.deadline == CLOCK.deadline(T0, TIME_LIMITS[("reported", None)])
    assert default_limit("reported", "complex") == TIME_LIMITS[("reported", None)]


def test_emergency_limits_are_editable_like_the_others(world):
    assert ("reported", "urgent") in limits.keys() and ("found", "urgent") in limits.keys()
    limits.set_limit("reported", "urgent", 0.5, "hours", world.admin, T0)
    assert limits.limit_at("reported", "urgent") == Limit(0.5, "hours")
    case = new_case(world, category=world.urgent, at=T0 + timedelta(hours=1))
    fire(case, "report", world.lead, T0 + timedelta(hours=1), clock=CLOCK)
    assert case.deadline == T0 + timedelta(hours=1, minutes=30)
    assert limits.limit_at("reported", "normal") == TIME_LIMITS[("reported", None)]


def test_an_emergency_is_reported_at_once_to_community_street_and_district(world):
    case = new_case(world, category=world.urgent)
    rows = {(r.office_id, r.reported_at) for r in EmergencyReport.select().where(EmergencyReport.case == case.id)}
    assert rows == {(world.c1.id, T0), (world.street.id, T0), (world.district.id, T0)}
    for office in ("community", "street_disp", "district_disp", "supervisor", "admin"):
        assert [r.case_id for r in open_emergencies(getattr(world, office))] == [case.id], office
    for other in ("community2", "other_street_disp", "other_supervisor", "member", "lead", "handler"):
        assert open_emergencies(getattr(world, other)) == [], other


def test_a_routine_case_reports_nothing_and_a_closed_emergency_leaves_the_banner(world):
    new_case(world)
    assert EmergencyReport.select().count() == 0
    case = new_case(world, category=world.urgent)
    fire(case, "void", world.lead, T0 + timedelta(minutes=5), clock=CLOCK, void_kind="invalid", reason="误报")
    assert EmergencyReport.select().count() == 3  # the report is kept
    assert open_emergencies(world.community) == []
