"""The year's 1000-point assessment of a street's or district's grids, with each automatic item's
formula and the cases, patrols or notices behind its figure."""
import os

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can, require
from app.db import now
from app.i18n import translate_error
from app.uploads import UploadError, discard, process_evidence
from workflows import assess
from workflows.errors import INVALID, WorkflowError
from workflows.models import (
    ITEM_KINDS,
    AssessEvidence,
    AssessItem,
    AssessScheme,
    Case,
    Notice,
    OrgUnit,
    Patrol,
    RegistryRoundup,
    Visit,
)
from workflows.policy import ranking_scopes
from workflows.service import current_clock
from workflows.stats import COUNTERS

bp = Blueprint("assess", __name__)
# A refused change (WorkflowError) is answered by the app's error page (400, in the user's language), not the
# year's page: computing its results keeps statistics facts, and a refused request changes nothing.


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
    year = params.args.number("year", default=default_year(now()), low=2000, high=2100)
    return _page(scopes, scope, year, drilled=True)


def default_year(today):
    """The year the page opens on: last year's in the first quarter (its year-end review), else this year's."""
    return today.year - 1 if today.month <= 3 else today.year


def _page(scopes, scope, year, drilled=False):
    """The year's page of a scope."""
    at = now()
    scheme = AssessScheme.get_or_none((AssessScheme.scope == scope.id) & (AssessScheme.year == year))
    data = publication = drill = None
    items, review_grids = [], []
    if scheme is not None:
        items = assess.items(scheme)
        data, publication = assess.result(scheme, at, current_clock())
        drill = drill_down(scheme) if drilled else None
        review_grids = [grid for grid in assess.grids_of(scheme) if can("assess.review", grid)]
    entries = _entries_of(scheme, review_grids)
    return render_template("assess/index.html", scopes=scopes, scope=scope, year=year, scheme=scheme, items=items,
                           review_grids=review_grids, entries=entries,
                           evidence=assess.evidence_of([e for row in entries for e in row[3:]]),
                           data=data, publication=publication, drill=drill, metrics=assess.METRICS,
                           counters=COUNTERS, kinds=ITEM_KINDS, quarters=assess.QUARTERS)


def _entries_of(scheme, grids):
    """[(grid, item, quarter, self entry, review entry)]: the latest entries of the grids the user reviews."""
    if scheme is None or not grids:
        return []
    own, reviewed = assess.latest_entries(scheme, "self"), assess.latest_entries(scheme, "review")
    rows = []
    for grid in grids:
        for item in assess.items(scheme):
            for q in assess.QUARTERS:
                key = (item.id, grid.id, q)
                if key in own or key in reviewed:
                    rows.append((grid, item, q, own.get(key), reviewed.get(key)))
    return rows


def _form_scope(action):
    """The street or district named by the form's `scope`, if the user may take `action` on it (404 otherwise)."""
    scope_id = params.form.id("scope", default=0)
    return require(action, OrgUnit.get_or_none((OrgUnit.id == scope_id) & OrgUnit.kind.in_(("street", "district"))))


def _back(scope, year, message):
    flash(message)
    return redirect(url_for("assess.index", scope=scope.id, year=year), code=303)


@bp.post("/assess/items")
@allows("assess.scheme")
def add_item():
    """Add an item to a year's scheme (automatic with a measure, manual, a deduction or a veto)."""
    scope = _form_scope("assess.scheme")
    year = params.form.number("year", default=now().year, low=2000, high=2100)
    kind = params.form.choice("kind", ITEM_KINDS)
    metric = params.form.choice("metric", tuple(assess.METRICS)) if kind == "auto" else None
    assess.add_scheme_item(scope, year, current_user, now(), kind=kind, title=params.form.text("title", max_length=100),
                           max_points=params.form.number("max_points", default=0, low=0, high=assess.TOTAL),
                           metric=metric)
    return _back(scope, year, _("Item added."))


@bp.post("/assess/items/<id:item_id>/retire")
@allows("assess.scheme")
def retire_item(item_id):
    """Take an item out of a scheme that is not published yet (it is kept, marked retired)."""
    item = AssessItem.get_or_none(AssessItem.id == item_id)
    scheme = item.scheme if item is not None else None
    require("assess.scheme", scheme.scope if scheme is not None else None)
    assess.retire_item(item, current_user, now())
    return _back(scheme.scope, scheme.year, _("Item retired."))


def _entry_item(grid):
    """The form's non-automatic item of a scheme that assesses `grid` (404 otherwise)."""
    item = AssessItem.get_or_none((AssessItem.id == params.form.id("item", default=0)) & (AssessItem.kind != "auto")
                                  & AssessItem.retired_at.is_null())
    if item is None or not assess.unit_scope(grid, item.scheme):
        abort(404)
    return item


