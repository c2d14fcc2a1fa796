"""The grid's basic information (人、房、组织、物): rooms, households, people and their tags,
organisations, things (部件), links from cases, the dated history of every change and the log of
every reveal of a masked field. Buildings and units are the organisation's (workflows.models.org)."""
from peewee import (
    BooleanField,
    CharField,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from workflows.db import DateTimeField, JSONField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import Building, OrgUnit, Unit, User

BUILDING_KINDS = ("self_managed", "property", "work_unit")  # 自管 / 物管 / 单位小区
ROOM_USES = ("owner", "rented", "vacant", "shop")
SEXES = ("male", "female")
RESIDENCE_KINDS = ("registered", "resident", "temporary", "floating")  # 户籍 / 常住 / 暂住 / 流动
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "tenant", "other")
PERSON_STATUSES = ("living", "moved_out", "deceased")
THING_CONDITIONS = ("good", "damaged", "missing")
CHANGE_KINDS = ("created", "edited", "moved_in", "moved_out", "deceased", "born", "tag_added", "tag_removed",
                "use_changed", "imported")
REVEAL_FIELDS = ("id_number", "phone")


class Room(BaseModel):
    """A room (户室) of a unit, with its use: owner-occupied, rented (出租屋), vacant or a shop."""

    unit = ForeignKeyField(Unit, backref="rooms", on_delete="RESTRICT")
    building = ForeignKeyField(Building, backref="rooms", on_delete="RESTRICT")  # the unit's, copied for queries
    grid = ForeignKeyField(OrgUnit, backref="rooms", on_delete="RESTRICT")  # the building's, copied for scope
    number = CharField(max_length=20)
    floor = IntegerField(null=True)
    use = CharField(max_length=16, default="owner")
    landlord = CharField(max_length=60, default="")
    landlord_phone = CharField(max_length=20, default="")
    note = TextField(default="")

    class Meta:
        indexes = ((("unit", "number"), True),)

    def __str__(self):
        return f"{self.building.name}{self.unit.name}{self.number}"


class Household(BaseModel):
    """A household (户) living in a room; its head is the member whose relation is 'head'."""

    room = ForeignKeyField(Room, backref="households", on_delete="RESTRICT")
    grid = ForeignKeyField(OrgUnit, backref="households_registry", on_delete="RESTRICT")
    number = CharField(max_length=32, default="")  # 户号 on the household register, if any
    active = BooleanField(default=True)
    created_at = DateTimeField()


class Person(BaseModel):
    """A resident. ID number and phone are shown masked unless revealed (with a logged reason)."""

    grid = ForeignKeyField(OrgUnit, backref="residents", on_delete="RESTRICT")
    household = ForeignKeyField(Household, null=True, backref="members", on_delete="RESTRICT")
    relation = CharField(max_length=16, default="head")
    name = CharField(max_length=60, index=True)
    id_number = CharField(max_length=18, unique=True)
    id_tail = CharField(max_length=4, index=True)  # for search by the last four
    phone = CharField(max_length=20, default="")
    phone_tail = CharField(max_length=4, default="", index=True)
    sex = CharField(max_length=8)
    birth_date = DateField()
    residence = CharField(max_length=16, default="registered")
    moved_in = DateField(null=True)
    moved_out = DateField(null=True)
    deceased_on = DateField(null=True)
    status = CharField(max_length=16, default="living")
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("grid", "status"), False),)

    def __str__(self):
        return self.name


class PersonTag(BaseModel):
    """A group needing attention the person belongs to, from a day until it is removed (never deleted)."""

    person = ForeignKeyField(Person, backref="tags", on_delete="RESTRICT")
    tag = CharField(max_length=24)
    sensitive = BooleanField(default=False)  # copied from the tag table so queries can filter
    started_on = DateField()
    ended_on = DateField(null=True)
    end_reason = TextField(default="")
    added_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    ended_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("tag", "ended_on"), False),)


