"""Recording a case on a tablet: one form, photos from the camera, optionally handled on the spot."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from app.access import allows, require
from app.db import now
from app.forms import IntakeForm
from app.i18n import translate_error
from app.uploads import UploadError, discard, process_photos
from workflows.db import write_transaction
from workflows.errors import DUPLICATE, WorkflowError
from workflows.machine import N_
from workflows.models import Attachment, Building, Case, Category, OrgUnit, Patrol, Unit
from workflows.policy import can, visible_grids
from workflows.service import fire, open_case

bp = Blueprint("intake", __name__)
COMMON = 6  # how many most-used categories the picker offers first
USAGE_DAYS = 90


@bp.route("/cases/new", methods=["GET", "POST"])
@allows("case.record")
def new():
    """The intake form for one grid (?grid=<code>); without a grid, the recorder's own or a choice."""
    code = request.args.get("grid")
    if not code:
        grids = grids_in_reach()
        if len(grids) == 1:
            return redirect(url_for("intake.new", grid=grids[0].code))
        return render_template("intake/choose_grid.html", grids=grids)
    grid = require("case.record", OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid") & OrgUnit.active))
    categories = categories_by_use(grid)
    buildings = list(Building.select().where(Building.grid == grid.id).order_by(Building.sort_order, Building.name))
    units = list(Unit.select(Unit, Building).join(Building).where(Building.grid == grid.id)
                 .order_by(Building.sort_order, Building.name, Unit.name))
    form = IntakeForm()
    form.setup([c for _major, minors in categories["groups"] for c in minors], buildings, units)
    errors = {}
    if form.validate_on_submit():
        try:
            case = record(form, grid)
        except UploadError as exc:
            errors[exc.field] = _(exc.message) % exc.params if exc.params else _(exc.message)
        except WorkflowError as exc:
            errors[exc.field or "_"] = translate_error(exc)
        else:
            flash(_("Case %(number)s recorded.", number=case.number))
            return redirect(url_for("boards.grid", code=grid.code), code=303)
    for name, messages in form.errors.items():
        errors.setdefault(name, str(messages[0]))
    status = 400 if request.method == "POST" else 200
    return render_template("intake/new.html", form=form, grid=grid, categories=categories, buildings=buildings,
                           units=units, errors=errors), status


def record(form, grid):
    """Store the photos, open the case and, if asked, handle it — one transaction, nothing half-done.

    A repeated intake key (a double tap, a retried request, two at once) returns the case the first
    submission created, to the same person in the same grid only; photos of a submission that
    recorded nothing are removed.
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
            if case.created_by_id != current_user.id or case.grid_id != grid.id:
                # The key came with another person's or another grid's form: never hand that case out.
                raise WorkflowError(DUPLICATE, N_("This form was already used for another case."))
            if form.handle_now.data:
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
