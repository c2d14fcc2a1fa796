"""The composite score, its weights, and the monthly rankings streets publish (月评比通报)."""
from workflows import stats_grouped
from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import Case, Department, OrgUnit, RankingPublication, ScoreWeights, User
from workflows.policy import can, scope_column
from workflows.stats import LEVEL_SHARES, RATES
from workflows.values import whole_number

# The indicators a score may weigh; a "lower is better" rate scores 1 − rate.
WEIGHTED = (
    "ontime_disposal_rate", "ontime_close_rate", "disposal_rate", "close_rate", "overdue_rate",
    "rework_rate", "decline_rate", "extension_rate", "satisfaction_rate", "callback_rate",
)
DEFAULT_WEIGHTS = {
    "ontime_disposal_rate": 20, "ontime_close_rate": 20, "disposal_rate": 0, "close_rate": 15,
    "overdue_rate": 10, "rework_rate": 10, "decline_rate": 5, "extension_rate": 5,
    "satisfaction_rate": 15, "callback_rate": 0,
}
RANKED = ("grid", "community", "department")
DEFAULT_THRESHOLD = 85  # percent; the app passes its SATISFACTION_THRESHOLD
# The kinds whose members below the satisfaction threshold the 通报 names.
FLAGGED = ("grid", "department")
RANKED_LABELS = {"grid": N_("Grids"), "community": N_("Communities"), "department": N_("Departments")}


# ---- weights ----


def validate_weights(values):
    """Whole numbers 0–100 for the weighted indicators, adding up to exactly 100; returns them as ints."""
    weights = {}
    for key in WEIGHTED:
        raw = values.get(key, 0)
        number = whole_number(str(raw).strip() or 0, 0, 100)
        if number is None:
            raise WorkflowError(INVALID, N_("Each weight is a whole number from 0 to 100."), field=key)
        weights[key] = number
    total = sum(weights.values())
    if total != 100:
        raise WorkflowError(INVALID, N_("The weights add up to %(total)s; they must add up to 100."), total=total)
    return weights


def save_weights(values, actor, now, note=""):
    """Store a new set of weights (administrators only); refused unless they add up to 100."""
    if not can(actor, "weights.edit"):
        raise WorkflowError(FORBIDDEN, N_("Only an administrator may change the weights."))
    weights = validate_weights(values)
    return ScoreWeights.create(weights=weights, note=(note or "").strip()[:500], created_by=actor, created_at=now)


def current_weights():
    """The newest saved weights, or the defaults."""
    latest = ScoreWeights.select().order_by(ScoreWeights.created_at.desc(), ScoreWeights.id.desc()).first()
    return dict(latest.weights) if latest else dict(DEFAULT_WEIGHTS)


def score(group, weights):
    """The composite score out of 100: Σ weight × goodness / Σ weight, over indicators with a denominator.

    Goodness is the rate, or 1 − rate when lower is better. An indicator with no cases behind it
    (denominator 0) leaves the score and its weight out, so nobody gains or loses for work they had none of.
    None when no weighted indicator has cases.
    """
    total = weighted = 0.0
    for key, weight in weights.items():
        if not weight:
            continue
        _, _, rate = group.value(key)
        if rate is None:
            continue
        goodness = 1 - rate if RATES[key].lower_is_better else rate
        total += weight * goodness
        weighted += weight
    return round(100 * total / weighted, 2) if weighted else None


# ---- rankings ----


def scope_cases(scope):
    """All cases of a street or district (a ranking covers the whole scope, whoever looks)."""
    return Case.select().where(scope_column(scope.kind) == scope.id)


def entities(scope, kind):
    """The units ranked in a scope: its grids or communities, or the departments serving it."""
    if kind == "department":
        orgs = [scope.id] + ([scope.parent_id] if scope.parent_id else [])
        query = Department.select(Department.id, Department.name).where(Department.org.in_(orgs))
        return [(d.id, d.name) for d in query.order_by(Department.name)]
    communities = OrgUnit.select(OrgUnit.id).where((OrgUnit.kind == "community") & (
        (OrgUnit.parent == scope.id) | OrgUnit.parent.in_(OrgUnit.select(OrgUnit.id).where(OrgUnit.parent == scope.id))))
    if kind == "community":
        query = OrgUnit.select().where(OrgUnit.id.in_(communities))
    else:
        query = OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.parent.in_(communities))
    return [(u.id, u.name) for u in query.order_by(OrgUnit.sort_order, OrgUnit.code)]


def below_threshold(group, threshold):
    """True when the group has answered call-backs and its satisfaction rate is below `threshold` percent."""
    if group is None:
        return False
    num, den, _ = group.value("satisfaction_rate")
    return bool(den) and 100 * num < threshold * den


