"""The yearly 1000-point assessment (千分制考核): the scheme a street or district sets, the scores
entered for each grid (self-evaluation, then the assessor's review, per quarter) and the
year-end results as published. Nothing is deleted: items are retired, entries are superseded by
later ones, a published year is corrected by publishing it again with a reason."""
from peewee import BooleanField, CharField, DateField, FloatField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField, JSONField
from workflows.models.base import BaseModel
from workflows.models.org import OrgUnit, User

ITEM_KINDS = ("auto", "manual", "deduction", "veto")
ENTRY_STAGES = ("self", "review")


class AssessScheme(BaseModel):
    """A year's scheme of a street or district."""

    scope = ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    year = IntegerField()
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("scope", "year"), True),)


class AssessItem(BaseModel):
    """One item: automatic (a formula over the data), manual, a deduction, or a veto."""

    scheme = ForeignKeyField(AssessScheme, backref="items", on_delete="RESTRICT")
    kind = CharField(max_length=12)
    metric = CharField(max_length=32, null=True)  # automatic items: workflows.assess.METRICS
    title = CharField(max_length=100)
    max_points = IntegerField(default=0)  # deductions: the most that may be deducted; vetoes: 0
    sort_order = IntegerField(default=0)
    retired_at = DateTimeField(null=True)
    retired_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField()


class AssessEntry(BaseModel):
    """A score (or veto mark) for a grid, an item and a quarter: the latest of a stage counts."""

    item = ForeignKeyField(AssessItem, backref="entries", on_delete="RESTRICT")
    unit = ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    quarter = IntegerField()
    stage = CharField(max_length=8)
    points = FloatField(default=0)
    vetoed = BooleanField(default=False)
    note = TextField(default="")
    reason = TextField(default="")  # a correction after publication says why
    by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    by_name = CharField(max_length=60)
    at = DateTimeField()

    class Meta:
        indexes = ((("item", "unit", "quarter", "stage"), False),)


class AssessEvidence(BaseModel):
    """A file attached to an entry (a re-encoded photo or a checked PDF): stored under a random name,
    the uploaded name kept only as a label. A superseding entry carries its own; nothing is deleted."""

    entry = ForeignKeyField(AssessEntry, backref="evidence", on_delete="RESTRICT")
    path = CharField(max_length=64, unique=True)
    thumb_path = CharField(max_length=64, null=True)  # photos only
    original_name = CharField(max_length=200, default="")
    content_type = CharField(max_length=40)
    size = IntegerField()
    uploaded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    at = DateTimeField()


class AssessResult(BaseModel):
    """A year's results as published (frozen in `data`); a new version needs a reason."""

    scheme = ForeignKeyField(AssessScheme, backref="results", on_delete="RESTRICT")
    version = IntegerField()
    reason = TextField(default="")
    data = JSONField()
    published_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    published_by_name = CharField(max_length=60)
    published_at = DateTimeField()

    class Meta:
        indexes = ((("scheme", "version"), True),)


ACCOUNTABILITY_MEASURES = ("talk", "written_notice")
ACCOUNTABILITY_STATUSES = ("open", "confirmed", "dismissed")


class Accountability(BaseModel):
    """三次不到岗: a person who missed three or more patrol periods in a month, for the lead's
    decision (a talk or a written notice, or dismissed with a reason); the person may answer."""

    user = ForeignKeyField(User, backref="accountabilities", on_delete="RESTRICT")
    grid = ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    month = DateField()  # the first day of the month
    missed = IntegerField()
    missed_periods = JSONField()  # the first days of the periods missed
    opened_at = DateTimeField()
    status = CharField(max_length=12, default="open")
    measure = CharField(max_length=16, null=True)
    decided_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    decided_by_name = CharField(max_length=60, default="")
    decided_at = DateTimeField(null=True)
    note = TextField(default="")
    answer = TextField(default="")
    answered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "month"), True),)
