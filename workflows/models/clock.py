"""The case clock's data: the working calendar and the editable time limits."""
from peewee import (
    BooleanField,
    CharField,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
)

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.org import User

# Where a calendar row came from: the `holidays` package, the package's row confirmed by an
# admin against the State Council's notice, or entered by hand.
CALENDAR_SOURCES = ("holidays", "confirmed", "manual")


class CalendarDay(BaseModel):
    """A date that differs from the weekly pattern: a holiday on a weekday, or a make-up working day (调休)."""

    day = DateField(primary_key=True)
    workday = BooleanField()
    source = CharField(max_length=16, default="manual")
    note = CharField(max_length=100, default="")
    updated_at = DateTimeField()
    updated_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")


class CalendarYear(BaseModel):
    """A calendar year: loaded from the package, and confirmed once an admin has checked it."""

    year = IntegerField(primary_key=True)
    synced_at = DateTimeField(null=True)
    confirmed_at = DateTimeField(null=True)
    confirmed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")


class TimeLimit(BaseModel):
    """The limit of a step from a moment on; the newest row not later than a step's start applies."""

    state = CharField(max_length=16)
    # The category urgency for states whose limit depends on it, else "".
    urgency = CharField(max_length=16, default="")
    amount = FloatField()
    unit = CharField(max_length=16)
    effective_from = DateTimeField()
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("state", "urgency", "effective_from"), True),)
