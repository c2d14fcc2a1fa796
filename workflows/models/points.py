"""Points (积分) for building heads, unit heads, volunteers and members: rules, ledger, published months."""
from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import Building, OrgUnit, User
from workflows.models.visits import Visit

PERSON_KINDS = ("building_head", "unit_head", "volunteer", "member")
# A visit item is earned by the person linked to the account that recorded a household visit.
POINT_KINDS = ("service", "tipoff", "visit")


class PointPerson(BaseModel):
    """Someone who earns points: a building head, unit head, volunteer or grid member."""

    name = CharField(max_length=60)
    kind = CharField(max_length=16, default="volunteer")
    grid = ForeignKeyField(OrgUnit, backref="point_people", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, on_delete="SET NULL")
    # Private: for the community to reach them, never published.
    phone = CharField(max_length=40, default="")
    active = BooleanField(default=True)
    created_at = DateTimeField()
    # The sign-in account (of the same grid) whose household visits earn this person points; at most
    # one active person per account (checked in workflows.points). Every change is a PointPersonLink row.
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        indexes = ((("grid", "name"), False),)


class PointPersonLink(BaseModel):
    """One change of a person's sign-in account (None: unlinked), who made it and when."""

    person = ForeignKeyField(PointPerson, backref="links", on_delete="RESTRICT")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    previous = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    changed_by = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    changer_name = CharField(max_length=60)
    changed_at = DateTimeField()

    class Meta:
        indexes = ((("person", "changed_at"), False),)


class PointRule(BaseModel):
    """Points for one kind of service, from the street's table (2, 3 or 5 a time)."""

    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)
    section = CharField(max_length=16)
    points = IntegerField()
    # A tip-off earns its points only once the case it produced is verified.
    kind = CharField(max_length=8, default="service")
    active = BooleanField(default=True)
    sort_order = IntegerField(default=0)


class PointEntry(BaseModel):
    """One line of the points ledger: append-only, never edited; a correction is a new entry."""

    person = ForeignKeyField(PointPerson, backref="entries", on_delete="RESTRICT")
    # Copied from the person when recorded, so moving someone never rewrites history.
    grid = ForeignKeyField(OrgUnit, backref="grid_point_entries", on_delete="RESTRICT")
    community = ForeignKeyField(OrgUnit, backref="point_entries", on_delete="RESTRICT")
    rule = ForeignKeyField(PointRule, null=True, on_delete="RESTRICT")
    points = IntegerField()
    # The service's date (a correction: the day it was recorded).
    day = DateField()
    evidence = TextField(default="")
    # A tip-off: the case it produced; each case earns tip-off points once.
    case = ForeignKeyField(Case, null=True, unique=True, backref="point_entries", on_delete="RESTRICT")
    # A visit item: the household visit that earned it; each visit earns once.
    visit = ForeignKeyField(Visit, null=True, unique=True, backref="+", on_delete="RESTRICT")
    corrects = ForeignKeyField("self", null=True, backref="corrections", on_delete="RESTRICT")
    # Signed by whoever recorded it (a snapshot of the name survives renames).
    recorded_by = ForeignKeyField(User, on_delete="RESTRICT")
    recorder_name = CharField(max_length=60)
    recorder_role = CharField(max_length=16)
    recorded_at = DateTimeField()

    class Meta:
        indexes = (
            (("community", "day"), False),
            (("person", "day"), False),
        )


class PointMonth(BaseModel):
    """A month of a community's points, published (公示) and from then on locked."""

    community = ForeignKeyField(OrgUnit, backref="point_months", on_delete="RESTRICT")
    month = DateField()  # its first day
    published_at = DateTimeField()
    published_by = ForeignKeyField(User, on_delete="RESTRICT")
    publisher_name = CharField(max_length=60)

    class Meta:
        indexes = ((("community", "month"), True),)
