"""Patrols (巡查): a grid worker walking their grid."""
from peewee import DateTimeField, ForeignKeyField

from workflows.models.base import BaseModel
from workflows.models.org import OrgUnit, User


class Patrol(BaseModel):
    """One patrol by one person in one grid; cases recorded during it link to it."""

    user = ForeignKeyField(User, backref="patrols", on_delete="RESTRICT")
    grid = ForeignKeyField(OrgUnit, backref="patrols", on_delete="RESTRICT")
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("grid", "started_at"), False), (("user", "started_at"), False))
