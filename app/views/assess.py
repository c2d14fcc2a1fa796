"""The year's 1000-point assessment of a street's or district's grids, with each automatic item's
formula and the cases, patrols or notices behind its figure."""
from flask import Blueprint, abort, render_template
from flask_login import current_user

from app import params
from app.access import allows
from app.db import now
from workflows import assess
from workflows.models import AssessItem, AssessScheme, Case, Notice, OrgUnit, Patrol
from workflows.policy import ranking_scopes
from workflows.service import current_clock
from workflows.stats import COUNTERS

bp = Blueprint("assess", __name__)


@bp.get("/assess")
@allows("assess.view")
def index():
    """The year's results (as published, or computed now) and, when asked, what one figure is made of."""
    scopes = ranking_scopes(current_user)
    if not scopes:
        abort(403)
    scope_id = params.args.id("scope")
    scope = next((s for s in scopes if s.id == scope_id), None) if scope_id else scopes[0]
    if scope is None:
        abort(404)
    at = now()
    year = params.args.number("year", default=at.year - 1, low=2000, high=2100)
    scheme = AssessScheme.get_or_none((AssessScheme.scope == scope.id) & (AssessScheme.year == year))
    data = publication = drill = None
    items = []
    if scheme is not None:
        items = assess.items(scheme)
        data, publication = assess.result(scheme, at, current_clock())
        drill = drill_down(scheme)
    return render_template("assess/index.html", scopes=scopes, scope=scope, year=year, scheme=scheme, items=items,
                           data=data, publication=publication, drill=drill, metrics=assess.METRICS,
                           counters=COUNTERS)


def drill_down(scheme):
    """(item, grid, kind, rows) for ?item=&grid= naming an automatic item and a grid of this scheme, else None."""
    item_id, grid_id = params.args.id("item"), params.args.id("grid")
    if item_id is None or grid_id is None:
        return None
    item = AssessItem.get_or_none((AssessItem.id == item_id) & (AssessItem.scheme == scheme.id)
                                  & (AssessItem.kind == "auto"))
    grid = OrgUnit.get_or_none((OrgUnit.id == grid_id) & (OrgUnit.kind == "grid"))
    if item is None or grid is None or not assess.unit_scope(grid, scheme):
        abort(404)
    kind, found = assess.behind(item, grid, now(), current_clock())
    if kind == "cases":
        ids = sorted({i for group in found.values() for i in group})
        cases = {c.id: c for c in Case.select().where(Case.id.in_(ids))} if ids else {}
        rows = {counter: [cases[i] for i in group if i in cases] for counter, group in found.items()}
    elif kind == "patrols":
        rows = list(Patrol.select().where(Patrol.id.in_(found)).order_by(Patrol.started_at)) if found else []
    else:
        rows = list(Notice.select().where(Notice.id.in_(found)).order_by(Notice.id)) if found else []
    return item, grid, kind, rows
