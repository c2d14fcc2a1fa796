"""A period's indicators from facts kept per case (workflows.models.statfacts) and GROUP BYs.

The numbers are those of the case-by-case replay (stats.overview_and_tallies over
stats.facts_for): each case's facts at the end of the period are the replay's own, computed once
and kept; a request replays only the cases whose history grew since (history rows after the cut's
watermark) and adds up the rest in the database. What depends on the moment the period is judged
at (overdue, and what counts as due) is decided in the query from the kept deadline and
suspension. tests/unit/test_stats_grouped.py checks both give the same numbers on a hand-built
month, on SQLite and PostgreSQL; bench/inproc.py times it on a month of 100,000 cases.
"""
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from peewee import fn
from peewee import Case as When

from workflows import stats
from workflows.db import db, is_postgres, lock_for_update, write_transaction
from workflows.models import Case, CaseEvent, StatsCut, StatsFact, StatsOccurrence, StatsStep
from workflows.stats import UNDISPOSED_STATES, Overview, Tally

ORG_COLUMNS = {"grid": Case.grid, "community": Case.community, "street": Case.street, "category": Case.category}
OCCURRENCES = ("dispatches", "declines", "transfers", "handled", "verifies", "verifies_on_time")
CHUNK = 500


class GroupedTally(Tally):
    """A Tally whose step durations were added up in the database: (count, sum µs, 90th-percentile µs)."""

    def __init__(self):
        super().__init__(False)
        self.steps = {}

    def step(self, step):
        """(count, average hours, 90th-percentile hours), as Tally.step gives them."""
        found = self.steps.get(step)
        if not found:
            return None
        n, total_us, p90_us = found
        return n, hours(total_us) / n, hours(p90_us)


def hours(us):
    """Microseconds of office time in hours, as Clock.working_seconds(...) / 3600 gives them."""
    return timedelta(microseconds=int(us)).total_seconds() / 3600


def microseconds(seconds):
    """Clock.working_seconds (a float of whole microseconds) as an exact integer."""
    return round(seconds * 1_000_000)


# ---- keeping the facts ----


def _cohort(query, start, end):
    return query.where((Case.created_at >= datetime.combine(start, datetime.min.time())) & (Case.created_at < end))


def _store(cut, facts):
    """Replace the kept rows of these cases (derived data) with their new facts."""
    facts = list(facts)
    ids = [f.id for f in facts]
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        for model in (StatsFact, StatsOccurrence, StatsStep):
            model.delete().where((model.cut == cut) & (model.case.in_(part))).execute()
    rows, occurrences, steps = [], [], []
    for f in facts:
        rows.append({
            "cut": cut, "case": f.id, "creator": f.creator, "department": f.department, "state": f.state,
            "closed_level": f.closed_level, "voided": int(f.voided), "closed": int(f.closed),
            "disposed": int(f.disposed), "disposed_on_time": int(f.disposed_on_time),
            "closed_on_time": int(f.closed_on_time), "suspended": int(f.suspended), "deadline": f.deadline,
            "reworked": int(f.reworks > 0), "extended": int(f.extensions > 0),
            "callback_due": int(f.callback_due), "callbacks": int(f.callback_due and f.callback in stats.ANSWERED),
            "satisfied": int(f.callback_due and f.callback in stats.SATISFIED),
            "n_dispatches": 0, "n_declines": 0, "n_transfers": 0, "n_handled": 0, "n_verifies": 0,
            "n_verifies_on_time": 0,
            "last_at": f.last_at,
        })
        for counter, department, actor in f.occurrences:
            rows[-1]["n_" + counter] += 1
            occurrences.append({"cut": cut, "case": f.id, "kind": counter, "department": department, "actor": actor})
        for (step, department, _), seconds in zip(f.durations, f.seconds):
            steps.append({"cut": cut, "case": f.id, "step": step, "department": department,
                          "us": microseconds(seconds)})
    for model, batch in ((StatsFact, rows), (StatsOccurrence, occurrences), (StatsStep, steps)):
        for i in range(0, len(batch), CHUNK):
            model.insert_many(batch[i:i + CHUNK]).execute()


