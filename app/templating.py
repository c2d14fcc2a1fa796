"""Template helpers: labels from the machine and the org, deadline lights, time formatting."""
import uuid

from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l

from app.db import now
from app.event_fields import form_fields
from app.nav import CASE_PANELS, nav_for
from workflows.clock import light
from workflows.machine import CALLBACK_RESULTS, EVENT_SPECS, LEVEL_LABELS, STATES

URGENCY_LABELS = {"urgent": _l("Urgent"), "normal": _l("Normal"), "complex": _l("Complex")}
SOURCE_LABELS = {
    "patrol": _l("Patrol"),
    "resident": _l("Resident"),
    "building_head": _l("Building head"),
    "hotline": _l("Hotline"),
    "api": _l("City platform"),
}
ROLE_LABELS = {
    "member": _l("Grid member"),
    "lead": _l("Grid lead"),
    "dispatcher": _l("Grid office dispatcher"),
    "handler": _l("Department handler"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
    "resident": _l("Resident"),
    "api": _l("City platform"),
    "system": _l("System"),
}
GRID_TYPES = {"standard": _l("Standard grid"), "environment": _l("Environmental grid"), "area": _l("Area grid")}


def remaining(deadline, at):
    """The time left (or overdue) as short human text."""
    if deadline is None:
        return ""
    seconds = int((deadline - at).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = gettext("%(d)sd %(h)sh", d=days, h=hours)
    elif hours:
        text = gettext("%(h)sh %(m)smin", h=hours, m=minutes)
    else:
        text = gettext("%(m)smin", m=minutes)
    return gettext("%(t)s overdue", t=text) if overdue else gettext("%(t)s left", t=text)


def age(since, at):
    """How long ago, in whole days (boards change their text at most once a day)."""
    if since is None:
        return ""
    days = (at.date() - since.date()).days
    return gettext("today") if days <= 0 else gettext("%(n)s days", n=days)


def label_of(table):
    """A lookup that translates a key's label, or shows the key itself when unknown."""
    return lambda key: str(table[key]) if key in table else (key or "")


def init_app(app):
    """Expose the helpers to Jinja as globals (so imported macros see them too)."""

    app.jinja_env.globals.update({
        "now": now,
        "state_label": lambda s: gettext(STATES[s]) if s in STATES else s,
        "event_label": lambda e: gettext(EVENT_SPECS[e].label) if e in EVENT_SPECS else e,
        "level_label": lambda lv: gettext(LEVEL_LABELS[lv]) if lv in LEVEL_LABELS else lv,
        "callback_label": lambda c: gettext(CALLBACK_RESULTS[c]) if c in CALLBACK_RESULTS else c,
        "urgency_label": label_of(URGENCY_LABELS),
        "source_label": label_of(SOURCE_LABELS),
        "role_label": label_of(ROLE_LABELS),
        "kind_label": lambda k: gettext(LEVEL_LABELS[k]) if k in LEVEL_LABELS else k,
        "grid_type_label": label_of(GRID_TYPES),
        "light": lambda case, at=None: light(at or now(), case.warn_at, case.deadline),
        "remaining": remaining,
        "age": age,
        # A fresh key per rendered form: a double tap or a retried POST records one event.
        "request_key": lambda: uuid.uuid4().hex,
        "form_fields": form_fields,
        "states": list(STATES),
        "nav_for": nav_for,
        "case_panels": CASE_PANELS,
    })

    app.jinja_env.filters["dt"] = lambda value, fmt="yyyy-MM-dd HH:mm": format_datetime(value, fmt, rebase=False) if value else ""
