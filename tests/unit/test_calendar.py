"""The calendar table and the limit table: seeded, corrected by hand, confirmed, read through the cache."""
from datetime import date, datetime, timedelta

from tests.factories import T0, new_case
from workflows import calendar, limits
from workflows.clock import Clock, Limit
from workflows.models import CalendarDay, CalendarYear, Case
from workflows.service import fire

NOW = datetime(2026, 11, 20, 10)


def db_clock():
    """A clock over the calendar as the database has it."""
    return Clock(calendar.work_calendar())


def test_sync_loads_holidays_and_make_up_days(bound_db):
    written = calendar.sync_year(2026, NOW)
    rows = {row.day: row for row in CalendarDay.select()}
    assert written == len(rows) > 20
    assert rows[date(2026, 10, 1)].workday is False and rows[date(2026, 10, 1)].source == "holidays"
    assert rows[date(2026, 10, 10)].workday is True  # 调休: Saturday at work
    assert date(2026, 10, 3) not in rows  # a Saturday holiday does not differ from the weekly pattern
    assert db_clock().deadline(datetime(2026, 9, 30, 15), Limit(3, "working_days")) == datetime(2026, 10, 10, 15)


def test_hand_made_rows_survive_a_resync_and_confirmed_years_are_left_alone(bound_db, world):
    calendar.sync_year(2027, NOW)
    # The package does not know 2027's make-up days yet: an admin enters one.
    assert calendar.set_day(date(2027, 2, 20), True, "春节调休", world.admin, NOW)
    assert not calendar.set_day(date(2027, 2, 22), True, "a Monday is a working day anyway", world.admin, NOW)
    calendar.sync_year(2027, NOW + timedelta(days=1))
    row = CalendarDay.get_by_id(date(2027, 2, 20))
    assert (row.workday, row.source, row.updated_by_id) == (True, "manual", world.admin.id)
    calendar.confirm_year(2027, world.admin, NOW)
    assert CalendarDay.get_by_id(date(2027, 10, 1)).source == "confirmed"
    assert calendar.sync_year(2027, NOW) == 0
    assert CalendarDay.get_by_id(date(2027, 2, 20)).source == "manual"


def test_the_cached_calendar_follows_every_change(bound_db, world):
    saturday = date(2026, 3, 7)
    assert not calendar.work_calendar().is_workday(saturday)
    calendar.set_day(saturday, True, "调休", world.admin, NOW)
    assert calendar.work_calendar().is_workday(saturday)
    calendar.clear_day(saturday)
    assert not calendar.work_calendar().is_workday(saturday)
    assert calendar.work_calendar() is calendar.work_calendar()  # unchanged: no reload


def test_unconfirmed_years_within_60_days(bound_db, world):
    calendar.sync_year(2026, NOW)
    calendar.sync_year(2027, NOW)
    assert calendar.unconfirmed_years(date(2026, 10, 1)) == [2026]
    assert calendar.unconfirmed_years(date(2026, 11, 1)) == [2026]  # 1 Nov + 60 days = 31 Dec
    assert calendar.unconfirmed_years(date(2026, 11, 2)) == [2026, 2027]  # 2 Nov + 60 days = 1 Jan 2027
    calendar.confirm_year(2026, world.admin, NOW)
    assert calendar.unconfirmed_years(date(2026, 10, 1)) == []
    assert calendar.unconfirmed_years(date(2026, 11, 2)) == [2027]
    assert CalendarYear.get_by_id(2026).confirmed_by_id == world.admin.id


def test_a_new_limit_applies_to_steps_entered_after_it(world):
    clock = Clock()
    before = new_case(world, at=T0)
    fire(before, "report", world.lead, T0, clock=clock)
    fire(before, "dispatch", world.community, T0, clock=clock, department=world.sanitation.id)
    stamped = before.deadline
    changed_at = T0 + timedelta(hours=1)
    limits.set_limit("assigned", "normal", 5, "working_days", world.admin, changed_at)
    assert limits.limit_at("assigned", "normal", T0) == Limit(3, "working_days")
    assert limits.limit_at("assigned", "normal") == Limit(5, "working_days")
    after = new_case(world, at=changed_at)
    fire(after, "report", world.lead, changed_at, clock=clock)
    fire(after, "dispatch", world.community, changed_at, clock=clock, department=world.sanitation.id)
    assert after.deadline == clock.deadline(changed_at, Limit(5, "working_days"))
    assert Case.get_by_id(before.id).deadline == stamped  # never rewritten
    assert [row.amount for row in limits.history()] == [5]