def refresh(period, now, clock):
    """The cut of the period's end with the facts of its cases up to date: cases never kept, and
    cases with history rows after the cut's watermark, are replayed (and only they).

    The replay reads outside any write transaction; each chunk of facts is written in a short one
    (holding the cut's row), and the cut's watermark and coverage move only at the end — an
    interrupted build is simply done again (each chunk replaces its cases' rows)."""
    end = period.end_at
    latest = CaseEvent.select(fn.MAX(CaseEvent.id)).scalar() or 0
    cut = StatsCut.get_or_none(StatsCut.cut_at == end)
    if cut is not None and cut.covered_from <= period.start and cut.watermark >= latest:
        return cut  # nothing new: no write, no lock
    if cut is None:
        with write_transaction():
            cut = StatsCut.get_or_none(StatsCut.cut_at == end) or StatsCut.create(
                cut_at=end, watermark=0, built_at=now, covered_from=end.date())  # covering nothing yet
    covered = datetime.combine(cut.covered_from, datetime.min.time())
    if covered < end and latest > cut.watermark:
        grown = (CaseEvent.select(CaseEvent.case).distinct()
                 .join(Case, on=(Case.id == CaseEvent.case))
                 .where((CaseEvent.id > cut.watermark) & (CaseEvent.at < end)
                        & (Case.created_at >= covered) & (Case.created_at < end)))
        ids = [row[0] for row in grown.tuples()]
        for i in range(0, len(ids), CHUNK):
            _write(cut, stats.facts_for(Case.select().where(Case.id.in_(ids[i:i + CHUNK])), period_of(cut), end, clock))
    if period.start < cut.covered_from:
        # Everything recorded between the period's start and what the cut covers already.
        missing = _cohort(Case.select(), period.start, covered)
        chunk = []
        for f in stats.facts_for(missing, period, end, clock):
            chunk.append(f)
            if len(chunk) == CHUNK:
                _write(cut, chunk)
                chunk = []
        _write(cut, chunk)
    with write_transaction():
        fields = {"watermark": latest, "built_at": now}
        if period.start < cut.covered_from:
            fields["covered_from"] = period.start
        StatsCut.update(fields).where((StatsCut.id == cut.id) & (StatsCut.watermark <= latest)).execute()
    return StatsCut.get_by_id(cut.id)


def _write(cut, facts):
    """Store a chunk of facts in its own short write transaction, one writer per cut at a time."""
    facts = list(facts)
    if not facts:
        return
    with write_transaction():
        lock_for_update(StatsCut.select().where(StatsCut.id == cut.id)).get()
        _store(cut, facts)


def period_of(cut):
    """A period that holds every case the cut covers (its facts do not depend on the start)."""
    return stats.Period("custom", cut.covered_from, cut.cut_at.date())


# ---- adding up ----


def _one(condition):
    return When(None, [(condition, 1)], 0)


def tally(cases, period, now, clock, dimensions, steps=True):
    """{dimension: {key: Tally}}, as stats.tally(stats.facts_for(cases, period, now, clock), dimensions)
    (without the step durations when `steps` is false: rates and scores do not use them)."""
    return overview_and_tallies(cases, period, now, clock, dimensions, charts=False, steps=steps)[1]


