"""The yearly 1000-point assessment of grids (千分制考核).

A street or district sets a scheme per year: items whose maximum points add up to 1000, each
automatic (a formula over the year's data, shown with the item), manual (scored by the assessor
with a note), a deduction (points taken off, with a note) or a veto (一票否决: a vetoed grid's
result is 0). Each quarter a grid's lead enters a self-evaluation; the assessor's review is what
counts. The year's result of a grid:

    automatic items (each max × the rate, or max × (1 − rate) when lower is better; an item with
    nothing to measure gets its full points)
  + manual items (the mean of the reviewed quarters, at most the item's max)
  − deductions (the sum of the reviewed quarters, at most the item's max)
  = total, never below 0; 0 if any reviewed quarter marks a veto.

Grids are ranked by total (ties share a rank). Publishing freezes the year; entries after that are
corrections that must give a reason, and publishing again needs one too.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peewee import Case as When
from peewee import fn

from workflows import stats, stats_grouped
from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import (
    AssessEntry,
    AssessEvidence,
    AssessItem,
    AssessResult,
    AssessScheme,
    Case,
    Notice,
    OrgUnit,
    RegistryRoundup,
    User,
)
from workflows.policy import can, scope_column
from workflows.rankings import rank_rows
from workflows.text import clean_text
from workflows.visits import quarterly_coverage, visits_in_year

TOTAL = 1000
QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Metric:
    """An automatic item's measure: a rate per grid, and how it becomes points."""

    key: str
    label: str
    formula: str
    lower_is_better: bool = False


METRICS = {m.key: m for m in (
    Metric("ontime_close_rate", N_("On-time closing rate"),
           N_("max × closed on time / (closed + overdue not closed), over the year's cases of the grid")),
    Metric("rework_rate", N_("Rework rate"),
           N_("max × (1 − reworked / (closed + overdue not closed)), over the year's cases of the grid"),
           lower_is_better=True),
    Metric("satisfaction_rate", N_("Satisfaction rate"),
           N_("max × (satisfied + basically satisfied) / answered call-backs, over the year's cases of the grid")),
    Metric("patrol_coverage", N_("Patrol coverage"),
           N_("max × patrol periods done / patrol periods due, for everyone who patrols the grid, over the year")),
    Metric("visit_coverage", N_("Visit coverage"),
           N_("max × households visited in each finished quarter / households due (every active household once a "
              "quarter), over the year")),
    Metric("notice_reply_rate", N_("Notices answered in time"),
           N_("max × notices replied by their reply deadline / notices due, about the grid's cases, issued in the year")),
    Metric("registry_updates", N_("Registry kept up to date"),
           N_("max × finished weeks whose registry round-up the community acknowledged / finished weeks (weeks "
              "beginning in the year that have ended), over the year")),
)}
STATS_METRICS = ("ontime_close_rate", "rework_rate", "satisfaction_rate")


def _year_period(year):
    return stats.year(year)


# ---- the scheme ----


def scheme_for(scope, year, actor, now):
    """The scope's scheme of the year (made, empty, if there is none yet)."""
    if not can(actor, "assess.scheme", scope):
        raise WorkflowError(FORBIDDEN, N_("You may not set the assessment scheme of this area."))
    scheme = AssessScheme.get_or_none((AssessScheme.scope == scope.id) & (AssessScheme.year == year))
    return scheme or AssessScheme.create(scope=scope.id, year=year, created_by=_user(actor), created_at=now)


def _user(actor):
    return actor if isinstance(actor, User) else None


