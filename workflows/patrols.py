"""Patrols: starting and ending one, the rules for how often, and who has covered their grid.

A rule says how many patrols a role owes per day, week or month in a kind of grid. A period
is due only if the calendar gives it working days; its patrols are due by the end of office
time on its last working day, with the board's yellow light once the warning fraction of its
office time is used. A patrol counts on the day it started, once it has ended.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from workflows.clock import light
from workflows.db import lock_for_update, write_transaction
from workflows.errors import FORBIDDEN, INVALID, INVALID_STATE, WorkflowError
from workflows.machine import N_
from workflows.models import PATROL_PERIODS, Building, Case, OrgUnit, Patrol, PatrolBuilding, PatrolRule, User
from workflows.policy import can
from workflows.service import current_clock
from workflows.values import record_id, whole_number
from workflows.vocabulary import GRID_TYPE_LABELS

PATROL_ROLES = ("member", "lead")
PERIOD_LABELS = {"day": N_("Daily"), "week": N_("Weekly"), "month": N_("Monthly")}
GRID_TYPES = GRID_TYPE_LABELS
# role, grid type ("" = any), period, patrols per period — the seed plans' minimums.
DEFAULT_RULES = (
    ("member", "", "day", 1),
    ("lead", "", "month", 1),
    ("member", "environment", "week", 1),
)
NOTE_LIMIT = 2000
_RANK = {kind: index for index, kind in enumerate(PATROL_PERIODS)}


# ---- the grid team ------------------------------------------------------------------------


def patrollers(grid_ids):
    """The active members and leads of these grids: lead first, then by name."""
    if not grid_ids:
        return []
    return list(User.select().where(User.active & User.role.in_(PATROL_ROLES) & User.org.in_(grid_ids))
                .order_by(User.org, User.role, User.name, User.id))  # "lead" sorts before "member"


# ---- starting, checking off, ending ------------------------------------------------------


def open_patrol(user, grid=None):
    """The user's patrol in progress in the grid (their own by default), or None."""
    grid_id = getattr(grid, "id", grid) or user.org_id
    return (Patrol.select().where((Patrol.user == user.id) & (Patrol.grid == grid_id) & Patrol.ended_at.is_null())
            .order_by(Patrol.started_at.desc()).first())


def start_patrol(user, now, *, lat=None, lng=None, accuracy=None):
    """Start a patrol of the user's own grid; a second start returns the patrol in progress."""
    if not can(user, "patrol.walk") or user.org_id is None or user.org.kind != "grid":
        raise WorkflowError(FORBIDDEN, N_("Only grid members and grid leads patrol a grid."))
    lat, lng, accuracy = position(lat, lng, accuracy)
    with write_transaction():
        # One start at a time per person: two taps must not open two patrols.
        lock_for_update(User.select().where(User.id == user.id)).get()
        current = open_patrol(user)
        if current is not None:
            return current
        return Patrol.create(user=user.id, grid=user.org_id, started_at=now, start_lat=lat, start_lng=lng,
                             start_accuracy=accuracy)


def check_building(patrol, user, building_id, checked, now):
    """Tick (or untick) a building of the patrol's grid as walked."""
    _own_open(patrol, user)
    building = Building.get_or_none((Building.id == record_id(building_id)) & (Building.grid == patrol.grid_id))
    if building is None:
        raise WorkflowError(INVALID, N_("That building is not in this grid."), field="building")
    if checked:
        PatrolBuilding.insert(patrol=patrol.id, building=building.id, checked_at=now).on_conflict_ignore().execute()
    else:
        PatrolBuilding.delete().where((PatrolBuilding.patrol == patrol.id)
                                      & (PatrolBuilding.building == building.id)).execute()
    return building


def end_patrol(patrol, user, now, *, lat=None, lng=None, accuracy=None, note=""):
    """End the user's patrol; it counts from now on. Ending twice is refused."""
    lat, lng, accuracy = position(lat, lng, accuracy)
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="note", n=NOTE_LIMIT)
    with write_transaction():
        fresh = lock_for_update(Patrol.select().where(Patrol.id == patrol.id)).get()
        if fresh.user_id != user.id:
            raise WorkflowError(FORBIDDEN, N_("This is not your patrol."))
        if fresh.ended_at is not None:
            raise WorkflowError(INVALID_STATE, N_("This patrol has already ended."))
        Patrol.update(ended_at=max(now, fresh.started_at), end_lat=lat, end_lng=lng, end_accuracy=accuracy,
                      note=note).where(Patrol.id == fresh.id).execute()
    return Patrol.get_by_id(patrol.id)