def overview_and_tallies(cases, period, now, clock, dimensions, charts=True, steps=True):
    """(Overview, {dimension: {key: Tally}}) of the period's cases among `cases` (a scoped Case
    query), as stats.overview_and_tallies(stats.facts_for(cases, period, now, clock), dimensions);
    the Overview is None when `charts` is false, and the step durations are left out when `steps` is."""
    cut = refresh(period, now, clock)
    if StatsFact.select().where((StatsFact.cut == cut) & (StatsFact.last_at > now)).exists():
        # History written after `now` (a clock set back): the kept facts are ahead of the moment.
        overview, tallies = stats.overview_and_tallies(stats.facts_for(cases, period, now, clock), dimensions)
        return (overview if charts else None), tallies
    moment = period.moment(now)
    F = StatsFact
    overdue_open = ((fn.COALESCE(F.state, "") != "closed") & (F.suspended == 0) & F.deadline.is_null(False)
                    & (F.deadline <= moment))
    overdue_undisposed = overdue_open & F.state.in_(UNDISPOSED_STATES)
    valid = F.voided == 0
    due_disposal = (F.disposed == 1) | overdue_undisposed
    due_close = (F.closed == 1) | overdue_open
    sums = {
        "recorded": fn.COUNT(F.id),
        "voided": fn.SUM(F.voided),
        "reports": fn.SUM(_one(F.creator.is_null(False))),
        "valid_reports": fn.SUM(_one(F.creator.is_null(False) & valid)),
        "disposed": fn.SUM(_one(valid & (F.disposed == 1))),
        "disposed_on_time": fn.SUM(_one(valid & (F.disposed_on_time == 1))),
        "overdue_undisposed": fn.SUM(_one(valid & overdue_undisposed)),
        "due_disposal": fn.SUM(_one(valid & due_disposal)),
        "closed": fn.SUM(_one(valid & (F.closed == 1))),
        "closed_on_time": fn.SUM(_one(valid & (F.closed_on_time == 1))),
        "overdue_open": fn.SUM(_one(valid & overdue_open)),
        "due_close": fn.SUM(_one(valid & due_close)),
        "reworked": fn.SUM(_one(valid & due_close & (F.reworked == 1))),
        "extended": fn.SUM(_one(valid & due_disposal & (F.extended == 1))),
        "callback_due": fn.SUM(_one(valid & (F.callback_due == 1))),
        "callbacks": fn.SUM(_one(valid & (F.callbacks == 1))),
        "satisfied": fn.SUM(_one(valid & (F.satisfied == 1))),
        **{counter: fn.SUM(_one(valid & (F.closed == 1) & (F.closed_level == level)))
           for level, counter in stats.LEVEL_COUNTERS.items()},
    }
    occurrence_sums = {name: fn.SUM(When(None, [(valid, getattr(F, "n_" + name))], 0)) for name in OCCURRENCES}
    hidden = {"_verified": fn.SUM(_one(valid & ((F.state == "verified") | (F.closed == 1))))}

    def base(*columns):
        """The scoped cohort joined with its kept facts."""
        return (cases.select(*columns).join(F, on=((F.case == Case.id) & (F.cut == cut.id)))
                .where((Case.created_at >= period.start_at) & (Case.created_at < period.end_at)
                       & (Case.created_at <= now)))

    def grouped(key, wanted):
        """{key: Counter} of the named sums grouped by an expression (None: one group 'total')."""
        names = list(wanted)
        columns = [wanted[n].alias("s_" + n) for n in names]
        query = base(*(([key.alias("k")] if key is not None else []) + columns))
        if key is not None:
            query = query.where(key.is_null(False)).group_by(key)
        out = {}
        for row in query.tuples():
            values = row[1:] if key is not None else row
            if key is None and not values[0]:
                continue
            out[row[0] if key is not None else "total"] = Counter(
                {n: int(v) for n, v in zip(names, values) if v})
        return out

    tallies = {}
    all_sums = {**sums, **occurrence_sums, **hidden}
    cached = {}
    # The finer dimensions first, so that the total can be added up from one of them.
    for dim in sorted(dimensions, key=lambda d: d == "total"):
        groups = defaultdict(GroupedTally)
        if dim == "person":
            for key, counts in grouped(F.creator, {n: sums[n] for n in ("reports", "valid_reports")}).items():
                groups[key].counts.update(counts)
            for key, counts in _occurrences(base, F, StatsOccurrence.actor,
                                            ("handled", "verifies", "verifies_on_time")).items():
                groups[key].counts.update(counts)
        elif dim == "department":
            for key, counts in grouped(F.department, sums).items():
                groups[key].counts.update(counts)
            for key, counts in _occurrences(base, F, StatsOccurrence.department, OCCURRENCES).items():
                groups[key].counts.update(counts)
        else:
            key = ORG_COLUMNS.get(dim)
            finer = next((d for d in dimensions if d in ORG_COLUMNS and d in cached), None)
            if key is None and finer is not None:
                # Every case has a grid, community, street and category: their groups add up to the total.
                found = Counter()
                for counts in cached[finer].values():
                    found.update(counts)
                found = cached[dim] = {"total": found} if found else {}
            else:
                found = cached[dim] = grouped(key, all_sums)
            for k, counts in found.items():
                groups[k].counts.update({n: v for n, v in counts.items() if not n.startswith("_")})
        tallies[dim] = groups
    for dim, keyed in (_durations(base, F, dimensions) if steps else {}).items():
        for key, steps in keyed.items():
            tallies[dim][key].steps.update(steps)
    overview = _overview(base, F, valid, overdue_open, cached, all_sums, grouped) if charts else None
    return overview, {dim: dict(groups) for dim, groups in tallies.items()}