def add_item(scheme, actor, now, *, kind, title, max_points=0, metric=None):
    """Add an item to the scheme (not once the year is published)."""
    if not can(actor, "assess.scheme", scheme.scope):
        raise WorkflowError(FORBIDDEN, N_("You may not set the assessment scheme of this area."))
    if latest_result(scheme) is not None:
        raise WorkflowError(INVALID, N_("The year is published: its scheme can no longer change."))
    title = (title or "").strip()[:100]
    if kind not in ("auto", "manual", "deduction", "veto") or not title:
        raise WorkflowError(INVALID, N_("An item needs a kind and a title."), field="title")
    if kind == "auto" and metric not in METRICS:
        raise WorkflowError(INVALID, N_("An automatic item needs one of the measures."), field="metric")
    if kind == "veto":
        max_points = 0
    elif not isinstance(max_points, int) or not 1 <= max_points <= TOTAL:
        raise WorkflowError(INVALID, N_("Points are a whole number from 1 to 1000."), field="max_points")
    order = (AssessItem.select(fn.MAX(AssessItem.sort_order)).where(AssessItem.scheme == scheme).scalar() or 0) + 1
    return AssessItem.create(scheme=scheme, kind=kind, metric=metric if kind == "auto" else None, title=title,
                             max_points=max_points, sort_order=order, created_at=now)


def add_scheme_item(scope, year, actor, now, **item):
    """Add an item to the scope's scheme of the year, making the scheme if needed — both or neither."""
    with write_transaction():
        return add_item(scheme_for(scope, year, actor, now), actor, now, **item)


def schemes_over(grid, year):
    """The schemes of the year that assess this grid (its street's, its district's), nearest first."""
    lineage = [u.id for u in grid.lineage()]
    schemes = AssessScheme.select().where(AssessScheme.scope.in_(lineage) & (AssessScheme.year == year))
    return sorted(schemes, key=lambda s: lineage.index(s.scope_id))


def retire_item(item, actor, now):
    """Take an item out of the scheme (kept, marked retired)."""
    if not can(actor, "assess.scheme", item.scheme.scope):
        raise WorkflowError(FORBIDDEN, N_("You may not set the assessment scheme of this area."))
    if latest_result(item.scheme) is not None:
        raise WorkflowError(INVALID, N_("The year is published: its scheme can no longer change."))
    item.retired_at, item.retired_by = now, _user(actor)
    item.save()


def items(scheme):
    """The scheme's items in force, in order."""
    return list(AssessItem.select().where((AssessItem.scheme == scheme) & AssessItem.retired_at.is_null())
                .order_by(AssessItem.sort_order, AssessItem.id))


def scored_total(scheme):
    """The maximum points of the automatic and manual items (a complete scheme has 1000)."""
    return sum(i.max_points for i in items(scheme) if i.kind in ("auto", "manual"))


# ---- entries ----


def enter(item, unit, quarter, stage, actor, now, *, points=0, vetoed=False, note="", reason="", evidence=()):
    """A self-evaluation (the grid's lead) or review (the assessor) of one item for a quarter, with its
    evidence files (`evidence`: stored files' fields — path, thumb_path, original_name, content_type, size),
    recorded together or not at all."""
    action = "assess.self" if stage == "self" else "assess.review"
    if stage not in ("self", "review") or not can(actor, action, unit):
        raise WorkflowError(FORBIDDEN, N_("You may not score this grid."))
    if unit.kind != "grid" or not unit_scope(unit, item.scheme):
        raise WorkflowError(INVALID, N_("This grid is not assessed under this scheme."))
    if quarter not in QUARTERS:
        raise WorkflowError(INVALID, N_("The quarter is 1, 2, 3 or 4."), field="quarter")
    if item.kind == "auto":
        raise WorkflowError(INVALID, N_("Automatic items are computed from the data."))
    if item.kind != "veto" and not (0 <= points <= item.max_points):
        raise WorkflowError(INVALID, N_("Points are between 0 and the item's maximum."), field="points")
    reason = (reason or "").strip()
    if latest_result(item.scheme) is not None and not reason:
        raise WorkflowError(INVALID, N_("The year is published: a correction needs a reason."), field="reason")
    with write_transaction():
        entry = AssessEntry.create(item=item, unit=unit, quarter=quarter, stage=stage,
                                   points=0 if item.kind == "veto" else points,
                                   vetoed=item.kind == "veto" and bool(vetoed), note=(note or "").strip()[:2000],
                                   reason=reason[:1000], by=_user(actor), by_name=actor.name, at=now)
        for stored in evidence:
            AssessEvidence.create(entry=entry, path=stored["path"], thumb_path=stored.get("thumb_path"),
                                  original_name=clean_text(str(stored.get("original_name") or ""))[:200],
                                  content_type=stored["content_type"], size=stored["size"], uploaded_by=_user(actor),
                                  at=now)
    return entry


