"""Admin: the working calendar (holidays, make-up days, confirming a year) and the time-limit table."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can
from app.db import now
from app.htmx import render
from workflows import calendar, limits
from workflows.clock import UNITS
from workflows.machine import EXTENSION_EVENTS, N_, SUSPENDABLE, SUSPENSION_EVENTS, parse_moment, pending_request
from workflows.models import CalendarYear
from workflows.values import FIRST_DAY, LAST_DAY
from workflows.vocabulary import URGENCY_LABELS

bp = Blueprint("calendar", __name__, url_prefix="/admin")

SOURCE_LABELS = {"holidays": N_("holidays package"), "confirmed": N_("confirmed"), "manual": N_("entered by hand")}
UNIT_LABELS = {"hours": N_("hours"), "working_hours": N_("working hours"), "working_days": N_("working days")}


def banners():
    """Warnings for the signed-in user: an unconfirmed calendar year within the next 60 days (admins)."""
    if not can("admin"):
        return []
    years = calendar.unconfirmed_years(now().date())
    if not years:
        return []
    return [_("The working calendar for %(years)s is not confirmed. Check the holidays and make-up working days "
              "against the State Council's notice, then confirm the year.", years="、".join(map(str, years)))]


bp.add_app_template_global(banners, "clock_banners")


@bp.app_template_global()
def urgency_label(urgency):
    """A category urgency as people read it."""
    return _(URGENCY_LABELS[urgency]) if urgency in URGENCY_LABELS else urgency


@bp.app_template_global()
def case_clock(case):
    """What the case page says about its clock: stopped since when, and requests awaiting a decision."""
    extension = pending_request(case, "request_extension", EXTENSION_EVENTS) if case.state == "assigned" else None
    suspension = (pending_request(case, "request_suspension", SUSPENSION_EVENTS)
                  if case.state in SUSPENDABLE and case.suspended_at is None else None)
    return {
        "suspended_at": case.suspended_at,
        "extension": extension,
        "requested_deadline": parse_moment(extension.data.get("requested_deadline")) if extension else None,
        "suspension": suspension,
    }


@bp.get("/calendar")
@allows("admin")
def days():
    """One year's rows that differ from the weekly pattern, and whether the year is confirmed."""
    return render_days(_year_arg())


def render_days(year, error=None, kept=None, status=200):
    """The calendar page for a year."""
    record = CalendarYear.get_or_none(CalendarYear.year == year)
    body = render("calendar/days.html", year=year, record=record, rows=calendar.days_of(year),
                  sources=SOURCE_LABELS, error=error, kept=kept or {})
    return body, status


def _year_arg():
    """?year=2027, else the current year."""
    return params.args.number("year", now().year, FIRST_DAY.year, LAST_DAY.year)


@bp.post("/calendar/days")
@allows("admin")
def set_day():
    """Record a holiday on a weekday or a make-up working day on a weekend."""
    form = request.form
    day = params.form.date("day", lenient=True)
    if day is None:
        return render_days(_year_arg(), _("Give the date as YYYY-MM-DD."), form, 400)
    kind = form.get("kind")
    if kind not in ("holiday", "workday"):
        return render_days(day.year, _("Choose holiday or make-up working day."), form, 400)
    note = form.get("note", "").strip()
    if len(note) > 100:
        return render_days(day.year, _("The note is too long (at most %(n)s characters).", n=100), form, 400)
    if not calendar.set_day(day, kind == "workday", note, current_user, now()):
        message = (_("%(day)s is a working day anyway.", day=day.isoformat()) if kind == "workday"
                   else _("%(day)s is a weekend day anyway.", day=day.isoformat()))
        return render_days(day.year, message, form, 400)
    flash(_("Saved %(day)s.", day=day.isoformat()))
    return redirect(url_for("calendar.days", year=day.year), code=303)


@bp.post("/calendar/days/<ymd:day>/clear")
@allows("admin")
def clear_day(day):
    """Let a date follow the weekly pattern again."""
    if not calendar.clear_day(day):
        abort(404)
    flash(_("%(day)s follows the weekly pattern again.", day=day.isoformat()))
    return redirect(url_for("calendar.days", year=day.year), code=303)


@bp.post("/calendar/years/<year:year>/confirm")
@allows("admin")
def confirm_year(year):
    """Mark a year as checked against the State Council's notice."""
    calendar.confirm_year(year, current_user, now())
    flash(_("The calendar for %(year)s is confirmed.", year=year))
    return redirect(url_for("calendar.days", year=year), code=303)


@bp.post("/calendar/years/<year:year>/sync")
@allows("admin")
def sync_year(year):
    """Load the year's holidays and make-up days from the `holidays` package."""
    record = CalendarYear.get_or_none(CalendarYear.year == year)
    if record is not None and record.confirmed_at is not None:
        flash(_("%(year)s is confirmed: change its days by hand.", year=year))
    else:
        count = calendar.sync_year(year, now())
        flash(_("Loaded %(n)s days of %(year)s from the holidays package.", n=count, year=year))
    return redirect(url_for("calendar.days", year=year), code=303)


@bp.get("/limits")
@allows("admin")
def limits_page():
    """The time limit of every step, and every change made to them."""
    return render_limits()


def render_limits(error=None, status=200):
    """The limits page."""
    body = render("limits/index.html", rows=limits.current_limits(), history=limits.history(),
                  units=UNIT_LABELS, error=error)
    return body, status


@bp.post("/limits")
@allows("admin")
def set_limit():
    """Change one step's limit from now on (stamped deadlines stay as they are)."""
    form = request.form
    state, urgency, unit = form.get("state", ""), form.get("urgency", ""), form.get("unit", "")
    try:
        amount = float(form.get("amount", ""))
    except ValueError:
        return render_limits(_("Give the limit as a number."), 400)
    if (state, urgency) not in limits.keys() or unit not in UNITS:
        return render_limits(_("Choose a step and a unit from the list."), 400)
    if not 0 < amount <= 1000:
        return render_limits(_("A limit is more than 0 and at most 1000."), 400)
    limits.set_limit(state, urgency, amount, unit, current_user, now())
    flash(_("The new limit applies to steps entered from now on."))
    return redirect(url_for("calendar.limits_page"), code=303)
