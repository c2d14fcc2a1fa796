"""Meetings (issue 20): monthly grid-team meetings and quarterly joint meetings (联席会议) — the agenda the
data proposes, attendance, minutes, decisions that give work, and the printable minutes."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, require
from app.db import now
from app.i18n import translate_error
from workflows import meetings
from workflows.errors import WorkflowError
from workflows.models import Meeting, OrgUnit, User
from workflows.policy import visible_meetings

bp = Blueprint("meetings", __name__)
LIST_LIMIT = 100


def _index(form=None, error=None, status=200):
    rows = list(visible_meetings(current_user).order_by(Meeting.held_at.desc(), Meeting.id.desc()).limit(LIST_LIMIT))
    return render_template("meetings/index.html", meetings=rows, units=meetings.units_to_hold(current_user),
                           kinds=meetings.KIND_LABELS, form=form or {}, error=error), status


@bp.get("/meetings")
@allows("meeting.view")
def index():
    """The meetings the user may see, newest first, and a form to open one where they may hold it."""
    return _index()


@bp.post("/meetings/open")
@allows("meeting.hold")
def open_one():
    """Open a meeting of a grid (monthly) or of a community or street (joint): the agenda is proposed at once."""
    unit = require("meeting.hold", OrgUnit.get_or_none(OrgUnit.id == params.form.id("unit", default=0)))
    kinds = meetings.kinds_for(unit)
    if not kinds:
        return _index(request.form, _("This unit does not hold meetings of that kind."), 400)
    held_at = params.form.moment("held_at") or now().replace(second=0, microsecond=0)
    title = params.form.text("title", max_length=meetings.TITLE_LIMIT).strip() or (
        f"{unit.name} {held_at:%Y-%m} {_(meetings.KIND_LABELS[kinds[0]])}")
    try:
        meeting = meetings.open_meeting(unit, current_user, now(), kind=kinds[0], title=title, held_at=held_at,
                                        place=params.form.text("place", max_length=meetings.TITLE_LIMIT))
    except WorkflowError as exc:
        return _index(request.form, translate_error(exc), 400)
    return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)


def load(meeting_id, action):
    """A meeting the user may take `action` on (404 otherwise: no probing)."""
    return require(action, Meeting.get_or_none(Meeting.id == meeting_id))


def _context(meeting):
    at = now()
    agenda = meetings.agenda(meeting)
    previous, outcomes = meetings.carried_over(meeting, at)
    people = [person for person, _present in meetings.attendance(meeting)]
    return dict(meeting=meeting, agenda=agenda, attendance=meetings.attendance(meeting), people=people,
                decisions=meetings.decisions(meeting), previous=previous, outcomes=outcomes,
                agenda_cases=[item.case for item in agenda if item.case_id], history=meetings.history(meeting),
                kinds=meetings.KIND_LABELS, reasons=meetings.REASON_LABELS, decision_kinds=meetings.DECISION_LABELS,
                outcome_labels=meetings.OUTCOME_LABELS, at=at)


def _show(meeting, error=None, form=None, status=200):
    return render_template("meetings/show.html", error=error, form=form or {}, **_context(meeting)), status


@bp.get("/meetings/<id:meeting_id>")
@allows("meeting.view")
def show(meeting_id):
    """The meeting: what became of the previous meeting's decisions, the agenda, attendance, minutes, decisions."""
    return _show(load(meeting_id, "meeting.view"))


@bp.get("/meetings/<id:meeting_id>/print")
@allows("meeting.view")
def print_minutes(meeting_id):
    """The minutes as an A4 sheet to print and sign."""
    return render_template("meetings/minutes.html", **_context(load(meeting_id, "meeting.view")))


def _change(meeting_id, change, message):
    """Run a change of a held meeting; a refusal comes back as the meeting page with its message."""
    meeting = load(meeting_id, "meeting.hold")
    try:
        change(meeting)
    except WorkflowError as exc:
        return _show(meeting, translate_error(exc), request.form, 400)
    flash(message)
    return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)


@bp.post("/meetings/<id:meeting_id>/agenda")
@allows("meeting.hold")
def propose(meeting_id):
    """Add to the agenda what the data proposes now and is not on it yet."""
    return _change(meeting_id, lambda m: meetings.propose_again(m, current_user, now()), _("Agenda brought up to date."))


@bp.post("/meetings/<id:meeting_id>/items")
@allows("meeting.hold")
def add_item(meeting_id):
    """The chair adds an item, about a case of the unit (by number) or not."""
    number = params.form.text("case_number", max_length=20).strip()
    title = params.form.text("title", max_length=meetings.TITLE_LIMIT)
    note = params.form.text("note", max_length=meetings.TEXT_LIMIT)

    return _change(meeting_id, lambda m: meetings.add_item(m, current_user, now(), title=title, note=note,
                                                           case_number=number), _("Item added."))


@bp.post("/meetings/<id:meeting_id>/attendance")
@allows("meeting.hold")
def attendance(meeting_id):
    """Mark who was present."""
    present = {params.parse_id(value, "present") for value in request.form.getlist("present") if value.strip()}
    return _change(meeting_id, lambda m: meetings.record_attendance(m, current_user, now(), present),
                   _("Attendance saved."))


@bp.post("/meetings/<id:meeting_id>/minutes")
@allows("meeting.hold")
def minutes(meeting_id):
    """Write the minutes (each version is kept in the meeting's history)."""
    text = params.form.text("minutes", max_length=meetings.MINUTES_LIMIT)
    guests = params.form.text("guests", max_length=meetings.TEXT_LIMIT)
    return _change(meeting_id, lambda m: meetings.write_minutes(m, current_user, now(), minutes=text, guests=guests),
                   _("Minutes saved."))


@bp.post("/meetings/<id:meeting_id>/decisions")
@allows("meeting.hold")
def decide(meeting_id):
    """Record a decision; it may give a case to a person or give a person a task."""
    kind = params.form.choice("kind", tuple(meetings.DECISION_LABELS))
    text = params.form.text("text", max_length=meetings.TEXT_LIMIT)
    case_id = params.form.id("case")
    person_id = params.form.id("person")
    due_at = params.form.moment("due_at")
    person = User.get_or_none(User.id == person_id) if person_id else None

    def change(meeting):
        case = meetings.case_in(meeting, case_id=case_id) if case_id else None
        meetings.decide(meeting, current_user, now(), kind=kind, text=text, case=case, person=person, due_at=due_at)

    return _change(meeting_id, change, _("Decision recorded."))


@bp.post("/meetings/<id:meeting_id>/close")
@allows("meeting.hold")
def close(meeting_id):
    """Close the meeting: its record no longer changes."""
    return _change(meeting_id, lambda m: meetings.close_meeting(m, current_user, now()), _("Meeting closed."))