def evidence_of(entries):
    """{entry id: [evidence, oldest first]} of the given entries."""
    ids = [e.id for e in entries if e is not None]
    out = {i: [] for i in ids}
    if ids:
        for row in AssessEvidence.select().where(AssessEvidence.entry.in_(ids)).order_by(AssessEvidence.id):
            out[row.entry_id].append(row)
    return out


def unit_scope(unit, scheme):
    """True if the grid lies in the scheme's street or district."""
    return scheme.scope_id in {u.id for u in unit.lineage()}


def latest_entries(scheme, stage):
    """{(item id, unit id, quarter): entry} — the latest entry of each for a stage."""
    out = {}
    rows = (AssessEntry.select().join(AssessItem).where((AssessItem.scheme == scheme) & (AssessEntry.stage == stage))
            .order_by(AssessEntry.at, AssessEntry.id))
    for entry in rows:
        out[(entry.item_id, entry.unit_id, entry.quarter)] = entry
    return out


# ---- automatic measures ----


def grids_of(scheme):
    """The grids the scheme assesses (those under its street or district), in the order they were set up."""
    parents = dict(OrgUnit.select(OrgUnit.id, OrgUnit.parent).tuples())  # one read, not a walk per grid

    def inside(unit_id):
        while unit_id is not None:
            if unit_id == scheme.scope_id:
                return True
            unit_id = parents.get(unit_id)
        return False

    grids = OrgUnit.select().where(OrgUnit.kind == "grid").order_by(OrgUnit.sort_order, OrgUnit.code)
    return [g for g in grids if inside(g.id)]


def measures(scheme, now, clock, grids=None):
    """{metric: {grid id: (numerator, denominator)}} of the year, as far as it has gone."""
    grids = grids if grids is not None else grids_of(scheme)
    period = _year_period(scheme.year)
    cases = Case.select().where(scope_column(scheme.scope.kind) == scheme.scope_id)
    groups = stats_grouped.tally(cases, period, now, clock, ("grid",), steps=False)["grid"]
    out = {}
    for metric in STATS_METRICS:
        out[metric] = {g.id: tuple(groups[g.id].value(metric)[:2]) if g.id in groups else (0, 0) for g in grids}
    out["patrol_coverage"] = patrol_coverage(grids, scheme.year, now, clock)
    out["notice_reply_rate"] = notice_replies(grids, scheme.year, now)
    out["visit_coverage"] = quarterly_coverage([g.id for g in grids], scheme.year, now)
    out["registry_updates"] = registry_updates(grids, scheme.year, now)
    return out


def finished_weeks(year, now):
    """The Mondays of the weeks that begin in the year and have ended by `now`."""
    monday = date(year, 1, 1) + timedelta(days=(7 - date(year, 1, 1).weekday()) % 7)
    weeks = []
    while monday.year == year and datetime.combine(monday + timedelta(days=7), time.min) <= now:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _acknowledged(grid_ids, weeks, now):
    """The (grid id, Monday) pairs of those weeks whose round-up was acknowledged by `now`."""
    if not weeks or not grid_ids:
        return []
    return list(RegistryRoundup.select(RegistryRoundup.grid, RegistryRoundup.week, RegistryRoundup.id)
                .where(RegistryRoundup.grid.in_(grid_ids) & RegistryRoundup.week.between(weeks[0], weeks[-1])
                       & (RegistryRoundup.acknowledged_at <= now)).tuples())


def registry_updates(grids, year, now):
    """{grid id: (finished weeks acknowledged, finished weeks)}: the registry's weekly round-up
    (workflows.registry.roundup) read by the community's grid office, week by week."""
    weeks = finished_weeks(year, now)
    known = set(weeks)
    out = {g.id: [0, len(weeks)] for g in grids}
    for grid, week, _id in _acknowledged(list(out), weeks, now):
        if week in known:
            out[grid][0] += 1
    return {grid: tuple(pair) for grid, pair in out.items()}


