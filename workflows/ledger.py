"""The rectification ledger (整改台账): one row per case with its lifecycle, read in pages.

The same filters drive the screen and the exports; rows are produced page by page (keyset on
the case id), so an export of any size holds one page of cases in memory at a time.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peewee import JOIN

from workflows.machine import N_
from workflows.models import Case, CaseEvent, Category, Department, Notice, OrgUnit
from workflows.stats import EXTENSION_EVENT, keyset

PAGE = 500
STATUSES = {
    "": N_("All"),
    "open": N_("Not crossed off"),
    "overdue": N_("Overdue"),
    "closed": N_("Crossed off"),
    "voided": N_("Voided"),
}
STATUS_LABELS = {"open": N_("Not crossed off"), "closed": N_("Crossed off"), "voided": N_("Voided")}
# (key, label) of the ledger's columns, in order.
COLUMNS = (
    ("number", N_("Number")),
    ("title", N_("Title")),
    ("category", N_("Category")),
    ("community", N_("Community")),
    ("grid", N_("Grid")),
    ("source", N_("Source")),
    ("state", N_("State")),
    ("department", N_("Department")),
    ("found_at", N_("Found at")),
    ("reported_at", N_("Reported (first)")),
    ("dispatched_at", N_("Dispatched (last)")),
    ("rectified_at", N_("Rectified (last)")),
    ("verified_at", N_("Verified (last)")),
    ("closed_at", N_("Closed at")),
    ("deadline", N_("Current deadline")),
    ("overdue", N_("Overdue")),
    ("reworks", N_("Reworks")),
    ("extensions", N_("Extensions")),
    ("notices", N_("Notice numbers")),
    ("status", N_("Crossed off (销号)")),
)
# The first (or last) time of these events is a lifecycle column.
FIRST = {"report": "reported_at"}
LAST = {"dispatch": "dispatched_at", "rectify": "rectified_at", "verify": "verified_at"}


@dataclass(frozen=True)
class LedgerFilter:
    """What the ledger shows: cases recorded between two dates, in a unit, department, category, status."""

    first: date = None
    last: date = None
    org: int = None
    department: int = None
    category: int = None
    status: str = ""

    def args(self):
        """The filter as query-string values (for links to the exports and the next page)."""
        values = {"first": self.first and self.first.isoformat(), "last": self.last and self.last.isoformat(),
                  "org": self.org, "department": self.department, "category": self.category,
                  "status": self.status}
        return {k: v for k, v in values.items() if v}

    def apply(self, query, now):
        """Narrow a Case query."""
        if self.first:
            query = query.where(Case.created_at >= datetime.combine(self.first, time.min))
        if self.last:
            query = query.where(Case.created_at < datetime.combine(self.last + timedelta(days=1), time.min))
        if self.org:
            query = query.where((Case.grid == self.org) | (Case.community == self.org) | (Case.street == self.org)
                                | (Case.district == self.org))
        if self.department:
            query = query.where(Case.department == self.department)
        if self.category:
            query = query.where((Case.category == self.category)
                                | Case.category.in_(Category.select(Category.id).where(Category.parent == self.category)))
        if self.status == "open":
            query = query.where(Case.state != "closed")
        elif self.status == "overdue":
            query = query.where(overdue_condition(now))
        elif self.status == "closed":
            query = query.where(Case.resolution == "closed")
        elif self.status == "voided":
            query = query.where(Case.resolution == "voided")
        return query


def overdue_condition(now):
    """Open, not suspended, and the current step's deadline has passed."""
    return (Case.state != "closed") & Case.suspended_at.is_null() & (Case.deadline <= now)


def is_overdue(state, suspended_at, deadline, now):
    """The same test as overdue_condition, on loaded values."""
    return state != "closed" and suspended_at is None and deadline is not None and deadline <= now


Grid = OrgUnit.alias()
Community = OrgUnit.alias()
Major = Category.alias()
SELECTED = (
    Case.id, Case.number, Case.title, Major.name, Category.name, Community.name, Grid.name, Case.source,
    Case.state, Department.name, Case.created_at, Case.closed_at, Case.deadline, Case.suspended_at,
    Case.rework_count, Case.resolution,
)


def ledger_query(cases, ledger_filter, now):
    """The filtered ledger over a scoped Case query, with the names it shows joined in."""
    query = (cases.select(*SELECTED)
             .join(Category, on=Case.category == Category.id)
             .join(Major, JOIN.LEFT_OUTER, on=Category.parent == Major.id)
             .switch(Case).join(Grid, on=Case.grid == Grid.id)
             .switch(Case).join(Community, on=Case.community == Community.id)
             .switch(Case).join(Department, JOIN.LEFT_OUTER, on=Case.department == Department.id))
    return ledger_filter.apply(query, now)


def rows(query, now, after=None, limit=None, page=PAGE):
    """Ledger rows (dicts keyed like COLUMNS, plus `id`) in case order, one page of cases at a time."""
    if after is not None:
        query = query.where(Case.id > after)
    produced = 0
    for batch in keyset(query, Case.id, page if limit is None else min(page, limit)):
        ids = [row[0] for row in batch]
        times, extensions = _lifecycle(ids)
        notices = _notices(ids)
        for row in batch:
            yield _row(row, times.get(row[0], {}), extensions.get(row[0], 0), notices.get(row[0], ()), now)
            produced += 1
            if limit is not None and produced >= limit:
                return


def _row(row, times, extensions, notices, now):
    """One ledger row from the joined columns and the case's lifecycle times."""
    (case_id, number, title, major, minor, community, grid, source, state, department, created_at, closed_at,
     deadline, suspended_at, reworks, resolution) = row
    return {
        "id": case_id, "number": number, "title": title, "category": f"{major}/{minor}" if major else minor,
        "community": community, "grid": grid, "source": source, "state": state, "department": department or "",
        "found_at": created_at, "reported_at": times.get("reported_at"), "dispatched_at": times.get("dispatched_at"),
        "rectified_at": times.get("rectified_at"), "verified_at": times.get("verified_at"), "closed_at": closed_at,
        "deadline": deadline if state != "closed" else None,
        "overdue": is_overdue(state, suspended_at, deadline, now), "reworks": reworks, "extensions": extensions,
        "notices": "、".join(notices), "status": resolution or "open",
    }


def _lifecycle(ids):
    """{case id: {column: time}} and {case id: approved extensions} for a page of cases.

    Reads the page's history rows through the (case, seq) index and picks the times here:
    filtering on the event in SQL lets SQLite's planner walk the (event, at) index instead.
    """
    times, extensions = {}, {}
    query = (CaseEvent.select(CaseEvent.case, CaseEvent.event, CaseEvent.at)
             .where(CaseEvent.case.in_(ids)).order_by(CaseEvent.case, CaseEvent.seq).tuples())
    for case_id, event, at in query:
        if event == EXTENSION_EVENT:
            extensions[case_id] = extensions.get(case_id, 0) + 1
        elif event in FIRST:
            times.setdefault(case_id, {}).setdefault(FIRST[event], at)
        elif event in LAST:
            times.setdefault(case_id, {})[LAST[event]] = at
    return times, extensions


def _notices(ids):
    """{case id: the numbers of its supervision notices} for a page of cases."""
    out = {}
    for case_id, number in (Notice.select(Notice.case, Notice.number).where(Notice.case.in_(ids))
                            .order_by(Notice.id).tuples()):
        out.setdefault(case_id, []).append(number)
    return out
