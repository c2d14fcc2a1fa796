"""Indicators computed from the case history, for any period and dimension.

A period's cases are the cases recorded in it (立案 in the period). Each is replayed from
its history up to the period's end (or now, if earlier): the state it was in, whether each
step ended by its deadline, what is overdue at that moment. Nothing is read from counters
kept on the side, so a number can always be explained by the cases behind it and computed
again. The definitions below are shown on the statistics page with every number.
"""
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from workflows import sql
from workflows.machine import CALLBACK_SOURCES, EVENT_SPECS, N_
from workflows.models import Case, CaseEvent

DIMENSIONS = {
    "grid": N_("Grid"),
    "community": N_("Community"),
    "street": N_("Street"),
    "department": N_("Department"),
    "category": N_("Category"),
    "person": N_("Person"),
}
PERIOD_KINDS = ("month", "quarter", "year", "custom")

DISPOSED_STATES = ("handled", "rectified", "verified")
UNDISPOSED_STATES = ("found", "reported", "assigned")
ANSWERED = ("satisfied", "basically_satisfied", "dissatisfied")
SATISFIED = ("satisfied", "basically_satisfied")
# (state left, event) -> the step whose duration is measured, from entering the state to leaving it.
STAYS = {
    ("reported", "dispatch"): "dispatch",
    ("assigned", "rectify"): "rectify",
    ("handled", "verify"): "verify",
    ("rectified", "verify"): "verify",
}
STEP_LABELS = {
    "dispatch": N_("Dispatch (reported → dispatched)"),
    "rectify": N_("Rectification (dispatched → rectified)"),
    "verify": N_("Verification (disposed → verified)"),
}
# The clock's internal events: they record a decision without ending a step.
EXTENSION_EVENT = "approve_extension"
SUSPENSION_EVENTS = {"approve_suspension": True, "resume": False}
BATCH = 1000


@dataclass(frozen=True)
class Counted:
    """A number the indicators are made of: its label and exact definition."""

    key: str
    label: str
    definition: str
    per_event: bool = False  # counts history rows (a case may count more than once)


COUNTERS = {c.key: c for c in (
    Counted("recorded", N_("Cases recorded"), N_("Cases recorded in the period, voided ones included.")),
    Counted("voided", N_("Cases voided"), N_("Recorded cases voided (duplicate or invalid) by the end of the period. "
                                        "Voided cases count only here, in Recorded and in members' reports.")),
    Counted("disposed", N_("Cases disposed"), N_("Valid cases handled on the spot or rectified by a department, "
                                            "and not back in an earlier step, at the end of the period.")),
    Counted("disposed_on_time", N_("Disposed on time"),
            N_("Disposed cases whose last disposal (on-the-spot handling or rectification) came by the deadline "
               "of the step it ended, approved extensions included.")),
    Counted("overdue_undisposed", N_("Overdue, awaiting disposal"),
            N_("Valid open cases not yet disposed (found, reported or dispatched) whose current step's deadline "
               "has passed at the end of the period; suspended cases excluded.")),
    Counted("due_disposal", N_("Due for disposal"), N_("Disposed + overdue awaiting disposal.")),
    Counted("closed", N_("Cases closed"), N_("Valid cases closed (销号) at the end of the period.")),
    Counted("closed_on_time", N_("Closed on time"),
            N_("Closed cases every step of which ended by its deadline (approved extensions included).")),
    Counted("overdue_open", N_("Overdue, not closed"),
            N_("Valid open cases (any step) whose current step's deadline has passed at the end of the period; "
               "suspended cases excluded.")),
    Counted("due_close", N_("Due for closing"), N_("Closed + overdue not closed.")),
    Counted("reworked", N_("Cases reworked"), N_("Cases due for closing sent back for rework at least once.")),
    Counted("extended", N_("Cases extended"), N_("Cases due for disposal with at least one approved extension.")),
    Counted("dispatches", N_("Dispatches"), N_("Dispatches of valid cases to a department (each dispatch counts)."),
            per_event=True),
    Counted("declines", N_("Declines"), N_("Dispatches a department returned as not its responsibility (退单)."),
            per_event=True),
    Counted("transfers", N_("Transfers"), N_("Cases a department passed on to another department (转办), "
                                            "counted for the department that passed it on."), per_event=True),
    Counted("callback_due", N_("Call-backs due"),
            N_("Closed cases raised by a resident, building head, hotline or the API, or closed with a call-back.")),
    Counted("callbacks", N_("Call-backs answered"),
            N_("Call-backs due whose result was satisfied, basically satisfied or dissatisfied "
               "(not 'could not be reached').")),
    Counted("satisfied", N_("Satisfied call-backs"), N_("Answered call-backs: satisfied or basically satisfied.")),
    Counted("reports", N_("Reports"), N_("Cases a grid member or lead recorded (上报数), voided ones included.")),
    Counted("valid_reports", N_("Valid reports"), N_("Reports not voided.")),
    Counted("handled", N_("On-the-spot handlings"), N_("On-the-spot handlings of valid cases (each counts)."),
            per_event=True),
    Counted("verifies", N_("Verifications"), N_("Verifications recorded (each counts)."), per_event=True),
    Counted("verifies_on_time", N_("Verified on time"),
            N_("Verifications recorded by the deadline of the verification step."), per_event=True),
    Counted("closed_grid", N_("Closed at grid level"),
            N_("Closed cases whose closing came while the case was at the grid level (小事不出网格).")),
    Counted("closed_community", N_("Closed at community level"),
            N_("Closed cases whose closing came while the case was at the community level (大事不出社区).")),
    Counted("closed_street", N_("Closed at street level"),
            N_("Closed cases whose closing came while the case was at the street level.")),
    Counted("closed_district", N_("Closed at district level"),
            N_("Closed cases whose closing came while the case was at the district level.")),
)}
# The level a case is closed at, and its counter (the resolution level: 小事不出网格、大事不出社区).
LEVEL_COUNTERS = {"grid": "closed_grid", "community": "closed_community", "street": "closed_street",
                  "district": "closed_district"}


