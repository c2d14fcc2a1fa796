"""The form fields events carry: label, widget and choices, keyed by field name.

An event's form shows its required fields (`EventSpec.needs`) and optional ones
(`EventSpec.optional`) in that order; a new kind of field is one entry here.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from workflows.machine import CALLBACK_RESULTS, EVENT_SPECS, VOID_KINDS, check_reason


@dataclass(frozen=True)
class Field:
    """How one event field is asked for."""

    label: str
    widget: str  # textarea | text | select | department | datetime | photos
    choices: dict = None


FIELDS = {
    "note": Field(_l("Note"), "textarea"),
    "reason": Field(_l("Reason"), "textarea"),
    "instructions": Field(_l("Instructions"), "textarea"),
    "department": Field(_l("Department"), "department"),
    "callback": Field(_l("Call-back result"), "select", CALLBACK_RESULTS),
    "void_kind": Field(_l("Why void"), "select", VOID_KINDS),
    "duplicate_of": Field(_l("Original case number"), "text"),
    "photos": Field(_l("After photo"), "photos"),
    "requested_deadline": Field(_l("New deadline"), "datetime"),
}


def form_fields(event):
    """[(name, Field, required)] for the event's form."""
    spec = EVENT_SPECS[event]
    return [(name, FIELDS[name], True) for name in spec.needs] + [
        (name, FIELDS[name], False) for name in spec.optional
    ]


def data_fields(event):
    """The names of the event's non-file fields, as read from a submitted form."""
    return [name for name, field, _required in form_fields(event) if field.widget != "photos"]


def takes_photos(event):
    """True if the event's form accepts photos."""
    return any(field.widget == "photos" for _name, field, _required in form_fields(event))


def needs_input(event, case, actor, now):
    """True if the event cannot go ahead on one tap: it has required fields, or its data
    check refuses empty data for this case (closing a resident's case needs the call-back)."""
    spec = EVENT_SPECS[event]
    return bool(spec.needs) or check_reason(spec, case, actor, now, {}) is not None
