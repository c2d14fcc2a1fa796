"""Meetings that work on cases (issue 20): a grid team's monthly meeting (网格例会) and a community's
or street's quarterly joint meeting (联席会议).

The app proposes the agenda from the data — each source below is one query over the cases of the
meeting's unit — and the chair adds items by hand. The meeting records attendance, minutes and
decisions; a decision can give a case to a person (the case machine's `give` event, through
`workflows.service.fire`) or give a person a task (`workflows.work.give_task`). The next meeting of
the same unit shows what became of the previous meeting's decisions (`carried_over`). Every change
appends a MeetingEvent row; a closed meeting is not changed any more.
"""
from dataclasses import dataclass
from datetime import timedelta

from workflows import policy, service
from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, INVALID, INVALID_STATE, WorkflowError
from workflows.machine import N_
from workflows.models import (
    Case,
    CaseEvent,
    Department,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingEvent,
    MeetingItem,
    MemoEntry,
    OrgUnit,
    Task,
    User,
)
from workflows.text import clean_text
from workflows.work import give_task

TITLE_LIMIT = 200
TEXT_LIMIT = 2000
MINUTES_LIMIT = 20000
# The most cases one source proposes (the oldest deadlines first): a meeting settles a handful of hard
# cases, not a ledger.
SOURCE_LIMIT = 30

KIND_LABELS = {"grid_monthly": N_("Monthly grid-team meeting"), "joint_quarterly": N_("Quarterly joint meeting")}
# How far back a first meeting (no previous one) looks for declined and reopened cases.
FIRST_LOOK_BACK = {"grid_monthly": timedelta(days=31), "joint_quarterly": timedelta(days=92)}
REASON_LABELS = {
    "overdue": N_("Overdue"),
    "reworked": N_("Reworked twice or more"),
    "declined": N_("Declined by a department"),
    "reopened": N_("Reopened"),
    "urgent": N_("Urgent"),
    "memo": N_("From the memo book"),
}
DECISION_LABELS = {"note": N_("Record only"), "give_case": N_("Give the case to a person"), "task": N_("Give a task")}
OUTCOME_LABELS = {
    "recorded": N_("Recorded in the minutes"),
    "closed": N_("Case closed"),
    "in_hand": N_("Still in hand"),
    "overdue": N_("Overdue"),
    "moved_on": N_("Case moved on"),
    "open": N_("Open"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
}


def kinds_for(unit):
    """The kinds of meeting a unit holds: a grid its team's monthly one, a community or street the joint one."""
    if unit.kind == "grid":
        return ("grid_monthly",)
    if unit.kind in ("community", "street"):
        return ("joint_quarterly",)
    return ()


def _text(value, limit, field, required=False):
    text = clean_text(value or "").strip()
    if required and not text:
        raise WorkflowError(INVALID, N_("This field is required."), field=field)
    if len(text) > limit:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field=field, n=limit)
    return text


# ---- the agenda's sources -------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One thing the data puts on the agenda: `ref` identifies it across refreshes ("case:42")."""

    ref: str
    title: str
    case: Case = None


def cases_in(unit):
    """The cases of the unit (a grid, community or street)."""
    return Case.select().where(policy.scope_column(unit.kind) == unit.id)


def open_cases_in(unit):
    """The unit's cases not yet closed."""
    return cases_in(unit).where(Case.closed_at.is_null())


def _case_proposals(query):
    return [Proposal(f"case:{case.id}", str(case), case) for case in query.limit(SOURCE_LIMIT)]


def overdue_cases(unit, since, now):
    """Open cases past their step's deadline (a suspended clock is not overdue)."""
    return _case_proposals(open_cases_in(unit).where((Case.deadline < now) & Case.suspended_at.is_null())
                           .order_by(Case.deadline, Case.id))


def reworked_cases(unit, since, now):
    """Open cases sent back for rework twice or more."""
    return _case_proposals(open_cases_in(unit).where(Case.rework_count >= 2).order_by(Case.rework_count.desc(), Case.id))


def _cases_with_event(unit, event, since, now):
    events = CaseEvent.select(CaseEvent.case).where((CaseEvent.event == event) & (CaseEvent.at >= since)
                                                     & (CaseEvent.at <= now))
    return _case_proposals(open_cases_in(unit).where(Case.id.in_(events)).order_by(Case.deadline, Case.id))


def declined_cases(unit, since, now):
    """Open cases a department declined (退单) since the last meeting."""
    return _cases_with_event(unit, "decline", since, now)


def reopened_cases(unit, since, now):
    """Open cases a supervisor reopened since the last meeting."""
    return _cases_with_event(unit, "reopen", since, now)


