"""Cases, their append-only history, their photos, and numbering counters."""
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from workflows.db import DateTimeField, JSONField
from workflows.models.base import BaseModel
from workflows.models.org import Building, Category, Department, OrgUnit, Unit, User
from workflows.models.patrols import Patrol

SOURCES = ("patrol", "resident", "building_head", "hotline", "api")
LEVELS = ("grid", "community", "street", "district")


class Case(BaseModel):
    """A problem found in a grid, moved through the case machine."""

    number = CharField(max_length=20, unique=True)
    title = CharField(max_length=200)
    description = TextField(default="")
    category = ForeignKeyField(Category, on_delete="RESTRICT")
    # Where: the grid, and its ancestors copied in so scope queries need no joins.
    grid = ForeignKeyField(OrgUnit, backref="cases", on_delete="RESTRICT")
    community = ForeignKeyField(OrgUnit, backref="community_cases", on_delete="RESTRICT")
    street = ForeignKeyField(OrgUnit, backref="street_cases", on_delete="RESTRICT")
    district = ForeignKeyField(OrgUnit, null=True, backref="district_cases", on_delete="RESTRICT")
    building = ForeignKeyField(Building, null=True, on_delete="SET NULL")
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    location_text = CharField(max_length=200, default="")
    lat = FloatField(null=True)
    lng = FloatField(null=True)
    source = CharField(max_length=16, default="patrol")
    # Private: who raised it, for the call-back. Never shown to the public.
    reporter_name = CharField(max_length=60, default="")
    reporter_phone = CharField(max_length=40, default="")
    urgency = CharField(max_length=16, default="normal")
    # The machine's state, the level it is handled at and the department it is with.
    state = CharField(max_length=16, index=True)
    level = CharField(max_length=16, default="grid")
    department = ForeignKeyField(Department, null=True, backref="cases", on_delete="RESTRICT")
    # The person the office gave the case to (交办到人), until the case moves to its next step.
    holder = ForeignKeyField(User, null=True, backref="held_cases", on_delete="RESTRICT")
    holder_due = DateTimeField(null=True)
    # The current step's clock: when it started, when 80% of it is used, when it ends.
    step_started_at = DateTimeField()
    warn_at = DateTimeField(null=True)
    deadline = DateTimeField(null=True)
    suspended_at = DateTimeField(null=True)
    # Who moved the case into its current state (a handled case is never verified by them).
    entered_by = ForeignKeyField(User, null=True, backref="entered_cases", on_delete="RESTRICT")
    rework_count = IntegerField(default=0)
    # Bumped by every change; equals the number of history rows.
    version = IntegerField(default=0)
    created_by = ForeignKeyField(User, null=True, backref="created_cases", on_delete="RESTRICT")
    created_at = DateTimeField()
    updated_at = DateTimeField()
    closed_at = DateTimeField(null=True)
    # 'closed' or 'voided' once closed.
    resolution = CharField(max_length=16, null=True)
    duplicate_of = ForeignKeyField("self", null=True, backref="duplicates", on_delete="RESTRICT")
    patrol = ForeignKeyField(Patrol, null=True, backref="cases", on_delete="SET NULL")
    # An unguessable code residents use to follow their report.
    tracking_code = CharField(max_length=32, null=True, unique=True)
    # The intake form's idempotency key: a double tap creates one case.
    intake_key = CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = (
            # A grid board's columns and its ETag read only this index (it covers the columns they need).
            (("grid", "state", "deadline", "warn_at", "closed_at", "version", "updated_at"), False),
            (("community", "state", "deadline"), False),
            (("street", "state", "deadline"), False),
            (("department", "state", "deadline"), False),
            (("state", "deadline"), False),
            (("created_at",), False),
            (("closed_at",), False),
            (("holder", "holder_due"), False),
        )

    def __str__(self):
        return f"{self.number} {self.title}"


class CaseEvent(BaseModel):
    """One row of a case's append-only history: exactly one per change."""

    case = ForeignKeyField(Case, backref="events", on_delete="RESTRICT")
    # 1, 2, 3 … per case; (case, seq) is unique, so two writers cannot both append.
    seq = IntegerField()
    event = CharField(max_length=24)
    from_state = CharField(max_length=16, null=True)
    to_state = CharField(max_length=16)
    actor = ForeignKeyField(User, null=True, backref="case_events", on_delete="RESTRICT")
    # A snapshot of who acted, kept even if the user is renamed (or is the system).
    actor_name = CharField(max_length=60)
    actor_role = CharField(max_length=16)
    at = DateTimeField()
    note = TextField(default="")
    data = JSONField(null=True)
    level = CharField(max_length=16)
    # The department the event concerns (the one dispatched to, or the case's).
    department = ForeignKeyField(Department, null=True, on_delete="RESTRICT")
    # The deadline of the step this event ended, and the one it started.
    prev_deadline = DateTimeField(null=True)
    deadline = DateTimeField(null=True)
    # A retried form submits the same key: the event is recorded once.
    request_key = CharField(max_length=64, null=True, unique=True)
    # Tamper evidence: a hash over this row and the previous row's hash.
    prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64)

    class Meta:
        indexes = (
            (("case", "seq"), True),
            (("event", "at"), False),
            (("at",), False),
            (("actor", "at"), False),
            (("department", "event", "at"), False),
        )


class Attachment(BaseModel):
    """A photo of a case: before (as found) or after (as fixed)."""

    case = ForeignKeyField(Case, backref="attachments", on_delete="RESTRICT")
    event = ForeignKeyField(CaseEvent, null=True, backref="attachments", on_delete="RESTRICT")
    kind = CharField(max_length=8, default="before")
    # Random file names under the upload folder, never the uploaded name.
    path = CharField(max_length=128, unique=True)
    thumb_path = CharField(max_length=128)
    content_type = CharField(max_length=32)
    width = IntegerField()
    height = IntegerField()
    size = BigIntegerField()
    sha256 = CharField(max_length=64)
    public = BooleanField(default=False)
    uploaded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField()


PART_STATES = ("open", "done", "explained")


class CasePart(BaseModel):
    """A co-department's part of a case handled jointly (联办): added when the case is dispatched, recorded by
    the co-department (its result, photos on its history row) or explained (why it had nothing to do)."""

    case = ForeignKeyField(Case, backref="parts", on_delete="RESTRICT")
    department = ForeignKeyField(Department, backref="case_parts", on_delete="RESTRICT")
    state = CharField(max_length=16, default="open")  # PART_STATES
    result = TextField(default="")
    explained = TextField(default="")
    added_at = DateTimeField()
    # The history row that recorded the part (its photos hang on it).
    event = ForeignKeyField(CaseEvent, null=True, on_delete="RESTRICT")
    settled_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("case", "department"), True),
            (("department", "state"), False),
        )


class Counter(BaseModel):
    """A named counter, e.g. case numbers per year."""

    key = CharField(max_length=32, primary_key=True)
    value = IntegerField(default=0)
