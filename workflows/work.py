"""Work for a person: tasks given to one member or lead, and each person's list of work.

A case is given to a person by the case machine's `give` event (the history row is the
assignment's record); a task (临时任务) is work that is not a case. "My work" gathers, for one
person, everything waiting on them — the cases they hold, their open tasks, the cases they found
and have not yet handled or reported, and the supervision notices addressed to them — nearest
deadline first, with the same lights as the boards.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflows import policy
from workflows.clock import light
from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, INVALID, INVALID_STATE, WorkflowError
from workflows.machine import N_
from workflows.models import Case, Notice, OrgUnit, Task, TaskEvent, User
from workflows.text import clean_text

TITLE_LIMIT = 200
TEXT_LIMIT = 2000
# A task's yellow light: the last quarter of the time it was given with, at least the last hour.
WARN_SHARE = 0.25


def _text(value, limit, field, required=False):
    text = clean_text(value or "").strip()
    if required and not text:
        raise WorkflowError(INVALID, N_("This field is required."), field=field)
    if len(text) > limit:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field=field, n=limit)
    return text


def give_task(actor, grid, assignee, now, *, title, due_at, instructions=""):
    """Give `assignee` (a member or lead of `grid`) a task due at `due_at`; returns the task."""
    if not policy.can(actor, "task.give", grid):
        raise WorkflowError(FORBIDDEN, N_("You may not give tasks in this grid."))
    if assignee is None or not policy.may_take_task(assignee, grid):
        raise WorkflowError(INVALID, N_("Choose a member or the lead of this grid."), field="assignee")
    if not isinstance(due_at, datetime) or due_at <= now:
        raise WorkflowError(INVALID, N_("Give a due time that is still to come."), field="due_at")
    title = _text(title, TITLE_LIMIT, "title", required=True)
    instructions = _text(instructions, TEXT_LIMIT, "instructions")
    with write_transaction():
        task = Task.create(title=title, instructions=instructions, org=grid, assignee=assignee, given_by=actor,
                           due_at=due_at, created_at=now)
        TaskEvent.create(task=task, event="give", actor=actor, at=now, note=instructions)
    return task


def _change(task, actor, now, action, event, state, note, **columns):
    """Move an open task to `state`, guarded so a stale or repeated change does nothing."""
    if not policy.can(actor, action, task):
        raise WorkflowError(FORBIDDEN, N_("You may not do this on this task."))
    with write_transaction():
        changed = (Task.update(state=state, **columns)
                   .where((Task.id == task.id) & (Task.state == "open")).execute())
        if changed != 1:
            raise WorkflowError(INVALID_STATE, N_("This task is no longer open."))
        TaskEvent.create(task=task, event=event, actor=actor, at=now, note=note)
    return Task.get_by_id(task.id)


def finish_task(task, actor, now, result):
    """The assignee reports the task done, with what was done."""
    result = _text(result, TEXT_LIMIT, "result", required=True)
    return _change(task, actor, now, "task.done", "done", "done", result, done_at=now, result=result)


def cancel_task(task, actor, now, reason):
    """Whoever gave it (or an overseer of its grid) cancels an open task, with a reason."""
    reason = _text(reason, TEXT_LIMIT, "reason", required=True)
    return _change(task, actor, now, "task.cancel", "cancel", "cancelled", reason, done_at=now)


def task_light(task, now):
    """The task's light: red when due, yellow in its last quarter (at least its last hour)."""
    if task.state != "open":
        return None
    span = task.due_at - task.created_at
    warn_at = task.due_at - max(span * WARN_SHARE, timedelta(hours=1))
    return light(now, warn_at, task.due_at)


@dataclass(frozen=True)
class Item:
    """One piece of work on a person's list."""

    kind: str  # held | found | task | notice
    due: datetime  # None: no time limit
    light: str
    obj: object


def _order(items):
    return sorted(items, key=lambda item: (item.due is None, item.due or datetime.max, item.kind))


def held_cases(user_ids):
    """Open cases held by these people."""
    return (Case.select().where(Case.holder.in_(user_ids) & Case.closed_at.is_null())
            .order_by(Case.holder_due, Case.deadline))


def my_work(user, now):
    """Everything waiting on `user`, nearest deadline first."""
    items = []
    for case in held_cases([user.id]):
        due = case.holder_due or case.deadline
        items.append(Item("held", due, light(now, case.warn_at, due) if case.holder_due is None
                          else light(now, None, due), case))
    held = {item.obj.id for item in items}
    found = Case.select().where((Case.state == "found") & (Case.created_by == user.id) & (Case.grid == user.org_id))
    items += [Item("found", case.deadline, light(now, case.warn_at, case.deadline), case)
              for case in found if case.id not in held]
    tasks = Task.select().where((Task.assignee == user.id) & (Task.state == "open"))
    items += [Item("task", task.due_at, task_light(task, now), task) for task in tasks]
    waiting = policy.addressed_notices(user, Notice.select().where(Notice.status.in_(("pending", "signed"))))
    items += [Item("notice", notice.reply_deadline, light(now, notice.reply_warn_at, notice.reply_deadline), notice)
              for notice in waiting]
    return _order(items)


def team_today(grid, now):
    """The grid's people and each one's open work: [(person, items, overdue count)], lead first."""
    people = list(User.select().where(User.active & User.role.in_(policy.GRID_TEAM) & (User.org == grid.id))
                  .order_by(User.role.desc(), User.name))
    rows = []
    for person in people:
        items = [item for item in my_work(person, now) if item.kind != "notice"]
        rows.append((person, items, sum(1 for item in items if item.light == "red")))
    return rows


def task_history(task):
    """The task's events, oldest first."""
    return list(TaskEvent.select(TaskEvent, User).join(User).where(TaskEvent.task == task.id).order_by(TaskEvent.at,
                                                                                                        TaskEvent.id))


def grid_of(task):
    """The task's grid."""
    return OrgUnit.get_by_id(task.org_id)
