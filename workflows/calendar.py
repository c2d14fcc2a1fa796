"""The working calendar in the database: rows where a date differs from the weekly pattern.

Seeded from the `holidays` package (China's statutory holidays and its make-up working days,
调休), corrected by admins, and confirmed year by year once checked against the State
Council's notice. Reading it is cached per database and invalidated by a version counter
that every write bumps, so each process sees an admin's change on its next clock.
"""
from datetime import date, timedelta

import holidays

from workflows import sql
from workflows.clock import WorkCalendar
from workflows.db import db, write_transaction
from workflows.models import CalendarDay, CalendarYear, Counter, User

VERSION_KEY = "calendar"
# Admins are warned while a date this close lies in a year nobody has confirmed.
CONFIRM_HORIZON = timedelta(days=60)
WEEKEND = (5, 6)

_cache = None  # (database, version, WorkCalendar)


def weekly_workday(day):
    """Whether the plain weekly pattern makes this date a working day."""
    return day.weekday() not in WEEKEND


def package_days(year):
    """{date: (workday, note)} for the year from the `holidays` package: weekday holidays and make-up days."""
    china = holidays.China(years=year, language="zh_CN")
    days = {}
    for day, name in china.items():
        if day.year == year and weekly_workday(day):
            days[day] = (False, name[:100])
    for day in china.weekend_workdays:
        if day.year == year:
            days[day] = (True, "调休上班")
    return days


def package_calendar(years):
    """A WorkCalendar straight from the package, for years that have no rows (and for tests)."""
    overrides = {}
    for year in years:
        overrides.update({day: workday for day, (workday, _note) in package_days(year).items()})
    return WorkCalendar(overrides, weekend=WEEKEND)


def work_calendar():
    """The calendar as the database has it, reloaded only after a write."""
    global _cache
    database = db.obj
    version = _version()
    cached = _cache
    if cached is not None and cached[0] is database and cached[1] == version:
        return cached[2]
    rows = CalendarDay.select(CalendarDay.day, CalendarDay.workday).tuples()
    calendar = WorkCalendar(dict(rows), weekend=WEEKEND)
    _cache = (database, version, calendar)
    return calendar


def sync_year(year, now):
    """Load one year from the package unless an admin has confirmed it; returns the rows written.

    Rows an admin entered by hand stay; the package's earlier rows for the year are replaced,
    so a newer package that learnt the make-up days fills them in.
    """
    with write_transaction():
        record = CalendarYear.get_or_none(CalendarYear.year == year)
        if record is not None and record.confirmed_at is not None:
            return 0
        first, last = date(year, 1, 1), date(year, 12, 31)
        CalendarDay.delete().where(
            CalendarDay.day.between(first, last) & (CalendarDay.source == "holidays")).execute()
        manual = {d for (d,) in CalendarDay.select(CalendarDay.day).where(
            CalendarDay.day.between(first, last)).tuples()}
        rows = [
            {"day": day, "workday": workday, "source": "holidays", "note": note, "updated_at": now}
            for day, (workday, note) in sorted(package_days(year).items()) if day not in manual
        ]
        if rows:
            CalendarDay.insert_many(rows).execute()
        if record is None:
            CalendarYear.create(year=year, synced_at=now)
        else:
            CalendarYear.update(synced_at=now).where(CalendarYear.year == year).execute()
        _bump()
    return len(rows)


def set_day(day, workday, note, user, now):
    """Record a date that differs from the weekly pattern; False if it would not differ."""
    if workday == weekly_workday(day):
        return False
    with write_transaction():
        CalendarDay.insert(day=day, workday=workday, source="manual", note=note[:100], updated_at=now,
                           updated_by=_user_id(user)).on_conflict(
            conflict_target=[CalendarDay.day],
            update={CalendarDay.workday: workday, CalendarDay.source: "manual", CalendarDay.note: note[:100],
                    CalendarDay.updated_at: now, CalendarDay.updated_by: _user_id(user)},
        ).execute()
        _ensure_year(day.year)
        _bump()
    return True


def clear_day(day):
    """Let a date follow the weekly pattern again; False if it had no row."""
    with write_transaction():
        removed = CalendarDay.delete().where(CalendarDay.day == day).execute()
        if removed:
            _bump()
    return bool(removed)


def confirm_year(year, user, now):
    """Mark a year as checked against the State Council's notice: its package rows become confirmed."""
    with write_transaction():
        _ensure_year(year)
        CalendarYear.update(confirmed_at=now, confirmed_by=_user_id(user)).where(CalendarYear.year == year).execute()
        CalendarDay.update(source="confirmed").where(
            CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)) & (CalendarDay.source == "holidays")
        ).execute()
        _bump()


def unconfirmed_years(today, horizon=CONFIRM_HORIZON):
    """The years of the dates from today to today + horizon that no admin has confirmed."""
    years = set(range(today.year, (today + horizon).year + 1))
    confirmed = {y for (y,) in CalendarYear.select(CalendarYear.year).where(
        CalendarYear.year.in_(sorted(years)) & CalendarYear.confirmed_at.is_null(False)).tuples()}
    return sorted(years - confirmed)


def days_of(year):
    """The year's rows, in date order."""
    return list(CalendarDay.select().where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day))


def _ensure_year(year):
    """A CalendarYear row exists for the year."""
    CalendarYear.insert(year=year).on_conflict_ignore().execute()


def _version():
    """The calendar's version counter (0 before any write); every event's clock asks."""
    rows = sql.COUNTER.rows(key=VERSION_KEY)
    return rows[0][0] if rows else 0


def _bump():
    """Tell every process's cache that the calendar changed (inside the writer's transaction)."""
    Counter.insert(key=VERSION_KEY, value=0).on_conflict_ignore().execute()
    Counter.update(value=Counter.value + 1).where(Counter.key == VERSION_KEY).execute()


def _user_id(user):
    """The id of a User (None for the system)."""
    return user.id if isinstance(user, User) else None
