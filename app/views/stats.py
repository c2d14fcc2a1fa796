"""Statistics: indicators with their formulas and the cases behind every number, charts,
monthly rankings and the score weights."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can
from app.db import now
from app.exports import xlsx_response
from app.htmx import render
from app.i18n import translate_error
from workflows import stats_grouped
from workflows.errors import WorkflowError
from workflows.machine import OPEN_STATES, STATES
from workflows.models import SOURCES, Case, CaseEvent, Category, Department, OrgUnit, User
from workflows.policy import ranking_scopes, visible_cases
from workflows.rankings import (
    RANKED,
    RANKED_LABELS,
    WEIGHTED,
    current_weights,
    publications,
    publish,
    ranking,
    save_weights,
    score,
)
from workflows.service import current_clock
from workflows.stats import (
    COUNTERS,
    DIMENSIONS,
    FUNNEL,
    LEVEL_SHARES,
    ORG_RATES,
    PERSON_COUNTERS,
    PERSON_RATES,
    RATES,
    STEP_LABELS,
    facts_for,
    month,
    months_back,
    tally,
)
from workflows.values import whole_number
from workflows.vocabulary import SOURCE_LABELS

bp = Blueprint("stats", __name__)
ORG_COUNTERS = (
    "recorded", "voided", "due_disposal", "disposed", "disposed_on_time", "overdue_undisposed", "due_close",
    "closed", "closed_on_time", "overdue_open", "reworked", "extended", "dispatches", "declines",
    "transfers", "callback_due", "callbacks", "satisfied", "closed_grid", "closed_community", "closed_street",
    "closed_district",
)
TREND_MONTHS = 6


def period_from_request():
    """The period the form asks for (this month when it asks for none)."""
    return params.args.period(now().date())


def period_args(period):
    """The query-string values that name a period."""
    if period.kind == "custom":
        return {"kind": "custom", "first": period.start.isoformat(),
                "last": (period.end - timedelta(days=1)).isoformat()}
    return {"kind": period.kind, period.kind: period.key}


def default_dimension():
    """Departments for a department's staff, people for a grid's own lead, grids for everyone else."""
    if current_user.department_id:
        return "department"
    return "person" if current_user.org_id and current_user.org.kind == "grid" else "grid"


def names(dimension, keys):
    """{key: display name} for the groups of a dimension."""
    keys = [k for k in keys if k is not None]
    if not keys:
        return {}
    if dimension in ("grid", "community", "street"):
        return {u.id: u.name for u in OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(keys))}
    if dimension == "department":
        return {d.id: d.name for d in Department.select(Department.id, Department.name).where(Department.id.in_(keys))}
    if dimension == "category":
        return {c.id: str(c) for c in Category.select().where(Category.id.in_(keys))}
    if dimension == "person":
        return {u.id: u.name for u in User.select(User.id, User.name).where(User.id.in_(keys))}
    return {}


def dimension_rows(dimension, groups):
    """[(key, name, tally)] in the order the units were set up (ids)."""
    labels = names(dimension, groups)
    return [(key, labels.get(key, str(key)), groups[key]) for key in sorted(groups)]


@bp.get("/stats")
@allows("stats.view")
def index():
    """Indicators of the user's cases for a period, by one dimension, with charts."""
    period = period_from_request()
    dimension = request.args.get("dimension") or default_dimension()
    if dimension not in DIMENSIONS:
        dimension = "grid"
    clock = current_clock()
    at = now()
    overview, tallies = stats_grouped.overview_and_tallies(visible_cases(current_user), period, at, clock,
                                                           (dimension, "total"))
    total = tallies["total"].get("total")
    rows = dimension_rows(dimension, tallies[dimension])
    weights = current_weights()
    context = dict(
        period=period, period_args=period_args(period), dimension=dimension, dimensions=DIMENSIONS,
        rows=rows, total=total, counters=COUNTERS, rates=RATES, steps=STEP_LABELS, weights=weights,
        columns=PERSON_RATES if dimension == "person" else ORG_RATES,
        count_columns=PERSON_COUNTERS if dimension == "person" else ORG_COUNTERS,
        total_score=score(total, weights) if total else None, score=score, moment=period.moment(at),
        charts=chart_data(period, overview, at), org_rates=ORG_RATES, person_rates=PERSON_RATES,
    )
    return render("stats/index.html", {"stats-body": "stats/_body.html"}, **context)


