"""What is kept about staff beyond their account: every profile photo they or an administrator set."""
from peewee import CharField, ForeignKeyField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.org import User


class PortraitChange(BaseModel):
    """A profile photo set for a person (the newest is shown; the earlier ones stay with who set them and when)."""

    person = ForeignKeyField(User, backref="portrait_changes", on_delete="RESTRICT")
    photo = CharField(max_length=128)
    set_by = ForeignKeyField(User, backref="portraits_set", on_delete="RESTRICT")
    at = DateTimeField()