def urgent_cases(unit, since, now):
    """Open emergency cases (urgency 'urgent')."""
    return _case_proposals(open_cases_in(unit).where(Case.urgency == "urgent").order_by(Case.deadline, Case.id))


def grids_in(unit):
    """The ids of the grids of a unit (a grid is its own), as a query."""
    if unit.kind == "grid":
        return OrgUnit.select(OrgUnit.id).where(OrgUnit.id == unit.id)
    community = OrgUnit.alias()
    query = OrgUnit.select(OrgUnit.id).join(community, on=(OrgUnit.parent == community.id)).where(OrgUnit.kind == "grid")
    return query.where(community.id == unit.id) if unit.kind == "community" else query.where(community.parent == unit.id)


def memo_entries(unit, since, now):
    """The memo book's entries of the unit's grids still open, and those ended as 提交例会 (put on the
    agenda) since the last meeting: what residents raised that the meeting should settle."""
    query = (MemoEntry.select().where(MemoEntry.grid.in_(grids_in(unit)) & (MemoEntry.day <= now.date())
                                      & (MemoEntry.ending.is_null()
                                         | ((MemoEntry.ending == "agenda") & (MemoEntry.ended_at >= since))))
             .order_by(MemoEntry.day, MemoEntry.id).limit(SOURCE_LIMIT))
    return [Proposal(f"memo:{entry.id}", f"{entry.day:%m-%d} {entry.text}"[:TITLE_LIMIT]) for entry in query]


def agenda_sources():
    """The agenda's sources, in the order they are shown: (reason, function(unit, since, now) -> [Proposal]).
    One more source is one more entry here and a label in REASON_LABELS."""
    return (
        ("overdue", overdue_cases),
        ("reworked", reworked_cases),
        ("declined", declined_cases),
        ("reopened", reopened_cases),
        ("urgent", urgent_cases),
        ("memo", memo_entries),
    )


def proposals(unit, since, now):
    """Every proposal of every source, merged: [(proposal, [reasons])] in the order first proposed."""
    merged = {}
    for reason, source in agenda_sources():
        for proposal in source(unit, since, now):
            merged.setdefault(proposal.ref, (proposal, []))[1].append(reason)
    return list(merged.values())


# ---- meetings -------------------------------------------------------------------------------------


def previous_meeting(meeting):
    """The unit's meeting of the same kind held before this one, or None."""
    return (Meeting.select()
            .where((Meeting.org == meeting.org_id) & (Meeting.kind == meeting.kind) & (Meeting.id != meeting.id)
                   & ((Meeting.held_at < meeting.held_at) | ((Meeting.held_at == meeting.held_at)
                                                             & (Meeting.id < meeting.id))))
            .order_by(Meeting.held_at.desc(), Meeting.id.desc()).first())


def look_back_from(meeting):
    """Declined and reopened cases count from the previous meeting (or a month or a quarter back)."""
    previous = previous_meeting(meeting)
    return previous.held_at if previous else meeting.held_at - FIRST_LOOK_BACK[meeting.kind]


def candidates(unit):
    """Who is expected at the unit's meetings: a grid's team; for a joint meeting the unit's offices, the
    leads of its grids and the handlers of the departments serving it."""
    if unit.kind == "grid":
        team = User.role.in_(policy.GRID_TEAM) & (User.org == unit.id)
    else:
        below = [unit.id]
        for _level in range(2):
            below += [u.id for u in OrgUnit.select(OrgUnit.id).where(OrgUnit.parent.in_(below))]
        serving = Department.select(Department.id).where(Department.org.in_([u.id for u in unit.lineage()]))
        team = (((User.role == "dispatcher") & (User.org == unit.id))
                | ((User.role == "lead") & User.org.in_(below))
                | ((User.role == "handler") & User.department.in_(serving)))
    return list(User.select().where(User.active & team).order_by(User.role, User.name))


def _event(meeting, actor, now, event, note=""):
    MeetingEvent.create(meeting=meeting, event=event, actor=actor, at=now, note=note)


def _check(actor, meeting):
    """The actor may hold this meeting and it is still open."""
    if not policy.can(actor, "meeting.hold", meeting):
        raise WorkflowError(FORBIDDEN, N_("You may not change this meeting."))
    if meeting.state != "open":
        raise WorkflowError(INVALID_STATE, N_("This meeting is closed."))


