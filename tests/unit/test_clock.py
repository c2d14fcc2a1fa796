"""Working-time arithmetic on China's calendar: known cases by hand, properties by hypothesis. No database."""
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import package_calendar, package_days
from workflows.clock import Clock, Limit, WorkCalendar, light, parse_periods

CHINA = Clock(package_calendar([2026, 2027]))


def test_the_package_knows_national_day_2026_and_its_make_up_days():
    days = package_days(2026)
    for off in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)):
        assert days[off][0] is False
    # 调休: Sunday 20 September and Saturday 10 October are working days.
    assert days[date(2026, 9, 20)][0] is True and days[date(2026, 10, 10)][0] is True
    assert not CHINA.calendar.is_workday(date(2026, 10, 8) - timedelta(days=1))
    assert CHINA.calendar.is_workday(date(2026, 10, 10))


@pytest.mark.parametrize(("start", "limit", "deadline"), [
    # 2.5 h on Wed 30 Sep; 1–7 Oct off; 7 h on Thu 8, 7 h on Fri 9; the make-up Saturday 10 Oct: 3.5 h + 1 h.
    (datetime(2026, 9, 30, 15), Limit(3, "working_days"), datetime(2026, 10, 10, 15)),
    (datetime(2026, 9, 30, 15), Limit(1, "working_days"), datetime(2026, 10, 8, 15)),
    # 1.5 h before the holiday, 2.5 h after it.
    (datetime(2026, 9, 30, 16), Limit(4, "working_hours"), datetime(2026, 10, 8, 11)),
    # Friday 18 Sep 16:00: 1.5 h, Saturday off, the make-up Sunday 20 Sep from 08:30: 3.5 h, then 2 h.
    (datetime(2026, 9, 18, 16), Limit(1, "working_days"), datetime(2026, 9, 20, 16)),
    # Spring Festival: Fri 13 Feb and the make-up Sat 14 Feb work, 15–23 Feb off, back on Tue 24 Feb.
    (datetime(2026, 2, 13, 9), Limit(3, "working_days"), datetime(2026, 2, 25, 9)),
    # New Year: Thu 31 Dec 2026 2.5 h; 1 Jan 2027 a holiday, 2–3 Jan a weekend; Mon 4, Tue 5, then Wed 6 to 15:00.
    (datetime(2026, 12, 31, 15), Limit(3, "working_days"), datetime(2027, 1, 6, 15)),
    # Used up exactly at the end of the day: the deadline is 17:30, not the next morning.
    (datetime(2026, 12, 31, 8, 30), Limit(1, "working_days"), datetime(2026, 12, 31, 17, 30)),
    # Started at night, over lunch: 3.5 h in the morning, 0.5 h after 14:00.
    (datetime(2026, 3, 2, 22), Limit(4, "working_hours"), datetime(2026, 3, 3, 14, 30)),
    # Natural hours ignore the calendar.
    (datetime(2026, 9, 30, 15), Limit(24, "hours"), datetime(2026, 10, 1, 15)),
])
def test_known_deadlines(start, limit, deadline):
    assert CHINA.deadline(start, limit) == deadline
    if not limit.natural:
        assert CHINA.working_seconds(start, deadline) == CHINA.seconds(limit)


def test_office_hours_are_configuration():
    clock = Clock(package_calendar([2026]), parse_periods("09:00-12:00,13:00-18:00"))
    assert clock.day_seconds == 8 * 3600
    assert clock.deadline(datetime(2026, 3, 2, 17), Limit(2, "working_hours")) == datetime(2026, 3, 3, 10)
    with pytest.raises(ValueError):
        parse_periods("09:00-12:00,11:00-18:00")


