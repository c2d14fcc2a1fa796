"""Working-time arithmetic: deadlines in natural hours, working hours or working days.

A working day is the sum of the office periods (default 08:30–12:00 and 14:00–17:30,
seven hours). "N working days" is N such days of office time, so a step that starts
at 15:00 on a working day ends at 15:00 on the Nth working day after it. When a
limit is used up exactly at the end of a period the deadline is that end (17:30),
never the start of the next period, so a deadline always lies inside office time.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peewee import Case as When

UNITS = ("hours", "working_hours", "working_days")
DEFAULT_PERIODS = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
# A limit that cannot be met within this many days is a configuration error.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Limit:
    """A time limit: an amount of natural hours, working hours or working days."""

    amount: float
    unit: str

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"unknown time-limit unit {self.unit!r}")
        if self.amount < 0:
            raise ValueError("a time limit cannot be negative")

    @property
    def natural(self):
        """True when counted on the wall clock rather than in office time."""
        return self.unit == "hours"


class WorkCalendar:
    """Which dates are working days: the weekly pattern, corrected by dated exceptions."""

    def __init__(self, overrides=None, weekend=(5, 6)):
        # date -> True (a make-up working day) or False (a day off).
        self.overrides = dict(overrides or {})
        self.weekend = frozenset(weekend)

    def is_workday(self, day):
        """True if office hours apply on this date."""
        override = self.overrides.get(day)
        if override is not None:
            return override
        return day.weekday() not in self.weekend


def parse_periods(text):
    """Parse "08:30-12:00,14:00-17:30" into ordered, non-overlapping (start, end) times."""
    periods = []
    for chunk in text.split(","):
        start, end = (time.fromisoformat(part.strip()) for part in chunk.split("-"))
        if end <= start:
            raise ValueError(f"office period {chunk!r} ends before it starts")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:]):
        if start < end:
            raise ValueError("office periods overlap")
    return tuple(periods)


class Clock:
    """Deadline arithmetic over a WorkCalendar and a day's office periods."""

    def __init__(self, calendar=None, periods=DEFAULT_PERIODS, warn_fraction=0.8):
        self.calendar = calendar or WorkCalendar()
        self.periods = tuple(periods)
        self.warn_fraction = warn_fraction
        self.day_seconds = sum(_span(s, e) for s, e in self.periods)

    def seconds(self, limit):
        """The limit's length in seconds of its own kind of time."""
        per_unit = {"hours": 3600, "working_hours": 3600, "working_days": self.day_seconds}
        return limit.amount * per_unit[limit.unit]

    def add(self, start, limit, fraction=1.0):
        """The moment `fraction` of `limit` is used up, counting from `start`."""
        return self.advance(start, self.seconds(limit) * fraction, limit.natural)

    def advance(self, start, seconds, natural):
        """The moment `seconds` (rounded to whole seconds) of wall-clock or office time after `start`."""
        seconds = round(seconds)
        if natural:
            return start + timedelta(seconds=seconds)
        return self.add_working_seconds(start, seconds)

    def deadline(self, start, limit):
        """When the limit is used up."""
        return self.add(start, limit)

    def warn_at(self, start, limit):
        """When the warning fraction (default 80%) of the limit is used up."""
        return self.add(start, limit, self.warn_fraction)

    def add_working_seconds(self, start, seconds):
        """The moment `seconds` of office time have passed after `start`."""
        remaining = timedelta(seconds=seconds)
        cursor = start
        day = start.date()
        for _ in range(MAX_DAYS):
            if self.calendar.is_workday(day):
                for period_start, period_end in self.periods:
                    begin = max(datetime.combine(day, period_start), cursor)
                    end = datetime.combine(day, period_end)
                    if begin > end:
                        continue
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min)
        raise ValueError("no working time found within three years: check the calendar")

    def cutoff(self, end, limit):
        """The latest start whose limit is used up by `end`: add(t, limit) <= end exactly when t <= cutoff.

        Lets a query compare a stored start with one constant instead of doing calendar
        arithmetic per row (the sweep's "5 working days after the notice").
        """
        seconds = round(self.seconds(limit))
        if limit.natural or seconds <= 0:
            return end - timedelta(seconds=seconds)
        return self.subtract_working_seconds(end, seconds)

    def subtract_working_seconds(self, end, seconds):
        """The latest moment with `seconds` (> 0) of office time between it and `end`."""
        remaining = timedelta(seconds=seconds)
        cursor = end
        day = end.date()
        for _ in range(MAX_DAYS):
            if self.calendar.is_workday(day):
                for period_start, period_end in reversed(self.periods):
                    begin = datetime.combine(day, period_start)
                    finish = min(datetime.combine(day, period_end), cursor)
                    if finish < begin:
                        continue
                    if remaining <= finish - begin:
                        return finish - remaining
                    remaining -= finish - begin
            day -= timedelta(days=1)
            cursor = datetime.combine(day, time.max)
        raise ValueError("no working time found within three years: check the calendar")

    def working_seconds(self, start, end):
        """Seconds of office time between two moments (0 if end is not after start)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = start.date()
        while day <= end.date():
            if self.calendar.is_workday(day):
                for period_start, period_end in self.periods:
                    begin = max(datetime.combine(day, period_start), start)
                    finish = min(datetime.combine(day, period_end), end)
                    if finish > begin:
                        total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds()

    def elapsed(self, start, end, limit):
        """Seconds between two moments, in the limit's kind of time."""
        if limit.natural:
            return max((end - start).total_seconds(), 0.0)
        return self.working_seconds(start, end)

    def used_fraction(self, start, now, limit):
        """How much of the limit is used at `now` (1.0 = deadline reached)."""
        total = self.seconds(limit)
        if total <= 0:
            return 1.0
        return self.elapsed(start, now, limit) / total

    def is_working_time(self, moment):
        """True if the moment lies in an office period of a working day (ends included)."""
        if not self.calendar.is_workday(moment.date()):
            return False
        clock_time = moment.time()
        return any(s <= clock_time <= e for s, e in self.periods)


def light(now, warn_at, deadline):
    """The traffic light of a step: green, yellow from the warning point, red from the deadline."""
    if deadline is None:
        return None
    if now >= deadline:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "green"


def light_sql(now, warn_at, deadline):
    """light() as an SQL expression over two columns, for queries that only need the colour."""
    return When(None, [(deadline.is_null(), None), (deadline <= now, "red"), (warn_at <= now, "yellow")], "green")


def _span(start, end):
    """Seconds from one time of day to a later one."""
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()
