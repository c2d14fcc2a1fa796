"""Services done on a resident's behalf (居民事务代办): the chain as data, and its one write path.

The grid worker records the need and the documents (掌握信息, `record`) → the community service
centre accepts and defines it (受理界定, `accept`) → the street office reviews (审核, `review`) → the
district approves (审批, `approve`) → where the kind asks for one, a public notice (公示, `notice`) for
its days → granted. A kind configures which of accept / review / approve apply. At every office
step the office approves (on to the next step), returns it for more documents (back to `record`)
or refuses with a reason (`refused`). Each step runs on the cases' working-time clock
(workflows.clock) and so has the same lights; an application past its step's deadline is overdue.

This chain is separate from the case machine (workflows.machine): its own states, events and one
model-less `transitions` machine built once (`MACHINE`), fired through `fire()` — permission, state,
guard, the data it needs, deadline stamp, versioned UPDATE and one history row, in one transaction.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn
from transitions import Machine

from workflows import policy
from workflows.clock import Limit, light
from workflows.db import db, lock_for_update, write_transaction
from workflows.errors import FORBIDDEN, INVALID, INVALID_STATE, WorkflowError, stale
from workflows.models import Application, ApplicationEvent, Objection, Person, ServiceKind, ServiceNotice, User
from workflows.residents import TRACKING_LENGTH, mask_contacts, new_tracking_code, normalise_code
from workflows.values import whole_number


def N_(text):
    """Mark a string for the translation catalogue; the app translates it when shown."""
    return text


# State -> label, in the chain's order.
STATES = {
    "record": N_("Information gathered"),  # 掌握信息
    "accept": N_("Community acceptance"),  # 受理界定
    "review": N_("Street review"),  # 审核
    "approve": N_("District approval"),  # 审批
    "notice": N_("Public notice"),  # 公示
    "granted": N_("Granted"),  # 办结
    "refused": N_("Refused"),  # 不予办理
}
INITIAL = "record"
OFFICE_STEPS = ("accept", "review", "approve")  # the steps a kind may choose
FINAL = ("granted", "refused")
OPEN_STATES = tuple(s for s in STATES if s not in FINAL)
# The office that decides at each step, as a policy action (workflows.policy.ACTIONS).
STEP_ACTIONS = {"record": "service.record", "accept": "service.accept", "review": "service.review",
                "approve": "service.approve"}
STEP_LEVELS = {"accept": "community", "review": "street", "approve": "district"}
# Built-in working-hour limits, used when a kind does not set its own.
DEFAULT_LIMITS = {"record": 21, "accept": 14, "review": 35, "approve": 35}
# After the notice has run its days, its office concludes it within this.
CONCLUDE_LIMIT = Limit(1, "working_days")
MAX_LIMIT_HOURS = 2000
MAX_NOTICE_DAYS = 30
TEXT_LIMIT = 2000
NEED_LIMIT = 1000
MAX_DOCUMENTS = 20
DOCUMENT_LIMIT = 60


@dataclass(frozen=True)
class EventSpec:
    """One row of the event table."""

    name: str
    label: str
    sources: tuple
    who: str  # "step": the policy action of the application's step (STEP_ACTIONS / notice_action)
    needs: tuple = ()


E = EventSpec
EVENTS = (
    #  event        label                                   from                               who      needs
    E("documents", N_("Save the documents received"),       ("record",),                        "step"),
    E("submit",    N_("Submit to the next office"),         ("record",),                        "step"),
    E("approve",   N_("Approve"),                           OFFICE_STEPS,                       "step"),
    E("send_back", N_("Return for more documents"),         OFFICE_STEPS,                       "step",  ("reason",)),
    E("refuse",    N_("Refuse"),                            OFFICE_STEPS + ("notice",),         "step",  ("reason",)),
    E("conclude",  N_("Conclude the public notice"),        ("notice",),                        "step"),
)
EVENT_SPECS = {spec.name: spec for spec in EVENTS}
DECISIONS = ("approve", "send_back", "refuse", "conclude")
# Where an event may lead (the machine's transitions); which one it takes is decided by the kind's steps.
TARGETS = {
    "submit": OFFICE_STEPS,
    "approve": ("review", "approve", "notice", "granted"),
    "send_back": ("record",),
    "refuse": ("refused",),
    "conclude": ("granted",),
}


def chain(kind):
    """The steps of a kind, in order: record, the office steps it uses, notice if it has one."""
    steps = ["record"] + [s for s in OFFICE_STEPS if s in (kind.steps or ())]
    if kind.notice_days:
        steps.append("notice")
    return steps


def next_state(application, event):
    """The state `event` takes the application to (None for an event that keeps the state)."""
    if event == "documents":
        return None
    if event == "send_back":
        return "record"
    if event == "refuse":
        return "refused"
    if event == "conclude":
        return "granted"
    steps = chain(application.kind)
    position = steps.index(application.state) if application.state in steps else len(steps)
    return steps[position + 1] if position + 1 < len(steps) else "granted"


def last_office_step(kind):
    """The last office step of a kind (whose office also concludes its notice)."""
    offices = [s for s in OFFICE_STEPS if s in (kind.steps or ())]
    return offices[-1] if offices else "accept"


def step_action(application):
    """The policy action of whoever acts at the application's step (None when it is finished)."""
    if application.state == "notice":
        return STEP_ACTIONS[last_office_step(application.kind)]
    return STEP_ACTIONS.get(application.state)


