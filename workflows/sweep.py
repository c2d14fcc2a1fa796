"""The sweep: turn overdue steps into supervision notices, and notices left unanswered by the facts into escalations;
overdue steps of services on a resident's behalf into reminders (workflows.services.sweep).

Set-based and idempotent: two INSERT … SELECT statements in one transaction, whatever the
number of open cases. Run it from cron every minute on as many machines as you like: the
numbering lock serialises concurrent sweeps, the unique (case, state, step_started_at, level)
constraint makes a duplicate impossible even without it, and a sweep that dies half-way
leaves nothing behind (its transaction never commits).
"""
from dataclasses import dataclass

from peewee import IntegrityError

from workflows import notices, services
from workflows.db import write_transaction
from workflows.models import Case

ATTEMPTS = 3


@dataclass(frozen=True)
class SweepResult:
    """How many notices one sweep issued."""

    first: int
    escalated: int
    services: int = 0  # reminders (催办) on overdue steps of services on a resident's behalf


def overdue(now):
    """The cases whose current step is overdue at `now` (a suspended case has no running deadline)."""
    return Case.deadline.is_null(False) & (Case.deadline <= now)


def sweep(now, clock, *, reply_limit=notices.REPLY_LIMIT, escalate_after=notices.ESCALATE_AFTER):
    """Issue every notice due at `now`; returns the counts. Safe to run again at any time."""
    issue = notices.Issue(now, clock, reply_limit=reply_limit)
    # A notice issued at or before `cutoff` is `escalate_after` old at `now`.
    cutoff = clock.cutoff(now, escalate_after)
    attempt = 1
    while True:
        try:
            with write_transaction():
                first = notices.insert_first(issue, overdue(now))
                escalated = notices.insert_escalations(
                    issue, overdue(now) & (notices.FIRST.issued_at <= cutoff))
                reminded = services.sweep(now)
            return SweepResult(first, escalated, reminded)
        except IntegrityError:
            # Another sweep issued one of these notices first (the constraint refused ours): look again.
            if attempt == ATTEMPTS:
                raise
            attempt += 1
