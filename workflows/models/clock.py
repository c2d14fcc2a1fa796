"""The case clock's data: the working calendar, editable time limits, supervision notices."""
from peewee import (
    BooleanField,
    CharField,
    DateField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import Department, OrgUnit, User

# Where a calendar row came from: the `holidays` package, the package's row confirmed by an
# admin against the State Council's notice, or entered by hand.
CALENDAR_SOURCES = ("holidays", "confirmed", "manual")
NOTICE_STATUSES = ("pending", "signed", "replied", "closed")  # 待签收 / 已签收 / 已反馈 / 已办结


class CalendarDay(BaseModel):
    """A date that differs from the weekly pattern: a holiday on a weekday, or a make-up working day (调休)."""

    day = DateField(primary_key=True)
    workday = BooleanField()
    source = CharField(max_length=16, default="manual")
    note = CharField(max_length=100, default="")
    updated_at = DateTimeField()
    updated_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")


class CalendarYear(BaseModel):
    """A calendar year: loaded from the package, and confirmed once an admin has checked it."""

    year = IntegerField(primary_key=True)
    synced_at = DateTimeField(null=True)
    confirmed_at = DateTimeField(null=True)
    confirmed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")


class TimeLimit(BaseModel):
    """The limit of a step from a moment on; the newest row not later than a step's start applies."""

    state = CharField(max_length=16)
    # The category urgency for states whose limit depends on it, else "".
    urgency = CharField(max_length=16, default="")
    amount = FloatField()
    unit = CharField(max_length=16)
    effective_from = DateTimeField()
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("state", "urgency", "effective_from"), True),)


class Notice(BaseModel):
    """A supervision notice (督办通知单) about one step of one case; level 2 is escalated and enters the 通报."""

    case = ForeignKeyField(Case, backref="notices", on_delete="RESTRICT")
    year = IntegerField()
    sequence = IntegerField()
    number = CharField(max_length=32, unique=True)  # 督〔2026〕第0001号
    # The step it concerns: the case's state and when that step started.
    state = CharField(max_length=16)
    step_started_at = DateTimeField()
    level = IntegerField()  # 1: first notice; 2: escalated one level up
    deadline = DateTimeField(null=True)  # the step's deadline when the notice was issued
    addressee_org = ForeignKeyField(OrgUnit, null=True, backref="notices", on_delete="RESTRICT")
    addressee_department = ForeignKeyField(Department, null=True, backref="notices", on_delete="RESTRICT")
    issuer_org = ForeignKeyField(OrgUnit, backref="issued_notices", on_delete="RESTRICT")
    issued_at = DateTimeField()
    issued_by = ForeignKeyField(User, null=True, backref="issued_notices", on_delete="RESTRICT")
    issued_by_name = CharField(max_length=60)
    manual = BooleanField(default=False)
    demand = TextField(default="")  # empty: the standard demand
    reply_deadline = DateTimeField()
    reply_warn_at = DateTimeField()
    status = CharField(max_length=16, default="pending")
    signed_at = DateTimeField(null=True)
    replied_at = DateTimeField(null=True)
    reply = TextField(default="")
    closed_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            # One notice per case, step and level: two sweeps cannot both issue it.
            (("case", "state", "step_started_at", "level"), True),
            (("year", "sequence"), True),
            (("level", "issued_at"), False),
            (("status", "reply_deadline"), False),
            (("addressee_department", "status"), False),
            (("addressee_org", "status"), False),
        )


class NoticeEvent(BaseModel):
    """What happened to a notice after it was issued: signed, replied, closed."""

    notice = ForeignKeyField(Notice, backref="events", on_delete="RESTRICT")
    action = CharField(max_length=16)
    from_status = CharField(max_length=16)
    to_status = CharField(max_length=16)
    actor = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    actor_name = CharField(max_length=60)
    actor_role = CharField(max_length=16)
    at = DateTimeField()
    note = TextField(default="")

    class Meta:
        indexes = ((("notice", "at"), False),)
