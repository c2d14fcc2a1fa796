"""A case in plain words for residents and outside systems: status, responsible unit, steps.

Nothing here ever reads a phone number, a person's name or the reporter's contact:
only states, org and department names, dates and the notes meant for the public.
"""
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.models import Attachment, Department
from workflows.residents import PUBLIC_NOTE_EVENTS, mask_contacts, public_events, public_note, void_kind

STATUS = {
    "found": _l("Received: the grid worker is checking it"),
    "handled": _l("Dealt with on the spot: waiting for a check"),
    "reported": _l("Passed on for coordination"),
    "assigned": _l("Being fixed by the responsible unit"),
    "rectified": _l("Fixed: waiting for an on-site check"),
    "verified": _l("Checked on site: about to be closed"),
    "closed": _l("Done"),
}
VOID_STATUS = {
    "duplicate": _l("Merged with an earlier report of the same problem"),
    "invalid": _l("Closed: the problem reported was not found on site"),
}
STEPS = {
    "create": _l("Report received"),
    "handle": _l("Dealt with on the spot"),
    "report": _l("Passed on for coordination"),
    "send_back": _l("Returned to the grid to check again"),
    "escalate": _l("Passed to a higher office"),
    "dispatch": _l("Handed to the responsible unit"),
    "decline": _l("Responsible unit being re-decided"),
    "rectify": _l("Fixed by the responsible unit"),
    "verify": _l("Checked on site"),
    "rework": _l("Check failed: sent back for rework"),
    "close": _l("Closed"),
    "void": _l("Closed"),
    "reopen": _l("Reopened"),
}
RATING_LABELS = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
}


def status_text(case, events=None):
    """Where the case is, in plain words."""
    kind = void_kind(case, events)
    if kind in VOID_STATUS:
        return str(VOID_STATUS[kind])
    return str(STATUS.get(case.state, STATUS["reported"]))


def office_name(case):
    """The office handling the case at its level (grid, community, street or district)."""
    if case.level == "grid":
        return case.grid.name
    unit = {"community": case.community, "street": case.street, "district": case.district}[case.level]
    return _("%(name)s grid office", name=unit.name)


def responsible_unit(case):
    """The department the case is with, else the office at its level."""
    return case.department.name if case.department_id else office_name(case)


def steps(case, events=None):
    """The case's steps for the public: date, what happened, the unit it concerned, a public note."""
    events = events if events is not None else public_events(case)
    departments = {d.id: d.name for d in Department.select().where(
        Department.id.in_({row.department_id for row in events if row.department_id}))}
    out = []
    for row in events:
        label = STEPS.get(row.event)
        if label is None and row.from_state == row.to_state:
            continue  # an internal record (reminders, notices) is the staff's business
        unit = departments.get(row.department_id, "") if row.event in ("dispatch", "rectify") else ""
        note = mask_contacts(row.note.strip()) if row.event in PUBLIC_NOTE_EVENTS else ""
        out.append({"at": row.at, "label": str(label or _l("In progress")), "unit": unit, "note": note})
    return out


def result_photos(case):
    """After-photos of a case closed as fixed: the only photos shown publicly."""
    if case.state != "closed" or case.resolution != "closed":
        return []
    return list(Attachment.select().where((Attachment.case == case.id) & (Attachment.kind == "after"))
                .order_by(Attachment.id))


def result_note(case, events=None):
    """The latest public note, once the case is closed."""
    return public_note(case, events) if case.state == "closed" else None


def public_url(endpoint, **values):
    """An absolute URL for residents: on PUBLIC_BASE_URL when set (what posters print), else this host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