def patrol_coverage(grids, year, now, clock):
    """{grid id: (periods done, periods due)} of everyone who patrols each grid, month by month."""
    from workflows.patrols import Coverage, patrol_counts, patrollers, period_of, rule_for, rules_table

    by_id = {g.id: g for g in grids}
    people = patrollers(list(by_id))
    rules = rules_table()
    first, last = date(year, 1, 1), min(date(year, 12, 31), now.date())
    out = {g.id: (0, 0) for g in grids}
    if last < first:
        return out
    counts = patrol_counts([u.id for u in people], period_of("week", first).first, last)
    coverage = Coverage(now, clock)
    for month in range(1, last.month + 1):
        span = period_of("month", date(year, month, 1))
        for user in people:
            rule = rule_for(rules, user.role, by_id[user.org_id].grid_type)
            if rule is None:
                continue
            for status in coverage.statuses(rule, span, counts, user.id, finished_only=True):
                if span.contains(status.window.deadline.date()):
                    done, due = out[user.org_id]
                    out[user.org_id] = (done + (status.status == "done"), due + 1)
    return out


def notice_replies(grids, year, now):
    """{grid id: (replied in time, due)}: notices about the grid's cases issued in the year whose reply
    deadline has passed or that were answered."""
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    due = ((Notice.reply_deadline <= now) | Notice.replied_at.is_null(False))
    in_time = fn.SUM(When(None, [((Notice.replied_at.is_null(False)) & (Notice.replied_at <= Notice.reply_deadline), 1)], 0))
    rows = (Notice.select(Case.grid, in_time, fn.COUNT(Notice.id)).join(Case, on=(Notice.case == Case.id))
            .where((Notice.issued_at >= start) & (Notice.issued_at < end) & (Notice.issued_at <= now) & due
                   & Case.grid.in_([g.id for g in grids]))
            .group_by(Case.grid).tuples())
    out = {g.id: (0, 0) for g in grids}
    for grid, num, den in rows:
        out[grid] = (int(num or 0), int(den))
    return out


def auto_points(item, num, den):
    """An automatic item's points from its measure (full points when there is nothing to measure)."""
    if not den:
        return float(item.max_points)
    rate = num / den
    goodness = 1 - rate if METRICS[item.metric].lower_is_better else rate
    return round(item.max_points * goodness, 2)


# ---- the year's result ----


def compute(scheme, now, clock, accountability=None):
    """The year's rows per grid (items, total, veto, rank) as plain data (what publishing freezes).

    Confirmed accountability records of the year (workflows.accountability) are deducted as well
    (`accountability`: {grid id: points}, read from the records when not given)."""
    if accountability is None:
        from workflows.accountability import points_by_grid

        accountability = points_by_grid(scheme.year)
    grids = grids_of(scheme)
    in_force = items(scheme)
    found = measures(scheme, now, clock, grids)
    reviewed = latest_entries(scheme, "review")
    rows = []
    for grid in grids:
        row = {"id": grid.id, "name": grid.name, "items": [], "vetoed": False}
        total = 0.0
        for item in in_force:
            entry = {"item": item.id, "kind": item.kind, "title": item.title, "max": item.max_points}
            quarters = [reviewed.get((item.id, grid.id, q)) for q in QUARTERS]
            quarters = [e for e in quarters if e is not None]
            if item.kind == "auto":
                num, den = found[item.metric][grid.id]
                entry.update(metric=item.metric, numerator=num, denominator=den, points=auto_points(item, num, den))
                total += entry["points"]
            elif item.kind == "manual":
                points = sum(e.points for e in quarters) / len(quarters) if quarters else 0.0
                entry.update(points=round(min(points, item.max_points), 2), quarters=len(quarters))
                total += entry["points"]
            elif item.kind == "deduction":
                points = min(sum(e.points for e in quarters), item.max_points)
                entry.update(points=-round(points, 2))
                total += entry["points"]
            else:
                vetoed = any(e.vetoed for e in quarters)
                entry.update(points=0, vetoed=vetoed, notes=[e.note for e in quarters if e.vetoed])
                row["vetoed"] |= vetoed
            row["items"].append(entry)
        if accountability:
            deducted = accountability.get(grid.id, 0)
            row["accountability"] = -deducted
            total -= deducted
        row["score"] = 0.0 if row["vetoed"] else round(max(total, 0.0), 2)
        rows.append(row)
    rank_rows(rows)
    return {"year": scheme.year, "scope": scheme.scope_id, "rows": rows, "scored_total": scored_total(scheme)}