def chart_data(period, overview, at):
    """What each chart draws (and its table shows), as plain data for data-* attributes."""
    days = []
    day = period.start
    last = min(period.end - timedelta(days=1), at.date())
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    per_day = {
        "kind": "stacked", "categories": [d.isoformat() for d in days],
        "series": [{"name": _(SOURCE_LABELS[s]), "data": [overview.per_day.get(d, {}).get(s, 0) for d in days]}
                   for s in SOURCES],
    }
    category_names = names("category", overview.per_category)
    ranked = overview.per_category.most_common()
    per_category = {"kind": "bar", "categories": [category_names.get(k, str(k)) for k, _n in ranked],
                    "data": [n for _k, n in ranked]}
    funnel = {"kind": "funnel", "data": [{"name": _(label), "value": overview.funnel[key]} for key, label in FUNNEL]}
    grid_names = names("grid", overview.overdue)
    grids = sorted(overview.overdue, key=lambda g: grid_names.get(g, ""))
    states = list(OPEN_STATES)
    cells = [[x, y, overview.overdue[g].get(s, 0)] for y, g in enumerate(grids) for x, s in enumerate(states)]
    peak = max([c[2] for c in cells] or [0])
    heat = {"kind": "heatmap", "x": [_(STATES[s]) for s in states], "y": [grid_names.get(g, str(g)) for g in grids], "data": cells,
            "max": peak}
    return {"per_day": per_day, "per_category": per_category, "funnel": funnel, "heat": heat, "grids": grids,
            "grid_names": grid_names, "states": states, "overdue": overview.overdue, "peak": peak}


def heat_level(value, peak):
    """0–5: how hot a cell of the overdue table is (CSS classes, no inline styles)."""
    if not value or not peak:
        return 0
    return max(1, round(5 * value / peak))


@bp.app_template_global()
def stats_heat_level(value, peak):
    """Exposed to the heat table."""
    return heat_level(value, peak)


@bp.app_template_filter("pct")
def pct(value):
    """A rate as a percentage with one decimal, or a dash when there is nothing to divide by."""
    return "—" if value is None else f"{100 * value:.1f}%"


@bp.get("/stats/cases")
@allows("stats.view")
def cases():
    """The cases behind one number: a counter of one group in one period (only cases the user may see)."""
    period = period_from_request()
    counter = request.args.get("counter")
    dimension = request.args.get("dimension")
    if counter not in COUNTERS or (dimension not in DIMENSIONS and dimension != "total"):
        abort(404)
    key = "total" if dimension == "total" else params.args.id("key")
    if key is None:
        abort(404)
    query = narrowed(visible_cases(current_user), dimension, key)
    groups = tally(facts_for(query, period, now(), current_clock()), (dimension,), keep_ids=True)[dimension]
    group = groups.get(key)
    if group is None and dimension != "total":
        # No case of this group is one the user may see: its name is not theirs to read either.
        abort(404)
    counted = group.ids[counter] if group else {}
    listed = []
    if counted:
        listed = list(visible_cases(current_user, Case.select(Case, OrgUnit).join(OrgUnit, on=Case.grid == OrgUnit.id))
                      .where(Case.id.in_(list(counted))).order_by(Case.id))
    label = "" if dimension == "total" else names(dimension, [key]).get(key, "")
    return render("stats/cases.html", None, period=period, period_args=period_args(period), counter=COUNTERS[counter],
                  dimension=dimension, group_label=label, cases=listed, counted=counted, total=sum(counted.values()))


def narrowed(query, dimension, key):
    """Only the cases that can count for this group (the tally decides which do)."""
    if dimension in ("grid", "community", "street", "category"):
        return query.where(getattr(Case, dimension) == key)
    if dimension == "department":
        return query.where(Case.id.in_(CaseEvent.select(CaseEvent.case).where(CaseEvent.department == key)))
    if dimension == "person":
        return query.where(Case.id.in_(CaseEvent.select(CaseEvent.case).where(CaseEvent.actor == key)))
    return query


@bp.get("/stats/export.xlsx")
@allows("stats.view")
def export():
    """The indicator table on the screen, as a workbook."""
    period = period_from_request()
    dimension = request.args.get("dimension") or default_dimension()
    if dimension not in DIMENSIONS:
        abort(404)
    tallies = stats_grouped.tally(visible_cases(current_user), period, now(), current_clock(), (dimension, "total"),
                                  steps=False)
    rows = dimension_rows(dimension, tallies[dimension])
    if "total" in tallies["total"]:
        rows.append(("total", _("Total"), tallies["total"]["total"]))
    weights = current_weights()
    columns = PERSON_RATES if dimension == "person" else ORG_RATES
    count_columns = PERSON_COUNTERS if dimension == "person" else ORG_COUNTERS
    headers = [_(DIMENSIONS[dimension])]
    headers += [_(COUNTERS[c].label) for c in count_columns]
    headers += [_("%(rate)s (%%)", rate=_(RATES[r].label)) for r in columns]
    if dimension != "person":
        headers.append(_("Composite score"))

    def lines():
        for _key, name, group in rows:
            values = group.counts
            line = [name] + [values[c] for c in count_columns]
            for r in columns:
                rate = group.value(r)[2]
                line.append(None if rate is None else round(100 * rate, 1))
            if dimension != "person":
                line.append(score(group, weights))
            yield line

    definitions = [[_(c.label), _(c.definition)] for c in COUNTERS.values()]
    definitions += [[_(r.label), f"{_(COUNTERS[r.numerator].label)} / {_(COUNTERS[r.denominator].label)}"]
                    for r in RATES.values()]
    filename = f"stats-{period.key.replace('~', '_')}-{dimension}.xlsx"
    return xlsx_response(filename, [(_("Indicators"), headers, lines()),
                                    (_("Definitions"), [_("Name"), _("Definition")], definitions)])


