"""三次不到岗: three missed patrol periods in a month open an accountability record.

The patrol rules already know which periods somebody missed (workflows.patrols.missed_patrols).
`open_records` (run by the sweep command or any time after a month, idempotent) opens one record
per person and month with three or more; the lead of the grid (or an office above it) confirms it
with a measure — a talk (谈话) or a written notice (书面通报) — or dismisses it with a reason; the
person sees it and may answer. Confirmed records count in the year's assessment: POINTS per
measure are deducted from the grid's result (workflows.assess.compute(accountability=…)).
"""
from collections import defaultdict
from datetime import date

from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import Accountability, User
from workflows.patrols import missed_patrols
from workflows.policy import can

THRESHOLD = 3
MEASURES = {"talk": N_("Talk (谈话)"), "written_notice": N_("Written notice (书面通报)")}
POINTS = {"talk": 5, "written_notice": 10}


def open_records(grids, month_day, now, clock=None):
    """Open a record for everyone in these grids who missed THRESHOLD or more periods in the month;
    returns the records opened (none twice for a person and month)."""
    first = month_day.replace(day=1)
    missed = defaultdict(list)
    for m in missed_patrols(grids, first, now, clock):
        missed[(m.user.id, m.grid.id)].append(m.status.period.first.isoformat())
    opened = []
    with write_transaction():
        for (user_id, grid_id), periods in missed.items():
            if len(periods) < THRESHOLD:
                continue
            if Accountability.select().where((Accountability.user == user_id) & (Accountability.month == first)).exists():
                continue
            opened.append(Accountability.create(user=user_id, grid=grid_id, month=first, missed=len(periods),
                                                missed_periods=sorted(periods), opened_at=now))
    return opened


def decide(record, actor, now, *, measure=None, dismiss=False, note=""):
    """Confirm an open record with a measure, or dismiss it (a reason is required)."""
    if not can(actor, "accountability.decide", record):
        raise WorkflowError(FORBIDDEN, N_("You may not decide on this record."))
    if record.status != "open":
        raise WorkflowError(INVALID, N_("This record has already been decided."))
    note = (note or "").strip()[:2000]
    if dismiss:
        if not note:
            raise WorkflowError(INVALID, N_("Say why the record is dismissed."), field="note")
        record.status, record.measure = "dismissed", None
    else:
        if measure not in MEASURES:
            raise WorkflowError(INVALID, N_("Choose a talk or a written notice."), field="measure")
        record.status, record.measure = "confirmed", measure
    record.note, record.decided_at = note, now
    record.decided_by = actor if isinstance(actor, User) else None
    record.decided_by_name = actor.name
    record.save()
    return record


def answer(record, actor, now, text):
    """The person's answer (it can be given, or replaced by a later one, at any time)."""
    if not can(actor, "accountability.answer", record):
        raise WorkflowError(FORBIDDEN, N_("Only the person concerned may answer."))
    text = (text or "").strip()[:2000]
    if not text:
        raise WorkflowError(INVALID, N_("Write an answer."), field="answer")
    record.answer, record.answered_at = text, now
    record.save()
    return record


def for_person(user):
    """The person's own records, newest first."""
    return list(Accountability.select().where(Accountability.user == user.id).order_by(Accountability.month.desc()))


def points_by_grid(year):
    """{grid id: points deducted} for the confirmed records of the year (what the assessment takes off)."""
    out = defaultdict(int)
    rows = Accountability.select().where((Accountability.status == "confirmed")
                                         & (Accountability.month >= date(year, 1, 1))
                                         & (Accountability.month <= date(year, 12, 1)))
    for record in rows:
        out[record.grid_id] += POINTS[record.measure]
    return dict(out)
