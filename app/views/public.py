"""Pages for residents, without signing in: a grid's public sign and poster, the report form,
tracking a report and rating the result. No page here shows a phone number, name or contact
of a reporter; the sign shows only what grid workers chose to publish."""
import io
import math
import os
from datetime import timedelta

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask import make_response
from flask_babel import format_datetime
from flask_babel import gettext as _

from app import params
from app.db import now
from app.i18n import translate_error
from app.ratelimit import allow, per_address
from app.residents import (
    RATING_LABELS,
    public_url,
    responsible_unit,
    result_note,
    result_photos,
    status_text,
    steps,
)
from app.uploads import UploadError, discard, process_photos
from workflows.errors import WorkflowError
from workflows.gridmap import outline_drawing
from workflows.models import Attachment, Building, Case, Category, OrgUnit, Unit, User
from workflows.residents import (
    can_rate,
    case_by_code,
    format_code,
    public_events,
    rate,
    rating_of,
    record_report,
)
from workflows.service import SystemActor
from workflows.values import record_id

bp = Blueprint("public", __name__)
# Per address: (attempts, seconds) for each window; override in the config.
REPORT_LIMITS = ((5, 600), (20, 86400))
RATING_LIMITS = ((10, 3600),)
# Requests per address to the tracking pages (the lookup, a report's page, its rating); override with
# PUBLIC_TRACK_LIMITS. Generous: many residents share one mobile-network address.
TRACK_LIMITS = ((120, 600), (1000, 86400))
TRACKING = {"public.track_lookup", "public.track", "public.rate_case"}
MAX_RESIDENT_PHOTOS = 3
DESCRIPTION_LIMIT = 1000
PLACE_LIMIT = 100
PHONE_CHARS = set("0123456789+- ")
RECENT_CLOSED = 10


def public_page(template, status=200, **context):
    """Render a public page (its own layout, no staff navigation)."""
    return render_template(template, **context), status


def not_found(message=None):
    """The public 404 page."""
    return public_page("public/error.html", 404, message=message or _("This page does not exist."))


def grid_or_404(code):
    """The active grid with this code, or None."""
    return OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid") & OrgUnit.active)


def within_limits(prefix, limits):
    """Record an attempt from this address; False if any of the limits is exceeded."""
    address = request.remote_addr or "unknown"
    at = now()
    # A list, not a generator: every window records the attempt even when an earlier one refuses.
    return all([allow(f"{prefix}:{address}", limit, window, at) for limit, window in limits])