def open_meeting(unit, actor, now, *, kind, title, held_at, place=""):
    """Open a meeting of `unit` chaired by `actor`: its expected attendance and the agenda the data proposes."""
    if not policy.can(actor, "meeting.hold", unit):
        raise WorkflowError(FORBIDDEN, N_("You may not hold meetings here."))
    if kind not in kinds_for(unit):
        raise WorkflowError(INVALID, N_("This unit does not hold meetings of that kind."), field="kind")
    if held_at is None:
        raise WorkflowError(INVALID, N_("Give the meeting's date and time."), field="held_at")
    title = _text(title, TITLE_LIMIT, "title", required=True)
    place = _text(place, TITLE_LIMIT, "place")
    with write_transaction():
        meeting = Meeting.create(org=unit, kind=kind, title=title, place=place, held_at=held_at, chair=actor,
                                 created_at=now)
        for person in candidates(unit):
            MeetingAttendance.create(meeting=meeting, user=person, present=False)
        _event(meeting, actor, now, "open", title)
        _propose(meeting, actor, now)
    return meeting


def _propose(meeting, actor, now):
    taken = {row.ref for row in MeetingItem.select(MeetingItem.ref).where(MeetingItem.meeting == meeting.id)}
    position = MeetingItem.select().where(MeetingItem.meeting == meeting.id).count()
    added = 0
    for proposal, reasons in proposals(meeting.org, look_back_from(meeting), now):
        if proposal.ref in taken:
            continue
        position += 1
        added += 1
        MeetingItem.create(meeting=meeting, case=proposal.case, ref=proposal.ref, reasons=",".join(reasons),
                           title=proposal.title[:TITLE_LIMIT], position=position, added_at=now)
    _event(meeting, actor, now, "propose", str(added))
    return added


def propose_again(meeting, actor, now):
    """Add what the data proposes now and is not yet on the agenda; returns how many items were added."""
    _check(actor, meeting)
    with write_transaction():
        return _propose(meeting, actor, now)


def case_in(meeting, number=None, case_id=None):
    """A case of the meeting's unit by its number or id (refused when it is not one)."""
    query = cases_in(meeting.org)
    case = (query.where(Case.number == str(number).strip()) if number else query.where(Case.id == case_id)).first()
    if case is None:
        raise WorkflowError(INVALID, N_("The case was not found in this meeting's area."), field="case")
    return case


def add_item(meeting, actor, now, *, title, case=None, note="", case_number=""):
    """The chair adds an item (about a case of the unit — given, or by its number — or not)."""
    _check(actor, meeting)
    if case_number:
        case = case_in(meeting, number=case_number)
    title = _text(title or (str(case) if case else ""), TITLE_LIMIT, "title", required=True)
    note = _text(note, TEXT_LIMIT, "note")
    if case is not None and not cases_in(meeting.org).where(Case.id == case.id).exists():
        raise WorkflowError(INVALID, N_("The case was not found in this meeting's area."), field="case")
    with write_transaction():
        position = MeetingItem.select().where(MeetingItem.meeting == meeting.id).count() + 1
        item = MeetingItem.create(meeting=meeting, case=case, title=title, note=note, position=position,
                                  added_by=actor, added_at=now)
        _event(meeting, actor, now, "item", title)
    return item


def agenda(meeting):
    """The meeting's agenda, in order."""
    return list(MeetingItem.select().where(MeetingItem.meeting == meeting.id)
                .order_by(MeetingItem.position, MeetingItem.id))


def attendance(meeting):
    """[(person, present)] of the meeting's expected attendance."""
    rows = (MeetingAttendance.select(MeetingAttendance, User).join(User)
            .where(MeetingAttendance.meeting == meeting.id).order_by(User.role, User.name))
    return [(row.user, row.present) for row in rows]


def record_attendance(meeting, actor, now, present_ids):
    """Mark who was present (everyone else of the expected attendance: absent)."""
    _check(actor, meeting)
    present_ids = set(present_ids)
    with write_transaction():
        rows = list(MeetingAttendance.select().where(MeetingAttendance.meeting == meeting.id))
        known = {row.user_id for row in rows}
        if present_ids - known:
            raise WorkflowError(INVALID, N_("Choose people expected at this meeting."), field="present")
        for row in rows:
            if row.present != (row.user_id in present_ids):
                MeetingAttendance.update(present=row.user_id in present_ids).where(
                    MeetingAttendance.id == row.id).execute()
        names = [person.name for person in User.select().where(User.id.in_(present_ids)).order_by(User.name)]
        _event(meeting, actor, now, "attendance", "、".join(names))


def write_minutes(meeting, actor, now, *, minutes, guests=""):
    """Write (or rewrite) the minutes; the event row keeps each version."""
    _check(actor, meeting)
    minutes = _text(minutes, MINUTES_LIMIT, "minutes")
    guests = _text(guests, TEXT_LIMIT, "guests")
    with write_transaction():
        Meeting.update(minutes=minutes, guests=guests).where(Meeting.id == meeting.id).execute()
        _event(meeting, actor, now, "minutes", minutes)
    meeting.minutes, meeting.guests = minutes, guests


