"""Points (积分): a signed, append-only ledger, published monthly per community, summed
quarterly, ranked yearly; totals never reset.

An entry is never changed or deleted. A published month is locked: nothing more may be
recorded on its dates, and a mistake found later is put right by a correction — a new
entry recorded (and counted) in the current month that names the entry it corrects.
A tip-off entry names the case it produced and counts only once that case's history holds
a `verify` row; it counts from the later of the day it was recorded and the first
verification, so a month once published never changes. Each case earns tip-off points once.
A person linked to a sign-in account earns the visit item for the household visits that account
records (`visit_points`, called inside `record_visit`'s transaction): once per visit, at most once
per household a day, never in a published month.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from peewee import JOIN, IntegrityError, fn

from workflows.db import lock_for_update, write_transaction
from workflows.errors import DUPLICATE, FORBIDDEN, INVALID, INVALID_STATE, WorkflowError
from workflows.machine import N_
from workflows.models import (
    PERSON_KINDS, CaseEvent, OrgUnit, PointEntry, PointMonth, PointPerson, PointPersonLink, PointRule, User, Visit,
)
from workflows.patrols import period_of
from workflows.policy import can
from workflows.values import whole_number

LOCKED = "locked"
TEXT_LIMIT = 2000
MAX_CORRECTION = 100
PERSON_LABELS = {
    "building_head": N_("Building head"),  # 楼栋长
    "unit_head": N_("Unit head"),  # 单元长
    "volunteer": N_("Volunteer"),  # 志愿者
    "member": N_("Grid member"),  # 网格员
}
SECTION_LABELS = {
    "resident": N_("Services for residents"),  # 居民服务类
    "culture": N_("Publicity and culture"),  # 宣传文化类
    "governance": N_("Community governance"),  # 社区治理类
    "other": N_("Other"),  # 其他类
}
QUARTERS = (1, 2, 3, 4)


# ---- people and rules ---------------------------------------------------------------------------


def add_person(actor, now, *, name, kind, grid, building=None, phone="", user=None):
    """Register someone who earns points in a grid the user records for (linked to `user`'s account, optionally)."""
    if grid is None or not can(actor, "points.record_in", grid):
        raise WorkflowError(FORBIDDEN, N_("You may not add people to this grid."))
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise WorkflowError(INVALID, N_("Give the person's name (at most 60 characters)."), field="name")
    if kind not in PERSON_KINDS:
        raise WorkflowError(INVALID, N_("Choose a role from the list."), field="kind")
    if building is not None and building.grid_id != grid.id:
        raise WorkflowError(INVALID, N_("That building is not in this grid."), field="building")
    phone = (phone or "").strip()
    if len(phone) > 40:
        raise WorkflowError(INVALID, N_("The phone number is too long."), field="phone")
    with write_transaction():
        if user is not None:
            lock_for_update(OrgUnit.select().where(OrgUnit.id == grid.id)).get()  # as link_user does
            _check_account(user, grid.id, None)
        person = PointPerson.create(name=name, kind=kind, grid=grid.id, building=building, phone=phone,
                                    created_at=now, user=user.id if user is not None else None)
        if user is not None:
            _link_row(actor, now, person, user, None)
        return person


def link_user(actor, now, person, user):
    """Link a person to a sign-in account of their grid (None: unlink); one history row per change."""
    if person is None or not can(actor, "points.record", person):
        raise WorkflowError(FORBIDDEN, N_("You may not change this person."))
    with write_transaction():
        # Serialise links of the grid, so two offices cannot link one account to two people at once.
        lock_for_update(OrgUnit.select().where(OrgUnit.id == person.grid_id)).get()
        current = PointPerson.get_by_id(person.id)
        if user is not None:
            if not current.active:
                raise WorkflowError(INVALID, N_("This person no longer takes part."), field="person")
            _check_account(user, current.grid_id, current.id)
        if (user.id if user is not None else None) == current.user_id:
            return current
        previous = current.user_id
        PointPerson.update(user=user.id if user is not None else None).where(PointPerson.id == current.id).execute()
        _link_row(actor, now, current, user, previous)
        return PointPerson.get_by_id(current.id)


def account_of(user_id):
    """The sign-in account with this id (None for none given); an unknown id is refused."""
    if user_id is None:
        return None
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise WorkflowError(INVALID, N_("Choose a sign-in account of this person's grid."), field="user")
    return user


def _check_account(user, grid_id, person_id):
    """Refuse an account of another grid, an inactive one, or one already linked to an active person."""
    if not user.active or user.org_id != grid_id:
        raise WorkflowError(INVALID, N_("Choose a sign-in account of this person's grid."), field="user")
    taken = (PointPerson.select().where((PointPerson.user == user.id) & PointPerson.active
                                        & (PointPerson.id != (person_id or 0))).first())
    if taken is not None:
        raise WorkflowError(DUPLICATE, N_("That account is already linked to %(name)s."), field="user",
                            name=taken.name)


def _link_row(actor, now, person, user, previous):
    """The history row of a link change."""
    PointPersonLink.create(person=person.id, user=user.id if user is not None else None, previous=previous,
                           changed_by=actor.id, changer_name=actor.name, changed_at=now)


def grid_accounts(grid_ids):
    """The active sign-in accounts of these grids a person may be linked to, by grid and name."""
    if not grid_ids:
        return []
    return list(User.select().where(User.org.in_(list(grid_ids)) & User.active).order_by(User.org, User.name, User.id))


def add_rule(actor, *, name, points, section="other"):
    """Add an item of the street's own ('other') with its points."""
    if not can(actor, "points.rules"):
        raise WorkflowError(FORBIDDEN, N_("Only the street office may set point items."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise WorkflowError(INVALID, N_("Name the service (at most 100 characters)."), field="name")
    points = whole_number(points)
    if points is None or not 1 <= points <= 20:
        raise WorkflowError(INVALID, N_("Points must be a whole number from 1 to 20."), field="points")
    with write_transaction():
        number = PointRule.select().count() + 1
        return PointRule.create(code=f"X{number:03d}", name=name, section=section, points=points, kind="service",
                                sort_order=1000 + number)


def service_rules():
    """The active service items, in table order."""
    return list(PointRule.select().where(PointRule.active & (PointRule.kind == "service"))
                .order_by(PointRule.sort_order, PointRule.id))


def tipoff_rule():
    """The active tip-off item (5 points in the seed's table), or None."""
    return (PointRule.select().where(PointRule.active & (PointRule.kind == "tipoff"))
            .order_by(PointRule.sort_order, PointRule.id).first())


def visit_rule():
    """The active household-visit item (1 point in the seed's table), or None."""
    return (PointRule.select().where(PointRule.active & (PointRule.kind == "visit"))
            .order_by(PointRule.sort_order, PointRule.id).first())


# ---- recording ------------------------------------------------------------------------------------


def is_locked(community_id, day):
    """True if the month of this date is published for the community."""
    return PointMonth.select().where((PointMonth.community == community_id)
                                     & (PointMonth.month == day.replace(day=1))).exists()


def record_service(actor, person, rule, day, now, evidence):
    """Record one service a person gave on a day, with its evidence; returns the entry."""
    _check_recorder(actor, person)
    if rule is None or not rule.active or rule.kind != "service":
        raise WorkflowError(INVALID, N_("Choose a service from the list."), field="rule")
    if day is None:
        raise WorkflowError(INVALID, N_("Give a valid date."), field="day")
    if day > now.date():
        raise WorkflowError(INVALID, N_("The date of the service cannot be in the future."), field="day")
    evidence = _text(evidence, N_("Describe the evidence (photo, signature, ledger page)."), "evidence")
    return _append(actor, person, now, rule=rule.id, points=rule.points, day=day, evidence=evidence)


def record_tipoff(actor, person, case, now, evidence):
    """Record that a person's tip-off produced this case; it counts once the case is verified."""
    _check_recorder(actor, person)
    if case is None or not can(actor, "case.view", case):
        raise WorkflowError(INVALID, N_("No case with that number was found in your area."), field="case")
    rule = tipoff_rule()
    if rule is None:
        raise WorkflowError(INVALID, N_("There is no tip-off item in the points table."), field="case")
    evidence = _text(evidence, N_("Describe the tip-off: what was reported, and when."), "evidence")
    existing = PointEntry.get_or_none(PointEntry.case == case.id)
    if existing is not None:
        raise _duplicate_tipoff(existing)
    try:
        return _append(actor, person, now, rule=rule.id, points=rule.points, day=now.date(), evidence=evidence,
                       case=case.id)
    except IntegrityError:
        raise _duplicate_tipoff(PointEntry.get(PointEntry.case == case.id)) from None


def visit_points(actor, visit, now):
    """The visit item for a visit just recorded, earned by the active person linked to its recorder; None
    when nobody is linked, there is no active visit item, the month is published, or the person already
    earned it for this household on this day (one a household a day: a second visit the same day is
    work, but not twice the points). Called inside the visit's transaction: both are written, or neither."""
    if getattr(actor, "id", None) is None:
        return None
    person = (PointPerson.select().where((PointPerson.user == actor.id) & PointPerson.active)
              .order_by(PointPerson.id).first())
    rule = visit_rule()
    if person is None or rule is None:
        return None
    day = visit.at.date()
    community = person.grid.parent_id
    with write_transaction():
        # The community's row serialises this with publishing and with the same person's other visits.
        lock_for_update(OrgUnit.select().where(OrgUnit.id == community)).get()
        if is_locked(community, day):
            return None
        earned = (PointEntry.select().join(Visit, on=(PointEntry.visit == Visit.id))
                  .where((PointEntry.person == person.id) & (PointEntry.day == day)
                         & (Visit.household == visit.household_id)).exists())
        if earned:
            return None
        # The evidence is a plain reference; the ledger shows the visit itself (translated, linked).
        return PointEntry.create(person=person.id, grid=person.grid_id, community=community, rule=rule.id,
                                 points=rule.points, day=day, evidence=f"visit #{visit.id}", visit=visit.id,
                                 recorded_by=actor.id, recorder_name=actor.name, recorder_role=actor.role,
                                 recorded_at=now)


def record_correction(actor, original, points, reason, now):
    """Correct an entry with a new, signed entry counted today (the original stays as it was)."""
    _check_recorder(actor, original.person)
    points = whole_number(points)
    if points is None or points == 0 or abs(points) > MAX_CORRECTION:
        raise WorkflowError(INVALID, N_("Give the correction as a whole number of points other than 0, e.g. -2."),
                            field="points")
    reason = _text(reason, N_("Give a reason."), "reason")
    return _append(actor, original.person, now, rule=original.rule_id, points=points, day=now.date(),
                   evidence=reason, corrects=original.id, grid=original.grid_id, community=original.community_id)


def publish_month(actor, community, month_day, now):
    """Publish (公示) a community's month that has ended; from then on it is locked."""
    if not can(actor, "points.publish", community):
        raise WorkflowError(FORBIDDEN, N_("Only the community's office may publish its points."))
    month = period_of("month", month_day)
    if month.last >= now.date():
        raise WorkflowError(INVALID, N_("Only a month that has ended can be published."))
    with write_transaction():
        lock_for_update(OrgUnit.select().where(OrgUnit.id == community.id)).get()
        if is_locked(community.id, month.first):
            raise WorkflowError(INVALID_STATE, N_("This month is already published."))
        return PointMonth.create(community=community.id, month=month.first, published_at=now,
                                 published_by=actor.id, publisher_name=actor.name)


def _append(actor, person, now, *, day, grid=None, community=None, **fields):
    """Append one entry, refusing a date in a published month; serialised with publishing."""
    grid = grid or person.grid_id
    community = community or person.grid.parent_id
    with write_transaction():
        lock_for_update(OrgUnit.select().where(OrgUnit.id == community)).get()
        if is_locked(community, day):
            raise WorkflowError(
                LOCKED, N_("The points of %(month)s are published and locked: they cannot be changed. "
                           "To put a mistake right, record a correction, which counts in the current month."),
                field="day", month=f"{day.year}-{day.month:02d}")
        return PointEntry.create(person=person.id, grid=grid, community=community, day=day, recorded_by=actor.id,
                                 recorder_name=actor.name, recorder_role=actor.role, recorded_at=now, **fields)


def _check_recorder(actor, person):
    """Refuse a recorder without the right to this person's points, or an inactive person."""
    if person is None or not can(actor, "points.record", person):
        raise WorkflowError(FORBIDDEN, N_("You may not record points for this person."))
    if not person.active:
        raise WorkflowError(INVALID, N_("This person no longer takes part."), field="person")


def _duplicate_tipoff(existing):
    """The refusal for a case whose tip-off is already recorded."""
    return WorkflowError(DUPLICATE, N_("Tip-off points for this case are already recorded (for %(name)s)."),
                         field="case", name=existing.person.name)


def _text(value, missing, name):
    """A required text, stripped and not too long."""
    value = (value or "").strip()
    if not value:
        raise WorkflowError(INVALID, missing, field=name)
    if len(value) > TEXT_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field=name,
                            n=TEXT_LIMIT)
    return value


# ---- counting -------------------------------------------------------------------------------------


@dataclass
class Counted:
    """An entry and the day it counts on (None: a tip-off whose case is not verified yet)."""

    entry: PointEntry
    counts_on: date = None

    @property
    def pending(self):
        return self.counts_on is None


def counted(entries):
    """Attach to each entry the day it counts on."""
    entries = list(entries)
    case_ids = [e.case_id for e in entries if e.case_id]
    verified = {}
    if case_ids:
        verified = dict(CaseEvent.select(CaseEvent.case, fn.MIN(CaseEvent.at))
                        .where(CaseEvent.case.in_(case_ids) & (CaseEvent.event == "verify"))
                        .group_by(CaseEvent.case).tuples())
    out = []
    for entry in entries:
        if entry.case_id is None:
            out.append(Counted(entry, entry.day))
        else:
            first = verified.get(entry.case_id)
            out.append(Counted(entry, max(entry.day, _as_date(first)) if first else None))
    return out


def entries_until(community_ids, last):
    """Every entry of these communities that can count on or before `last`, with people and rules."""
    return (PointEntry.select(PointEntry, PointPerson, PointRule)
            .join(PointPerson, on=PointEntry.person == PointPerson.id)
            .switch(PointEntry).join(PointRule, JOIN.LEFT_OUTER, on=PointEntry.rule == PointRule.id)
            .where(PointEntry.community.in_(list(community_ids)) & (PointEntry.day <= last))
            .order_by(PointEntry.day, PointEntry.id))


def balances(community_ids, last):
    """Per person id: the total counted up to `last` (never reset)."""
    totals = defaultdict(int)
    for item in counted(entries_until(community_ids, last)):
        if item.counts_on is not None and item.counts_on <= last:
            totals[item.entry.person_id] += item.entry.points
    return totals


@dataclass
class PersonTotal:
    """A person's points in a span, and their running total."""

    person: PointPerson
    points: int = 0
    months: dict = field(default_factory=dict)
    cumulative: int = 0
    rank: int = None


@dataclass
class MonthLedger:
    """A community's month: the entries counting in it, per-person totals, pending tip-offs."""

    community: OrgUnit
    month: object
    published: PointMonth
    items: list
    totals: list
    pending: list
    corrected: dict


def month_ledger(community, month_day):
    """The ledger of one community's month."""
    month = period_of("month", month_day)
    items = counted(entries_until([community.id], month.last))
    in_month = [c for c in items if c.counts_on is not None and month.contains(c.counts_on)]
    in_month.sort(key=lambda c: (c.counts_on, c.entry.id))
    cumulative = defaultdict(int)
    for item in items:
        if item.counts_on is not None:
            cumulative[item.entry.person_id] += item.entry.points
    people = {}
    for item in in_month:
        person = people.setdefault(item.entry.person_id, PersonTotal(item.entry.person))
        person.points += item.entry.points
    for person_id, total in people.items():
        total.cumulative = cumulative[person_id]
    corrected = defaultdict(list)
    for correction in (PointEntry.select().where(PointEntry.corrects.in_([c.entry.id for c in in_month]))
                       .order_by(PointEntry.id) if in_month else []):
        corrected[correction.corrects_id].append(correction)
    return MonthLedger(
        community=community, month=month,
        published=PointMonth.get_or_none((PointMonth.community == community.id) & (PointMonth.month == month.first)),
        items=in_month, totals=_ranked(people.values()),
        pending=[c for c in items if c.pending], corrected=dict(corrected),
    )


def quarter_summary(community, year, quarter):
    """A community's quarter: each person's points per month, the quarter's sum and the running total."""
    months = [date(year, 3 * (quarter - 1) + n, 1) for n in (1, 2, 3)]
    last = period_of("month", months[-1]).last
    people = {}
    cumulative = defaultdict(int)
    for item in counted(entries_until([community.id], last)):
        if item.counts_on is None or item.counts_on > last:
            continue
        cumulative[item.entry.person_id] += item.entry.points
        month = item.counts_on.replace(day=1)
        if month in months:
            person = people.setdefault(item.entry.person_id, PersonTotal(item.entry.person))
            person.points += item.entry.points
            person.months[month] = person.months.get(month, 0) + item.entry.points
    for person_id, total in people.items():
        total.cumulative = cumulative[person_id]
    published = {pm.month for pm in PointMonth.select().where((PointMonth.community == community.id)
                                                              & PointMonth.month.in_(months))}
    return months, published, _ranked(people.values())


def yearly_ranking(communities, year, limit=50):
    """The year's ranking over these communities: everyone ranked 1…limit (ties share a rank)."""
    communities = list(communities)
    last = date(year, 12, 31)
    people = {}
    cumulative = defaultdict(int)
    for item in counted(entries_until([c.id for c in communities], last)):
        if item.counts_on is None or item.counts_on > last:
            continue
        cumulative[item.entry.person_id] += item.entry.points
        if item.counts_on.year == year:
            person = people.setdefault(item.entry.person_id, PersonTotal(item.entry.person))
            person.points += item.entry.points
    for person_id, total in people.items():
        total.cumulative = cumulative[person_id]
    return [row for row in _ranked(people.values()) if row.rank <= limit]


def unpublished_months(communities, year, today):
    """(community, month) pairs of the year that have ended but are not published yet."""
    ended = [date(year, m, 1) for m in range(1, 13) if period_of("month", date(year, m, 1)).last < today]
    communities = list(communities)
    done = {(pm.community_id, pm.month) for pm in PointMonth.select().where(
        PointMonth.community.in_([c.id for c in communities]) & PointMonth.month.in_(ended))} if ended else set()
    return [(c, m) for c in communities for m in ended if (c.id, m) not in done]


def _ranked(totals):
    """Sort by points (then name) and give competition ranks: 1, 2, 2, 4."""
    rows = sorted(totals, key=lambda t: (-t.points, t.person.name, t.person.id))
    previous, rank = None, 0
    for index, row in enumerate(rows, start=1):
        if row.points != previous:
            rank, previous = index, row.points
        row.rank = rank
    return rows


def _as_date(value):
    """A date from a datetime (SQLite's MIN() may hand back text)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") else value