class ServiceMachine(Machine):
    """The chain's transitions, with no model of its own: `MACHINE.events[name].trigger(application, …)`.

    Where an event leads depends on the kind (its steps, its notice): each possible destination is a
    transition whose condition asks `next_state`, so the machine takes exactly the one the kind says.
    It keeps no per-application state, so the one machine serves every request and thread.
    """

    def __init__(self):
        super().__init__(model=None, states=list(STATES), initial=INITIAL, auto_transitions=False,
                         send_event=True, ignore_invalid_triggers=False, model_attribute="state")
        for event, targets in TARGETS.items():
            for source in EVENT_SPECS[event].sources:
                for dest in targets:
                    self.add_transition(event, source, dest, conditions=[self._leads_to(event, dest)])

    @staticmethod
    def _leads_to(event, dest):
        """A condition: the kind's chain takes this event from here to `dest`."""

        def condition(event_data):
            return next_state(event_data.model, event) == dest

        condition.__name__ = f"{event}_to_{dest}"
        return condition


MACHINE = ServiceMachine()


# ---- the clock ----


def step_limit(kind, state):
    """The working-hour limit of a step of this kind (None for the notice and the final states)."""
    if state not in STEP_ACTIONS:
        return None
    hours = (kind.limits or {}).get(state) or DEFAULT_LIMITS[state]
    return Limit(float(hours), "working_hours")


def stamp_step(application, now, clock):
    """Start the clock of the state just entered: a step's working hours, or the notice's days
    followed by a working day to conclude it."""
    application.step_started_at = now
    if application.state == "notice":
        application.notice_from = now
        application.notice_until = now + timedelta(days=application.kind.notice_days)
        application.deadline = clock.deadline(application.notice_until, CONCLUDE_LIMIT)
        application.warn_at = application.notice_until
        return
    limit = step_limit(application.kind, application.state)
    if limit is None:
        application.deadline = application.warn_at = None
    else:
        application.deadline = clock.deadline(now, limit)
        application.warn_at = clock.warn_at(now, limit)


def light_of(application, now):
    """green / yellow / red for an open application, None for a finished one."""
    if application.state in FINAL:
        return None
    return light(now, application.warn_at, application.deadline)


def is_overdue(application, now):
    """Past the deadline of its step."""
    return application.state not in FINAL and application.deadline is not None and now >= application.deadline


def in_notice(application, now):
    """Shown on the public notice now."""
    return (application.state == "notice" and application.notice_until is not None
            and application.notice_from <= now < application.notice_until)


# ---- reminders (催办) for overdue steps ----