class Organisation(BaseModel):
    """A unit in the grid: a company, shop, school or social organisation."""

    grid = ForeignKeyField(OrgUnit, backref="organisations", on_delete="RESTRICT")
    name = CharField(max_length=100)
    kind = CharField(max_length=16)
    address = CharField(max_length=200, default="")
    contact = CharField(max_length=60, default="")
    contact_phone = CharField(max_length=20, default="")
    staff = IntegerField(default=0)
    fire_safety_person = CharField(max_length=60, default="")
    active = BooleanField(default=True)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("grid", "name"), True),)

    def __str__(self):
        return self.name


class Thing(BaseModel):
    """A public facility (部件): a code, a kind, a point and its condition."""

    grid = ForeignKeyField(OrgUnit, backref="things", on_delete="RESTRICT")
    code = CharField(max_length=32, unique=True)
    kind = CharField(max_length=16)
    location_text = CharField(max_length=200, default="")
    lat = FloatField(null=True)
    lng = FloatField(null=True)
    condition = CharField(max_length=16, default="good")
    active = BooleanField(default=True)
    created_at = DateTimeField()

    def __str__(self):
        return self.code


class CaseLink(BaseModel):
    """A case pointing at a room, person, organisation or thing of the registry (exactly one of them;
    a building is the case's own `building`)."""

    case = ForeignKeyField(Case, backref="registry_links", on_delete="RESTRICT")
    room = ForeignKeyField(Room, null=True, backref="case_links", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="case_links", on_delete="RESTRICT")
    organisation = ForeignKeyField(Organisation, null=True, backref="case_links", on_delete="RESTRICT")
    thing = ForeignKeyField(Thing, null=True, backref="case_links", on_delete="RESTRICT")
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()


class RegistryChange(BaseModel):
    """One dated change of the registry (moves, deaths, tags, uses, edits) with its reason and author."""

    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    kind = CharField(max_length=16)
    day = DateField()
    person = ForeignKeyField(Person, null=True, backref="changes", on_delete="RESTRICT")
    room = ForeignKeyField(Room, null=True, backref="changes", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, backref="+", on_delete="RESTRICT")
    organisation = ForeignKeyField(Organisation, null=True, backref="changes", on_delete="RESTRICT")
    thing = ForeignKeyField(Thing, null=True, backref="changes", on_delete="RESTRICT")
    detail = JSONField(null=True)
    reason = TextField(default="")
    author = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("grid", "created_at"), False),)


class RevealLog(BaseModel):
    """Who revealed which masked field of whose record, when and why (the community office reads it)."""

    user = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    person = ForeignKeyField(Person, backref="reveals", on_delete="RESTRICT")
    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    community = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    field = CharField(max_length=16)
    reason = TextField()
    at = DateTimeField()

    class Meta:
        indexes = ((("community", "at"), False),)


class RegistryRoundup(BaseModel):
    """A grid's weekly information round-up (每周信息整理汇总), acknowledged by the community's specialist."""

    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    week = DateField()  # its Monday
    acknowledged_by = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    acknowledged_at = DateTimeField()
    note = TextField(default="")

    class Meta:
        indexes = ((("grid", "week"), True),)


class BuildingHead(BaseModel):
    """A building head (楼栋长) or, when `unit` is set, a unit head (单元长): a resident who keeps the
    households of a building or unit current. The roster (花名册) is these rows; one who signs in does so
    with the narrow role `building_head` through `user`. Ended with a date and reason, never deleted."""

    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")  # the building's, copied for scope
    building = ForeignKeyField(Building, backref="heads", on_delete="RESTRICT")
    unit = ForeignKeyField(Unit, null=True, backref="heads", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")  # the resident, if registered
    name = CharField(max_length=60)
    phone = CharField(max_length=20, default="")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")  # their sign-in, if any
    started_on = DateField()
    ended_on = DateField(null=True)
    end_reason = TextField(default="")
    added_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    ended_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("grid", "ended_on"), False), (("user", "ended_on"), False))
