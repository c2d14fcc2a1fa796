"""Patrols: starting, checking off, ending; rules as data; coverage counted in working days."""
from datetime import date, datetime, timedelta

import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock, WorkCalendar
from workflows.errors import WorkflowError
from workflows.models import Patrol, PatrolBuilding, PatrolRule
from workflows.policy import visible_grids
from workflows.patrols import (
    Coverage,
    check_building,
    coverage,
    end_patrol,
    ensure_default_rules,
    missed_patrols,
    open_patrol,
    period_of,
    save_rule,
    start_patrol,
)


@pytest.fixture
def rules(world):
    """The seed plans' rules: members daily, leads monthly, members of environmental grids weekly."""
    ensure_default_rules()
    return world


def patrol(user, start, minutes=40):
    """A finished patrol of the user's grid."""
    p = start_patrol(user, start)
    return end_patrol(p, user, start + timedelta(minutes=minutes))


def row_of(rows, user):
    return next(r for r in rows if r.user.id == user.id)


# ---- the patrol itself ----


def test_start_check_off_and_end_a_patrol(world):
    p = start_patrol(world.member, T0, lat="30.25", lng="120.16", accuracy="12")
    assert (p.grid_id, p.start_lat, p.start_lng, p.start_accuracy) == (world.g1.id, 30.25, 120.16, 12.0)
    assert start_patrol(world.member, T0 + timedelta(minutes=1)).id == p.id  # a double tap opens nothing new
    assert open_patrol(world.member).id == p.id
    check_building(p, world.member, world.b1.id, True, T0 + timedelta(minutes=5))
    check_building(p, world.member, world.b1.id, True, T0 + timedelta(minutes=6))  # ticking twice keeps one
    assert PatrolBuilding.select().where(PatrolBuilding.patrol == p.id).count() == 1
    case = new_case(world, patrol=p)
    assert case.patrol_id == p.id
    ended = end_patrol(p, world.member, T0 + timedelta(hours=1), lat=30.26, lng=120.17, note="东门垃圾已上报")
    assert ended.ended_at == T0 + timedelta(hours=1) and ended.end_lat == 30.26 and ended.note == "东门垃圾已上报"
    assert open_patrol(world.member) is None
    with pytest.raises(WorkflowError) as refused:
        end_patrol(p, world.member, T0 + timedelta(hours=2))
    assert refused.value.message == "This patrol has already ended."
    assert Patrol.get_by_id(p.id).ended_at == T0 + timedelta(hours=1)


@pytest.mark.parametrize("who", ["community", "supervisor", "handler", "admin"])
def test_only_grid_workers_patrol(world, who):
    with pytest.raises(WorkflowError) as refused:
        start_patrol(getattr(world, who), T0)
    assert refused.value.code == "forbidden"
    assert Patrol.select().count() == 0


def test_someone_elses_patrol_and_other_grids_buildings_are_refused(world):
    p = start_patrol(world.member, T0)
    with pytest.raises(WorkflowError):
        check_building(p, world.member2, world.b1.id, True, T0)
    with pytest.raises(WorkflowError) as refused:
        check_building(p, world.member, world.b2.id, True, T0)  # 2号楼 is in grid 2
    assert refused.value.field == "building"
    with pytest.raises(WorkflowError):
        end_patrol(p, world.member2, T0)
    assert PatrolBuilding.select().count() == 0 and open_patrol(world.member).id == p.id


@pytest.mark.parametrize("lat,lng", [("91", "120"), ("30", ""), ("abc", "120"), ("nan", "120"), ("30", "inf")])
def test_an_impossible_position_is_refused(world, lat, lng):
    with pytest.raises(WorkflowError) as refused:
        start_patrol(world.member, T0, lat=lat, lng=lng)
    assert refused.value.field == "position"
    assert Patrol.select().count() == 0


