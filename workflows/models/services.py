"""Services done on a resident's behalf (居民事务代办): the kinds an administrator configures, the
applications grid workers record, their history step by step, and objections to public notices."""
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from workflows.db import DateTimeField, JSONField
from workflows.models.base import BaseModel
from workflows.models.org import OrgUnit, User
from workflows.models.registry import Household, Person


class ServiceKind(BaseModel):
    """A kind of service (低保, hardship relief …): its documents, the steps that apply, the
    working-hour limit of each step and whether a public notice (公示) follows, for how many days."""

    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=60)
    documents = JSONField(default=list)  # the checklist: names of documents, in order
    steps = JSONField(default=list)  # which of accept / review / approve apply (record always does)
    limits = JSONField(default=dict)  # step -> working hours
    notice_days = IntegerField(default=0)  # 0: no public notice
    active = BooleanField(default=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()

    def __str__(self):
        return self.name


class Application(BaseModel):
    """One application made on a resident's behalf, at one step of its kind's chain."""

    code = CharField(max_length=32, unique=True)  # the tracking code given to the resident
    kind = ForeignKeyField(ServiceKind, backref="applications", on_delete="RESTRICT")
    person = ForeignKeyField(Person, backref="applications", on_delete="RESTRICT")
    household = ForeignKeyField(Household, null=True, backref="+", on_delete="RESTRICT")
    grid = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    community = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    street = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    district = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    need = TextField(default="")  # what the resident needs, in the grid worker's words
    documents = JSONField(default=list)  # names of the checklist's documents received
    state = CharField(max_length=16, index=True)
    step_started_at = DateTimeField()
    warn_at = DateTimeField(null=True)
    deadline = DateTimeField(null=True)
    notice_from = DateTimeField(null=True)
    notice_until = DateTimeField(null=True)
    return_count = IntegerField(default=0)
    last_event = CharField(max_length=16, default="create")
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField()
    updated_at = DateTimeField()
    closed_at = DateTimeField(null=True)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("state", "deadline"), False), (("grid", "state"), False), (("community", "state"), False))


class ApplicationEvent(BaseModel):
    """One step of an application's history: who did what, when and why (never changed or deleted)."""

    application = ForeignKeyField(Application, backref="events", on_delete="RESTRICT")
    seq = IntegerField()
    event = CharField(max_length=16)
    from_state = CharField(max_length=16, null=True)
    to_state = CharField(max_length=16)
    actor = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    actor_name = CharField(max_length=60)
    actor_role = CharField(max_length=16)
    at = DateTimeField()
    reason = TextField(default="")
    data = JSONField(null=True)
    deadline = DateTimeField(null=True)  # of the step entered

    class Meta:
        indexes = ((("application", "seq"), True),)


class Objection(BaseModel):
    """An objection a member of the public raised against an application in public notice."""

    application = ForeignKeyField(Application, backref="objections", on_delete="RESTRICT")
    text = TextField()
    contact = CharField(max_length=60, default="")  # optional, for the office to call back; staff only
    created_at = DateTimeField()


class ServiceNotice(BaseModel):
    """A reminder (催办) the sweep issues when an application's step runs past its deadline: one per step
    (application, state, the step's start), addressed to the office whose step it is (the grid for 掌握信息);
    closed when the step moves on. Never deleted."""

    application = ForeignKeyField(Application, backref="notices", on_delete="RESTRICT")
    state = CharField(max_length=16)
    step_started_at = DateTimeField()
    deadline = DateTimeField()
    addressee = ForeignKeyField(OrgUnit, backref="+", on_delete="RESTRICT")
    issued_at = DateTimeField()
    closed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("application", "state", "step_started_at"), True), (("addressee", "closed_at"), False))
