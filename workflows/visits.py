"""Visits to households (深入走访) and the grid's memo book (民情备忘录, 解决一件注销一件).

What is due is computed, never materialised: every active household is due once per
HOUSEHOLD_EVERY_DAYS after its last visit (its registration when never visited), sooner when a
living member belongs to an attention group (the group's frequency, VISIT_EVERY). Event-driven
visits are due by a date: rows of VisitDue made by hand, and the registry's own births, arrivals
and deaths (EVENT_DUE_DAYS); a visit to the household after the event ends them.

Coverage per grid: households, due, overdue, visits done in a period, and per member the visits
they made and the overdue households they last visited (households are the team's, not a member's:
whoever last visited a household answers for its next visit). The one write path for visits and
memo entries is here, with the policy asked again and time passed in.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from peewee import fn

from workflows.db import write_transaction
from workflows.errors import INVALID_STATE, WorkflowError
from workflows.machine import N_
from workflows.models import (
    DUE_REASONS, MEMO_CATEGORIES, MEMO_ENDINGS, VISIT_KINDS, CaseLink, Household, MemoEntry, Person, PersonTag,
    RegistryChange, User, Visit, VisitDue,
)
from workflows.points import visit_points
from workflows.policy import GRID_TEAM
from workflows.registry import TAGS
from workflows.registry.service import choice, day, invalid, need, text
from workflows.service import open_case
from workflows.values import FIRST_DAY, LAST_DAY

# Every household at least once a quarter. A constant the administrator edits (one line, then a
# restart): a settings table would be one more screen for a number that changes once in years.
HOUSEHOLD_EVERY_DAYS = 91
# Attention groups visit sooner: the registry's own table (workflows.registry.TAGS) already says
# "visit every N days" per group — 独居老人 weekly, 残疾人 and 低保 monthly … — so it is read from
# there, not copied. Sensitive groups (社区矫正 …) are visited by the community office and the
# justice side, not planned for the grid team: they are left out here.
VISIT_EVERY = {code: days for code, (_label, sensitive, days) in TAGS.items() if not sensitive}
# Registry changes that call for a visit, and within how many days.
EVENT_DUE_DAYS = {"born": 14, "moved_in": 14, "deceased": 7}
EVENT_REASON = {"born": "newborn", "moved_in": "new_arrival", "deceased": "bereavement"}
# Registry events older than this no longer make a visit due (they are history, not work).
EVENT_WINDOW_DAYS = 60
# "Due" means due within this many days.
DUE_AHEAD_DAYS = 7

TEXT_LIMIT = 2000
MEMO_LIMIT = 1000
RAISED_BY_LIMIT = 100

KIND_LABELS = {"routine": N_("Routine visit"), "attention": N_("Care visit"), "event": N_("Event visit"),
               "followup": N_("Follow-up visit")}
REASON_LABELS = {"hospital": N_("Hospital stay"), "bereavement": N_("Bereavement"), "hardship": N_("Hardship"),
                 "newborn": N_("Newborn"), "new_arrival": N_("New arrival"), "dispute": N_("Dispute"),
                 "other": N_("Other"), "quarterly": N_("Every household"), "attention": N_("Attention group")}
CATEGORY_LABELS = {"environment": N_("Environment"), "safety": N_("Safety"), "dispute": N_("Disputes"),
                   "livelihood": N_("Livelihood"), "facility": N_("Public facilities"), "policy": N_("Policy questions"),
                   "other": N_("Other")}
ENDING_LABELS = {"resolved": N_("Solved"), "case": N_("Turned into a case"), "agenda": N_("On the meeting agenda")}


@dataclass
class HouseholdDue:
    """One household's next visit: how often, why, when last, by whom, and by when."""

    household: Household
    every_days: int
    tags: list
    last_at: datetime
    last_member_id: int
    due_on: date
    status: str  # overdue | due | ok


