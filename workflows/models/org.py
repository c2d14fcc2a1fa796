"""The organisation: district → street → community → grid, buildings, departments, people."""
from datetime import datetime

from peewee import (
    BooleanField,
    CharField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from workflows.db import DateTimeField, JSONField
from workflows.models.base import BaseModel

ORG_KINDS = ("district", "street", "community", "grid")
ROLES = ("member", "lead", "dispatcher", "handler", "supervisor", "admin", "building_head")
# The org kind a role's scope must be (admin has none; handler has a department).
ROLE_SCOPE_KINDS = {
    "member": ("grid",),
    "lead": ("grid",),
    "dispatcher": ("community", "street", "district"),
    "supervisor": ("street", "district"),
    "handler": (),
    "admin": (),
    "building_head": ("grid",),  # 楼栋长/单元长: their buildings or units of the grid (BuildingHead)
}
URGENCIES = ("urgent", "normal", "complex")
# Where a case found by a department's own inspection (or a supervisor's) goes, per category:
# straight to the inspector's department (assigned), or to the grid it was found in (reported).
INSPECTED_ROUTES = ("grid", "department")


class OrgUnit(BaseModel):
    """One node of the organisation tree; a grid is the leaf cases belong to."""

    kind = CharField(max_length=16, index=True)
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=100)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    # Grid facts (unused on other kinds): patrol rules depend on grid_type.
    grid_type = CharField(max_length=16, default="standard")
    area_text = TextField(default="")
    households = IntegerField(null=True)
    # A polygon as [[lng, lat], ...] so points can be matched to grids.
    polygon = JSONField(null=True)
    active = BooleanField(default=True)
    sort_order = IntegerField(default=0)

    def lineage(self):
        """This unit and its ancestors, nearest first."""
        node, out = self, []
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def ancestor(self, kind):
        """The ancestor (or self) of the given kind, or None."""
        for node in self.lineage():
            if node.kind == kind:
                return node
        return None

    def __str__(self):
        return self.name


class Building(BaseModel):
    """A building (楼栋) inside a grid."""

    grid = ForeignKeyField(OrgUnit, backref="buildings", on_delete="CASCADE")
    name = CharField(max_length=60)
    sort_order = IntegerField(default=0)
    lat = FloatField(null=True)
    lng = FloatField(null=True)
    # The registry's facts (issue 17): address, floors, and how it is managed (自管/物管/单位小区).
    address = CharField(max_length=200, default="")
    floors = IntegerField(null=True)
    kind = CharField(max_length=16, default="self_managed")

    class Meta:
        indexes = ((("grid", "name"), True),)

    def __str__(self):
        return self.name


class Unit(BaseModel):
    """A stairwell unit (单元) of a building."""

    building = ForeignKeyField(Building, backref="units", on_delete="CASCADE")
    name = CharField(max_length=40)

    class Meta:
        indexes = ((("building", "name"), True),)

    def __str__(self):
        return f"{self.building.name}{self.name}"


class Department(BaseModel):
    """A functional department (职能部门) that rectifies dispatched cases."""

    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=100)
    org = ForeignKeyField(OrgUnit, backref="departments", on_delete="RESTRICT")
    phone = CharField(max_length=40, default="")
    active = BooleanField(default=True)

    def __str__(self):
        return self.name


class Category(BaseModel):
    """A two-level case category; the minor level carries department and urgency."""

    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=60)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    default_department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
    urgency = CharField(max_length=16, default="normal")
    # A case an inspector records: "department" (their own takes it on) or "grid" (INSPECTED_ROUTES).
    inspected_to = CharField(max_length=16, default="grid")
    # Offered on the residents' short list.
    public = BooleanField(default=False)
    # Extra questions (Open311 attributes): [{"code", "description", "datatype", "required", "values"}].
    attributes = JSONField(null=True)
    sort_order = IntegerField(default=0)
    active = BooleanField(default=True)

    def __str__(self):
        return self.name


class User(BaseModel):
    """Somebody who signs in: a role and the scope it applies to."""

    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255)
    name = CharField(max_length=60)
    role = CharField(max_length=16, index=True)
    org = ForeignKeyField(OrgUnit, null=True, backref="users", on_delete="RESTRICT")
    department = ForeignKeyField(Department, null=True, backref="users", on_delete="RESTRICT")
    phone = CharField(max_length=40, default="")
    publish_phone = BooleanField(default=False)
    duties = TextField(default="")
    photo = CharField(max_length=128, null=True)
    locale = CharField(max_length=10, null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=datetime.now)
    last_login_at = DateTimeField(null=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    # Set when an administrator gave the password: the user chooses their own at the next sign-in.
    must_change_password = BooleanField(default=False)

    # Flask-Login's user protocol, kept here so the model needs no web import.
    is_authenticated = True
    is_anonymous = False
    # The token of the sign-in session this instance was loaded for (never stored on the row).
    session_token = None

    @property
    def is_active(self):
        """A deactivated user cannot sign in; their history stays."""
        return self.active

    def get_id(self):
        """What Flask-Login keeps in the cookie: the server-side session's token, not the user id,
        so ending the session record ends the cookie (Flask-Login's alternative-token pattern)."""
        return self.session_token

    def __str__(self):
        return self.name
