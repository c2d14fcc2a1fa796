"""A period's indicators from facts kept per case (workflows.models.statfacts) and GROUP BYs.

The numbers are those of the case-by-case replay (stats.overview_and_tallies over
stats.facts_for): each case's facts at the end of the period are the replay's own, computed once
and kept; a request replays only the cases whose history grew since (history rows after the cut's
watermark) and adds up the rest in the database. What depends on the moment the period is judged
at (overdue, and what counts as due) is decided in the query from the kept deadline and
suspension. One scan per page does the adding up: beside the sums it gathers, per group, each
step's durations (kept per case as text, for the exact 90th percentile), and for the charts one
token per case (day, source, category) and per overdue case (grid, state), counted in Python.
Only a department's step durations, which follow each step's department, read the kept steps
(StatsStep). tests/unit/test_stats_grouped.py checks both give the same numbers on a hand-built
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
        valid = not f.voided  # a voided case counts only as recorded, voided and reported
        rows.append({
            "cut": cut, "case": f.id, "creator": f.creator, "department": f.department, "state": f.state,
            "closed_level": f.closed_level if valid and f.closed else None, "voided": int(f.voided),
            "closed": int(valid and f.closed), "disposed": int(valid and f.disposed),
            "disposed_on_time": int(valid and f.disposed_on_time), "closed_on_time": int(valid and f.closed_on_time),
            "suspended": int(f.suspended), "deadline": f.deadline,
            "reworked": int(f.reworks > 0), "extended": int(f.extensions > 0),
            "callback_due": int(valid and f.callback_due),
            "callbacks": int(valid and f.callback_due and f.callback in stats.ANSWERED),
            "satisfied": int(valid and f.callback_due and f.callback in stats.SATISFIED),
            "n_dispatches": 0, "n_declines": 0, "n_transfers": 0, "n_handled": 0, "n_verifies": 0,
            "n_verifies_on_time": 0,
            "last_at": f.last_at,
        })
        for counter, department, actor in f.occurrences:
            rows[-1]["n_" + counter] += valid
            occurrences.append({"cut": cut, "case": f.id, "kind": counter, "department": department, "actor": actor})
        measured = defaultdict(list)
        for (step, department, _), seconds in zip(f.durations, f.seconds):
            steps.append({"cut": cut, "case": f.id, "step": step, "department": department,
                          "us": microseconds(seconds)})
            measured[step].append(str(microseconds(seconds)))
        for step in stats.STEP_LABELS:
            rows[-1]["us_" + step] = ",".join(measured[step]) if measured[step] and not f.voided else None
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
    latest = max((f.last_at for f in facts if f.last_at is not None), default=None)
    with write_transaction():
        kept = lock_for_update(StatsCut.select().where(StatsCut.id == cut.id)).get()
        _store(cut, facts)
        if latest is not None and (kept.last_at is None or latest > kept.last_at):
            StatsCut.update(last_at=latest).where(StatsCut.id == cut.id).execute()


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
    if cut.last_at is not None and cut.last_at > now:
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
    # The kept flags and counts are a valid case's (0 for a voided one): plain sums, no condition.
    sums = {
        "recorded": fn.COUNT(F.id),
        "voided": fn.SUM(F.voided),
        "reports": fn.SUM(_one(F.creator.is_null(False))),
        "valid_reports": fn.SUM(_one(F.creator.is_null(False) & valid)),
        "disposed": fn.SUM(F.disposed),
        "disposed_on_time": fn.SUM(F.disposed_on_time),
        "overdue_undisposed": fn.SUM(_one(valid & overdue_undisposed)),
        "due_disposal": fn.SUM(_one(valid & due_disposal)),
        "closed": fn.SUM(F.closed),
        "closed_on_time": fn.SUM(F.closed_on_time),
        "overdue_open": fn.SUM(_one(valid & overdue_open)),
        "due_close": fn.SUM(_one(valid & due_close)),
        "reworked": fn.SUM(_one(valid & due_close & (F.reworked == 1))),
        "extended": fn.SUM(_one(valid & due_disposal & (F.extended == 1))),
        "callback_due": fn.SUM(F.callback_due),
        "callbacks": fn.SUM(F.callbacks),
        "satisfied": fn.SUM(F.satisfied),
        **{counter: fn.SUM(_one(F.closed_level == level)) for level, counter in stats.LEVEL_COUNTERS.items()},
    }
    occurrence_sums = {name: fn.SUM(getattr(F, "n_" + name)) for name in OCCURRENCES}
    hidden = {"_verified": fn.SUM(_one(valid & ((F.state == "verified") | (F.closed == 1))))}

    def base(*columns):
        """The scoped cohort joined with its kept facts."""
        return (cases.select(*columns).join(F, on=((F.case == Case.id) & (F.cut == cut.id)))
                .where((Case.created_at >= period.start_at) & (Case.created_at < period.end_at)
                       & (Case.created_at <= now)))

    # Texts gathered per group in the same scan as the sums: each step's durations, and for the
    # charts a token per case (its day, source and category) and per overdue case (its grid and state).
    texts = {}
    if steps:
        texts.update({"us_" + step: getattr(F, "us_" + step) for step in stats.STEP_LABELS})
    if charts:
        # SQLite keeps times as ISO text: its first ten characters are the day (cheaper than DATE()).
        day = Case.created_at.cast("date") if is_postgres() else fn.SUBSTR(Case.created_at, 1, 10)
        texts["days"] = day.cast("text").concat("|").concat(Case.source).concat("|").concat(
            Case.category.cast("text"))
        texts["overdue"] = When(None, [(valid & overdue_open,
                                        Case.grid.cast("text").concat("|").concat(F.state))], None)

    def grouped(key, wanted, gathered=None):
        """{key: Counter} of the named sums grouped by an expression (None: one group 'total'); with
        `gathered` (a dict), the same scan gathers the texts: {key: {name: text}} in it."""
        names = list(wanted)
        columns = [wanted[n].alias("s_" + n) for n in names]
        if gathered is not None:
            columns += [_gathered(expression).alias("g_" + name) for name, expression in texts.items()]
        query = base(*(([key.alias("k")] if key is not None else []) + columns))
        if key is not None:
            query = query.where(key.is_null(False)).group_by(key)
        out = {}
        for row in query.tuples():
            values = row[1:] if key is not None else row
            if key is None and not values[0]:
                continue
            k = row[0] if key is not None else "total"
            out[k] = Counter({n: int(v) for n, v in zip(names, values) if v})
            if gathered is not None:
                gathered[k] = dict(zip(texts, values[len(names):]))
        return out

    tallies = {}
    all_sums = {**sums, **occurrence_sums, **hidden}
    cached = {}
    gathered = {}  # {dimension: {key: {name: text}}} of each org dimension (or the total) scanned
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
                found = cached[dim] = grouped(key, all_sums, gathered.setdefault(dim, {}) if texts else None)
            for k, counts in found.items():
                groups[k].counts.update({n: v for n, v in counts.items() if not n.startswith("_")})
        tallies[dim] = groups
    if not gathered and texts:
        # Neither an org dimension nor the total was asked for: one scan for the charts (and no steps).
        cached["total"] = grouped(None, all_sums, gathered.setdefault("total", {}))
    if steps:
        for dim, keyed in _durations(gathered, dimensions).items():
            for key, per_step in keyed.items() if dim in tallies else ():
                tallies[dim][key].steps.update(per_step)
        if "department" in dimensions:
            for key, per_step in _department_durations(base, F).items():
                tallies["department"][key].steps.update(per_step)
    overview = _overview(cached, gathered) if charts else None
    return overview, {dim: dict(groups) for dim, groups in tallies.items()}


def _split(text):
    """The items of a gathered text (None: none)."""
    return text.split(",") if text else []


def _durations(gathered, dimensions):
    """{dimension: {key: {step: (n, sum µs, p90 µs)}}} of the org dimensions and the total asked
    for, from the durations gathered per group (the total's from the first dimension's groups)."""
    out, parsed = {}, {}
    for dim, keyed in gathered.items():
        parsed[dim] = {key: {step: [int(us) for us in _split(texts["us_" + step])] for step in stats.STEP_LABELS}
                       for key, texts in keyed.items()}
        out[dim] = {key: {step: _summary(values) for step, values in per_step.items() if values}
                    for key, per_step in parsed[dim].items()}
    if "total" in dimensions and "total" not in gathered and gathered:
        # The first dimension's values are sorted by now: the total's sort merges the runs.
        groups = next(iter(parsed.values())).values()
        joined = {step: [us for per_step in groups for us in per_step[step]] for step in stats.STEP_LABELS}
        out["total"] = {"total": {step: _summary(values) for step, values in joined.items() if values}} \
            if groups else {}
    return out


def _occurrences(base, F, key, names):
    """{key: Counter} of events counted once each, of valid cases, keyed by department or actor."""
    O = StatsOccurrence
    columns = [fn.SUM(_one(O.kind == name)).alias("s_" + name) for name in names]
    query = (base(key.alias("k"), *columns).join(O, on=((O.case == F.case) & (O.cut == F.cut)))
             .where((F.voided == 0) & O.kind.in_(names) & key.is_null(False)).group_by(key))
    return {row[0]: Counter({n: int(v) for n, v in zip(names, row[1:]) if v}) for row in query.tuples()}


def _gathered(column):
    """The texts of a column over a group, comma-separated (GROUP_CONCAT; string_agg on PostgreSQL)."""
    return fn.string_agg(column, ",") if is_postgres() else fn.GROUP_CONCAT(column)


def _summary(values):
    """(n, sum µs, nearest-rank 90th-percentile µs) of a step's durations, as stats.Tally.step takes them."""
    values.sort()
    return len(values), sum(values), stats.percentile(values, 0.9)