def test_rules_are_data_an_admin_changes(rules):
    with pytest.raises(WorkflowError):
        save_rule(rules.lead, T0, role="lead", grid_type="", period="week", times=1)
    rule = PatrolRule.get(PatrolRule.role == "lead", PatrolRule.grid_type == "")
    save_rule(rules.admin, T0, role="lead", grid_type="", period="week", times=2, rule_id=rule.id)
    assert (PatrolRule.get_by_id(rule.id).period, PatrolRule.get_by_id(rule.id).times) == ("week", 2)
    with pytest.raises(WorkflowError) as clash:
        save_rule(rules.admin, T0, role="member", grid_type="environment", period="day", times=1)
    assert clash.value.field == "grid_type"
    assert ensure_default_rules() == 0  # defaults never overwrite what an admin set


# ---- periods and coverage ----


def test_periods():
    assert period_of("week", date(2026, 3, 4)).first == date(2026, 3, 2)
    assert period_of("month", date(2026, 2, 14)).last == date(2026, 2, 28)
    assert period_of("month", date(2026, 12, 31)).last == date(2026, 12, 31)


def test_today_goes_yellow_then_red_without_a_patrol(rules):
    """A member's day: green until 80% of office time is used, yellow after, red after 17:30."""
    day = date(2026, 3, 4)
    clock = Clock()
    cells = [row_of(coverage([rules.g1], datetime.combine(day, t), clock), rules.member).cells["day"]
             for t in (datetime.min.time().replace(hour=10), datetime.min.time().replace(hour=16, minute=30),
                       datetime.min.time().replace(hour=17, minute=31))]
    assert [c.current.status for c in cells] == ["open", "due_soon", "missed"]
    assert [c.light for c in cells] == ["green", "yellow", "red"]
    patrol(rules.member, datetime(2026, 3, 4, 17, 40))
    late = row_of(coverage([rules.g1], datetime(2026, 3, 4, 18, 0), clock), rules.member).cells["day"]
    assert (late.current.status, late.light, late.patrols) == ("done", "green", 1)


def test_an_open_patrol_counts_only_once_ended(rules):
    start_patrol(rules.member, datetime(2026, 3, 4, 9, 0))
    at = datetime(2026, 3, 4, 17, 45)
    assert row_of(coverage([rules.g1], at, Clock()), rules.member).cells["day"].light == "red"


def test_coverage_across_a_holiday(rules):
    """A holiday on Monday 6 April 2026 (Qingming) and, say, a make-up working Sunday on 26 April."""
    calendar = WorkCalendar({date(2026, 4, 6): False, date(2026, 4, 26): True})
    holiday_clock = Clock(calendar)
    for day in (1, 2, 3, 7, 8, 9, 10):  # every working day of April's first two weeks but the holiday
        patrol(rules.member, datetime(2026, 4, day, 9, 30))
    friday_evening = datetime(2026, 4, 10, 18, 0)
    week = row_of(coverage([rules.g1], friday_evening, holiday_clock), rules.member).cells["week"]
    assert (week.due, week.done, week.missed, week.light) == (4, 4, 0, "green")
    # The same week on a calendar without the holiday: Monday was owed and missed.
    plain = row_of(coverage([rules.g1], friday_evening, Clock()), rules.member).cells["week"]
    assert (plain.due, plain.done, plain.missed, plain.light) == (5, 4, 1, "red")
    # On the holiday itself nothing is owed: no light, and it is never flagged.
    monday = row_of(coverage([rules.g1], datetime(2026, 4, 6, 18, 0), holiday_clock), rules.member).cells["day"]
    assert (monday.current.status, monday.light) == ("off", None)
    missed = missed_patrols([rules.g1], date(2026, 4, 1), friday_evening, holiday_clock)
    assert not [m for m in missed if m.user.id == rules.member.id]
    assert [m.status.period.first.day for m in missed if m.user.id == rules.member2.id] == [1, 2, 3, 7, 8, 9, 10]
    # The make-up Sunday is owed like any working day.
    for day in (20, 21, 22, 23, 24):
        patrol(rules.member, datetime(2026, 4, day, 9, 30))
    sunday_night = datetime(2026, 4, 26, 20, 0)
    sunday = row_of(coverage([rules.g1], sunday_night, holiday_clock), rules.member).cells["day"]
    assert (sunday.current.status, sunday.light) == ("missed", "red")
    assert row_of(coverage([rules.g1], sunday_night, Clock()), rules.member).cells["day"].current.status == "off"