@dataclass(frozen=True)
class Rate:
    """An indicator: numerator / denominator, and which way is better."""

    key: str
    label: str
    numerator: str
    denominator: str
    lower_is_better: bool = False
    note: str = ""


RATES = {r.key: r for r in (
    Rate("disposal_rate", N_("Disposal rate"), "disposed", "due_disposal"),
    Rate("ontime_disposal_rate", N_("On-time disposal rate"), "disposed_on_time", "due_disposal"),
    Rate("ontime_disposal_rate_done", N_("On-time disposal rate (disposed cases only)"), "disposed_on_time",
         "disposed", note=N_("Counts only disposed cases: reads high while overdue cases are still open.")),
    Rate("close_rate", N_("Closing rate"), "closed", "due_close"),
    Rate("ontime_close_rate", N_("On-time closing rate"), "closed_on_time", "due_close"),
    Rate("ontime_close_rate_done", N_("On-time closing rate (closed cases only)"), "closed_on_time", "closed",
         note=N_("Counts only closed cases: a new period whose late cases are still open looks fully on time.")),
    Rate("rework_rate", N_("Rework rate"), "reworked", "due_close", lower_is_better=True),
    Rate("decline_rate", N_("Decline rate"), "declines", "dispatches", lower_is_better=True),
    Rate("extension_rate", N_("Extension rate"), "extended", "due_disposal", lower_is_better=True),
    Rate("overdue_rate", N_("Overdue awaiting disposal rate"), "overdue_undisposed", "due_disposal",
         lower_is_better=True),
    Rate("satisfaction_rate", N_("Satisfaction rate"), "satisfied", "callbacks"),
    Rate("callback_rate", N_("Call-back rate"), "callbacks", "callback_due"),
    Rate("valid_report_rate", N_("Valid report rate"), "valid_reports", "reports"),
    Rate("ontime_verify_rate", N_("On-time verification rate"), "verifies_on_time", "verifies",
         note=N_("Counts verifications done; open overdue verification steps are in Overdue, not closed.")),
    Rate("grid_level_share", N_("Closed at grid level (share)"), "closed_grid", "closed"),
    Rate("community_level_share", N_("Closed at community level (share)"), "closed_community", "closed"),
    Rate("street_level_share", N_("Closed at street level (share)"), "closed_street", "closed"),
    Rate("district_level_share", N_("Closed at district level (share)"), "closed_district", "closed"),
)}
LEVEL_SHARES = ("grid_level_share", "community_level_share", "street_level_share", "district_level_share")
# The columns of the organisation and category tables, and of the person table.
ORG_RATES = (
    "disposal_rate", "ontime_disposal_rate", "ontime_disposal_rate_done", "close_rate", "ontime_close_rate",
    "ontime_close_rate_done", "rework_rate", "decline_rate", "extension_rate", "overdue_rate",
    "satisfaction_rate", "callback_rate",
) + LEVEL_SHARES
PERSON_RATES = ("valid_report_rate", "ontime_verify_rate")
PERSON_COUNTERS = ("reports", "valid_reports", "handled", "verifies", "verifies_on_time")


# ---- periods ----