def compute_ranking(scope, period, now, clock, weights, threshold=DEFAULT_THRESHOLD):
    """The month's ranking of each kind as plain data (what a publication freezes), with the
    satisfaction flags and the scope's resolution level."""
    tallies = stats_grouped.tally(scope_cases(scope), period, now, clock, RANKED + ("total",), steps=False)
    data = {"threshold": threshold, "below_threshold": {}}
    for kind in RANKED:
        rows = []
        for key, name in entities(scope, kind):
            group = tallies[kind].get(key)
            values = {rate: list(group.value(rate)[:2]) for rate in WEIGHTED} if group else {}
            rows.append({"id": key, "name": name, "score": score(group, weights) if group else None,
                         "values": values, "satisfaction": list(group.value("satisfaction_rate")[:2]) if group else None,
                         "below_threshold": kind in FLAGGED and below_threshold(group, threshold),
                         "levels": {s: list(group.value(s)[:2]) for s in LEVEL_SHARES} if group else {}})
        rank_rows(rows)
        data[kind] = rows
        if kind in FLAGGED:
            data["below_threshold"][kind] = [row["name"] for row in rows if row["below_threshold"]]
    total = tallies["total"].get("total")
    data["levels"] = {s: list(total.value(s)[:2]) for s in LEVEL_SHARES} if total else {}
    best = next((row for row in data["community"] if row["rank"] == 1), None)
    data["best_community"] = {"id": best["id"], "name": best["name"], "score": best["score"]} if best else None
    return data


def rank_rows(rows):
    """Sort by score (highest first; no score last) and number them, ties sharing a rank (1, 2, 2, 4)."""
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
    previous = None
    for index, row in enumerate(rows, start=1):
        if row["score"] is None:
            row["rank"] = None
            continue
        row["rank"] = previous["rank"] if previous and previous["score"] == row["score"] else index
        previous = row


def latest_publication(scope, period):
    """The newest publication of the month in this scope, or None."""
    return (RankingPublication.select()
            .where((RankingPublication.scope == scope.id) & (RankingPublication.month == period.start))
            .order_by(RankingPublication.version.desc()).first())


def publications(scope, period):
    """Every publication of the month, newest first (the history of re-publications)."""
    return list(RankingPublication.select()
                .where((RankingPublication.scope == scope.id) & (RankingPublication.month == period.start))
                .order_by(RankingPublication.version.desc()))


def ranking(scope, period, now, clock, threshold=DEFAULT_THRESHOLD):
    """The month's ranking: the published one (frozen) if any, else computed now with the current weights.

    Returns (data, publication or None). Each row carries `change`: ranks gained since last month
    (positive = up), from last month's published ranking if there is one, else computed now.
    """
    publication = latest_publication(scope, period)
    if publication is not None:
        return publication.data, publication
    weights = current_weights()
    data = compute_ranking(scope, period, now, clock, weights, threshold)
    attach_changes(data, scope, period, now, clock, weights)
    data["weights"] = weights
    return data, None


def attach_changes(data, scope, period, now, clock, weights):
    """Set each row's rank change against the previous month."""
    previous_period = period.previous()
    before = latest_publication(scope, previous_period)
    previous = before.data if before else compute_ranking(scope, previous_period, now, clock, weights)
    data["previous_basis"] = "published" if before else "computed"
    for kind in RANKED:
        ranks = {row["id"]: row["rank"] for row in previous.get(kind, [])}
        for row in data[kind]:
            old = ranks.get(row["id"])
            row["change"] = old - row["rank"] if old is not None and row["rank"] is not None else None


def publish(scope, period, actor, now, clock, reason="", threshold=DEFAULT_THRESHOLD):
    """Freeze the month's ranking; a month already published needs a reason, kept with the new version."""
    if not can(actor, "ranking.publish", scope):
        raise WorkflowError(FORBIDDEN, N_("You may not publish rankings for this area."))
    if period.kind != "month":
        raise WorkflowError(INVALID, N_("Rankings are published per month."))
    if period.end_at > now:
        raise WorkflowError(INVALID, N_("Only a month that has ended can be published."))
    reason = (reason or "").strip()
    with write_transaction():
        previous = latest_publication(scope, period)
        if previous is not None and not reason:
            raise WorkflowError(INVALID, N_("This month is already published: give a reason to publish it again."),
                                field="reason")
        weights = current_weights()
        data = compute_ranking(scope, period, now, clock, weights, threshold)
        attach_changes(data, scope, period, now, clock, weights)
        data["weights"] = weights
        return RankingPublication.create(
            scope=scope.id, month=period.start, version=(previous.version + 1) if previous else 1,
            reason=reason[:1000], weights=weights, data=data, published_by=actor if isinstance(actor, User) else None,
            published_by_name=actor.name, published_at=now,
        )

