"""Visits to households (深入走访) and the grid's memo book (民情备忘录).

Routine visits are not stored as plans: what is due is computed from each household's last visit
and its frequency (workflows.visits). Only event-driven visits (a hospital stay, a bereavement …)
are rows, with a due date; a visit to the household after the row was made is what ends them.
Visits and memo entries are never deleted; a need turned into a case and an entry's ending are
one-time, guarded stamps with who and when."""
from peewee import CharField, DateField, FloatField, ForeignKeyField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import OrgUnit, User
from workflows.models.registry import Household, Person

VISIT_KINDS = ("routine", "attention", "event", "followup")  # 例行走访 / 重点关怀 / 事件走访 / 回访
DUE_REASONS = ("hospital", "bereavement", "hardship", "newborn", "new_arrival", "dispute", "other")
MEMO_CATEGORIES = ("environment", "safety", "dispute", "livelihood", "facility", "policy", "other")
MEMO_ENDINGS = ("resolved", "case", "agenda")


class VisitDue(BaseModel):
    """An event-driven visit to make by a day (made by hand, or from a registry change)."""

    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    household = ForeignKeyField(Household, backref="visit_dues", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    reason = CharField(max_length=16)
    note = TextField(default="")
    due_on = DateField()
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()

    class Meta:
        indexes = ((("grid", "due_on"), False),)


class Visit(BaseModel):
    """A visit made: to which household (and person), by whom, what was found and what was asked for."""

    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    household = ForeignKeyField(Household, backref="visits", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="visits", on_delete="RESTRICT")
    member = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    kind = CharField(max_length=16, default="routine")
    found = TextField(default="")
    needs = TextField(default="")
    photo_path = CharField(max_length=64, default="")
    photo_thumb = CharField(max_length=64, default="")
    lat = FloatField(null=True)
    lng = FloatField(null=True)
    at = DateTimeField()
    created_at = DateTimeField()
    # The need turned into a case (once): the case, who and when.
    case = ForeignKeyField(Case, null=True, backref="+", on_delete="RESTRICT")
    case_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    case_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("household", "at"), False), (("grid", "at"), False), (("member", "at"), False))


class MemoEntry(BaseModel):
    """One dated entry of a grid's memo book; it ends once: resolved (how), a case, or the agenda."""

    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    day = DateField()
    category = CharField(max_length=16)
    text = TextField()
    raised_by = CharField(max_length=100, default="")
    author = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()
    ending = CharField(max_length=16, null=True)
    ending_note = TextField(default="")
    case = ForeignKeyField(Case, null=True, backref="+", on_delete="RESTRICT")
    ended_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    ended_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("grid", "day"), False),)
