"""Visits to households and the grid's memo book (issue 18): record a visit in two taps from the
room page (a button, then the form), turn its need into a case with one tap, coverage per grid and
community, overdue visits on the member's work and the lead's day, the memo book with its three
endings and its monthly printable page.

Who may see and do what is the policy's (visit.*, memo.*); every write goes through
workflows.visits, which asks the policy again."""
import math
import os
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from app import params
from app.access import allows, can, require, user
from app.db import now
from app.i18n import translate_error
from app.uploads import UploadError, discard, process_photo
from workflows.errors import WorkflowError
from workflows.machine import N_
from workflows.models import (
    DUE_REASONS, MEMO_CATEGORIES, MEMO_ENDINGS, VISIT_KINDS, Category, Household, MemoEntry, OrgUnit, Person, PointEntry,
    Visit,
)
from workflows.policy import visible_grids
from workflows.values import FIRST_DAY, LAST_DAY
from workflows.visits import (
    CATEGORY_LABELS,
    ENDING_LABELS,
    KIND_LABELS,
    REASON_LABELS,
    add_due,
    add_memo,
    coverage,
    end_memo,
    event_dues,
    household_plan,
    memo_entries,
    need_to_case,
    not_visited_for,
    overdue_for,
    overdue_in,
    record_visit,
)

bp = Blueprint("visits", __name__)
LABELS = {"kind": KIND_LABELS, "reason": REASON_LABELS, "category": CATEGORY_LABELS, "ending": ENDING_LABELS}
# Households not visited for N days: the default, and the range a request may ask.
STALE_DAYS = (90, 1, 3650)
RECENT = 30
POSITION = N_("“%(name)s” must be a position on the map.")


@bp.app_template_global("visit_label")
def visit_label(kind, code):
    """A visit or memo code's label, translated."""
    label = LABELS[kind].get(code)
    return _(label) if label else (code or "")


@bp.app_template_global("overdue_visits")
def overdue_visits(person):
    """The overdue visits of a grid worker's grid (the 'my work' page shows them)."""
    if not can("visit.record"):
        return []
    return [(due_on, household, _(why)) for due_on, household, why in overdue_for(person, now().date())]


@bp.app_template_global("grid_overdue_visits")
def grid_overdue_visits(grid):
    """The grid's overdue visits (the lead's day lists them)."""
    if not can("visit.view", grid):
        return []
    return [(due_on, household, _(why)) for due_on, household, why in overdue_in(grid, now().date())]


@bp.app_template_global("grid_visit_coverage")
def grid_visit_coverage(grid):
    """The grid's visit figures this month (the lead's day shows them), or None if not for this user."""
    if not can("visit.view", grid):
        return None
    today = now().date()
    return coverage(grid, today, today.replace(day=1), today)


