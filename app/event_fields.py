"""The form fields events carry: label, widget and choices, keyed by field name.

An event's form shows its required fields (`EventSpec.needs`) and optional ones
(`EventSpec.optional`) in that order; a new kind of field is one entry here.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from workflows.machine import CALLBACK_RESULTS, EVENT_SPECS, VOID_KINDS, check_reason
from workflows.models import Department
from workflows.policy import case_holders


@dataclass(frozen=True)
class Field:
    """How one event field is asked for."""

    label: str
    widget: str  # textarea | text | select | department | departments | person | datetime | photos
    choices: dict = None


FIELDS = {
    "note": Field(_l("Note"), "textarea"),
    "reason": Field(_l("Reason"), "textarea"),
    "instructions": Field(_l("Instructions"), "textarea"),
    "department": Field(_l("Department"), "department"),
    # Joint handling (联办): co-departments besides the lead, each records its part.
    "co_departments": Field(_l("Co-departments (joint handling)"), "departments"),
    "callback": Field(_l("Call-back result"), "select", CALLBACK_RESULTS),
    "void_kind": Field(_l("Why void"), "select", VOID_KINDS),
    "duplicate_of": Field(_l("Original case number"), "text"),
    "photos": Field(_l("After photo"), "photos"),
    "requested_deadline": Field(_l("New deadline"), "datetime"),
    "holder": Field(_l("Person"), "person"),
    "due": Field(_l("Due by"), "datetime"),
}


def departments_for(case):
    """Active departments serving the case's street or district (what a dispatch offers)."""
    return list(Department.select().where(Department.active & Department.org.in_([case.street_id, case.district_id]))
                .order_by(Department.name))


# widget -> (what the choices depend on, the choices of a case)
CHOICES = {
    "department": (lambda case: (case.street_id, case.district_id), departments_for),
    "person": (lambda case: (case.grid_id, case.department_id), lambda case: list(case_holders(case))),
}


class Choices:
    """The choices event forms offer (departments for a dispatch, people for a give), read once per
    place for every case of a page."""

    def __init__(self):
        self._kept = {}

    def __call__(self, case, widget):
        depends_on, read = CHOICES[widget]
        key = (widget, *depends_on(case))
        if key not in self._kept:
            self._kept[key] = read(case)
        return self._kept[key]


def form_fields(event):
    """[(name, Field, required)] for the event's form."""
    spec = EVENT_SPECS[event]
    return [(name, FIELDS[name], True) for name in spec.needs] + [
        (name, FIELDS[name], False) for name in spec.optional
    ]


def data_fields(event):
    """The names of the event's non-file fields, as read from a submitted form."""
    return [name for name, field, _required in form_fields(event) if field.widget != "photos"]


def form_value(form, event, name):
    """One field's submitted value: several departments' ids joined with commas, else the text sent."""
    if FIELDS[name].widget == "departments":
        return ",".join(form.getlist(name)[:20])
    return form.get(name, "")


def takes_photos(event):
    """True if the event's form accepts photos."""
    return any(field.widget == "photos" for _name, field, _required in form_fields(event))


def needs_input(event, case, actor, now):
    """True if the event cannot go ahead on one tap: it has required fields, or its data
    check refuses empty data for this case (closing a resident's case needs the call-back)."""
    spec = EVENT_SPECS[event]
    return bool(spec.needs) or check_reason(spec, case, actor, now, {}) is not None