@bp.before_request
def limit_tracking():
    """The tracking pages answer a bounded number of requests per address; over it, a page that says
    when to try again (and Retry-After)."""
    if request.endpoint not in TRACKING:
        return None
    at = now()
    wait = per_address("track", current_app.config.get("PUBLIC_TRACK_LIMITS", TRACK_LIMITS), at)
    if not wait:
        return None
    retry_at = at + timedelta(seconds=wait)
    response = make_response(render_template("public/too_many.html", minutes=math.ceil(wait / 60),
                                             time=format_datetime(retry_at, "HH:mm", rebase=False)), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def grid_people(grid):
    """The grid's lead(s) first, then its members: active accounts only."""
    people = User.select().where((User.org == grid.id) & User.active & User.role.in_(("lead", "member")))
    return sorted(people, key=lambda u: (u.role != "lead", u.name))


# ---- the public sign and its poster ----


@bp.get("/g/<code>")
def sign(code):
    """A grid's public sign: who serves it, how to reach them, recent results, how to report."""
    grid = grid_or_404(code)
    if grid is None:
        return not_found(_("There is no grid with this code."))
    closed = list(
        Case.select(Case, Category).join(Category, on=Case.category == Category.id)
        .where((Case.grid == grid.id) & (Case.state == "closed") & (Case.resolution == "closed") & Category.public)
        .order_by(Case.closed_at.desc()).limit(RECENT_CLOSED)
    )
    return public_page("public/sign.html", grid=grid, people=grid_people(grid), closed=closed,
                       outline=outline_drawing(grid),
                       responsible_unit=responsible_unit, report_url=public_url("public.report", code=grid.code))


@bp.get("/g/<code>/poster")
def poster(code):
    """The sign as a printable A4 poster with a QR code that opens the report form."""
    grid = grid_or_404(code)
    if grid is None:
        return not_found(_("There is no grid with this code."))
    return public_page("public/poster.html", grid=grid, people=grid_people(grid),
                       report_url=public_url("public.report", code=grid.code))


@bp.get("/g/<code>/qr.svg")
def qr(code):
    """The QR code of the grid's report URL, as SVG."""
    grid = grid_or_404(code)
    if grid is None:
        abort(404)
    buffer = io.BytesIO()
    segno.make(public_url("public.report", code=grid.code), error="m").save(
        buffer, kind="svg", scale=8, border=4, xmldecl=False, title=grid.name)
    response = current_app.response_class(buffer.getvalue(), content_type="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/g/<code>/people/<id:user_id>/photo")
def person_photo(code, user_id):
    """A grid worker's photo for the sign (only people serving this grid)."""
    grid = grid_or_404(code)
    person = User.get_or_none(User.id == user_id)
    if grid is None or person is None or person.org_id != grid.id or not person.photo or not person.active:
        abort(404)
    response = send_from_directory(os.path.abspath(current_app.config["UPLOAD_FOLDER"]), person.photo)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# ---- reporting ----


def report_choices(grid):
    """The form's short lists: public categories by group, and the grid's buildings and units."""
    majors = {c.id: c for c in Category.select().where(Category.parent.is_null() & Category.active)}
    groups = {}
    for category in (Category.select().where(Category.public & Category.active & Category.parent.is_null(False))
                     .order_by(Category.sort_order, Category.code)):
        if category.parent_id in majors:
            groups.setdefault(category.parent_id, []).append(category)
    ordered = sorted(groups.items(), key=lambda item: (majors[item[0]].sort_order, majors[item[0]].code))
    buildings = list(Building.select().where(Building.grid == grid.id).order_by(Building.sort_order, Building.name))
    units = {}
    for unit in Unit.select().where(Unit.building.in_([b.id for b in buildings])).order_by(Unit.name):
        units.setdefault(unit.building_id, []).append(unit)
    return [(majors[major_id], items) for major_id, items in ordered], [(b, units.get(b.id, [])) for b in buildings]


def render_report(grid, errors=None, form=None, status=200):
    """The report form, with messages and what was typed kept."""
    groups, places = report_choices(grid)
    return public_page("public/report.html", status, grid=grid, groups=groups, places=places,
                       errors=errors or {}, form=form or {}, max_photos=MAX_RESIDENT_PHOTOS)


@bp.get("/g/<code>/report")
def report(code):
    """The resident's report form for one grid."""
    grid = grid_or_404(code)
    if grid is None:
        return not_found(_("There is no grid with this code."))
    return render_report(grid)


@bp.post("/g/<code>/report")
def submit_report(code):
    """Record a resident's report as a case in `found`, then show its tracking code."""
    grid = grid_or_404(code)
    if grid is None:
        return not_found(_("There is no grid with this code."))
    form = request.form
    if not within_limits("report", current_app.config.get("PUBLIC_REPORT_LIMITS", REPORT_LIMITS)):
        return render_report(grid, {"_": _("Too many reports from this network in a short time. "
                                           "Please wait a while and try again, or call the grid worker.")},
                             form, status=429)
    if form.get("website"):
        return render_report(grid, {"_": _("The form was not accepted because it looked automated. "
                                           "Please reload the page and try again.")}, form, status=400)
    fields, errors = read_report(grid, form)
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if len(files) > MAX_RESIDENT_PHOTOS:
        errors["photos"] = _("At most %(n)s photos at a time.", n=MAX_RESIDENT_PHOTOS)
    if errors:
        return render_report(grid, errors, form, status=400)
    try:
        photos = process_photos(files, kind="before")
    except UploadError as exc:
        return render_report(grid, {"photos": _(exc.message, **exc.params)}, form, status=400)
    try:
        case = record_report(grid, SystemActor("resident", _("Resident")), now(), source="resident",
                             attachments=photos, **fields)
    except WorkflowError as exc:
        discard(photos)
        return render_report(grid, {exc.field or "_": translate_error(exc)}, form, status=400)
    flash(_("Thank you. Your report was received: keep the tracking code below to follow it."))
    return redirect(url_for("public.track", code=case.tracking_code), code=303)


def read_report(grid, form):
    """The report's case fields from the form, and a message per field that is wrong."""
    errors = {}
    category = Category.get_or_none((Category.id == params.form.id("category", lenient=True)) & Category.public
                                    & Category.active & Category.parent.is_null(False))
    if category is None:
        errors["category"] = _("Choose what kind of problem it is.")
    description = (form.get("description") or "").strip()
    if len(description) < 4:
        errors["description"] = _("Describe the problem in a few words.")
    elif len(description) > DESCRIPTION_LIMIT:
        errors["description"] = _("Please keep the description under %(n)s characters.", n=DESCRIPTION_LIMIT)
    building, unit = _place(grid, form.get("place"))
    if building is False:
        errors["place"] = _("Choose a building from the list.")
    place = (form.get("location") or "").strip()
    if len(place) > PLACE_LIMIT:
        errors["location"] = _("Please keep the place under %(n)s characters.", n=PLACE_LIMIT)
    phone = (form.get("phone") or "").strip()
    if phone and (not set(phone) <= PHONE_CHARS or not 5 <= sum(ch.isdigit() for ch in phone) <= 20):
        errors["phone"] = _("Enter a phone number with digits only, or leave it empty.")
    where = " ".join(filter(None, [f"{building.name}{unit.name if unit else ''}" if building else "", place]))
    return {
        "category": category, "description": description, "building": building or None, "unit": unit,
        "location_text": where, "reporter_phone": phone,
    }, errors


def _place(grid, value):
    """(building, unit) from the place list ("b12" or "u34"); (None, None) if none; (False, None) if foreign."""
    value = (value or "").strip()
    if not value:
        return None, None
    kind, number = value[:1], record_id(value[1:])
    if kind == "u":
        unit = Unit.get_or_none(Unit.id == number)
        if unit is not None and unit.building.grid_id == grid.id:
            return unit.building, unit
    elif kind == "b":
        building = Building.get_or_none(Building.id == number)
        if building is not None and building.grid_id == grid.id:
            return building, None
    return False, None


# ---- tracking and rating ----


@bp.get("/track")
def track_lookup():
    """Look up a report by its tracking code."""
    code = request.args.get("code", "")
    if code:
        case = case_by_code(code)
        if case is not None:
            return redirect(url_for("public.track", code=case.tracking_code), code=303)
        return public_page("public/lookup.html", 404, code=code,
                           error=_("No report has this tracking code. Check the code and try again."))
    return public_page("public/lookup.html", code="", error=None)


@bp.get("/track/<code>")
def track(code):
    """A report's status in plain words, its steps, and once closed its result and the rating."""
    case = case_by_code(code)
    if case is None:
        return public_page("public/lookup.html", 404, code=code,
                           error=_("No report has this tracking code. Check the code and try again."))
    return render_track(case)


def render_track(case, errors=None, status=200):
    """The tracking page of a case."""
    events = public_events(case)
    rating = rating_of(case)
    return public_page(
        "public/track.html", status, case=case, code=format_code(case.tracking_code), status_text=status_text(case, events),
        unit=responsible_unit(case), steps=steps(case, events), note=result_note(case, events),
        photos=result_photos(case), rating=rating, rating_label=RATING_LABELS.get(rating.rating) if rating else None,
        rating_closed=can_rate(case, now()), rating_choices=RATING_LABELS, errors=errors or {},
    )


@bp.post("/track/<code>/rating")
def rate_case(code):
    """The resident rates the result of a closed case, once."""
    case = case_by_code(code)
    if case is None:
        return public_page("public/lookup.html", 404, code=code,
                           error=_("No report has this tracking code. Check the code and try again."))
    if not within_limits("rating", current_app.config.get("PUBLIC_RATING_LIMITS", RATING_LIMITS)):
        return render_track(case, {"rating": _("Too many attempts from this network. Please try again later.")}, 429)
    choice = request.form.get("rating", "")
    try:
        rate(case, choice, request.form.get("comment", ""), now())
    except WorkflowError as exc:
        return render_track(case, {exc.field or "rating": translate_error(exc)},
                            409 if exc.code == "duplicate" else 400)
    if choice == "dissatisfied":
        flash(_("Thank you. We are sorry the result did not satisfy you: the supervision team will review the "
                "case and decide whether it is handled again."))
    else:
        flash(_("Thank you for your rating."))
    return redirect(url_for("public.track", code=case.tracking_code), code=303)


@bp.get("/photos/<id:attachment_id>")
def result_photo(attachment_id):
    """An after-photo of a case closed as fixed, in a public category: public by design (transparency)."""
    item = Attachment.get_or_none((Attachment.id == attachment_id) & (Attachment.kind == "after"))
    if item is None or item.case.state != "closed" or item.case.resolution != "closed" \
            or not item.case.category.public:
        abort(404)
    response = send_from_directory(os.path.abspath(current_app.config["UPLOAD_FOLDER"]), item.path,
                                   mimetype=item.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
