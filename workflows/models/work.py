"""Work given to a person that is not a case: ad-hoc tasks (临时任务) and their history."""
from peewee import CharField, ForeignKeyField, TextField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.org import OrgUnit, User

TASK_STATES = ("open", "done", "cancelled")


class Task(BaseModel):
    """A piece of work a lead or an office gives to one person, with a due time and instructions."""

    title = CharField(max_length=200)
    instructions = TextField(default="")
    # The grid (or office) the work belongs to: its overseers see it.
    org = ForeignKeyField(OrgUnit, backref="tasks", on_delete="RESTRICT")
    assignee = ForeignKeyField(User, backref="tasks", on_delete="RESTRICT")
    given_by = ForeignKeyField(User, backref="given_tasks", on_delete="RESTRICT")
    due_at = DateTimeField()
    state = CharField(max_length=16, default="open")
    created_at = DateTimeField()
    done_at = DateTimeField(null=True)
    result = TextField(default="")

    class Meta:
        indexes = (
            (("assignee", "state", "due_at"), False),
            (("org", "state", "due_at"), False),
        )


class TaskEvent(BaseModel):
    """Every change of a task: given, done, cancelled, given to someone else — never deleted."""

    task = ForeignKeyField(Task, backref="events", on_delete="RESTRICT")
    event = CharField(max_length=16)
    actor = ForeignKeyField(User, on_delete="RESTRICT")
    at = DateTimeField()
    note = TextField(default="")

    class Meta:
        indexes = ((("task", "at"), False),)