def latest_result(scheme):
    """The newest publication of the year, or None."""
    return AssessResult.select().where(AssessResult.scheme == scheme).order_by(AssessResult.version.desc()).first()


def result(scheme, now, clock):
    """(data, publication or None): the published year if any, else computed now."""
    published = latest_result(scheme)
    if published is not None:
        return published.data, published
    return compute(scheme, now, clock), None


def publish(scheme, actor, now, clock, reason=""):
    """Freeze the year's results (a complete scheme, after the year); again only with a reason."""
    if not can(actor, "assess.publish", scheme.scope):
        raise WorkflowError(FORBIDDEN, N_("You may not publish the assessment of this area."))
    if scored_total(scheme) != TOTAL:
        raise WorkflowError(INVALID, N_("The items add up to %(total)s points; they must add up to 1000."),
                            total=scored_total(scheme))
    if now < datetime(scheme.year + 1, 1, 1):
        raise WorkflowError(INVALID, N_("Only a year that has ended can be published."))
    reason = (reason or "").strip()
    with write_transaction():
        previous = latest_result(scheme)
        if previous is not None and not reason:
            raise WorkflowError(INVALID, N_("This year is already published: give a reason to publish it again."),
                                field="reason")
        return AssessResult.create(scheme=scheme, version=previous.version + 1 if previous else 1, reason=reason[:1000],
                                   data=compute(scheme, now, clock), published_by=_user(actor),
                                   published_by_name=actor.name, published_at=now)


# ---- drilling down ----


def behind(item, grid, now, clock):
    """What an automatic item's figure is made of: ("cases", {counter: [case ids]}), ("patrols", …),
    ("visits", …), ("notices", [notice ids]) or ("weeks", [(Monday, round-up id or None)])."""
    scheme = item.scheme
    if item.metric == "registry_updates":
        weeks = finished_weeks(scheme.year, now)
        acknowledged = {week: rid for _grid, week, rid in _acknowledged([grid.id], weeks, now)}
        return "weeks", [(week, acknowledged.get(week)) for week in weeks]
    if item.metric in STATS_METRICS:
        rate = stats.RATES[item.metric]
        period = _year_period(scheme.year)
        groups = stats.tally(stats.facts_for(Case.select().where(Case.grid == grid.id), period, now, clock),
                             ("grid",), keep_ids=True)["grid"]
        group = groups.get(grid.id)
        ids = {c: sorted(group.ids[c]) if group else [] for c in (rate.numerator, rate.denominator)}
        return "cases", ids
    if item.metric == "notice_reply_rate":
        start, end = datetime(scheme.year, 1, 1), datetime(scheme.year + 1, 1, 1)
        rows = (Notice.select(Notice.id).join(Case, on=(Notice.case == Case.id))
                .where((Case.grid == grid.id) & (Notice.issued_at >= start) & (Notice.issued_at < end)
                       & (Notice.issued_at <= now) & ((Notice.reply_deadline <= now) | Notice.replied_at.is_null(False)))
                .order_by(Notice.id))
        return "notices", [n.id for n in rows]
    if item.metric == "visit_coverage":
        return "visits", [v.id for v in visits_in_year(grid.id, scheme.year, now)]
    from workflows.models import Patrol
    from workflows.patrols import patrollers

    first = datetime.combine(date(scheme.year, 1, 1), time.min)
    users = [u.id for u in patrollers([grid.id])]
    rows = (Patrol.select(Patrol.id).where(Patrol.user.in_(users) & Patrol.ended_at.is_null(False)
                                           & (Patrol.started_at >= first)
                                           & (Patrol.started_at < first.replace(year=scheme.year + 1)))
            .order_by(Patrol.started_at))
    return "patrols", [p.id for p in rows]