def _occurrences(base, F, key, names):
    """{key: Counter} of events counted once each, of valid cases, keyed by department or actor."""
    O = StatsOccurrence
    columns = [fn.SUM(_one(O.kind == name)).alias("s_" + name) for name in names]
    query = (base(key.alias("k"), *columns).join(O, on=((O.case == F.case) & (O.cut == F.cut)))
             .where((F.voided == 0) & O.kind.in_(names) & key.is_null(False)).group_by(key))
    return {row[0]: Counter({n: int(v) for n, v in zip(names, row[1:]) if v}) for row in query.tuples()}


def _durations(base, F, dimensions):
    """{dimension: {key: {step: (n, sum µs, p90 µs)}}} of the measured steps of valid cases.

    The database gathers the durations of each combination of the keys and the step into one
    row (GROUP_CONCAT on SQLite, array_agg on PostgreSQL), so a few hundred rows come back instead
    of one per step; each group's durations are sorted in memory for the nearest-rank 90th
    percentile, as stats.Tally.step takes it (bench/inproc.py: 144,000 steps of a 100,000-case
    month)."""
    S = StatsStep
    wanted = [dim for dim in dimensions if dim != "person"]
    out = {dim: defaultdict(dict) for dim in wanted}
    if not wanted:
        return out
    keys = {"department": S.department, **ORG_COLUMNS}
    keyed = [dim for dim in wanted if dim in keys]
    gathered = fn.array_agg(S.us) if is_postgres() else fn.GROUP_CONCAT(S.us)
    query = (base(*(keys[dim] for dim in keyed), S.step, gathered)
             .join(S, on=((S.case == F.case) & (S.cut == F.cut))).where(F.voided == 0)
             .group_by(*(keys[dim] for dim in keyed), S.step))
    durations = {dim: defaultdict(list) for dim in wanted}
    totals = durations.get("total")
    for row in db.execute_sql(*query.sql()):  # the gathered column as the driver gives it
        step, values = row[-2], row[-1]
        if isinstance(values, str):
            values = [int(v) for v in values.split(",")]
        for dim, k in zip(keyed, row):
            if k is not None:
                durations[dim][k, step].extend(values)
        if totals is not None:
            totals["total", step].extend(values)
    for dim, groups in durations.items():
        for (k, step), values in groups.items():
            values.sort()
            out[dim][k][step] = (len(values), sum(values), stats.percentile(values, 0.9))
    return out


def _overview(base, F, valid, overdue_open, cached, all_sums, grouped):
    """The charts' Overview: cases per day and source, per category, the funnel and overdue by grid."""
    overview = Overview()
    # SQLite keeps times as ISO text: its first ten characters are the day (cheaper than DATE()).
    day = fn.SUBSTR(Case.created_at, 1, 10) if not is_postgres() else Case.created_at.cast("date")
    # One scan for the cases per day and source and per category.
    for d, source, category, n in (base(day, Case.source, Case.category, fn.COUNT(F.id))
                                   .group_by(day, Case.source, Case.category).tuples()):
        # peewee reads the day through created_at's converter: a datetime at midnight, or text.
        d = d.date() if isinstance(d, datetime) else d if isinstance(d, date) else date.fromisoformat(d)
        overview.per_day[d][source] += n
        overview.per_category[category] += n
    totals = next(iter(cached.values()), None)
    if totals is not None:
        total = Counter()
        for counts in totals.values():
            total.update(counts)
    else:
        total = grouped(None, all_sums).get("total", Counter())
    if total["recorded"]:
        overview.funnel.update(recorded=total["recorded"], valid=total["recorded"] - total["voided"],
                               disposed=total["disposed"], verified=total["_verified"], closed=total["closed"])
    for grid, state, n in (base(Case.grid, F.state, fn.COUNT(F.id)).where(valid & overdue_open)
                           .group_by(Case.grid, F.state).tuples()):
        overview.overdue[grid][state] += n
    return overview