def decide(meeting, actor, now, *, kind, text, case=None, person=None, due_at=None, clock=None):
    """Record a decision; `give_case` gives the case to the person (its `give` event), `task` gives the person a
    task in their grid. Refused as a whole if the case or the task cannot be given."""
    _check(actor, meeting)
    if kind not in DECISION_LABELS:
        raise WorkflowError(INVALID, N_("Choose what the decision does."), field="kind")
    text = _text(text, TEXT_LIMIT, "text", required=True)
    if case is not None and not cases_in(meeting.org).where(Case.id == case.id).exists():
        raise WorkflowError(INVALID, N_("The case was not found in this meeting's area."), field="case")
    if kind == "give_case" and case is None:
        raise WorkflowError(INVALID, N_("Give the case's number."), field="case")
    if kind in ("give_case", "task") and person is None:
        raise WorkflowError(INVALID, N_("Choose a person."), field="person")
    with write_transaction():
        case_event = task = None
        if kind == "give_case":
            data = {"holder": person, "instructions": text}
            if due_at is not None:
                data["due"] = due_at
            case_event = service.fire(case, "give", actor, now, clock=clock, **data)
        elif kind == "task":
            grid = person.org if person.org_id is not None else None
            if grid is None or grid.kind != "grid":
                raise WorkflowError(INVALID, N_("Choose a member or the lead of this grid."), field="person")
            task = give_task(actor, grid, person, now, title=text[:TITLE_LIMIT], due_at=due_at,
                             instructions=_instructions(meeting, text, case))
        decision = MeetingDecision.create(meeting=meeting, kind=kind, text=text, case=case, person=person,
                                          due_at=due_at, case_event=case_event.id if case_event else None,
                                          task=task, decided_by=actor, decided_at=now)
        _event(meeting, actor, now, "decision", text)
    return decision


def _instructions(meeting, text, case):
    """A task's instructions name the meeting (and the case) it came from."""
    lines = [f"{meeting.title} ({meeting.held_at:%Y-%m-%d})"]
    if case is not None:
        lines.append(str(case))
    if len(text) > TITLE_LIMIT:
        lines.append(text)
    return "\n".join(lines)


def close_meeting(meeting, actor, now):
    """Close the meeting: nothing of it changes any more (its decisions' work goes on)."""
    _check(actor, meeting)
    with write_transaction():
        changed = Meeting.update(state="closed", closed_at=now).where(
            (Meeting.id == meeting.id) & (Meeting.state == "open")).execute()
        if changed != 1:
            raise WorkflowError(INVALID_STATE, N_("This meeting is closed."))
        _event(meeting, actor, now, "close")
    meeting.state, meeting.closed_at = "closed", now


def decisions(meeting):
    """The meeting's decisions, in the order taken."""
    return list(MeetingDecision.select().where(MeetingDecision.meeting == meeting.id)
                .order_by(MeetingDecision.decided_at, MeetingDecision.id))


# ---- what became of a decision ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of a decision, as of `now`: a status (OUTCOME_LABELS) and the object it concerns."""

    decision: MeetingDecision
    status: str
    case: Case = None
    task: Task = None


def outcome(decision, now):
    """What became of one decision."""
    if decision.kind == "give_case" and decision.case_id is not None:
        case = Case.get_by_id(decision.case_id)
        if case.closed_at is not None:
            status = "closed"
        elif case.holder_id == decision.person_id:
            due = case.holder_due or case.deadline
            status = "overdue" if due is not None and due < now else "in_hand"
        else:
            status = "moved_on"
        return Outcome(decision, status, case=case)
    if decision.kind == "task" and decision.task_id is not None:
        task = Task.get_by_id(decision.task_id)
        status = task.state
        if status == "open" and task.due_at < now:
            status = "overdue"
        return Outcome(decision, status, task=task)
    return Outcome(decision, "recorded")


def carried_over(meeting, now):
    """(the previous meeting, [Outcome]) — what became of its decisions — or (None, [])."""
    previous = previous_meeting(meeting)
    if previous is None:
        return None, []
    return previous, [outcome(decision, now) for decision in decisions(previous)]


def history(meeting):
    """The meeting's events, oldest first."""
    return list(MeetingEvent.select(MeetingEvent, User).join(User).where(MeetingEvent.meeting == meeting.id)
                .order_by(MeetingEvent.at, MeetingEvent.id))


def units_to_hold(actor):
    """The units where this user may open a meeting, in display order."""
    units = list(policy.visible_units(actor, ("grid", "community", "street"))
                 .order_by(OrgUnit.kind.desc(), OrgUnit.sort_order, OrgUnit.id))
    return [unit for unit in units if policy.can(actor, "meeting.hold", unit)]
