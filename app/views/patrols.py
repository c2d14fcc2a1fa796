"""Patrols on the tablet (start, tick buildings, end), coverage and missed patrols for those who check."""
from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can, require
from app.db import now
from app.htmx import render
from app.i18n import translate_error
from workflows.errors import WorkflowError
from workflows.models import PATROL_PERIODS, Building, Case, OrgUnit, Patrol, PatrolBuilding, PatrolRule
from workflows.patrols import (
    GRID_TYPES,
    PATROL_ROLES,
    PERIOD_LABELS,
    check_building,
    coverage,
    end_patrol,
    missed_patrols,
    open_patrol,
    patrol_facts,
    period_of,
    save_rule,
    start_patrol,
)
from workflows.policy import visible_grids

bp = Blueprint("patrols", __name__)
RECENT = 10


def new_case_url(grid):
    """The intake form for this grid."""
    return url_for("intake.new", grid=grid.code)


@bp.app_template_filter("day")
def day_filter(value, fmt="yyyy-MM-dd EEE"):
    """A date in the user's language (with the weekday by default)."""
    return format_date(value, fmt) if value else ""


@bp.app_template_global("period_label")
def period_label(kind):
    """'Daily', 'Weekly' or 'Monthly', translated."""
    return _(PERIOD_LABELS[kind]) if kind in PERIOD_LABELS else kind


@bp.get("/patrols")
@allows("patrol.walk")
def mine():
    """The member's patrol page: start one, or carry on with the one in progress."""
    grid = current_user.org
    patrol = open_patrol(current_user)
    recent = list(Patrol.select().where((Patrol.user == current_user.id) & Patrol.ended_at.is_null(False))
                  .order_by(Patrol.started_at.desc()).limit(RECENT))
    rows = [r for r in coverage([grid], now()) if r.user.id == current_user.id]
    return render("patrols/mine.html", {"patrol-buildings": "patrols/_buildings.html"},
                  **_patrol_context(patrol), grid=grid, recent=recent, facts=patrol_facts([p.id for p in recent]),
                  row=rows[0] if rows else None, new_case_url=new_case_url(grid))


def _patrol_context(patrol):
    """The patrol in progress, its grid's buildings, which are ticked, and its cases."""
    if patrol is None:
        return {"patrol": None, "buildings": [], "checked": set(), "cases": []}
    buildings = list(Building.select().where(Building.grid == patrol.grid_id).order_by(Building.sort_order,
                                                                                         Building.id))
    checked = {row.building_id for row in PatrolBuilding.select().where(PatrolBuilding.patrol == patrol.id)}
    cases = list(Case.select().where(Case.patrol == patrol.id).order_by(Case.id))
    return {"patrol": patrol, "buildings": buildings, "checked": checked, "cases": cases}


@bp.post("/patrols/start")
@allows("patrol.walk")
def start():
    """Start a patrol (with the tablet's position if it gave one)."""
    try:
        start_patrol(current_user, now(), lat=request.form.get("lat"), lng=request.form.get("lng"),
                     accuracy=request.form.get("accuracy"))
    except WorkflowError as exc:
        flash(translate_error(exc))
        return redirect(url_for("patrols.mine"), code=303)
    flash(_("Patrol started."))
    return redirect(url_for("patrols.mine"), code=303)


def load_own_patrol(patrol_id):
    """The signed-in user's patrol (404 for anyone else's: no probing)."""
    return require("patrol.walk", Patrol.get_or_none(Patrol.id == patrol_id))


@bp.post("/patrols/<id:patrol_id>/buildings/<id:building_id>")
@allows("patrol.walk")
def tick(patrol_id, building_id):
    """Tick or untick a building; htmx gets the checklist back, a plain form a redirect."""
    patrol = load_own_patrol(patrol_id)
    error = None
    try:
        check_building(patrol, current_user, building_id, request.form.get("checked") == "1", now())
    except WorkflowError as exc:
        error = translate_error(exc)
    if request.htmx.target == "patrol-buildings":
        status = 400 if error else 200
        return render_template("patrols/_buildings.html", **_patrol_context(patrol), error=error), status
    if error:
        flash(error)
    return redirect(url_for("patrols.mine"), code=303)


