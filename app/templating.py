"""Template helpers: labels from the machine, deadline lights, time formatting."""
import uuid

from flask_babel import format_datetime, gettext

from app.db import now
from app.nav import CASE_PANELS, nav_for
from workflows.clock import light
from workflows.rules import can_see_contact
from workflows.machine import CALLBACK_RESULTS, EVENT_SPECS, LEVEL_LABELS, STATES


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


def mask_phone(value):
    """A phone number with its middle hidden (138****0000); short numbers keep only their end."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) >= 8:
        return f"{text[:3]}****{text[-4:]}"
    return "****" + text[-2:] if len(text) > 2 else "****"


def init_app(app):
    """Expose the helpers to Jinja as globals (so imported macros see them too)."""

    app.jinja_env.globals.update({
        "now": now,
        "state_label": lambda s: gettext(STATES[s]) if s in STATES else s,
        "event_label": lambda e: gettext(EVENT_SPECS[e].label) if e in EVENT_SPECS else e,
        "level_label": lambda lv: gettext(LEVEL_LABELS[lv]) if lv in LEVEL_LABELS else lv,
        "callback_label": lambda c: gettext(CALLBACK_RESULTS[c]) if c in CALLBACK_RESULTS else c,
        "light": lambda case, at=None: light(at or now(), case.warn_at, case.deadline),
        "remaining": remaining,
        # A fresh key per rendered form: a double tap or a retried POST records one event.
        "request_key": lambda: uuid.uuid4().hex,
        "nav_for": nav_for,
        "case_panels": CASE_PANELS,
        "can_see_contact": can_see_contact,
    })
    app.jinja_env.filters["mask_phone"] = mask_phone

    app.jinja_env.filters["dt"] = lambda value, fmt="yyyy-MM-dd HH:mm": format_datetime(value, fmt, rebase=False) if value else ""