def addressee_of(application):
    """The office whose step it is: the grid for 掌握信息, the community, street or district for their
    steps; during the public notice, the office that concludes it (the last office step)."""
    state = application.state
    if state == "notice":
        state = last_office_step(application.kind) or "record"
    level = STEP_LEVELS.get(state)
    return getattr(application, f"{level}_id") if level else application.grid_id


def sweep(now):
    """Issue a reminder for every open application past its step's deadline that has none for this step
    yet; returns how many. Idempotent: the unique (application, state, step start) makes a second
    sweep, or two at once, issue nothing more."""
    issued = ServiceNotice.select(ServiceNotice.id).where(
        (ServiceNotice.application == Application.id) & (ServiceNotice.state == Application.state)
        & (ServiceNotice.step_started_at == Application.step_started_at))
    due = (Application.select(Application, ServiceKind).join(ServiceKind)
           .where(Application.state.in_(OPEN_STATES) & Application.deadline.is_null(False)
                  & (Application.deadline <= now) & ~fn.EXISTS(issued)))
    rows = [{"application": a.id, "state": a.state, "step_started_at": a.step_started_at, "deadline": a.deadline,
             "addressee": addressee_of(a), "issued_at": now} for a in due]
    if not rows:
        return 0
    with write_transaction():
        return sum(db.execute(ServiceNotice.insert(row).on_conflict_ignore()).rowcount for row in rows)


def reminders(application):
    """The reminders issued on an application, oldest first."""
    return list(ServiceNotice.select().where(ServiceNotice.application == application.id).order_by(ServiceNotice.id))


# ---- the one write path ----


def record(person, kind, actor, now, *, need, documents=(), clock=None):
    """A grid worker records a new application for a resident of their grid (掌握信息)."""
    from workflows.service import current_clock

    if actor is None or not policy.can(actor, "service.record", person):
        raise WorkflowError(FORBIDDEN, N_("You may not record applications for this resident."))
    if person.status != "living":
        raise WorkflowError(INVALID, N_("Applications are recorded for living residents only."))
    if kind is None or not kind.active:
        raise WorkflowError(INVALID, N_("Choose a kind of service."), field="kind")
    need = (need or "").strip()
    if not need:
        raise WorkflowError(INVALID, N_("Say what the resident needs."), field="need")
    if len(need) > NEED_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="need",
                            n=NEED_LIMIT)
    received = _documents(kind, documents)
    clock = clock or current_clock()
    grid = person.grid
    with write_transaction():
        application = Application(
            code=new_tracking_code(), kind=kind, person=person, household=person.household_id, grid=grid,
            community=grid.parent_id, street=grid.parent.parent_id, district=grid.parent.parent.parent_id,
            need=need, documents=received, state=INITIAL, recorded_by=_user(actor), created_at=now,
            updated_at=now, version=1, last_event="create",
        )
        stamp_step(application, now, clock)
        application.save(force_insert=True)
        _append(application, "create", None, actor, now, "", {"documents": received})
    return application


def fire(application, event, actor, now, *, clock=None, expected_version=None, reason="", documents=None):
    """Take `event` on the application as `actor` at `now`; returns the history row.

    Checks the actor's right at this step, the state, the event's guard and the data it needs,
    triggers the machine, stamps the next step's deadline, saves the application guarded by the
    version read and appends the history row — all in one transaction, or nothing.
    """
    from workflows.service import current_clock

    spec = EVENT_SPECS.get(event)
    if spec is None:
        raise WorkflowError(INVALID, N_("Unknown action."))
    clock = clock or current_clock()
    with write_transaction():
        fresh = lock_for_update(Application.select().where(Application.id == application.id)).get()
        if expected_version is not None and whole_number(expected_version) != fresh.version:
            raise stale()
        row = _apply(fresh, spec, actor, now, clock, reason, documents)
    for field in Application._meta.sorted_fields:
        setattr(application, field.name, getattr(fresh, field.name))
    return row