@dataclass
class EventDue:
    """An event-driven visit still to make."""

    household_id: int
    reason: str
    due_on: date
    since: datetime
    status: str
    row: VisitDue = None
    person_id: int = None


@dataclass
class Coverage:
    """A grid's visit figures for a period."""

    grid: object
    households: int
    due: int
    overdue: int
    events_open: int
    events_overdue: int
    done: int
    visited_households: int
    members: list = field(default_factory=list)  # [(user, done, overdue households last visited by them)]
    never_visited: int = 0


def status_of(due_on, today):
    """overdue once the day has passed; due within DUE_AHEAD_DAYS; else ok."""
    if due_on < today:
        return "overdue"
    return "due" if due_on <= today + timedelta(days=DUE_AHEAD_DAYS) else "ok"


def _day(moment):
    return moment.date() if isinstance(moment, datetime) else moment


def last_visits(grid_id, household_ids=None):
    """{household id: (at, member id)} of each household's latest visit in the grid."""
    latest = (Visit.select(Visit.household.alias("hid"), fn.MAX(Visit.at).alias("last"))
              .where(Visit.grid == grid_id).group_by(Visit.household))
    if household_ids is not None:
        latest = latest.where(Visit.household.in_(household_ids))
    latest = latest.alias("latest")
    rows = (Visit.select(Visit.household, Visit.at, Visit.member)
            .join(latest, on=((Visit.household == latest.c.hid) & (Visit.at == latest.c.last)))
            .where(Visit.grid == grid_id).order_by(Visit.id))
    return {row.household_id: (row.at, row.member_id) for row in rows}


def household_tags(grid_id, today):
    """{household id: [attention tags of its living members, open on `today`]}."""
    rows = (PersonTag.select(PersonTag.tag, Person.household).join(Person)
            .where((Person.grid == grid_id) & (Person.status == "living") & Person.household.is_null(False)
                   & PersonTag.tag.in_(list(VISIT_EVERY)) & (PersonTag.started_on <= today)
                   & (PersonTag.ended_on.is_null() | (PersonTag.ended_on > today))))
    out = {}
    for row in rows:
        tags = out.setdefault(row.person.household_id, [])
        if row.tag not in tags:
            tags.append(row.tag)
    return out


def frequency(tags):
    """Days between visits for a household with these attention tags."""
    return min([HOUSEHOLD_EVERY_DAYS] + [VISIT_EVERY[tag] for tag in tags if tag in VISIT_EVERY])


def household_plan(grid, today, households=None):
    """Every active household of the grid with its next visit, most overdue first."""
    if households is None:
        households = list(Household.select().where((Household.grid == grid.id) & Household.active))
    tags = household_tags(grid.id, today)
    last = last_visits(grid.id)
    out = []
    for household in households:
        these = sorted(tags.get(household.id, []), key=lambda t: VISIT_EVERY[t])
        every = frequency(these)
        last_at, member_id = last.get(household.id, (None, None))
        start = _day(last_at) if last_at else _day(household.created_at)
        due_on = min(start + timedelta(days=every), LAST_DAY)
        out.append(HouseholdDue(household, every, these, last_at, member_id, due_on, status_of(due_on, today)))
    return sorted(out, key=lambda d: (d.due_on, d.household.id))


def event_dues(grid, today):
    """Event-driven visits of the grid not yet made (by hand, and from the registry's recent events)."""
    items = []
    for row in VisitDue.select().where(VisitDue.grid == grid.id):
        items.append(EventDue(row.household_id, row.reason, row.due_on, row.created_at,
                              status_of(row.due_on, today), row=row, person_id=row.person_id))
    since = today - timedelta(days=EVENT_WINDOW_DAYS)
    changes = (RegistryChange.select(RegistryChange, Person).join(Person)
               .where((RegistryChange.grid == grid.id) & RegistryChange.kind.in_(list(EVENT_DUE_DAYS))
                      & (RegistryChange.day >= since) & Person.household.is_null(False)))
    for change in changes:
        due_on = change.day + timedelta(days=EVENT_DUE_DAYS[change.kind])
        items.append(EventDue(change.person.household_id, EVENT_REASON[change.kind], due_on, change.created_at,
                              status_of(due_on, today), person_id=change.person_id))
    if not items:
        return []
    last = last_visits(grid.id, list({item.household_id for item in items}))
    open_items = [item for item in items
                  if item.household_id not in last or last[item.household_id][0] < item.since]
    return sorted(open_items, key=lambda item: (item.due_on, item.household_id))