def position(lat, lng, accuracy):
    """A browser position as floats, or Nones; refuse a half or impossible one."""
    values = [_float(v) for v in (lat, lng, accuracy)]
    if values[0] is None and values[1] is None:
        return None, None, None
    lat, lng, accuracy = values
    if lat is None or lng is None or not -90 <= lat <= 90 or not -180 <= lng <= 180 or (
            accuracy is not None and accuracy < 0):
        raise WorkflowError(INVALID, N_("The position sent by the tablet is not valid."), field="position")
    return lat, lng, accuracy


def patrol_facts(patrol_ids):
    """Per patrol id: buildings checked and cases recorded during it."""
    buildings = Counter(row.patrol_id for row in
                        PatrolBuilding.select(PatrolBuilding.patrol).where(PatrolBuilding.patrol.in_(patrol_ids)))
    cases = Counter(row.patrol_id for row in Case.select(Case.patrol).where(Case.patrol.in_(patrol_ids)))
    return {pid: {"buildings": buildings[pid], "cases": cases[pid]} for pid in patrol_ids}


def _own_open(patrol, user):
    """Refuse changes to someone else's patrol, or to one that has ended."""
    if patrol.user_id != user.id:
        raise WorkflowError(FORBIDDEN, N_("This is not your patrol."))
    if patrol.ended_at is not None:
        raise WorkflowError(INVALID_STATE, N_("This patrol has already ended."))


# ---- rules ---------------------------------------------------------------------------------


def rules_table():
    """All patrol rules keyed by (role, grid type)."""
    return {(rule.role, rule.grid_type): rule for rule in PatrolRule.select()}


def rule_for(rules, role, grid_type):
    """The rule for a role in a kind of grid: its own, else the role's rule for any grid."""
    return rules.get((role, grid_type)) or rules.get((role, ""))


def ensure_default_rules():
    """Create the seed plans' rules where none exists (idempotent); returns how many were added."""
    added = 0
    for role, grid_type, period, times in DEFAULT_RULES:
        if not PatrolRule.select().where((PatrolRule.role == role) & (PatrolRule.grid_type == grid_type)).exists():
            PatrolRule.create(role=role, grid_type=grid_type, period=period, times=times)
            added += 1
    return added


def save_rule(actor, now, *, role, grid_type, period, times, rule_id=None):
    """Create or change a patrol rule (administrators only)."""
    if not can(actor, "patrol.rules"):
        raise WorkflowError(FORBIDDEN, N_("Only an administrator may change patrol rules."))
    grid_type = (grid_type or "").strip()
    if role not in PATROL_ROLES:
        raise WorkflowError(INVALID, N_("Choose a role from the list."), field="role")
    if grid_type and grid_type not in GRID_TYPES:
        raise WorkflowError(INVALID, N_("Choose a grid type from the list."), field="grid_type")
    if period not in PATROL_PERIODS:
        raise WorkflowError(INVALID, N_("Choose a period from the list."), field="period")
    times = whole_number(times)
    if times is None or not 1 <= times <= 31:
        raise WorkflowError(INVALID, N_("Patrols per period must be a whole number from 1 to 31."), field="times")
    fields = dict(role=role, grid_type=grid_type, period=period, times=times, updated_at=now, updated_by=actor.id)
    with write_transaction():
        clash = PatrolRule.get_or_none((PatrolRule.role == role) & (PatrolRule.grid_type == grid_type))
        if clash is not None and clash.id != record_id(rule_id):
            raise WorkflowError(INVALID, N_("There is already a rule for this role and grid type."), field="grid_type")
        if rule_id:
            if PatrolRule.update(fields).where(PatrolRule.id == record_id(rule_id)).execute() != 1:
                raise WorkflowError(INVALID, N_("That rule no longer exists."))
            return PatrolRule.get_by_id(record_id(rule_id))
        return PatrolRule.create(**fields)


