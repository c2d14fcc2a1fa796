"""Recording a case on a tablet: one form, photos from the camera, optionally handled on the spot."""
from datetime import timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from app import params
from app.access import allows, require
from app.db import now
from app.forms import IntakeForm
from app.i18n import translate_error
from app.uploads import UploadError, discard, process_photos
from workflows.db import write_transaction
from workflows.errors import DUPLICATE, WorkflowError
from workflows.models import Attachment, Building, Case, Category, OrgUnit, Patrol, Unit
from workflows.policy import can, visible_grids
from workflows.service import fire, open_case, recorded_intake, route_inspected

bp = Blueprint("intake", __name__)
COMMON = 6  # how many most-used categories the picker offers first
USAGE_DAYS = 90


@bp.route("/cases/new", methods=["GET", "POST"])
@allows("case.record")
def new():
    """The intake form for one grid (?grid=<code>); without a grid, the recorder's own or a choice.

    A POST that asks for JSON (the outbox of static/js/outbox.js, sending what was recorded without a
    signal) gets the same checks and answers with the case number, or the refusal in the user's language.
    """
    code = request.args.get("grid")
    as_json = request.method == "POST" and wants_json()
    if not code and not as_json:
        grids = grids_in_reach()
        if len(grids) == 1:
            return redirect(url_for("intake.new", grid=grids[0].code))
        return render_template("intake/choose_grid.html", grids=grids)
    grid = OrgUnit.get_or_none((OrgUnit.code == (code or "")) & (OrgUnit.kind == "grid"))
    if request.method == "POST" and grid is not None:
        case = already_recorded(grid)
        if case is not None:  # a resend: answered even if the grid or the recorder's scope changed since
            return recorded(case, grid, as_json)
    grid = grid if grid is not None and grid.active else None
    if as_json and (grid is None or not can(current_user, "case.record", grid)):
        return refusal({"_": _("You can no longer record cases in this grid (it was closed or you moved to "
                               "another one). Correct the grid and send it again.")}, 403)
    grid = require("case.record", grid)
    categories = categories_by_use(grid)
    buildings = list(Building.select().where(Building.grid == grid.id).order_by(Building.sort_order, Building.name))
    units = list(Unit.select(Unit, Building).join(Building).where(Building.grid == grid.id)
                 .order_by(Building.sort_order, Building.name, Unit.name))
    form = IntakeForm()
    form.setup([c for _major, minors in categories["groups"] for c in minors], buildings, units)
    errors, conflict = {}, False
    if request.method == "POST":
        try:
            case = record(form, grid) if form.validate_on_submit() else None
        except UploadError as exc:
            errors[exc.field] = _(exc.message) % exc.params if exc.params else _(exc.message)
        except WorkflowError as exc:
            errors[exc.field or "_"] = translate_error(exc)
            conflict = exc.code == DUPLICATE
        else:
            if case is not None:
                return recorded(case, grid, as_json)
    for name, messages in form.errors.items():
        errors.setdefault(name, str(messages[0]))
    status = (409 if conflict else 400) if request.method == "POST" else 200
    if as_json:
        return refusal(errors, status)
    return render_template("intake/new.html", form=form, grid=grid, categories=categories, buildings=buildings,
                           units=units, errors=errors), status


def wants_json():
    """The client asked for JSON rather than a page (the outbox does)."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def already_recorded(grid):
    """The case this form's intake key already recorded (a resend), checked before the form and the scope.

    Someone else's key is left to the ordinary path, which refuses it as used.
    """
    key = params.form.text("intake_key")
    if not 0 < len(key) <= 64:
        return None
    try:
        return recorded_intake(key, grid, current_user)
    except WorkflowError:
        return None


def recorded(case, grid, as_json):
    """The answer to a recorded case: the board with a message, or the number and page for the outbox."""
    if as_json:
        return jsonify(number=case.number, url=url_for("cases.show", case_id=case.id),
                       message=_("Case %(number)s recorded.", number=case.number)), 201
    flash(_("Case %(number)s recorded.", number=case.number))
    if not can(current_user, "board.grid", grid):  # a department's inspector: the case's own page
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    return redirect(url_for("boards.grid", code=grid.code), code=303)


def refusal(errors, status):
    """Why a case was not recorded, per field, in the user's language (nothing was saved)."""
    errors = errors or {"_": _("Please correct the marked fields. What you typed is kept; choose the photos again.")}
    return jsonify(errors=errors, message=errors.get("_") or next(iter(errors.values()))), status