def coverage(grid, today, first, last):
    """The grid's figures: households, due and overdue now, event visits open, visits done in [first, last]."""
    plan = household_plan(grid, today)
    events = event_dues(grid, today)
    start, end = datetime.combine(first, time.min), datetime.combine(last, time.max)
    done = (Visit.select(Visit.member, fn.COUNT(Visit.id).alias("n"))
            .where((Visit.grid == grid.id) & (Visit.at >= start) & (Visit.at <= end)).group_by(Visit.member))
    done_by = {row.member_id: row.n for row in done}
    visited = (Visit.select(fn.COUNT(fn.DISTINCT(Visit.household)))
               .where((Visit.grid == grid.id) & (Visit.at >= start) & (Visit.at <= end)).scalar())
    overdue_by = {}
    for item in plan:
        if item.status == "overdue":
            overdue_by[item.last_member_id] = overdue_by.get(item.last_member_id, 0) + 1
    people = list(User.select().where((User.org == grid.id) & User.role.in_(GRID_TEAM) & User.active)
                  .order_by(User.role.desc(), User.name))
    known = {p.id for p in people}
    people += list(User.select().where(User.id.in_([i for i in done_by if i not in known])).order_by(User.name))
    members = [(p, done_by.get(p.id, 0), overdue_by.get(p.id, 0)) for p in people]
    return Coverage(grid=grid, households=len(plan), due=sum(1 for i in plan if i.status == "due"),
                    overdue=sum(1 for i in plan if i.status == "overdue"), events_open=len(events),
                    events_overdue=sum(1 for e in events if e.status == "overdue"), done=sum(done_by.values()),
                    visited_households=visited or 0, members=members, never_visited=overdue_by.get(None, 0))


def not_visited_for(grid, today, days):
    """Households of the grid with no visit in the last `days` days (never visited first)."""
    cut = today - timedelta(days=days)
    plan = household_plan(grid, today)
    stale = [item for item in plan if item.last_at is None or _day(item.last_at) < cut]
    return sorted(stale, key=lambda item: (item.last_at is not None, item.last_at or datetime.min))


def overdue_for(user, today, limit=20):
    """The overdue visits of a grid worker's grid (see overdue_in); none for anyone else."""
    if user.role not in GRID_TEAM or user.org_id is None:
        return []
    return overdue_in(user.org, today, limit)


def overdue_in(grid, today, limit=20):
    """The grid's overdue visits (household plan and events) as (due on, household, reason msgid),
    most overdue first."""
    items = [item for item in household_plan(grid, today) if item.status == "overdue"]
    events = [item for item in event_dues(grid, today) if item.status == "overdue"]
    households = {h.id: h for h in Household.select().where(Household.id.in_([e.household_id for e in events]))}
    rows = [(item.due_on, item.household, REASON_LABELS["attention" if item.tags else "quarterly"])
            for item in items]
    rows += [(event.due_on, households[event.household_id], REASON_LABELS[event.reason]) for event in events
             if event.household_id in households]
    return sorted(rows, key=lambda row: (row[0], row[1].id))[:limit]


# ---- writing -------------------------------------------------------------------------------------


def _coordinate(value, field, low, high):
    if value is None:
        return None
    if not isinstance(value, (int, float)) or not low <= value <= high:
        raise invalid(N_("Give a location on the map."), field)
    return float(value)