def _department_durations(base, F):
    """{department: {step: (n, sum µs, p90 µs)}} of the measured steps of valid cases, by the
    department of each step (a case's steps may belong to different departments after a transfer,
    so these come from the steps kept one per row, gathered per department and step)."""
    S = StatsStep
    query = (base(S.department, S.step, _gathered(S.us.cast("text")))
             .join(S, on=((S.case == F.case) & (S.cut == F.cut)))
             .where((F.voided == 0) & S.department.is_null(False)).group_by(S.department, S.step))
    out = defaultdict(dict)
    for department, step, text in db.execute_sql(*query.sql()):
        out[department][step] = _summary([int(us) for us in text.split(",")])
    return out


def _overview(cached, gathered):
    """The charts' Overview: cases per day and source, per category, the funnel and overdue by grid,
    counted from the tokens gathered with the sums (one group's texts per key)."""
    overview = Overview()
    keyed = next(iter(gathered.values()), {})
    days, overdue = Counter(), Counter()
    for texts in keyed.values():
        days.update(_split(texts["days"]))
        overdue.update(_split(texts["overdue"]))
    for token, n in days.items():
        d, source, category = token.split("|")
        overview.per_day[date.fromisoformat(d)][source] += n
        overview.per_category[int(category)] += n
    for token, n in overdue.items():
        grid, state = token.split("|")
        overview.overdue[int(grid)][state] += n
    total = Counter()
    for counts in next(iter(cached.values()), {}).values():
        total.update(counts)
    if total["recorded"]:
        overview.funnel.update(recorded=total["recorded"], valid=total["recorded"] - total["voided"],
                               disposed=total["disposed"], verified=total["_verified"], closed=total["closed"])
    return overview