def record(form, grid):
    """Store the photos, open the case and, if asked, handle it — one transaction, nothing half-done.

    A repeated intake key (a double tap, a retried request, two at once) returns the case the first
    submission created, to the same person in the same grid only (`open_case` refuses anyone else);
    photos of a submission that recorded nothing are removed.
    """
    at = now()
    before = photos_of("photos", "before")
    try:
        after = photos_of("after_photos", "after") if form.handle_now.data else []
    except UploadError:
        discard(before)
        raise
    key = form.intake_key.data or None
    stored = before + after
    try:
        with write_transaction():
            case = open_case(
                grid, current_user, at, category=form.category.data, title=default_title(form),
                description=form.description.data or "", intake_key=key, attachments=before,
                building=form.building.data, unit=form.unit.data, location_text=form.location_text.data or "",
                lat=form.lat.data, lng=form.lng.data, urgency=form.urgency.data or None, source=form.source.data,
                reporter_name=form.reporter_name.data or "", reporter_phone=form.reporter_phone.data or "",
                patrol=open_patrol(grid, at),
            )
            if can(current_user, "inspector", case):
                # A department's or supervisor's own inspection: on to their department or the grid at once.
                route_inspected(case, current_user, at, request_key=f"{key}-route" if key else None)
            elif form.handle_now.data:
                fire(case, "handle", current_user, at, request_key=f"{key}-handle" if key else None,
                     note=form.note.data, attachments=after)
    except Exception:
        discard(stored)
        raise
    recorded = {path for (path,) in Attachment.select(Attachment.path)
                .where(Attachment.path.in_([item["path"] for item in stored])).tuples()} if stored else set()
    discard([item for item in stored if item["path"] not in recorded])
    return case


def photos_of(field, kind):
    """The processed photos of one file field; a refusal names the field."""
    try:
        return process_photos(request.files.getlist(field), kind=kind)
    except UploadError as exc:
        exc.field = field
        raise


def default_title(form):
    """The title typed, else the category and building (a tablet user need not type one)."""
    title = (form.title.data or "").strip()
    if title:
        return title
    category = Category.get_by_id(form.category.data)
    building = Building.get_or_none(Building.id == form.building.data) if form.building.data else None
    return f"{category.name} · {building.name}" if building else category.name


def open_patrol(grid, at):
    """The recorder's patrol in progress in this grid, if any (the case links to it)."""
    return (Patrol.select().where((Patrol.user == current_user.id) & (Patrol.grid == grid.id)
                                  & Patrol.ended_at.is_null() & (Patrol.started_at <= at))
            .order_by(Patrol.started_at.desc()).first())


def categories_by_use(grid):
    """Active categories, most used first: in this grid, then in its street, then in table order."""
    since = now() - timedelta(days=USAGE_DAYS)
    in_grid = usage((Case.grid == grid.id) & (Case.created_at >= since))
    in_street = usage((Case.street == grid.parent.parent_id) & (Case.created_at >= since))
    minors = list(Category.select().where(Category.active & Category.parent.is_null(False)))
    majors = list(Category.select().where(Category.active & Category.parent.is_null()))

    def rank(category):
        return (-in_grid.get(category.id, 0), -in_street.get(category.id, 0), category.sort_order, category.code)

    minors.sort(key=rank)
    groups = []
    for major in majors:
        children = [m for m in minors if m.parent_id == major.id]
        if children:
            groups.append((major, children))
    major_rank = {major.id: i for i, (major, _children) in enumerate(groups)}
    groups.sort(key=lambda group: (min(minors.index(m) for m in group[1]), major_rank[group[0].id]))
    return {"common": minors[:COMMON], "groups": groups}


def usage(where):
    """Cases per category id."""
    return dict(Case.select(Case.category, fn.COUNT(Case.id)).where(where).group_by(Case.category).tuples())


def grids_in_reach():
    """The active grids the user may record cases in, in display order."""
    return [grid for grid in visible_grids(current_user) if can(current_user, "case.record", grid)]
