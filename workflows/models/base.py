"""The base model every table shares."""
from peewee import Model

from workflows.db import db


class BaseModel(Model):
    """Snake-case table names on the shared database handle."""

    class Meta:
        database = db
        legacy_table_names = False