@dataclass(frozen=True)
class Period:
    """Dates [start, end): the cases recorded in it are the period's cases."""

    kind: str
    start: date
    end: date

    @property
    def key(self):
        """A short name, also the value of the period field in URLs."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start:%Y-%m-%d}~{self.end - timedelta(days=1):%Y-%m-%d}"

    @property
    def start_at(self):
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_at(self):
        return datetime.combine(self.end, datetime.min.time())

    def moment(self, now):
        """The moment the period is judged at: its end, or now while it is still running."""
        return min(self.end_at, now)

    def previous(self):
        """The period of the same length just before (months and quarters step back by one)."""
        if self.kind == "month":
            return month(self.start.year - (self.start.month == 1), (self.start.month - 2) % 12 + 1)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3
            return quarter(self.start.year - (q == 0), (q - 1) % 4 + 1)
        if self.kind == "year":
            return year(self.start.year - 1)
        length = self.end - self.start
        return Period("custom", self.start - length, self.start)


def month(y, m):
    """The calendar month m of year y."""
    start = date(y, m, 1)
    return Period("month", start, date(y + (m == 12), m % 12 + 1, 1))


def quarter(y, q):
    """Quarter q (1–4) of year y."""
    start = date(y, 3 * (q - 1) + 1, 1)
    return Period("quarter", start, date(y + (q == 4), (3 * q) % 12 + 1, 1))


def year(y):
    """The calendar year y."""
    return Period("year", date(y, 1, 1), date(y + 1, 1, 1))


def custom(first, last):
    """From `first` to `last`, both days included."""
    if last < first:
        raise ValueError("the period ends before it starts")
    if (last - first).days > 3 * 366:
        raise ValueError("the period is longer than three years")
    return Period("custom", first, last + timedelta(days=1))


def months_back(period, count):
    """The `count` calendar months ending with the one the period ends in, oldest first."""
    last = period.end - timedelta(days=1)
    out = [month(last.year, last.month)]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


# ---- one case, replayed ----


@dataclass
class Facts:
    """What a case's history says at the period's moment."""

    id: int
    grid: int
    community: int
    street: int
    category: int
    source: str
    creator: int  # the member or lead who recorded it, else None
    created_at: datetime
    department: int = None  # the department it is with: set by dispatch, cleared by decline
    state: str = None
    voided: bool = False
    disposed: bool = False
    disposed_on_time: bool = False
    overdue_undisposed: bool = False
    closed: bool = False
    closed_on_time: bool = False
    overdue_open: bool = False
    reworks: int = 0
    extensions: int = 0
    callback: str = None
    callback_due: bool = False
    # (counter, department, actor) for things that happen more than once.
    occurrences: list = field(default_factory=list)
    # (step, department, working hours)
    durations: list = field(default_factory=list)
    # What the moment-dependent flags are judged from, and what the kept facts store
    # (workflows.statfacts): the current step's deadline, whether it is suspended, the office
    # seconds of each duration, the level the case was closed at and its latest history row.
    deadline: datetime = None
    suspended: bool = False
    seconds: list = field(default_factory=list)
    closed_level: str = None
    last_at: datetime = None

    def flags(self):
        """The case-level counters this case counts in (valid cases only)."""
        due_disposal = self.disposed or self.overdue_undisposed
        due_close = self.closed or self.overdue_open
        return {
            "disposed": self.disposed,
            "disposed_on_time": self.disposed_on_time,
            "overdue_undisposed": self.overdue_undisposed,
            "due_disposal": due_disposal,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "overdue_open": self.overdue_open,
            "due_close": due_close,
            "reworked": due_close and self.reworks > 0,
            "extended": due_disposal and self.extensions > 0,
            "callback_due": self.callback_due,
            "callbacks": self.callback_due and self.callback in ANSWERED,
            "satisfied": self.callback_due and self.callback in SATISFIED,
            **{counter: self.closed and self.closed_level == level for level, counter in LEVEL_COUNTERS.items()},
        }


def ends_step(event, from_state, to_state):
    """True for a history row that ended a step (entered a state); false for internal records."""
    spec = EVENT_SPECS.get(event)
    if spec is not None:
        return spec.dest is not None
    return from_state != to_state


# Columns read from the history, in this order.
EVENT_COLUMNS = (
    CaseEvent.case, CaseEvent.event, CaseEvent.from_state, CaseEvent.to_state, CaseEvent.actor, CaseEvent.actor_role,
    CaseEvent.at, CaseEvent.data, CaseEvent.department, CaseEvent.prev_deadline, CaseEvent.deadline,
    CaseEvent.level,
)
CASE_COLUMNS = (Case.id, Case.grid, Case.community, Case.street, Case.category, Case.source, Case.created_at)
# Who records a case as a report (上报) of their own: the grid's members and leads.
REPORTERS = ("member", "lead")


_time = CaseEvent.at.python_value


def _data(value):
    """An event's data as a dict, from the row as read (JSON text) or as peewee gives it."""
    if isinstance(value, str):
        value = CaseEvent.data.python_value(value)
    return value or {}


