"""What residents leave behind and where reports land: ratings, reopen requests, intake grids."""
from peewee import CharField, ForeignKeyField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import OrgUnit, User

RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")
REOPEN_STATUSES = ("pending", "reopened", "dismissed")


class ResidentRating(BaseModel):
    """A resident's verdict on a closed case: one per case."""

    case = ForeignKeyField(Case, unique=True, backref="resident_ratings", on_delete="RESTRICT")
    rating = CharField(max_length=24)
    comment = TextField(default="")
    created_at = DateTimeField()


class ReopenRequest(BaseModel):
    """A 不满意 rating waiting for a supervisor: reopen the case (the `reopen` event) or dismiss."""

    case = ForeignKeyField(Case, backref="reopen_requests", on_delete="RESTRICT")
    rating = ForeignKeyField(ResidentRating, unique=True, on_delete="RESTRICT")
    status = CharField(max_length=16, default="pending")
    created_at = DateTimeField()
    decided_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    decided_at = DateTimeField(null=True)
    decision_note = TextField(default="")

    class Meta:
        indexes = ((("status", "created_at"), False),)


class StreetIntake(BaseModel):
    """The grid where a street receives reports whose point lies outside every grid polygon."""

    street = ForeignKeyField(OrgUnit, unique=True, backref="intake", on_delete="CASCADE")
    grid = ForeignKeyField(OrgUnit, backref="intake_for", on_delete="RESTRICT")