def record_visit(actor, now, household, *, kind="routine", found="", needs="", person=None, at=None, lat=None,
                 lng=None, photo=None):
    """Record a visit to `household` (a person of it optionally); `photo` is app.uploads' stored photo."""
    need(actor, "visit.record", household, N_("You may not record visits in this grid."))
    kind = choice(kind, VISIT_KINDS, "kind")
    found = text(found, "found", TEXT_LIMIT)
    needs = text(needs, "needs", TEXT_LIMIT)
    if not found and not needs:
        raise invalid(N_("Write what you found or what was asked for."), "found")
    if person is not None and person.household_id != household.id:
        raise invalid(N_("Choose a member of this household."), "person")
    at = at or now
    if not isinstance(at, datetime) or at > now or at.date() < FIRST_DAY:
        raise invalid(N_("A visit cannot lie in the future."), "at")
    lat = _coordinate(lat, "lat", -90, 90)
    lng = _coordinate(lng, "lng", -180, 180)
    if (lat is None) != (lng is None):
        raise invalid(N_("Give a location on the map."), "lat")
    photo = photo or {}
    with write_transaction():
        visit = Visit.create(grid=household.grid_id, household=household.id,
                             person=person.id if person is not None else None, member=actor.id, kind=kind,
                             found=found, needs=needs, photo_path=photo.get("path", ""),
                             photo_thumb=photo.get("thumb_path", ""), lat=lat, lng=lng, at=at, created_at=now)
        # The recorder's visit item, if they are linked to someone who earns points (issue 18).
        visit_points(actor, visit, now)
        return visit


def need_to_case(actor, now, visit, *, category, title=""):
    """Turn the visit's need into a case (once), linked both ways: the case on the visit, and the
    registry's CaseLink to the person visited (or the household's room)."""
    need(actor, "visit.record", visit, N_("You may not record visits in this grid."))
    if not visit.needs:
        raise invalid(N_("This visit raised no need."), "needs")
    if visit.case_id is not None:
        raise WorkflowError(INVALID_STATE, N_("This need is already a case."))
    household = visit.household
    title = text(title, "title", 200) or visit.needs.splitlines()[0][:60]
    description = visit.needs if not visit.found else f"{visit.needs}\n\n{visit.found}"
    with write_transaction():
        case = open_case(household.grid, actor, now, category=category, title=title,
                         description=description[:4000], source="patrol", location_text=str(household.room))
        changed = (Visit.update(case=case.id, case_by=actor.id, case_at=now)
                   .where((Visit.id == visit.id) & Visit.case.is_null()).execute())
        if changed != 1:
            raise WorkflowError(INVALID_STATE, N_("This need is already a case."))
        link = {"person": visit.person_id} if visit.person_id else {"room": household.room_id}
        CaseLink.create(case=case.id, created_by=actor.id, created_at=now, **link)
    return case


def add_due(actor, now, household, *, reason, due_on, note="", person=None):
    """An event-driven visit to make by `due_on` (a hospital stay, a hardship, a dispute …)."""
    need(actor, "visit.record", household, N_("You may not record visits in this grid."))
    reason = choice(reason, DUE_REASONS, "reason")
    due_on = day(due_on, "due_on", first=now.date(), last=LAST_DAY, required=True)
    note = text(note, "note", TEXT_LIMIT)
    if person is not None and person.household_id != household.id:
        raise invalid(N_("Choose a member of this household."), "person")
    with write_transaction():
        return VisitDue.create(grid=household.grid_id, household=household.id,
                               person=person.id if person is not None else None, reason=reason, note=note,
                               due_on=due_on, created_by=actor.id, created_at=now)


# ---- the memo book ------------------------------------------------------------------------------