def on_time(at, prev_deadline):
    """A step ended on time when it ended by its deadline (no deadline: on time)."""
    return prev_deadline is None or at <= prev_deadline


def replay(case_row, events, moment, clock):
    """The Facts of one case from its history rows (ordered, already cut at the moment)."""
    case_id, grid, community, street, category, source, created_at = case_row
    f = Facts(case_id, grid, community, street, category, source, None, created_at)
    state = deadline = last_disposal = close_data = terminal = stay_start = level = None
    late = suspended = False
    for _, event, from_state, to_state, actor, role, at, data, department, prev_deadline, step_deadline, *more in events:
        deadline = step_deadline
        f.last_at = at if f.last_at is None or at > f.last_at else f.last_at
        if event == "create":
            state, stay_start = to_state, at
            f.creator = actor if role in REPORTERS else None
            continue
        if not ends_step(event, from_state, to_state):
            if event == EXTENSION_EVENT:
                f.extensions += 1
            elif event == "transfer":
                f.occurrences.append(("transfers", _data(data).get("from_department"), actor))
                f.department = department
            suspended = SUSPENSION_EVENTS.get(event, suspended)
            continue
        suspended = False
        timely = on_time(at, prev_deadline)
        late |= not timely
        step = STAYS.get((from_state, event))
        if step and stay_start is not None:
            seconds = clock.working_seconds(stay_start, at)
            f.durations.append((step, department, seconds / 3600))
            f.seconds.append(seconds)
        if to_state != from_state:
            stay_start = at
        state = to_state
        if event == "take_on":  # an inspector's own department took it on
            f.department = department
        if event == "dispatch":
            f.department = department
            f.occurrences.append(("dispatches", department, actor))
        elif event == "decline":
            f.department = None
            f.occurrences.append(("declines", department, actor))
        elif event in ("handle", "rectify"):
            last_disposal = timely
            if event == "handle":
                f.occurrences.append(("handled", department, actor))
        elif event == "verify":
            f.occurrences.append(("verifies", department, actor))
            if timely:
                f.occurrences.append(("verifies_on_time", department, actor))
        elif event == "rework":
            f.reworks += 1
        if to_state == "closed":
            terminal, close_data, level = event, data or {}, more[0] if more else None
        elif from_state == "closed":
            terminal = close_data = None
    f.state, f.deadline, f.suspended = state, deadline, suspended
    f.closed_level = level if state == "closed" else None
    f.voided = state == "closed" and terminal == "void"
    f.closed = state == "closed" and terminal == "close"
    f.disposed = state in DISPOSED_STATES or f.closed
    f.disposed_on_time = f.disposed and bool(last_disposal)
    overdue = state != "closed" and not suspended and deadline is not None and deadline <= moment
    f.overdue_open = overdue
    f.overdue_undisposed = overdue and state in UNDISPOSED_STATES
    f.closed_on_time = f.closed and not late
    if f.closed:
        f.callback = _data(close_data).get("callback")
        f.callback_due = source in CALLBACK_SOURCES or f.callback is not None
    return f


def keyset(query, column, size=BATCH):
    """Run `query` in pages ordered by `column` (a unique key), never holding more than one page."""
    last = None
    while True:
        page = query.where(column > last) if last is not None else query
        rows = list(page.order_by(column).limit(size).tuples())
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def facts_for(cases, period, now, clock, size=BATCH):
    """Facts of the period's cases among `cases` (a Case query already limited to a scope)."""
    moment = period.moment(now)
    cohort = cases.select(*CASE_COLUMNS).where(
        (Case.created_at >= period.start_at) & (Case.created_at < period.end_at) & (Case.created_at <= now)
    )
    for rows in keyset(cohort, Case.id, size):
        ids = [row[0] for row in rows]
        history = defaultdict(list)
        events = (CaseEvent.select(*EVENT_COLUMNS)
                  .where(CaseEvent.case.in_(ids) & (CaseEvent.at < period.end_at) & (CaseEvent.at <= now))
                  .order_by(CaseEvent.case, CaseEvent.seq))
        # Rows as the driver gives them, read here column by column (peewee's reader costs more than
        # the rest of the replay): the three times as datetimes, the data left as text until a close
        # needs it (see replay).
        for case_id, event, from_state, to_state, actor, role, at, data, department, prev, deadline, level in (
                sql.rows_of(events)):
            history[case_id].append((case_id, event, from_state, to_state, actor, role, _time(at), data, department,
                                     _time(prev), _time(deadline), level))
        for row in rows:
            yield replay(row, history[row[0]], moment, clock)