# ---- periods and their due windows ----------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar day, ISO week (Monday–Sunday) or month."""

    kind: str
    first: date
    last: date

    def days(self):
        """Every date of the period."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def contains(self, day):
        """True if the date lies in the period."""
        return self.first <= day <= self.last


def period_of(kind, day):
    """The period of this kind containing the date."""
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, following - timedelta(days=1))
    raise ValueError(f"unknown period {kind!r}")


def periods_between(kind, first, last):
    """The periods of this kind overlapping [first, last], in order."""
    out, period = [], period_of(kind, first)
    while period.first <= last:
        out.append(period)
        period = period_of(kind, period.last + timedelta(days=1))
    return out


@dataclass(frozen=True)
class DueWindow:
    """When a period's patrols are due: from its first office hour to the end of its last working day."""

    start: datetime
    warn_at: datetime
    deadline: datetime


def due_window(period, clock):
    """The period's due window on the clock's calendar, or None if it has no working day."""
    workdays = [day for day in period.days() if clock.calendar.is_workday(day)]
    if not workdays:
        return None
    start = datetime.combine(workdays[0], clock.periods[0][0])
    deadline = datetime.combine(workdays[-1], clock.periods[-1][1])
    warn_at = clock.add_working_seconds(start, clock.working_seconds(start, deadline) * clock.warn_fraction)
    return DueWindow(start, warn_at, deadline)


@dataclass
class PeriodStatus:
    """How one person stands in one period: done, open, due_soon, missed, upcoming or off (no working day)."""

    period: Period
    window: DueWindow
    count: int
    needed: int
    status: str
    light: str = None


def period_status(period, window, count, needed, now):
    """Judge a period at `now` from the patrols counted in it."""
    if window is None:
        return PeriodStatus(period, window, count, needed, "off")
    if count >= needed:
        return PeriodStatus(period, window, count, needed, "done", "green")
    if now < window.start:
        return PeriodStatus(period, window, count, needed, "upcoming")
    colour = light(now, window.warn_at, window.deadline)
    status = {"green": "open", "yellow": "due_soon", "red": "missed"}[colour]
    return PeriodStatus(period, window, count, needed, status, colour)


# ---- coverage ------------------------------------------------------------------------------


def patrol_counts(user_ids, first, last):
    """Ended patrols per (user id, day started) between two dates."""
    if not user_ids:
        return Counter()
    rows = (Patrol.select(Patrol.user, Patrol.started_at)
            .where(Patrol.user.in_(user_ids) & Patrol.ended_at.is_null(False)
                   & (Patrol.started_at >= datetime.combine(first, time.min))
                   & (Patrol.started_at < datetime.combine(last + timedelta(days=1), time.min))))
    return Counter((row.user_id, row.started_at.date()) for row in rows)


@dataclass
class Cell:
    """One person in one window (today, this week, this month)."""

    window: str
    patrols: int
    required: bool
    statuses: list = field(default_factory=list)
    current: PeriodStatus = None

    @property
    def due(self):
        """Periods that are due so far (started, with working days)."""
        return len(self.statuses)

    @property
    def done(self):
        return sum(1 for s in self.statuses if s.status == "done")

    @property
    def missed(self):
        return sum(1 for s in self.statuses if s.status == "missed")

    @property
    def light(self):
        """Red if a period was missed, yellow if one is about to be, green if on track."""
        if not self.required or not self.statuses:
            return None
        if self.missed:
            return "red"
        if any(s.status == "due_soon" for s in self.statuses):
            return "yellow"
        return "green"


@dataclass
class CoverageRow:
    """A person's rule and their cells for today, this week and this month."""

    user: User
    grid: OrgUnit
    rule: PatrolRule
    cells: dict

    @property
    def light(self):
        """The worst light of the row's cells."""
        return worst(cell.light for cell in self.cells.values())


def worst(lights):
    """The most urgent of some lights (None if there are none)."""
    lights = [lv for lv in lights if lv]
    for colour in ("red", "yellow", "green"):
        if colour in lights:
            return colour
    return None


