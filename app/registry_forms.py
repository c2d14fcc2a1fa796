"""WTForms for the registry (issue 17). The domain (workflows.registry.service) checks every value
again — the ID number's check digit, dates, duplicates — and its refusals land on the same fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import INVALID_CHOICE, PHONE, REQUIRED, options
from workflows.models import RELATIONS, RESIDENCE_KINDS, ROOM_USES, SEXES, THING_CONDITIONS
from workflows.registry import (
    BUILDING_KIND_LABELS,
    CONDITION_LABELS,
    FIELD_LABELS,
    ORG_KIND_LABELS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    ROOM_USE_LABELS,
    SEX_LABELS,
    THING_KIND_LABELS,
)

BAD_DATE = _l("Give a date as YYYY-MM-DD.")


class SmallInteger(IntegerField):
    """An integer field that refuses more than nine digits before any arithmetic (WTForms' NumberRange
    turns a 3,000-digit number into a float and overflows)."""

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip()) > 9:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


def pick(label, labels, keys=None, **kw):
    """A select of translated labels."""
    return SelectField(label, choices=options((k, _l(labels[k])) for k in (keys or labels)),
                       invalid_choice_message=INVALID_CHOICE, **kw)


def when(label, required=False):
    """A date field (the browser's date picker)."""
    validators = [DataRequired(message=REQUIRED)] if required else [Optional()]
    return DateField(label, validators=validators, format="%Y-%m-%d", render_kw={"type": "date"})


class BuildingForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=60)])
    address = StringField(_l("Street address"), validators=[Length(max=200)])
    floors = SmallInteger(_l("Floors"), validators=[Optional(), NumberRange(1, 200)])
    kind = pick(_l("Management"), BUILDING_KIND_LABELS)


class UnitForm(FlaskForm):
    name = StringField(_l("Unit"), validators=[DataRequired(message=REQUIRED), Length(max=40)])


class RoomForm(FlaskForm):
    number = StringField(_l("Room"), validators=[DataRequired(message=REQUIRED), Length(max=20)])
    floor = SmallInteger(_l("Floor"), validators=[Optional(), NumberRange(-5, 200)])
    use = pick(_l("Use"), ROOM_USE_LABELS, ROOM_USES)
    landlord = StringField(_l("Landlord"), validators=[Length(max=60)])
    landlord_phone = StringField(_l("Landlord's phone"), validators=[Length(max=20), PHONE])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])


class HouseholdForm(FlaskForm):
    number = StringField(_l("Household number"), validators=[Length(max=32)])


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=60)])
    id_number = StringField(_l("ID number"), validators=[DataRequired(message=REQUIRED), Length(max=18)])
    phone = StringField(_l("Phone"), validators=[Length(max=20), PHONE])
    sex = pick(_l("Sex"), SEX_LABELS, SEXES)
    birth_date = when(_l("Birth date"))
    residence = pick(_l("Registration"), RESIDENCE_LABELS, RESIDENCE_KINDS)
    relation = pick(_l("Relation to the head"), RELATION_LABELS, RELATIONS)
    moved_in = when(_l("Moved in on"))
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])


class EditPersonForm(PersonForm):
    """Editing shows the ID number and phone masked: left blank they stay as they are."""

    id_number = StringField(_l("ID number"), validators=[Length(max=18)])


class LeaveForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=options([("moved_out", _l("Moved out")),
                                                             ("deceased", _l("Died"))]),
                       invalid_choice_message=INVALID_CHOICE)
    on = when(_l("On"), required=True)
    to = StringField(_l("Moved to"), validators=[Length(max=200)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=REQUIRED), Length(max=500)])


class TagForm(FlaskForm):
    tag = SelectField(_l("Group"), invalid_choice_message=INVALID_CHOICE)
    on = when(_l("Since"), required=True)
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])


class EndTagForm(FlaskForm):
    on = when(_l("Until"), required=True)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=REQUIRED), Length(max=500)])


class RevealForm(FlaskForm):
    field = pick(_l("Field"), FIELD_LABELS)
    reason = TextAreaField(_l("Why you need it"), validators=[DataRequired(message=REQUIRED), Length(max=500)])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    kind = pick(_l("Kind"), ORG_KIND_LABELS)
    address = StringField(_l("Street address"), validators=[Length(max=200)])
    contact = StringField(_l("Contact"), validators=[Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=20), PHONE])
    staff = SmallInteger(_l("Staff"), default=0, validators=[Optional(), NumberRange(0, 1_000_000)])
    fire_safety_person = StringField(_l("Fire-safety responsible person"), validators=[Length(max=60)])


class ThingForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(message=REQUIRED), Length(max=32)])
    kind = pick(_l("Kind"), THING_KIND_LABELS)
    location_text = StringField(_l("Location"), validators=[Length(max=200)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    condition = pick(_l("Condition"), CONDITION_LABELS, THING_CONDITIONS)


class ImportForm(FlaskForm):
    file = FileField(_l("Filled-in template (.xlsx)"), validators=[FileRequired(message=REQUIRED)])


class AckForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Length(max=500)])


class HeadForm(FlaskForm):
    """A building head (the whole building) or a unit head (one unit) for the roster."""

    place = SelectField(_l("Building or unit"), invalid_choice_message=INVALID_CHOICE)
    name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=60)])
    phone = StringField(_l("Phone"), validators=[Length(max=20), PHONE])
    user = SelectField(_l("Sign-in account"), invalid_choice_message=INVALID_CHOICE)
    started_on = when(_l("Since"), required=True)


class EndHeadForm(FlaskForm):
    on = when(_l("Ended on"), required=True)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=REQUIRED), Length(max=500)])