# ---- adding up ----


class Tally:
    """The counters and step durations of one group (a grid, a department, a person …)."""

    def __init__(self, keep_ids=False):
        self.keep_ids = keep_ids
        self.counts = Counter()
        self.ids = defaultdict(Counter) if keep_ids else None
        self.hours = defaultdict(list)

    def add(self, counter, case_id, n=1):
        """Count a case (or one of its events) in a counter."""
        self.counts[counter] += n
        if self.keep_ids:
            self.ids[counter][case_id] += n

    def value(self, rate_key):
        """(numerator, denominator, rate or None) of an indicator."""
        rate = RATES[rate_key]
        num, den = self.counts[rate.numerator], self.counts[rate.denominator]
        return num, den, (num / den if den else None)

    def step(self, step):
        """(count, average hours, 90th-percentile hours) of a measured step, or None when none ended."""
        values = sorted(self.hours.get(step, ()))
        if not values:
            return None
        return len(values), sum(values) / len(values), percentile(values, 0.9)


def percentile(sorted_values, fraction):
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


CASE_KEYS = {"grid": "grid", "community": "community", "street": "street", "category": "category",
             "department": "department"}


def contributions(f, dimension):
    """(counter, group key) pairs one case adds in a dimension; the key None means no group."""
    if dimension == "person":
        if f.creator is not None:
            yield "reports", f.creator
            if not f.voided:
                yield "valid_reports", f.creator
        if not f.voided:
            for counter, _, actor in f.occurrences:
                if counter in PERSON_COUNTERS:
                    yield counter, actor
        return
    key = getattr(f, CASE_KEYS[dimension]) if dimension != "total" else "total"
    by_event = dimension == "department"
    yield "recorded", key
    if f.creator is not None:
        yield "reports", key
    if f.voided:
        yield "voided", key
        return
    if f.creator is not None:
        yield "valid_reports", key
    for counter, flag in f.flags().items():
        if flag:
            yield counter, key
    for counter, department, _ in f.occurrences:
        yield counter, department if by_event else key


def tally(facts, dimensions, keep_ids=False):
    """{dimension: {key: Tally}} over the facts, in one pass (`dimensions` may include "total")."""
    out = {dim: defaultdict(lambda: Tally(keep_ids)) for dim in dimensions}
    for f in facts:
        for dim in dimensions:
            groups = out[dim]
            for counter, key in contributions(f, dim):
                if key is not None:
                    groups[key].add(counter, f.id)
            if dim != "person" and not f.voided:
                for step, department, hours in f.durations:
                    key = department if dim == "department" else (
                        "total" if dim == "total" else getattr(f, CASE_KEYS[dim]))
                    if key is not None:
                        groups[key].hours[step].append(hours)
    return out


# ---- charts ----


@dataclass
class Overview:
    """What the charts draw, added up over the period's cases."""

    per_day: dict = field(default_factory=lambda: defaultdict(Counter))  # date -> source -> n
    per_category: Counter = field(default_factory=Counter)
    funnel: Counter = field(default_factory=Counter)
    overdue: dict = field(default_factory=lambda: defaultdict(Counter))  # grid -> state -> n

    def add(self, f):
        """Add one case."""
        self.per_day[f.created_at.date()][f.source] += 1
        self.per_category[f.category] += 1
        self.funnel["recorded"] += 1
        if f.voided:
            return
        self.funnel["valid"] += 1
        self.funnel["disposed"] += f.disposed
        self.funnel["verified"] += f.state == "verified" or f.closed
        self.funnel["closed"] += f.closed
        if f.overdue_open:
            self.overdue[f.grid][f.state] += 1


FUNNEL = (
    ("recorded", N_("Cases recorded")),
    ("valid", N_("Valid (not voided)")),
    ("disposed", N_("Cases disposed")),
    ("verified", N_("Verified")),
    ("closed", N_("Cases closed")),
)


def overview_and_tallies(facts, dimensions, keep_ids=False):
    """One pass over the facts: the charts' overview and the tallies of the dimensions."""
    overview = Overview()

    def watched():
        for f in facts:
            overview.add(f)
            yield f

    return overview, tally(watched(), dimensions, keep_ids)
