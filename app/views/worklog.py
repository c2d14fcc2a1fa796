"""The work log (日清周结): a person's days and week, a grid's week; printable."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can, require
from app.db import now
from app.i18n import translate_error
from workflows.errors import WorkflowError
from workflows.models import OrgUnit, User
from workflows.policy import visible_grids
from workflows.worklog import (
    NOTE_WINDOW,
    SUMMARY_EVENTS,
    SUMMARY_LABELS,
    day_log,
    grid_week,
    member_week,
    monday_of,
    save_note,
)

bp = Blueprint("worklog", __name__)


@bp.app_template_global("summary_label")
def summary_label(event):
    """'Found', 'Handled', 'Reported' or 'Verified', translated."""
    return _(SUMMARY_LABELS[event])


@bp.get("/worklog")
@allows("worklog.view")
def index():
    """Members see their own week, leads their grid's week, offices the grids they oversee."""
    grids = list(visible_grids(current_user))
    if can("worklog.write") and len(grids) == 1:
        if can("worklog.grid", grids[0]):
            return redirect(url_for("worklog.grid", code=grids[0].code))
        return redirect(url_for("worklog.person", user_id=current_user.id))
    monday = monday_of(params.args.date("week", now().date()))
    return render_template("worklog/index.html", grids=grids, monday=monday)


def load_person(user_id):
    """A member or lead the signed-in user may read the log of (404 otherwise: no probing)."""
    return require("worklog.person", User.get_or_none(User.id == user_id))


def load_grid(code):
    """A grid in the user's scope (404 otherwise)."""
    return require("worklog.grid", OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid")))


def _week_links(monday, endpoint, **values):
    """Links to the previous week, and to the next one unless it is in the future."""
    today = now().date()
    previous = url_for(endpoint, week=(monday - timedelta(days=7)).isoformat(), **values)
    following = monday + timedelta(days=7)
    return previous, (url_for(endpoint, week=following.isoformat(), **values) if following <= today else None)


@bp.get("/worklog/people/<id:user_id>")
@allows("worklog.view")
def person(user_id):
    """One person's week: each day's summary and note, the week's totals and its note (周结)."""
    return _week_page(load_person(user_id), monday_of(params.args.date("week", now().date())))


def _week_page(person, monday, **extra):
    """The person's week page."""
    previous, following = _week_links(monday, "worklog.person", user_id=person.id)
    return render_template("worklog/person.html", week=member_week(person, monday), person=person,
                           events=SUMMARY_EVENTS, previous=previous, following=following,
                           own=person.id == current_user.id, editable=_editable(monday + timedelta(days=6)), **extra)


@bp.get("/worklog/people/<id:user_id>/days/<ymd:day>")
@allows("worklog.view")
def day(user_id, day):
    """One person's day: patrols, the cases behind each count, and the note."""
    return _day_page(load_person(user_id), day)


def _day_page(person, when, **extra):
    """The person's day page."""
    return render_template("worklog/day.html", log=day_log(person, when), person=person, events=SUMMARY_EVENTS,
                           own=person.id == current_user.id, editable=_editable(when) and when <= now().date(),
                           **extra)


def _editable(last_day):
    """Whether a note ending on this day may still be written (the last 7 days)."""
    return last_day >= now().date() - NOTE_WINDOW


@bp.post("/worklog/notes")
@allows("worklog.write")
def note():
    """Save the signed-in user's note for a day or a week."""
    kind = request.form.get("kind")
    when = params.form.date("day", lenient=True)
    text = request.form.get("text", "")
    try:
        save_note(current_user, kind, when, text, now())
    except WorkflowError as exc:
        # The page comes back with the text as typed: nothing written is lost.
        failed = {"note_error": translate_error(exc), "note_text": text}
        if kind == "day" and when is not None:
            return _day_page(current_user, when, **failed), 400
        return _week_page(current_user, monday_of(when or now().date()), **failed), 400
    flash(_("Note saved."))
    if kind == "day":
        return redirect(url_for("worklog.day", user_id=current_user.id, day=when.isoformat()), code=303)
    return redirect(url_for("worklog.person", user_id=current_user.id, week=monday_of(when).isoformat()), code=303)


@bp.get("/worklog/grids/<code>")
@allows("worklog.grid")
def grid(code):
    """A grid's week: one row per member and lead, the grid's totals, and their week notes."""
    grid = load_grid(code)
    monday = monday_of(params.args.date("week", now().date()))
    weeks = grid_week(grid, monday)
    totals = {event: sum(w.totals[event] for w in weeks) for event in SUMMARY_EVENTS}
    previous, following = _week_links(monday, "worklog.grid", code=grid.code)
    return render_template("worklog/grid.html", grid=grid, weeks=weeks, totals=totals, monday=monday,
                           sunday=monday + timedelta(days=6), events=SUMMARY_EVENTS, previous=previous,
                           following=following)