def _enter(item, grid, stage):
    """Record the form's entry with its evidence files: a refused file or entry keeps neither."""
    values = dict(quarter=params.form.number("quarter", low=1, high=4),
                  points=params.form.number("points", default=0, low=0, high=assess.TOTAL),
                  vetoed=params.form.raw("vetoed") is not None, note=params.form.text("note", max_length=2000),
                  reason=params.form.text("reason", max_length=1000))
    try:
        stored = process_evidence(request.files.getlist("evidence"))
    except UploadError as exc:
        raise WorkflowError(INVALID, exc.message, field="evidence", **exc.params) from None
    try:
        assess.enter(item, grid, values.pop("quarter"), stage, current_user, now(), evidence=stored, **values)
    except Exception:
        discard(stored)
        raise


@bp.get("/assess/evidence/<id:evidence_id>")
@bp.get("/assess/evidence/<id:evidence_id>/<any(thumb):variant>")
@allows("assess.entries")
def evidence(evidence_id, variant=None):
    """An entry's evidence file (a photo, its thumbnail, or a PDF to download under its uploaded name), to
    whoever may see the grid's entries."""
    item = AssessEvidence.get_or_none(AssessEvidence.id == evidence_id)
    require("assess.entries", item.entry.unit if item is not None else None)
    name = item.thumb_path if variant == "thumb" else item.path
    if not name:
        abort(404)
    pdf = item.content_type == "application/pdf"
    response = send_from_directory(os.path.abspath(current_app.config["UPLOAD_FOLDER"]), name,
                                   mimetype="image/jpeg" if variant == "thumb" else item.content_type,
                                   as_attachment=pdf, download_name=(item.original_name or name) if pdf else None)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/assess/entries")
@allows("assess.review")
def review():
    """The assessor scores a grid's manual item, deduction or veto for a quarter, with a note."""
    grid = require("assess.review", OrgUnit.get_or_none((OrgUnit.id == params.form.id("grid", default=0))
                                                        & (OrgUnit.kind == "grid")))
    item = _entry_item(grid)
    _enter(item, grid, "review")
    return _back(item.scheme.scope, item.scheme.year, _("Score saved."))


@bp.post("/assess/publish")
@allows("assess.publish")
def publish():
    """Publish (freeze) a year that has ended; publishing again is a correction with a reason."""
    scope = _form_scope("assess.publish")
    year = params.form.number("year", default=now().year - 1, low=2000, high=2100)
    scheme = AssessScheme.get_or_none((AssessScheme.scope == scope.id) & (AssessScheme.year == year))
    if scheme is None:
        abort(404)
    assess.publish(scheme, current_user, now(), current_clock(), reason=params.form.text("reason", max_length=1000))
    return _back(scope, year, _("The year's result is published."))


def _own_grid():
    """The lead's own grid (404 for anyone who evaluates no grid)."""
    grid = current_user.org if current_user.org_id is not None else None
    return require("assess.self", grid)


def _self_page(year, error=None, status=200):
    grid = _own_grid()
    schemes = assess.schemes_over(grid, year)
    rows = []
    for scheme in schemes:
        own, reviewed = assess.latest_entries(scheme, "self"), assess.latest_entries(scheme, "review")
        for item in assess.items(scheme):
            if item.kind != "auto":
                rows.append((scheme, item, [(q, own.get((item.id, grid.id, q)), reviewed.get((item.id, grid.id, q)))
                                            for q in assess.QUARTERS]))
    shown = [entry for _scheme, _item, quarters in rows for _q, *pair in quarters for entry in pair]
    return render_template("assess/self.html", grid=grid, year=year, rows=rows, schemes=schemes,
                           quarters=assess.QUARTERS, error=error, evidence=assess.evidence_of(shown)), status


@bp.get("/assess/self")
@allows("assess.self")
def self_page():
    """A grid's lead enters the quarter's self-evaluation of each manual item, deduction and veto."""
    return _self_page(params.args.number("year", default=now().year, low=2000, high=2100))[0]


@bp.post("/assess/self/<id:item_id>")
@allows("assess.self")
def self_entry(item_id):
    """Save one self-evaluation score (the assessor's review is what counts)."""
    grid = _own_grid()
    item = AssessItem.get_or_none((AssessItem.id == item_id) & (AssessItem.kind != "auto")
                                  & AssessItem.retired_at.is_null())
    if item is None or not assess.unit_scope(grid, item.scheme):
        abort(404)
    try:
        _enter(item, grid, "self")
    except WorkflowError as exc:
        return _self_page(item.scheme.year, translate_error(exc), 400)
    flash(_("Score saved."))
    return redirect(url_for("assess.self_page", year=item.scheme.year), code=303)


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
    elif kind == "visits":
        rows = list(Visit.select().where(Visit.id.in_(found)).order_by(Visit.at)) if found else []
    elif kind == "weeks":
        ids = [rid for _week, rid in found if rid is not None]
        acks = {r.id: r for r in RegistryRoundup.select().where(RegistryRoundup.id.in_(ids))} if ids else {}
        rows = [(week, acks.get(rid)) for week, rid in found]
    else:
        rows = list(Notice.select().where(Notice.id.in_(found)).order_by(Notice.id)) if found else []
    return item, grid, kind, rows