def _apply(application, spec, actor, now, clock, reason, documents):
    """Check, trigger, stamp, save and record; runs inside fire's transaction."""
    action = step_action(application)
    if actor is None or action is None or not policy.can(actor, action, application):
        raise WorkflowError(FORBIDDEN, N_("You may not act on this application at its current step."))
    if application.state not in spec.sources:
        raise WorkflowError(INVALID_STATE, N_("This action is not possible while the application is at “%(state)s”."),
                            state=STATES[application.state])
    reason = (reason or "").strip()
    if len(reason) > TEXT_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="reason",
                            n=TEXT_LIMIT)
    if "reason" in spec.needs and not reason:
        raise WorkflowError(INVALID, N_("Give a reason."), field="reason")
    data = {}
    if documents is not None:
        application.documents = _documents(application.kind, documents)
        data["documents"] = application.documents
    if spec.name == "submit":
        missing = [d for d in application.kind.documents or () if d not in application.documents]
        if missing:
            raise WorkflowError(INVALID, N_("Documents still missing: %(names)s."), field="documents",
                                names="、".join(missing))
    if spec.name == "conclude" and now < application.notice_until:
        raise WorkflowError(INVALID_STATE, N_("The public notice runs until %(until)s."),
                            until=application.notice_until.strftime("%Y-%m-%d %H:%M"))
    read_version, from_state = application.version, application.state
    if spec.name != "documents":
        if not MACHINE.events[spec.name].trigger(application):
            raise WorkflowError(INVALID_STATE, N_("This action is not possible while the application is at “%(state)s”."),
                                state=STATES[from_state])
        stamp_step(application, now, clock)
        if application.state == "record":
            application.return_count += 1
        if application.state in FINAL:
            application.closed_at = now
        if application.state != from_state:
            # The step moved on: its reminders are done with.
            ServiceNotice.update(closed_at=now).where((ServiceNotice.application == application.id)
                                                      & ServiceNotice.closed_at.is_null()).execute()
    application.last_event = spec.name
    application.updated_at = now
    application.version = read_version + 1
    changed = (Application.update(**{f.name: getattr(application, f.name) for f in Application._meta.sorted_fields
                                     if f.name not in ("id", "code", "created_at")})
               .where((Application.id == application.id) & (Application.version == read_version)).execute())
    if changed != 1:
        raise stale()
    return _append(application, spec.name, from_state, actor, now, reason, data or None)


def _append(application, event, from_state, actor, now, reason, data):
    """The history row of one step (seq = the application's version)."""
    return ApplicationEvent.create(
        application=application.id, seq=application.version, event=event, from_state=from_state,
        to_state=application.state, actor=_user(actor), actor_name=actor.name, actor_role=actor.role, at=now,
        reason=reason or "", data=data, deadline=application.deadline,
    )


def _documents(kind, names):
    """The documents received, as the kind's own names in its order (others are refused)."""
    names = [str(n).strip() for n in names or () if str(n).strip()]
    unknown = [n for n in names if n not in (kind.documents or ())]
    if unknown:
        raise WorkflowError(INVALID, N_("Unknown document: %(names)s."), field="documents", names="、".join(unknown[:3]))
    return [d for d in kind.documents or () if d in names]


def available_events(application, actor):
    """The events this actor may take on this application now, in table order."""
    action = step_action(application)
    if actor is None or action is None or not policy.can(actor, action, application):
        return []
    return [spec.name for spec in EVENTS if application.state in spec.sources]


def history(application):
    """The application's history rows, oldest first."""
    return list(ApplicationEvent.select().where(ApplicationEvent.application == application.id)
                .order_by(ApplicationEvent.seq))


def objections(application):
    """Objections raised against the application's public notice, oldest first."""
    return list(Objection.select().where(Objection.application == application.id).order_by(Objection.id))


# ---- kinds (an administrator configures them) ----


