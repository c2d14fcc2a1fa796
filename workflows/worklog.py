"""The work log (日清周结): each day summarised from what a person did, plus their own note.

What they did is read, never typed: their patrols, and the history rows they wrote —
cases recorded (found), handled on the spot, reported and verified, and any other action.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import NOTE_KINDS, Case, CaseEvent, Patrol, PatrolBuilding, User, WorkLogNote
from workflows.patrols import patrollers, period_of
from workflows.policy import can
from workflows.service import current_clock

# History events that make up the day, in the order the loop names them: 发现、处置、上报、核查.
SUMMARY_EVENTS = ("create", "handle", "report", "verify")
SUMMARY_LABELS = {
    "create": N_("Cases found"), "handle": N_("Cases handled"), "report": N_("Cases reported"),
    "verify": N_("Cases verified"),
}
NOTE_LIMIT = 2000
# Notes are written the same day or caught up within a week ("日清"), then they stand.
NOTE_WINDOW = timedelta(days=7)


@dataclass
class DayLog:
    """One person's day: patrols, actions from the history, and their note."""

    user: User
    day: object
    workday: bool
    patrols: list = field(default_factory=list)
    buildings: int = 0
    counts: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    other: int = 0
    note: str = ""

    @property
    def patrol_minutes(self):
        """Minutes spent on ended patrols."""
        return sum(int((p.ended_at - p.started_at).total_seconds() // 60) for p in self.patrols if p.ended_at)

    @property
    def ended_patrols(self):
        """Patrols that were ended (the ones that count)."""
        return sum(1 for p in self.patrols if p.ended_at)

    @property
    def empty(self):
        """Nothing done and nothing written."""
        return not (self.patrols or any(self.counts.values()) or self.other or self.note)


@dataclass
class WeekLog:
    """A person's week: seven days, their totals and the week's note (周结)."""

    user: User
    monday: object
    days: list
    note: str = ""

    @property
    def totals(self):
        """Per summary event, the week's count."""
        return {event: sum(d.counts.get(event, 0) for d in self.days) for event in SUMMARY_EVENTS}

    @property
    def patrols(self):
        return sum(d.ended_patrols for d in self.days)

    @property
    def patrol_days(self):
        """Days with at least one ended patrol."""
        return sum(1 for d in self.days if d.ended_patrols)

    @property
    def workdays(self):
        return sum(1 for d in self.days if d.workday)

    @property
    def patrol_minutes(self):
        return sum(d.patrol_minutes for d in self.days)

    @property
    def other(self):
        return sum(d.other for d in self.days)

    @property
    def notes_written(self):
        """Days with a note."""
        return sum(1 for d in self.days if d.note)


def monday_of(day):
    """The Monday starting the week of this date."""
    return period_of("week", day).first


def day_logs(user, first, last, clock=None):
    """One DayLog per date from first to last, read from patrols, history and notes."""
    clock = clock or current_clock()
    start, end = datetime.combine(first, time.min), datetime.combine(last + timedelta(days=1), time.min)
    days = {first + timedelta(days=n): None for n in range((last - first).days + 1)}
    logs = {day: DayLog(user, day, clock.calendar.is_workday(day), counts={e: 0 for e in SUMMARY_EVENTS},
                        cases={e: [] for e in SUMMARY_EVENTS}) for day in days}
    patrols = list(Patrol.select().where((Patrol.user == user.id) & (Patrol.started_at >= start)
                                         & (Patrol.started_at < end)).order_by(Patrol.started_at))
    checked = defaultdict(set)
    if patrols:
        for row in PatrolBuilding.select().where(PatrolBuilding.patrol.in_([p.id for p in patrols])):
            checked[row.patrol_id].add(row.building_id)
    buildings = defaultdict(set)
    for patrol in patrols:
        logs[patrol.started_at.date()].patrols.append(patrol)
        buildings[patrol.started_at.date()] |= checked[patrol.id]
    for day, ids in buildings.items():
        logs[day].buildings = len(ids)
    events = (CaseEvent.select(CaseEvent.event, CaseEvent.at, Case.id, Case.number, Case.title)
              .join(Case, on=CaseEvent.case == Case.id)
              .where((CaseEvent.actor == user.id) & (CaseEvent.at >= start) & (CaseEvent.at < end))
              .order_by(CaseEvent.at))
    for row in events:
        log = logs[row.at.date()]
        if row.event in SUMMARY_EVENTS:
            log.counts[row.event] += 1
            log.cases[row.event].append(row.case)
        else:
            log.other += 1
    for note in WorkLogNote.select().where((WorkLogNote.user == user.id) & (WorkLogNote.kind == "day")
                                           & WorkLogNote.day.between(first, last)):
        logs[note.day].note = note.text
    return [logs[day] for day in days]


def day_log(user, day, clock=None):
    """One person's day."""
    return day_logs(user, day, day, clock)[0]


def member_week(user, day, clock=None):
    """The week (Monday to Sunday) containing `day`, for one person."""
    monday = monday_of(day)
    note = WorkLogNote.get_or_none((WorkLogNote.user == user.id) & (WorkLogNote.kind == "week")
                                   & (WorkLogNote.day == monday))
    return WeekLog(user, monday, day_logs(user, monday, monday + timedelta(days=6), clock), note.text if note else "")


def grid_week(grid, day, clock=None):
    """The week containing `day` for everyone who patrols the grid (lead first)."""
    clock = clock or current_clock()
    return [member_week(user, day, clock) for user in patrollers([grid.id])]


def save_note(user, kind, day, text, now):
    """Write or rewrite the user's own note for a day or a week; returns the note."""
    if not can(user, "worklog.write"):
        raise WorkflowError(FORBIDDEN, N_("Only grid members and grid leads keep a work log."))
    if kind not in NOTE_KINDS:
        raise WorkflowError(INVALID, N_("Unknown kind of note."), field="kind")
    if day is None:
        raise WorkflowError(INVALID, N_("Give a valid date."), field="day")
    if kind == "week":
        day = monday_of(day)
    last = day if kind == "day" else day + timedelta(days=6)
    if day > now.date():
        raise WorkflowError(INVALID, N_("You cannot write the log of a day that has not come yet."), field="day")
    if last < now.date() - NOTE_WINDOW:
        raise WorkflowError(INVALID, N_("Notes can be written or changed for the last 7 days only."), field="day")
    text = (text or "").strip()
    if len(text) > NOTE_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="text", n=NOTE_LIMIT)
    with write_transaction():
        (WorkLogNote.insert(user=user.id, kind=kind, day=day, text=text, updated_at=now)
         .on_conflict(conflict_target=[WorkLogNote.user, WorkLogNote.kind, WorkLogNote.day],
                      update={WorkLogNote.text: text, WorkLogNote.updated_at: now})
         .execute())
    return WorkLogNote.get((WorkLogNote.user == user.id) & (WorkLogNote.kind == kind) & (WorkLogNote.day == day))