def test_a_missed_day_is_flagged(rules):
    """March 2026: the member patrols every working day but Tuesday the 3rd."""
    for day in (2, 4, 5, 6):
        patrol(rules.member, datetime(2026, 3, day, 9, 0))
    friday = datetime(2026, 3, 6, 18, 0)
    clock = Clock()
    missed = missed_patrols([rules.g1], date(2026, 3, 1), friday, clock)
    member_missed = [m for m in missed if m.user.id == rules.member.id]
    assert [m.status.period.first for m in member_missed] == [date(2026, 3, 3)]
    assert member_missed[0].status.window.deadline == datetime(2026, 3, 3, 17, 30)
    # member2 never patrolled: all five days are flagged; the lead owes one per month, not yet missed.
    assert len([m for m in missed if m.user.id == rules.member2.id]) == 5
    assert not [m for m in missed if m.user.id == rules.lead.id]
    row = row_of(coverage([rules.g1], friday, clock), rules.member)
    assert (row.cells["week"].done, row.cells["week"].missed, row.cells["week"].light) == (4, 1, "red")
    assert (row.cells["month"].due, row.cells["month"].missed) == (5, 1)
    assert row.light == "red"


def test_lead_monthly_and_environmental_grid_weekly(rules):
    """Rules by role and grid type: the lead owes one patrol a month; an environmental grid's member one a week."""
    rules.g2.grid_type = "environment"
    rules.g2.save()
    patrol(rules.lead, datetime(2026, 3, 10, 15, 0))
    patrol(rules.member_g2, datetime(2026, 3, 3, 9, 0))
    at = datetime(2026, 3, 13, 18, 0)  # Friday of the second week
    rows = coverage([rules.g1, rules.g2], at, Clock())
    lead = row_of(rows, rules.lead)
    assert lead.rule.period == "month"
    assert not lead.cells["day"].required and lead.cells["month"].current.status == "done"
    env = row_of(rows, rules.member_g2)
    assert env.rule.period == "week"
    assert not env.cells["day"].required
    assert (env.cells["month"].due, env.cells["month"].done, env.cells["month"].missed) == (2, 1, 1)
    missed = missed_patrols([rules.g2], date(2026, 3, 1), at, Clock())
    assert [(m.user.id, m.status.period.first) for m in missed] == [(rules.member_g2.id, date(2026, 3, 9))]


def test_no_rule_means_nothing_owed(world):
    rows = coverage([world.g1], datetime(2026, 3, 6, 18, 0), Clock())
    assert all(r.rule is None and r.light is None for r in rows)


def test_the_default_calendar_is_the_service_clock(rules, monkeypatch):
    """Without a clock, coverage asks workflows.service.current_clock() (the holiday-aware one)."""
    import workflows.service

    calendar = WorkCalendar({date(2026, 3, 3): False})
    monkeypatch.setattr(workflows.service, "_clock_factory", lambda: Clock(calendar))
    for day in (2, 4, 5, 6):
        patrol(rules.member, datetime(2026, 3, day, 9, 0))
    assert Coverage(datetime(2026, 3, 6, 18, 0)).clock.calendar is calendar
    row = row_of(coverage([rules.g1], datetime(2026, 3, 6, 18, 0)), rules.member)
    assert (row.cells["week"].due, row.cells["week"].missed) == (4, 0)


def test_visible_grids(world):
    assert [g.code for g in visible_grids(world.member)] == ["G1"]
    assert [g.code for g in visible_grids(world.community)] == ["G1", "G2"]
    assert [g.code for g in visible_grids(world.supervisor)] == ["G1", "G2", "G3"]
    assert [g.code for g in visible_grids(world.district_disp)] == ["G1", "G2", "G3", "G4"]
    # A department's handler: the grids its department serves (where its inspectors record cases).
    assert [g.code for g in visible_grids(world.handler)] == ["G1", "G2", "G3"]
    assert list(visible_grids(world.building_head)) == []