def add_memo(actor, now, grid, *, on, category, text_, raised_by=""):
    """A dated entry of what residents raised."""
    need(actor, "memo.write", grid, N_("You may not write in this grid's memo book."))
    category = choice(category, MEMO_CATEGORIES, "category")
    on = day(on, "day", first=FIRST_DAY, last=now.date(), required=True)
    body = text(text_, "text", MEMO_LIMIT, required=True)
    raised_by = text(raised_by, "raised_by", RAISED_BY_LIMIT)
    with write_transaction():
        return MemoEntry.create(grid=grid.id, day=on, category=category, text=body, raised_by=raised_by,
                                author=actor.id, created_at=now)


def end_memo(actor, now, entry, *, ending, note="", category=None):
    """End an open entry once: resolved (how, required), a case (opened now), or the next meeting's agenda."""
    need(actor, "memo.end", entry, N_("You may not end entries of this grid's memo book."))
    ending = choice(ending, MEMO_ENDINGS, "ending")
    note = text(note, "note", MEMO_LIMIT, required=(ending == "resolved"))
    if entry.ending is not None:
        raise WorkflowError(INVALID_STATE, N_("This entry has already ended."))
    with write_transaction():
        case_id = None
        if ending == "case":
            case = open_case(entry.grid, actor, now, category=category, title=entry.text.splitlines()[0][:60],
                             description=entry.text, source="patrol")
            case_id = case.id
        changed = (MemoEntry.update(ending=ending, ending_note=note, case=case_id, ended_by=actor.id, ended_at=now)
                   .where((MemoEntry.id == entry.id) & MemoEntry.ending.is_null()).execute())
        if changed != 1:
            raise WorkflowError(INVALID_STATE, N_("This entry has already ended."))
    return MemoEntry.get_by_id(entry.id)


def memo_entries(grid, first=None, last=None, open_only=False):
    """The grid's entries (of a period), open ones first, newest first."""
    query = MemoEntry.select().where(MemoEntry.grid == grid.id)
    if first is not None:
        query = query.where((MemoEntry.day >= first) & (MemoEntry.day <= last))
    if open_only:
        query = query.where(MemoEntry.ending.is_null())
    return list(query.order_by(MemoEntry.ending.is_null(False), MemoEntry.day.desc(), MemoEntry.id.desc()))


def quarterly_coverage(grid_ids, year, now):
    """{grid id: (household-quarters visited, household-quarters due)} over the year's finished quarters:
    each active household registered before a quarter's end is due one visit in it (the default plan,
    HOUSEHOLD_EVERY_DAYS ≈ a quarter) and counts as visited when any visit to it falls in the quarter.
    What the assessment's visit-coverage item measures."""
    out = {g: (0, 0) for g in grid_ids}
    for quarter in range(4):
        start = datetime(year, 3 * quarter + 1, 1)
        end = datetime(year + 1, 1, 1) if quarter == 3 else datetime(year, 3 * quarter + 4, 1)
        if end > now or not grid_ids:
            break  # only finished quarters count
        due = dict(Household.select(Household.grid, fn.COUNT(Household.id))
                   .where(Household.grid.in_(grid_ids) & Household.active & (Household.created_at < end))
                   .group_by(Household.grid).tuples())
        visited = dict(Visit.select(Visit.grid, fn.COUNT(fn.DISTINCT(Visit.household)))
                       .join(Household, on=(Visit.household == Household.id))
                       .where(Visit.grid.in_(grid_ids) & (Visit.at >= start) & (Visit.at < end) & Household.active
                              & (Household.created_at < end))
                       .group_by(Visit.grid).tuples())
        for grid in grid_ids:
            done, total = out[grid]
            out[grid] = (done + int(visited.get(grid, 0)), total + int(due.get(grid, 0)))
    return out


def visits_in_year(grid_id, year, now):
    """The year's visits to the grid's households (what its visit coverage is made of), oldest first."""
    start, end = datetime(year, 1, 1), min(datetime(year + 1, 1, 1), now)
    return list(Visit.select().where((Visit.grid == grid_id) & (Visit.at >= start) & (Visit.at < end))
                .order_by(Visit.at))