def test_lights_at_79_80_and_100_percent():
    start, limit = datetime(2026, 3, 2, 9), Limit(3, "working_days")
    warn_at, deadline = CHINA.warn_at(start, limit), CHINA.deadline(start, limit)
    at = {pct: CHINA.add(start, limit, pct / 100) for pct in (79, 80, 100)}
    assert [light(at[p], warn_at, deadline) for p in (79, 80, 100)] == ["green", "yellow", "red"]
    assert light(deadline - timedelta(seconds=1), warn_at, deadline) == "yellow"
    assert CHINA.used_fraction(start, at[80], limit) == pytest.approx(0.8)
    # The warning share is configurable.
    half = Clock(CHINA.calendar, warn_fraction=0.5)
    assert light(at[79], half.warn_at(start, limit), deadline) == "yellow"


def test_cutoff_of_five_working_days_before_a_moment():
    """Monday 12 Oct 10:00 minus 5 working days lands before National Day, counting the make-up Saturday."""
    cutoff = CHINA.cutoff(datetime(2026, 10, 12, 10), Limit(5, "working_days"))
    # Back: Mon 12 from 08:30 (1.5 h), the make-up Sat 10, Fri 9, Thu 8, Wed 30 Sep (28 h), Tue 29 Sep to 10:00.
    assert cutoff == datetime(2026, 9, 29, 10)
    assert CHINA.deadline(cutoff, Limit(5, "working_days")) == datetime(2026, 10, 12, 10)


# ---- properties over 2026–2027 with the package's holidays and make-up days ----

moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 10, 1)).map(
    lambda d: d.replace(microsecond=0))
working_limits = st.builds(Limit, st.integers(1, 15 * 7 * 3600).map(lambda s: s / 3600),
                           st.just("working_hours")) | st.builds(Limit, st.integers(1, 20), st.just("working_days"))
any_limits = working_limits | st.builds(Limit, st.integers(1, 400), st.just("hours"))


@settings(max_examples=300, deadline=None)
@given(moments, working_limits)
def test_a_working_time_deadline_is_always_inside_working_time(start, limit):
    deadline = CHINA.deadline(start, limit)
    assert CHINA.is_working_time(deadline)
    assert CHINA.working_seconds(start, deadline) == round(CHINA.seconds(limit))


@settings(max_examples=300, deadline=None)
@given(moments, any_limits, any_limits)
def test_a_longer_limit_never_ends_earlier(start, a, b):
    if a.natural != b.natural:
        return
    shorter, longer = sorted((a, b), key=CHINA.seconds)
    assert CHINA.deadline(start, shorter) <= CHINA.deadline(start, longer)


@settings(max_examples=300, deadline=None)
@given(moments, moments, any_limits)
def test_a_later_start_never_ends_earlier(a, b, limit):
    early, late = sorted((a, b))
    assert CHINA.deadline(early, limit) <= CHINA.deadline(late, limit)


@settings(max_examples=300, deadline=None)
@given(moments, moments, working_limits)
def test_cutoff_answers_exactly_whether_a_limit_has_run_out(start, now, limit):
    """add(start, limit) <= now exactly when start <= cutoff(now, limit): the sweep's one comparison."""
    assert (CHINA.deadline(start, limit) <= now) == (start <= CHINA.cutoff(now, limit))


@settings(max_examples=200, deadline=None)
@given(moments, working_limits)
def test_warning_comes_before_the_deadline(start, limit):
    assert start <= CHINA.warn_at(start, limit) <= CHINA.deadline(start, limit)


def test_a_calendar_without_working_time_is_a_configuration_error():
    never = WorkCalendar(weekend=range(7))
    with pytest.raises(ValueError):
        Clock(never).deadline(datetime(2026, 3, 2, 9), Limit(1, "working_days"))


def test_is_working_time_includes_period_ends():
    assert CHINA.is_working_time(datetime.combine(date(2026, 3, 2), time(17, 30)))
    assert not CHINA.is_working_time(datetime.combine(date(2026, 3, 2), time(12, 30)))
    assert not CHINA.is_working_time(datetime(2026, 10, 1, 10))