def trend_points():
    """The composite score of the user's cases for each of the last months up to the period's."""
    period = period_from_request()
    weights = current_weights()
    clock, at = current_clock(), now()
    points = []
    for each in months_back(period, TREND_MONTHS):
        if each.start_at > at:
            continue
        groups = stats_grouped.tally(visible_cases(current_user), each, at, clock, ("total",), steps=False)["total"]
        group = groups.get("total")
        points.append((each, score(group, weights) if group else None, group))
    return period, points


@bp.get("/stats/trend")
@allows("stats.view")
def trend():
    """The composite-score trend as a table (the chart's data, one click from the chart)."""
    period, points = trend_points()
    return render("stats/trend.html", None, period=period, period_args=period_args(period), points=points,
                  rates=RATES, weights=current_weights())


@bp.get("/stats/trend.json")
@allows("stats.view")
def trend_json():
    """The composite-score trend for the chart."""
    _period, points = trend_points()
    return jsonify({"kind": "line", "categories": [p.key for p, _s, _g in points],
                    "data": [s for _p, s, _g in points], "name": _("Composite score")})


# ---- rankings ----


def last_month(at):
    """The most recent month that has ended."""
    first = at.date().replace(day=1) - timedelta(days=1)
    return month(first.year, first.month)


def ranking_request():
    """(scope, month, scopes) from the query string or form; 404 for a scope outside the user's."""
    scopes = ranking_scopes(current_user)
    if not scopes:
        abort(403)
    scope_id = params.values.id("scope")
    scope = next((s for s in scopes if s.id == scope_id), None) if scope_id else scopes[0]
    if scope is None:
        abort(404)
    first = params.values.month("month")
    period = month(first.year, first.month) if first else last_month(now())
    return scope, period, scopes


@bp.get("/stats/rankings")
@allows("ranking.view")
def rankings():
    """A month's ranking of grids, communities and departments: as published, or a preview."""
    scope, period, scopes = ranking_request()
    return render_rankings(scope, period, scopes)


def satisfaction_threshold():
    """The configured satisfaction threshold in percent (SATISFACTION_THRESHOLD, default 85)."""
    return int(current_app.config.get("SATISFACTION_THRESHOLD", 85))


def render_rankings(scope, period, scopes, error=None, reason="", status=200):
    """The rankings page (with a failed publication's message and reason kept)."""
    at = now()
    data, publication = ranking(scope, period, at, current_clock(), threshold=satisfaction_threshold())
    body = render(
        "stats/rankings.html", None, scope=scope, scopes=scopes, period=period, data=data, publication=publication,
        openable=openable_groups(period, at),
        history=publications(scope, period), kinds=RANKED, level_shares=LEVEL_SHARES, kind_labels=RANKED_LABELS, weighted=WEIGHTED, rates=RATES,
        can_publish=can("ranking.publish", scope) and period.end_at <= at, error=error, reason=reason,
        period_args=period_args(period),
    )
    return body, status


def openable_groups(period, at):
    """{kind: keys} of the ranking rows whose cases the user may open (the rest show plain numbers)."""
    groups = stats_grouped.tally(visible_cases(current_user), period, at, current_clock(), RANKED, steps=False)
    return {kind: set(groups[kind]) for kind in RANKED}


@bp.post("/stats/rankings/publish")
@allows("ranking.view")
def publish_ranking():
    """Freeze the month's ranking (again only with a reason)."""
    scope, period, scopes = ranking_request()
    reason = request.form.get("reason", "")
    try:
        publish(scope, period, current_user, now(), current_clock(), reason=reason,
                threshold=satisfaction_threshold())
    except WorkflowError as exc:
        status = 403 if exc.code == "forbidden" else 400
        return render_rankings(scope, period, scopes, error=translate_error(exc), reason=reason, status=status)
    flash(_("The ranking for %(month)s is published.", month=period.key))
    return redirect(url_for("stats.rankings", scope=scope.id, month=period.key), code=303)


@bp.route("/stats/weights", methods=["GET", "POST"])
@allows("ranking.view")
def weights():
    """The composite score's weights: administrators change them; they must add up to 100."""
    values, error, status = current_weights(), None, 200
    if request.method == "POST":
        if not can("weights.edit"):
            abort(403)
        values = {key: request.form.get(key, "") for key in WEIGHTED}
        try:
            save_weights(values, current_user, now(), note=request.form.get("note", ""))
        except WorkflowError as exc:
            error, status = translate_error(exc), 400
        else:
            flash(_("The new weights apply from now on; published rankings keep theirs."))
            return redirect(url_for("stats.weights"), code=303)
    total = sum(whole_number(v, 0, 100) or 0 for v in values.values())
    return render("stats/weights.html", None, values=values, weighted=WEIGHTED, rates=RATES, error=error,
                  total=total, editable=can("weights.edit")), status