def save_kind(actor, now, kind=None, *, code, name, documents, steps, limits, notice_days, active=True):
    """Create or change a kind of service; a change governs steps entered after it (deadlines already
    stamped stay). Raises WorkflowError for a value out of its range."""
    if actor is None or not policy.can(actor, "service.configure"):
        raise WorkflowError(FORBIDDEN, N_("You may not configure services."))
    code, name = (code or "").strip(), (name or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", code):
        raise WorkflowError(INVALID, N_("A code is 1 to 32 letters, digits, - or _."), field="code")
    if not name or len(name) > 60:
        raise WorkflowError(INVALID, N_("Give a name of at most %(n)s characters."), field="name", n=60)
    documents = [d.strip() for d in documents if d.strip()]
    if len(documents) > MAX_DOCUMENTS or any(len(d) > DOCUMENT_LIMIT for d in documents) \
            or len(set(documents)) != len(documents):
        raise WorkflowError(INVALID, N_("At most %(n)s different documents, each a short name."), field="documents",
                            n=MAX_DOCUMENTS)
    steps = [s for s in OFFICE_STEPS if s in steps]
    if not steps:
        raise WorkflowError(INVALID, N_("Choose at least one office step."), field="steps")
    clean_limits = {}
    for step, hours in (limits or {}).items():
        if step not in STEP_ACTIONS:
            raise WorkflowError(INVALID, N_("Unknown step."), field="limits")
        if hours is None:
            continue
        if not 1 <= hours <= MAX_LIMIT_HOURS:
            raise WorkflowError(INVALID, N_("A time limit is 1 to %(n)s working hours."), field=f"limit_{step}",
                                n=MAX_LIMIT_HOURS)
        clean_limits[step] = int(hours)
    if not 0 <= (notice_days or 0) <= MAX_NOTICE_DAYS:
        raise WorkflowError(INVALID, N_("A public notice runs 0 to %(n)s days."), field="notice_days",
                            n=MAX_NOTICE_DAYS)
    with write_transaction():
        other = ServiceKind.get_or_none(ServiceKind.code == code)
        if other is not None and (kind is None or other.id != kind.id):
            raise WorkflowError(INVALID, N_("Another kind already has this code."), field="code")
        kind = kind or ServiceKind(created_at=now)
        kind.code, kind.name, kind.documents, kind.steps = code, name, documents, steps
        kind.limits, kind.notice_days, kind.active, kind.updated_at = clean_limits, notice_days or 0, active, now
        kind.save()
    return kind


# ---- the public side: notice, objections, tracking ----


def mask_name(name):
    """A name as the public notice shows it: 张*明, 李*, 欧**锋."""
    text = (name or "").strip()
    if len(text) <= 1:
        return "*" if text else ""
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def notice_list(unit, now):
    """The applications of a community or street in public notice now, oldest first."""
    column = {"community": Application.community, "street": Application.street}.get(unit.kind)
    if column is None:
        return []
    return list(Application.select(Application, ServiceKind, Person)
                .join(ServiceKind, on=Application.kind == ServiceKind.id)
                .switch(Application).join(Person, on=Application.person == Person.id)
                .where((column == unit.id) & (Application.state == "notice") & (Application.notice_from <= now)
                       & (Application.notice_until > now))
                .order_by(Application.notice_from, Application.id))


OBJECTION_LIMIT = 500


def object_to(application, now, *, text, contact=""):
    """Record an objection from the public to an application in notice."""
    text, contact = (text or "").strip(), (contact or "").strip()
    if not in_notice(application, now):
        raise WorkflowError(INVALID_STATE, N_("This entry is no longer in public notice."))
    if len(text) < 4:
        raise WorkflowError(INVALID, N_("Describe the objection in a few words."), field="text")
    if len(text) > OBJECTION_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="text",
                            n=OBJECTION_LIMIT)
    if len(contact) > 60:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="contact", n=60)
    return Objection.create(application=application.id, text=text, contact=contact, created_at=now)


def by_code(text):
    """The application a tracking code belongs to, or None."""
    code = normalise_code(text)
    if len(code) != TRACKING_LENGTH:
        return None
    return Application.get_or_none(Application.code == code)


def public_steps(application):
    """The history as the resident sees it: (when, event, state entered, reason shown to them)."""
    out = []
    for row in history(application):
        if row.event == "documents":
            continue
        shown = mask_contacts(row.reason) if row.event in ("send_back", "refuse") else ""
        out.append((row.at, row.event, row.to_state, shown))
    return out


def _user(actor):
    """The User behind an actor, if any."""
    return actor if isinstance(actor, User) else None
