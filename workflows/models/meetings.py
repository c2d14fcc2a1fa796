"""Meetings that work on cases (issue 20): monthly grid-team meetings and quarterly joint meetings
(联席会议), their agenda (proposed from the data, added to by the chair), attendance, minutes and
decisions. Nothing is deleted: minutes are rewritten with an event row, a meeting is closed, not removed."""
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case, CaseEvent
from workflows.models.org import OrgUnit, User
from workflows.models.work import Task

MEETING_KINDS = ("grid_monthly", "joint_quarterly")
MEETING_STATES = ("open", "closed")
DECISION_KINDS = ("note", "give_case", "task")


class Meeting(BaseModel):
    """One meeting of a grid team (monthly) or of a community's or street's joint meeting (quarterly)."""

    org = ForeignKeyField(OrgUnit, backref="meetings", on_delete="RESTRICT")
    kind = CharField(max_length=16)
    title = CharField(max_length=200)
    place = CharField(max_length=200, default="")
    held_at = DateTimeField()
    chair = ForeignKeyField(User, backref="chaired_meetings", on_delete="RESTRICT")
    minutes = TextField(default="")
    guests = TextField(default="")  # people from outside the app's users (departments' delegates …)
    state = CharField(max_length=8, default="open")
    created_at = DateTimeField()
    closed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("org", "kind", "held_at"), False),)


class MeetingItem(BaseModel):
    """One agenda item: a case the data proposed (with its reasons), or an item the chair added."""

    meeting = ForeignKeyField(Meeting, backref="items", on_delete="RESTRICT")
    case = ForeignKeyField(Case, null=True, on_delete="RESTRICT")
    # What the data proposed ("case:42"; "" for the chair's own) and why (comma-separated agenda sources).
    ref = CharField(max_length=40, default="")
    reasons = CharField(max_length=100, default="")
    title = CharField(max_length=200)
    note = TextField(default="")
    position = IntegerField(default=0)
    added_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")  # None: proposed by the app
    added_at = DateTimeField()

    class Meta:
        indexes = ((("meeting", "position"), False),)


class MeetingAttendance(BaseModel):
    """Whether one person attended (one row per meeting and person; a change leaves a MeetingEvent)."""

    meeting = ForeignKeyField(Meeting, backref="attendance", on_delete="RESTRICT")
    user = ForeignKeyField(User, on_delete="RESTRICT")
    present = BooleanField(default=False)

    class Meta:
        indexes = ((("meeting", "user"), True),)


class MeetingDecision(BaseModel):
    """A decision: recorded only, a case given to a person (the case's `give` event), or a task."""

    meeting = ForeignKeyField(Meeting, backref="decisions", on_delete="RESTRICT")
    kind = CharField(max_length=12)
    text = TextField()
    case = ForeignKeyField(Case, null=True, on_delete="RESTRICT")
    person = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    due_at = DateTimeField(null=True)
    case_event = ForeignKeyField(CaseEvent, null=True, on_delete="RESTRICT")
    task = ForeignKeyField(Task, null=True, on_delete="RESTRICT")
    decided_by = ForeignKeyField(User, on_delete="RESTRICT")
    decided_at = DateTimeField()


class MeetingEvent(BaseModel):
    """Every change of a meeting: opened, items, attendance, minutes, decisions, closed — never deleted."""

    meeting = ForeignKeyField(Meeting, backref="events", on_delete="RESTRICT")
    event = CharField(max_length=16)
    actor = ForeignKeyField(User, on_delete="RESTRICT")
    at = DateTimeField()
    note = TextField(default="")

    class Meta:
        indexes = ((("meeting", "at"), False),)
