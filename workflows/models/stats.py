"""Assessment: the composite score's weights and the monthly rankings as published."""
from peewee import CharField, DateField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField, JSONField
from workflows.models.base import BaseModel
from workflows.models.org import OrgUnit, User


class ScoreWeights(BaseModel):
    """One saved set of indicator weights (they sum to 100); the newest applies from then on."""

    weights = JSONField()
    note = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(index=True)


class RankingPublication(BaseModel):
    """A month's ranking of a street's (or district's) grids, communities and departments, as published.

    The numbers are frozen in `data`: later case changes do not alter a published month.
    Publishing the month again adds a new version, which needs a reason; earlier versions stay.
    """

    scope = ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    month = DateField()  # the first day of the month
    version = IntegerField()
    reason = TextField(default="")
    weights = JSONField()
    data = JSONField()
    published_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    published_by_name = CharField(max_length=60)
    published_at = DateTimeField()

    class Meta:
        indexes = ((("scope", "month", "version"), True),)
