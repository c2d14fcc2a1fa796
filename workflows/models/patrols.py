"""Patrols (巡查), the rules for how often to patrol, and work-log notes (日清周结)."""
from peewee import (
    CharField,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.org import Building, OrgUnit, User

PATROL_PERIODS = ("day", "week", "month")
NOTE_KINDS = ("day", "week")


class Patrol(BaseModel):
    """One patrol by one person in one grid; cases recorded during it link to it."""

    user = ForeignKeyField(User, backref="patrols", on_delete="RESTRICT")
    grid = ForeignKeyField(OrgUnit, backref="patrols", on_delete="RESTRICT")
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    # Where the tablet was at the start and the end (optional: the browser may refuse).
    start_lat = FloatField(null=True)
    start_lng = FloatField(null=True)
    start_accuracy = FloatField(null=True)
    end_lat = FloatField(null=True)
    end_lng = FloatField(null=True)
    end_accuracy = FloatField(null=True)
    note = TextField(default="")

    class Meta:
        indexes = (
            (("grid", "started_at"), False),
            (("user", "started_at"), False),
            (("user", "ended_at"), False),
        )


class PatrolBuilding(BaseModel):
    """A building checked off during a patrol."""

    patrol = ForeignKeyField(Patrol, backref="buildings", on_delete="CASCADE")
    building = ForeignKeyField(Building, backref="patrol_checks", on_delete="CASCADE")
    checked_at = DateTimeField()

    class Meta:
        indexes = ((("patrol", "building"), True),)


class PatrolRule(BaseModel):
    """How often a role must patrol a kind of grid: `times` patrols per day, week or month.

    `grid_type` "" applies to every grid type without a rule of its own.
    """

    role = CharField(max_length=16)
    grid_type = CharField(max_length=16, default="")
    period = CharField(max_length=8)
    times = IntegerField(default=1)
    updated_at = DateTimeField(null=True)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("role", "grid_type"), True),)


class WorkLogNote(BaseModel):
    """A person's free note on a day (日清) or a week (周结; `day` is its Monday)."""

    user = ForeignKeyField(User, backref="worklog_notes", on_delete="RESTRICT")
    kind = CharField(max_length=8, default="day")
    day = DateField()
    text = TextField(default="")
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("user", "kind", "day"), True),)
