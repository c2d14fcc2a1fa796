"""WTForms for intake and administration (Flask-WTF adds the CSRF token).

Messages are msgids (lazy_gettext) so they reach people in their language.
"""
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from workflows.machine import LEVEL_LABELS
from workflows.models import ORG_KINDS, ROLES, URGENCIES, Category
from workflows.service import TEXT_LIMIT
from workflows.values import record_id
from workflows.vocabulary import GRID_TYPE_LABELS, ROLE_LABELS, SOURCE_LABELS, URGENCY_LABELS

REQUIRED = _l("This field is required.")
PHONE = Regexp(r"^[0-9+\-\s()]*$", message=_l("A phone number has only digits, spaces and + - ( )."))
CODE = Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only."))
# Sources a person records at intake; "api" is the city platform's alone.
INTAKE_SOURCES = ("patrol", "resident", "building_head", "hotline")


def options(pairs):
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


INVALID_CHOICE = _l("Choose one of the options.")


def optional_id(value):
    """A select's value as an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    number = record_id(value)
    return -1 if number is None else number  # -1: never a valid choice


class IntakeForm(FlaskForm):
    """A new case as a grid worker records it on a tablet."""

    category = RadioField(_l("Category"), coerce=optional_id, validate_choice=False,
                          validators=[InputRequired(message=_l("Choose a category."))])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    building = SelectField(_l("Building"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    unit = SelectField(_l("Unit"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    location_text = StringField(_l("Location"), validators=[Length(max=200)])
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    urgency = RadioField(_l("Urgency"), default="",
                         choices=options([("", _l("As the category says"))] + [(u, _l(URGENCY_LABELS[u])) for u in URGENCIES]),
                         invalid_choice_message=INVALID_CHOICE)
    source = SelectField(_l("Source"), default="patrol", choices=options((s, _l(SOURCE_LABELS[s])) for s in INTAKE_SOURCES),
                         invalid_choice_message=INVALID_CHOICE)
    reporter_name = StringField(_l("Reporter's name"), validators=[Length(max=60)])
    reporter_phone = StringField(_l("Reporter's phone"), validators=[Length(max=40), PHONE])
    photos = MultipleFileField(_l("Photos"))
    handle_now = BooleanField(_l("Handled on the spot"))
    note = TextAreaField(_l("How it was handled"), validators=[Length(max=TEXT_LIMIT)])
    after_photos = MultipleFileField(_l("After photo"))
    intake_key = HiddenField(default=lambda: uuid.uuid4().hex, validators=[Length(max=64)])

    def setup(self, categories, buildings, units):
        """The grid's choices: active minor categories, its buildings and their units."""
        self.category.choices = options((c.id, c.name) for c in categories)
        self.building.choices = options([("", "—")] + [(b.id, b.name) for b in buildings])
        self.unit.choices = options([("", "—")] + [(u.id, f"{u.building.name} {u.name}") for u in units])

    def validate_category(self, field):
        """Only an active minor category of the list; a retired one is named (an outbox item may carry one)."""
        if field.data not in {choice.value for choice in field.choices}:
            retired = Category.get_or_none((Category.id == field.data) & ~Category.active) if field.data else None
            if retired is not None:
                raise ValidationError(_l("The category “%(name)s” is no longer in use: choose another one.",
                                         name=retired.name))
            raise ValidationError(_l("Choose a category."))

    def validate_note(self, field):
        """Handling on the spot is recorded with what was done."""
        if self.handle_now.data and not (field.data or "").strip():
            raise ValidationError(_l("Write what was done on the spot."))


class OrgUnitForm(FlaskForm):
    """An org unit: district, street, community or grid."""

    kind = SelectField(_l("Kind"), choices=options((k, _l(LEVEL_LABELS[k])) for k in ORG_KINDS))
    code = StringField(_l("Code"), validators=[DataRequired(message=REQUIRED), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    parent = SelectField(_l("Belongs to"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    grid_type = SelectField(_l("Grid type"), choices=options((k, _l(v)) for k, v in GRID_TYPE_LABELS.items()))
    households = IntegerField(_l("Households"), validators=[Optional(), NumberRange(min=0, max=100000)])
    area_text = TextAreaField(_l("Area"), validators=[Length(max=2000)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=10000)])


class UserForm(FlaskForm):
    """An account: a role and the org unit or department it works in."""

    username = StringField(_l("Username"), validators=[DataRequired(message=REQUIRED), Length(max=64),
                                                       Regexp(r"^[A-Za-z0-9_.-]+$",
                                                              message=_l("Use letters, digits, . - and _ only."))])
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=60)])
    role = SelectField(_l("Role"), choices=options((r, _l(ROLE_LABELS[r])) for r in ROLES))
    org = SelectField(_l("Org unit"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    department = SelectField(_l("Department"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    phone = StringField(_l("Phone"), validators=[Length(max=40), PHONE])
    publish_phone = BooleanField(_l("Show the phone on the grid's public sign"))
    duties = TextAreaField(_l("Duties"), validators=[Length(max=2000)])
    password = PasswordField(_l("Password"), validators=[Length(max=1024)])


class DepartmentForm(FlaskForm):
    """A functional department and the street or district it serves."""

    code = StringField(_l("Code"), validators=[DataRequired(message=REQUIRED), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    org = SelectField(_l("Serves"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    phone = StringField(_l("Phone"), validators=[Length(max=40), PHONE])


class CategoryForm(FlaskForm):
    """A case category: a major one, or a minor one under a major with its defaults."""

    code = StringField(_l("Code"), validators=[DataRequired(message=REQUIRED), Length(max=16), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=60)])
    parent = SelectField(_l("Major category"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    default_department = SelectField(_l("Default department"), coerce=optional_id, invalid_choice_message=INVALID_CHOICE)
    urgency = SelectField(_l("Urgency"), choices=options((u, _l(URGENCY_LABELS[u])) for u in URGENCIES),
                          default="normal")
    public = BooleanField(_l("Residents may choose it"))
    inspected_to = SelectField(_l("Found on a department's own inspection"),
                               choices=options((("grid", _l("Goes to the grid where it was found")),
                                                ("department", _l("Goes straight to the inspector's department")))),
                               default="grid")
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=10000)])