@bp.post("/patrols/<id:patrol_id>/end")
@allows("patrol.walk")
def end(patrol_id):
    """End the patrol in progress."""
    patrol = load_own_patrol(patrol_id)
    try:
        end_patrol(patrol, current_user, now(), lat=request.form.get("lat"), lng=request.form.get("lng"),
                   accuracy=request.form.get("accuracy"), note=request.form.get("note", ""))
    except WorkflowError as exc:
        flash(translate_error(exc))
        return redirect(url_for("patrols.mine"), code=303)
    flash(_("Patrol ended."))
    return redirect(url_for("patrols.mine"), code=303)


@bp.get("/patrols/<id:patrol_id>")
@allows("patrol.view")
def show(patrol_id):
    """One patrol: when, where, buildings ticked and cases recorded (for its walker and those who oversee the grid)."""
    patrol = require("patrol.view", Patrol.get_or_none(Patrol.id == patrol_id))
    context = _patrol_context(patrol)
    context["buildings"] = [b for b in context["buildings"] if b.id in context["checked"]]
    return render_template("patrols/show.html", **context)


@bp.get("/patrols/coverage")
@allows("patrol.coverage")
def coverage_view():
    """Who has patrolled today, this week and this month, per grid, with the boards' lights."""
    at = now()
    grids = list(visible_grids(current_user))
    rows = coverage(grids, at)
    today = Counter(r.cells["day"].light for r in rows if r.cells["day"].required and r.cells["day"].light)
    show = request.args.get("show")
    if show in PATROL_PERIODS:
        rows = [r for r in rows if _behind(r.cells[show])]
    by_grid = {grid.id: [] for grid in grids}
    for row in rows:
        by_grid[row.grid.id].append(row)
    sections = [(grid, by_grid[grid.id]) for grid in grids if by_grid[grid.id] or show not in PATROL_PERIODS]
    return render("patrols/coverage.html", {"coverage": "patrols/_coverage.html"}, sections=sections, at=at,
                  show=show, windows=PATROL_PERIODS, today=at.date(), week=period_of("week", at.date()),
                  lights_today=today)


def _behind(cell):
    """A cell whose person still owes (or has missed) a patrol in the window."""
    if not cell.required:
        return False
    current = cell.current
    return bool(cell.missed) or (current is not None and current.status in ("open", "due_soon", "missed"))


@bp.get("/patrols/missed")
@allows("patrol.coverage")
def missed():
    """The missed-patrol list of a month, for the grids in the user's scope."""
    at = now()
    month = params.args.month("month", at.date().replace(day=1))
    rows = missed_patrols(list(visible_grids(current_user)), month, at)
    previous, following = params.shift_month(month, -1), params.shift_month(month, 1)
    return render_template("patrols/missed.html", rows=rows, month=month, at=at, previous=previous,
                           following=following if following and following <= at.date() else None)


@bp.route("/patrols/rules", methods=["GET", "POST"])
@allows("patrol.coverage")
def rules():
    """The patrol rules per role and grid type (administrators change them)."""
    error, status = None, 200
    if request.method == "POST":
        if not can("patrol.rules"):
            abort(403)
        form = request.form
        try:
            save_rule(current_user, now(), role=form.get("role"), grid_type=form.get("grid_type", ""),
                      period=form.get("period"), times=form.get("times"), rule_id=form.get("rule_id") or None)
        except WorkflowError as exc:
            error, status = translate_error(exc), 400
        else:
            flash(_("Patrol rule saved."))
            return redirect(url_for("patrols.rules"), code=303)
    table = list(PatrolRule.select().order_by(PatrolRule.role, PatrolRule.grid_type))
    grid_types = sorted(set(GRID_TYPES) | {g.grid_type for g in OrgUnit.select(OrgUnit.grid_type)
                                           .where(OrgUnit.kind == "grid").distinct()})
    return render_template("patrols/rules.html", table=table, grid_types=grid_types, grid_type_labels=GRID_TYPES,
                           periods=PATROL_PERIODS, roles=PATROL_ROLES, error=error,
                           editable=can("patrol.rules")), status