class Coverage:
    """Coverage arithmetic for one moment and one clock, caching each period's due window."""

    def __init__(self, now, clock=None):
        self.now = now
        self.today = now.date()
        self.clock = clock or current_clock()
        self._windows = {}

    def window(self, period):
        """The period's due window (cached)."""
        if period not in self._windows:
            self._windows[period] = due_window(period, self.clock)
        return self._windows[period]

    def statuses(self, rule, span, counts, user_id, *, finished_only=False):
        """The statuses of the rule's periods belonging to `span` (attributed by their deadline day)."""
        out = []
        for period in periods_between(rule.period, span.first, span.last):
            window = self.window(period)
            if window is None or window.start > self.now:
                continue
            if not (span.contains(window.deadline.date()) or period.contains(self.today)):
                continue
            if finished_only and window.deadline > self.now:
                continue
            count = sum(counts[(user_id, day)] for day in period.days())
            out.append(period_status(period, window, count, rule.times, self.now))
        return out

    def cell(self, window_kind, rule, counts, user_id):
        """One person's cell for the window of this kind containing today."""
        span = period_of(window_kind, self.today)
        patrols = sum(counts[(user_id, day)] for day in span.days() if day <= self.today)
        if rule is None or _RANK[rule.period] > _RANK[window_kind]:
            return Cell(window_kind, patrols, required=False)
        statuses = self.statuses(rule, span, counts, user_id)
        current_period = period_of(rule.period, self.today)
        current_count = sum(counts[(user_id, day)] for day in current_period.days())
        current = period_status(current_period, self.window(current_period), current_count, rule.times, self.now)
        return Cell(window_kind, patrols, required=True, statuses=statuses, current=current)

    def rows(self, grids):
        """Coverage rows for everyone who patrols these grids."""
        grids = list(grids)
        by_id = {grid.id: grid for grid in grids}
        people = patrollers(list(by_id))
        rules = rules_table()
        month = period_of("month", self.today)
        first = min(period_of("week", month.first).first, period_of("week", self.today).first)
        counts = patrol_counts([u.id for u in people], first, self.today)
        rows = []
        for user in people:
            grid = by_id[user.org_id]
            rule = rule_for(rules, user.role, grid.grid_type)
            cells = {kind: self.cell(kind, rule, counts, user.id) for kind in PATROL_PERIODS}
            rows.append(CoverageRow(user, grid, rule, cells))
        return rows

    def missed(self, grids, month_day):
        """Every period whose deadline fell in the month (and has passed) without its patrols."""
        grids = list(grids)
        by_id = {grid.id: grid for grid in grids}
        people = patrollers(list(by_id))
        rules = rules_table()
        month = period_of("month", month_day)
        first = period_of("week", month.first).first
        counts = patrol_counts([u.id for u in people], first, min(month.last, self.today))
        out = []
        for user in people:
            grid = by_id[user.org_id]
            rule = rule_for(rules, user.role, grid.grid_type)
            if rule is None:
                continue
            for status in self.statuses(rule, month, counts, user.id, finished_only=True):
                if status.status == "missed" and month.contains(status.window.deadline.date()):
                    out.append(MissedPatrol(user, grid, rule, status))
        out.sort(key=lambda m: (m.status.period.first, grids.index(m.grid), m.user.role != "lead", m.user.name))
        return out


@dataclass
class MissedPatrol:
    """A period somebody owed a patrol and did not patrol."""

    user: User
    grid: OrgUnit
    rule: PatrolRule
    status: PeriodStatus


def coverage(grids, now, clock=None):
    """Coverage rows (today / this week / this month) for everyone who patrols these grids."""
    return Coverage(now, clock).rows(grids)


def missed_patrols(grids, month_day, now, clock=None):
    """The missed-patrol list of the month containing `month_day`, as of `now`."""
    return Coverage(now, clock).missed(grids, month_day)


def _float(value):
    """A float from a form value, or None."""
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WorkflowError(INVALID, N_("The position sent by the tablet is not valid."), field="position") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise WorkflowError(INVALID, N_("The position sent by the tablet is not valid."), field="position")
    return number