def load_grid(code, action):
    return require(action, OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid")))


def load(model, obj_id, action):
    return require(action, model.get_or_none(model.id == obj_id))


def categories():
    """The active minor categories a need may become, and the one offered first (民生诉求's first)."""
    rows = list(Category.select().where(Category.parent.is_null(False) & Category.active)
                .order_by(Category.code))
    first = next((c for c in rows if c.code.startswith("08")), rows[0] if rows else None)
    return rows, first


def coordinate(name, low, high):
    """An optional latitude or longitude from the form."""
    text = params.form.raw(name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or not low <= value <= high:
        raise params.BadParameter(name, POSITION)
    return value


def month_end(first):
    """The last day of the month starting on `first`."""
    following = params.shift_month(first, 1)
    return following - timedelta(days=1) if following else LAST_DAY


def period(today):
    """The month asked for (?month=YYYY-MM, this month by default): (first day, last day counted,
    the previous month, the next one if it has begun)."""
    first = params.args.month("month", today.replace(day=1))
    following = params.shift_month(first, 1)
    return (first, min(month_end(first), today) if first <= today else month_end(first),
            params.shift_month(first, -1), following if following and following <= today else None)


# ---- coverage ----


@bp.get("/visits")
@allows("visit.view")
def index():
    """Visit coverage this month of every grid the user oversees, by community (one grid: straight to it)."""
    grids = [grid for grid in visible_grids(user()) if can("visit.view", grid)]
    if len(grids) == 1:
        return redirect(url_for("visits.grid", code=grids[0].code))
    today = now().date()
    communities = {}
    for grid in grids:
        communities.setdefault(grid.parent, []).append(coverage(grid, today, today.replace(day=1), today))
    totals = {community: {key: sum(getattr(c, key) for c in rows)
                          for key in ("households", "due", "overdue", "events_open", "done", "visited_households")}
              for community, rows in communities.items()}
    return render_template("visits/index.html", communities=communities, totals=totals, today=today)


@bp.get("/grids/<code>/visits")
@allows("visit.view")
def grid(code):
    """A grid's visits: the month's figures per member, what is overdue or due, event visits, households
    not visited for N days, and the latest visits."""
    unit = load_grid(code, "visit.view")
    today = now().date()
    first, last, previous, following = period(today)
    days = params.args.number("days", STALE_DAYS[0], STALE_DAYS[1], STALE_DAYS[2])
    plan = household_plan(unit, today)
    events = event_dues(unit, today)
    households = {h.id: h for h in Household.select().where(Household.id.in_([e.household_id for e in events]))}
    recent = list(Visit.select().where(Visit.grid == unit.id).order_by(Visit.at.desc(), Visit.id.desc()).limit(RECENT))
    return render_template("visits/grid.html", grid=unit, cov=coverage(unit, today, first, last), first=first,
                           last=last, previous=previous, following=following,
                           waiting=[item for item in plan if item.status != "ok"], events=events,
                           event_households=households, stale=not_visited_for(unit, today, days), days=days,
                           recent=recent, today=today)


# ---- recording a visit ----


def visit_form(household, form=None, errors=None, status=200):
    people = list(Person.select().where((Person.household == household.id) & (Person.status == "living"))
                  .order_by(Person.id))
    return render_template("visits/new.html", household=household, people=people, kinds=VISIT_KINDS,
                           reasons=DUE_REASONS, form=form or {}, errors=errors or {},
                           plan=next((i for i in household_plan(household.grid, now().date(), [household])), None),
                           visits=list(Visit.select().where(Visit.household == household.id)
                                       .order_by(Visit.at.desc()).limit(10))), status


@bp.get("/households/<id:household_id>/visits/new")
@allows("visit.record")
def new(household_id):
    """The visit form (the second tap saves it)."""
    return visit_form(load(Household, household_id, "visit.record"))


@bp.post("/households/<id:household_id>/visits")
@allows("visit.record")
def record(household_id):
    """Record a visit: kind, what was found, needs, an optional photo and position."""
    household = load(Household, household_id, "visit.record")
    person_id = params.form.id("person")
    person = Person.get_or_none(Person.id == person_id) if person_id else None
    if person_id and person is None:
        return visit_form(household, request.form, {"person": _("Choose a member of this household.")}, 400)
    values = dict(kind=params.form.text("kind", "routine", max_length=16),
                  found=params.form.text("found", max_length=4000), needs=params.form.text("needs", max_length=4000),
                  lat=coordinate("lat", -90, 90), lng=coordinate("lng", -180, 180))
    photo = None
    storage = request.files.get("photo")
    if storage is not None and storage.filename:
        try:
            photo = process_photo(storage, kind="visit")
        except UploadError as exc:
            return visit_form(household, request.form, {"photo": _(exc.message, **exc.params)}, 400)
    try:
        visit = record_visit(user(), now(), household, person=person, photo=photo, **values)
    except WorkflowError as exc:
        if photo:
            discard([photo])
        if exc.code == "forbidden":
            abort(404)
        return visit_form(household, request.form, {exc.field or "_": translate_error(exc)}, 400)
    earned = PointEntry.get_or_none(PointEntry.visit == visit.id)
    if earned is not None:
        flash(_("Points: +%(n)s for %(name)s (household visit).", n=earned.points, name=earned.person.name))
    return redirect(url_for("visits.show", visit_id=visit.id), 303)


@bp.post("/households/<id:household_id>/dues")
@allows("visit.record")
def due(household_id):
    """An event-driven visit to make by a day (a hospital stay, a hardship, a dispute …)."""
    household = load(Household, household_id, "visit.record")
    try:
        add_due(user(), now(), household, reason=params.form.text("reason", max_length=16),
                due_on=params.form.date("due_on", first=FIRST_DAY),
                note=params.form.text("note", max_length=2000))
    except WorkflowError as exc:
        return visit_form(household, request.form, {"due_" + (exc.field or "_"): translate_error(exc)}, 400)
    return redirect(url_for("visits.new", household_id=household.id), 303)


def visit_page(visit, errors=None, status=200):
    rows, first = categories()
    return render_template("visits/show.html", visit=visit, categories=rows, first_category=first,
                           errors=errors or {}), status


@bp.get("/visits/<id:visit_id>")
@allows("visit.view")
def show(visit_id):
    """A visit, and its need's one-tap case."""
    return visit_page(load(Visit, visit_id, "visit.view"))


@bp.post("/visits/<id:visit_id>/case")
@allows("visit.record")
def to_case(visit_id):
    """The visit's need becomes a case (once), linked both ways."""
    visit = load(Visit, visit_id, "visit.record")
    try:
        case = need_to_case(user(), now(), visit, category=params.form.id("category"),
                            title=params.form.text("title", max_length=200))
    except WorkflowError as exc:
        if exc.code == "forbidden":
            abort(404)
        return visit_page(visit, {exc.field or "_": translate_error(exc)}, 400)
    return redirect(url_for("cases.show", case_id=case.id), 303)


@bp.get("/visits/<id:visit_id>/photo")
@bp.get("/visits/<id:visit_id>/photo/<any(thumb):variant>")
@allows("visit.view")
def photo(visit_id, variant=None):
    """The visit's photo (or its thumbnail), to whoever may see the visit."""
    visit = load(Visit, visit_id, "visit.view")
    if not visit.photo_path:
        abort(404)
    name = visit.photo_thumb if variant == "thumb" else visit.photo_path
    response = send_from_directory(os.path.abspath(current_app.config["UPLOAD_FOLDER"]), name, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# ---- the memo book ----


def memo_page(unit, form=None, errors=None, status=200):
    show_ = params.args.choice("show", ("open", "ended", "all"), "open")
    entries = memo_entries(unit, open_only=(show_ == "open"))
    if show_ == "ended":
        entries = [e for e in entries if e.ending]
    rows, first = categories()
    return render_template("visits/memo.html", grid=unit, entries=entries, show=show_, categories=MEMO_CATEGORIES,
                           endings=MEMO_ENDINGS, case_categories=rows, first_category=first, form=form or {},
                           errors=errors or {}, today=now().date(),
                           month=now().date().replace(day=1)), status


@bp.get("/grids/<code>/memo")
@allows("memo.view")
def memo(code):
    """The grid's memo book: open entries (or ended, or all), a form to add one, and each entry's endings."""
    return memo_page(load_grid(code, "memo.view"))


@bp.post("/grids/<code>/memo/entries")
@allows("memo.write")
def add(code):
    """A dated entry of what residents raised."""
    unit = load_grid(code, "memo.write")
    try:
        add_memo(user(), now(), unit, on=params.form.date("day", now().date()),
                 category=params.form.text("category", max_length=16), text_=params.form.text("text", max_length=2000),
                 raised_by=params.form.text("raised_by", max_length=200))
    except WorkflowError as exc:
        return memo_page(unit, request.form, {exc.field or "_": translate_error(exc)}, 400)
    return redirect(url_for("visits.memo", code=unit.code), 303)


@bp.post("/memo/<id:entry_id>/end")
@allows("memo.end")
def end(entry_id):
    """End an entry: resolved (with how), a case, or the next meeting's agenda."""
    entry = load(MemoEntry, entry_id, "memo.end")
    try:
        end_memo(user(), now(), entry, ending=params.form.text("ending", max_length=16),
                 note=params.form.text("note", max_length=2000), category=params.form.id("category"))
    except WorkflowError as exc:
        if exc.code == "forbidden":
            abort(404)
        return memo_page(entry.grid, None, {f"end-{entry.id}": translate_error(exc)}, 400)
    return redirect(url_for("visits.memo", code=entry.grid.code), 303)


@bp.get("/grids/<code>/memo/<ym:month>/print")
@allows("memo.view")
def memo_print(code, month):
    """The month's memo book on A4: every entry of the month and how it ended."""
    unit = load_grid(code, "memo.view")
    entries = sorted(memo_entries(unit, month, month_end(month)), key=lambda e: (e.day, e.id))
    return render_template("visits/memo_print.html", grid=unit, month=month, entries=entries,
                           ended=sum(1 for e in entries if e.ending), printed=now().date())
