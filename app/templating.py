"""Template helpers: labels from the machine and the org, deadline lights, time formatting."""
from flask.templating import Environment
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l

from app.db import now
from app.event_fields import form_fields
from app.nav import CASE_PANELS, nav_for, nav_split
from workflows.clock import light
from workflows.machine import CALLBACK_RESULTS, EVENT_SPECS, LEVEL_LABELS, STATES
from workflows.models import CaseEvent
from workflows.vocabulary import (
    GRID_TYPE_LABELS,
    ROLE_LABELS,
    SOURCE_LABELS,
    TASK_EVENT_LABELS,
    TASK_STATE_LABELS,
    URGENCY_LABELS,
)



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


def age(since, at):
    """How long ago, in whole days (boards change their text at most once a day)."""
    if since is None:
        return ""
    days = (at.date() - since.date()).days
    return gettext("today") if days <= 0 else gettext("%(n)s days", n=days)


# Where a case stands, as the person holding it would say it: (state, level) -> what it waits for.
STANDING = {
    ("found", None): _l("Waiting for the grid member"),
    ("handled", None): _l("Waiting for the grid to check"),
    ("reported", "grid"): _l("Waiting for the grid lead to decide"),
    ("reported", "community"): _l("Waiting for the community to decide"),
    ("reported", "street"): _l("Waiting for the street to decide"),
    ("reported", "district"): _l("Waiting for the district to decide"),
    ("assigned", None): _l("Waiting for the department to rectify"),
    ("rectified", None): _l("Waiting for the grid to verify"),
    ("verified", None): _l("Waiting to be closed"),
}


LEVELS = ("grid", "community", "street", "district")


def _unit_at(case, level):
    """The case's unit at a level (only that one is loaded), or None."""
    return getattr(case, level) if level in LEVELS else None


def standing(case):
    """(what the case waits for, who holds it now) for an open case; None once closed."""
    if case.state == "reported":
        what = STANDING.get(("reported", case.level))
        holder = _unit_at(case, case.level)
        return str(what), holder.name if holder else ""
    what = STANDING.get((case.state, None))
    if what is None:
        return None
    if case.state == "assigned" and case.department_id:
        return str(what), case.department.name
    if case.state == "verified":
        return str(what), (_unit_at(case, case.level) or case.community).name
    return str(what), case.grid.name


def instructions(case):
    """The dispatcher's instructions (交办要求) of the case's latest dispatch, or ""."""
    row = (CaseEvent.select(CaseEvent.data).where((CaseEvent.case == case.id) & (CaseEvent.event == "dispatch"))
           .order_by(CaseEvent.seq.desc()).first())
    return ((row.data or {}).get("instructions") or "").strip() if row else ""


def rounds(history):
    """The timeline in rework rounds: [(round number, the rework row that opened it or None, rows)]; round 0
    is everything before the first rework."""
    groups = [(0, None, [])]
    for row in history:
        if row.event == "rework":
            groups.append((len(groups), row, []))
        groups[-1][2].append(row)
    return groups


class Templates(Environment):
    """Flask's Jinja environment, whose templates see its globals as one dict.

    Jinja gives each template a ChainMap over the environment's globals, and every
    `{% from … import … %}` compares the key sets of two such maps — a hundred ChainMap lookups
    per import, a third of the time of rendering a board card (which imports two macro files).
    Every global is registered while the app is made (create_app), before any template loads, so
    a snapshot holds the same names and reads at dict speed. A global added later would not be
    seen by templates loaded before it: add globals in an init_app.
    """

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def label_of(table):
    """A lookup that translates a key's label, or shows the key itself when unknown."""
    return lambda key: gettext(table[key]) if key in table else (key or "")


def case_parts(case):
    """The co-departments' parts of a jointly handled case (联办), in the order they were added."""
    from workflows.parts import parts_of

    return parts_of(case)


def emergencies():
    """The open emergencies reported to the signed-in user's office (the red banner on their homes and boards)."""
    from flask_login import current_user

    from workflows.notices import open_emergencies
    from workflows.policy import can

    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False) or not can(user, "emergency.view"):
        return []
    return open_emergencies(user)


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
        "grid_type_label": label_of(GRID_TYPE_LABELS),
        "task_state_label": label_of(TASK_STATE_LABELS),
        "task_event_label": label_of(TASK_EVENT_LABELS),
        "light": lambda case, at=None: light(at or now(), case.warn_at, case.deadline),
        "remaining": remaining,
        "age": age,
        "form_fields": form_fields,
        "states": list(STATES),
        "nav_for": nav_for,
        "nav_split": nav_split,
        "case_panels": CASE_PANELS,
        "standing": standing,
        "instructions": instructions,
        "rounds": rounds,
        "emergencies": emergencies,
        "case_parts": case_parts,
    })
    app.jinja_env.filters["mask_phone"] = mask_phone

    app.jinja_env.filters["dt"] = lambda value, fmt="yyyy-MM-dd HH:mm": format_datetime(value, fmt, rebase=False) if value else ""
