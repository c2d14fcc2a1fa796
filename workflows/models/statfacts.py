"""Facts kept for the statistics: each case's replayed history at the end of a period, so a
period's indicators are GROUP BYs over stored rows instead of a replay of every case per request.

A cut is the end of a period (events before it count). Its rows are derived data, rebuilt from the
history whenever a case gains events (the cut's watermark is the last history row read): replacing
them loses nothing, the history stays the only record.
"""
from peewee import BigIntegerField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.cases import Case
from workflows.models.org import Department, User


class StatsCut(BaseModel):
    """A period end whose facts are kept, and the last history row they include."""

    cut_at = DateTimeField(unique=True)
    watermark = BigIntegerField(default=0)
    covered_from = DateField()  # the facts hold every case recorded from this day to the cut
    built_at = DateTimeField()
    last_at = DateTimeField(null=True)  # the latest history row of any of its facts


class StatsFact(BaseModel):
    """One case's facts at a cut (workflows.stats.Facts without the moment-dependent flags).

    The outcome flags and counts (closed … satisfied, closed_level, n_*) are kept for valid cases
    only (0 or NULL for a voided one), as every indicator but recorded, voided and reports counts
    valid cases only: the statistics add them up without a condition."""

    cut = ForeignKeyField(StatsCut, on_delete="CASCADE")
    case = ForeignKeyField(Case, on_delete="CASCADE")
    creator = ForeignKeyField(User, null=True, on_delete="SET NULL")
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
    state = CharField(max_length=16, null=True)
    closed_level = CharField(max_length=16, null=True)  # the level the case was closed at
    voided = IntegerField(default=0)
    closed = IntegerField(default=0)
    disposed = IntegerField(default=0)
    disposed_on_time = IntegerField(default=0)
    closed_on_time = IntegerField(default=0)
    suspended = IntegerField(default=0)
    deadline = DateTimeField(null=True)
    reworked = IntegerField(default=0)  # sent back at least once
    extended = IntegerField(default=0)  # at least one approved extension
    callback_due = IntegerField(default=0)
    callbacks = IntegerField(default=0)
    satisfied = IntegerField(default=0)
    n_dispatches = IntegerField(default=0)
    n_declines = IntegerField(default=0)
    n_transfers = IntegerField(default=0)
    n_handled = IntegerField(default=0)
    n_verifies = IntegerField(default=0)
    n_verifies_on_time = IntegerField(default=0)
    last_at = DateTimeField(null=True)  # the latest history row included
    # The office time of each of the case's measured steps of a kind, in whole microseconds,
    # comma-separated (NULL when none or the case is voided): a statistics query gathers them with
    # its sums in the same scan (workflows.stats_grouped); StatsStep keeps each step's department.
    us_dispatch = TextField(null=True)
    us_rectify = TextField(null=True)
    us_verify = TextField(null=True)

    class Meta:
        indexes = ((("cut", "case"), True),)


class StatsOccurrence(BaseModel):
    """An event counted once each (dispatch, decline, handling, verification) of a case at a cut."""

    cut = ForeignKeyField(StatsCut, on_delete="CASCADE")
    case = ForeignKeyField(Case, on_delete="CASCADE")
    kind = CharField(max_length=20)
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("cut", "case"), False),)


class StatsStep(BaseModel):
    """A measured step of a case at a cut: its office time in microseconds."""

    cut = ForeignKeyField(StatsCut, on_delete="CASCADE")
    case = ForeignKeyField(Case, on_delete="CASCADE")
    step = CharField(max_length=16)
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
    us = BigIntegerField()

    class Meta:
        indexes = ((("cut", "case"), False),)
