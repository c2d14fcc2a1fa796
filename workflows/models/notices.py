"""Supervision notices (督办通知单) and their history: what the sweep issues when a step runs overdue."""
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import Department, OrgUnit, User

NOTICE_STATUSES = ("pending", "signed", "replied", "closed")  # 待签收 / 已签收 / 已反馈 / 已办结


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


class EmergencyReport(BaseModel):
    """An emergency (紧急) reported at once, as it is recorded, to an office above its grid: its community,
    street and district each get one row (their homes and boards show a banner while the case is open)."""

    case = ForeignKeyField(Case, backref="emergency_reports", on_delete="RESTRICT")
    office = ForeignKeyField(OrgUnit, backref="emergency_reports", on_delete="RESTRICT")
    reported_at = DateTimeField()

    class Meta:
        indexes = (
            (("case", "office"), True),
            (("office", "reported_at"), False),
        )
