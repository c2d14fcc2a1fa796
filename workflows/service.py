"""The one write path: open a case, fire an event — checked, recorded and saved in one transaction."""
import json
from dataclasses import dataclass

from peewee import IntegrityError

from workflows import changes, notices, parts, policy, sql
from workflows.clock import Clock
from workflows.db import write_transaction
from workflows.errors import DUPLICATE, FORBIDDEN, INVALID, INVALID_STATE, WorkflowError, stale
from workflows.history import event_hash
from workflows.limits import limit_at
from workflows.machine import (
    EMERGENCY,
    EVENT_SPECS,
    EVENTS,
    INITIAL,
    MACHINE,
    N_,
    STATES,
    check_reason,
    guard_reason,
)
from workflows.models import SOURCES, URGENCIES, Attachment, Case, CaseEvent, Category, Department, User
from workflows.numbering import next_case_number
from workflows.values import record_id, whole_number

TEXT_LIMIT = 2000
# Columns an event may change; those it did change are saved with one UPDATE guarded by the version read.
MUTABLE = (
    "state", "level", "department", "step_started_at", "warn_at", "deadline", "suspended_at",
    "entered_by", "rework_count", "updated_at", "closed_at", "resolution", "duplicate_of", "holder", "holder_due",
)


@dataclass(frozen=True)
class SystemActor:
    """Someone acting without an account: the sweep, a resident, an API client."""

    role: str
    name: str
    id: int = None
    org_id: int = None
    department_id: int = None


_clock_factory = Clock


def set_clock_factory(factory):
    """Choose how the default clock is built (the app passes its calendar and office hours)."""
    global _clock_factory
    _clock_factory = factory


def current_clock():
    """The clock used when the caller passes none."""
    return _clock_factory()


def limit_for(state, urgency, at=None):
    """The time limit of a step entered at `at` (None: the newest): the editable table, else the built-in one."""
    return limit_at(state, urgency, at)


def stamp_step(case, now, clock):
    """Start the clock of the state the case has just entered (a suspension ends with its step)."""
    case.step_started_at = now
    case.suspended_at = None
    limit = limit_for(case.state, case.urgency, now)
    if limit is None:
        case.deadline = case.warn_at = None
    else:
        case.deadline = clock.deadline(now, limit)
        case.warn_at = clock.warn_at(now, limit)


def available_events(case, actor, now):
    """The events this actor may fire on this case now, in table order."""
    if actor is None:
        return []
    return [
        spec.name
        for spec in EVENTS
        if case.state in spec.sources
        and policy.can(actor, spec.who, case)
        and guard_reason(spec, case, actor, now) is None
    ]


def open_case(grid, actor, now, *, category, title, description="", clock=None, intake_key=None,
              attachments=(), **fields):
    """Record a new case in `found` with its first history row; returns the case.

    A repeated `intake_key` (a double tap, a retried request) returns the case it created — to
    the same person in the same grid only; a key sent by anyone else is refused as used.
    """
    existing = recorded_intake(intake_key, grid, actor)
    if existing is not None:
        return existing
    _check_opener(actor, grid)
    title = (title or "").strip()
    if not title:
        raise WorkflowError(INVALID, N_("Give the case a title."), field="title")
    if len(title) > 200:
        raise WorkflowError(INVALID, N_("The title is too long (at most %(n)s characters)."), field="title", n=200)
    if len(description or "") > 4000:
        raise WorkflowError(INVALID, N_("The description is too long (at most %(n)s characters)."),
                            field="description", n=4000)
    clock = clock or current_clock()
    try:
        with write_transaction():
            category = _category(category)
            case = Case(
                number=next_case_number(now),
                title=title,
                description=description or "",
                category=category,
                grid=grid,
                community=grid.parent,
                street=grid.parent.parent,
                district=grid.parent.parent.parent,
                urgency=fields.pop("urgency", None) or category.urgency,
                state=INITIAL,
                level="grid",
                entered_by=_user(actor),
                created_by=_user(actor),
                created_at=now,
                updated_at=now,
                version=1,
                intake_key=intake_key,
                **fields,
            )
            _check_fields(case)
            stamp_step(case, now, clock)
            case.save(force_insert=True)
            _append_event(case, "create", None, INITIAL, actor, now, note="", data={}, prev_deadline=None,
                          department=None, attachments=attachments)
            if case.urgency == EMERGENCY:
                notices.report_emergency(case, now)
            changes.count(case)
    except IntegrityError:
        if intake_key:
            existing = Case.get_or_none(Case.intake_key == intake_key)
            if existing is not None:
                return _same_intake(existing, grid, actor)
        raise
    return case


def route_inspected(case, actor, now, **kw):
    """A case found on a department's or supervisor's own inspection goes on at once: to the inspector's
    department (take_on) when its category says so, else to the grid it was found in (pass_to_grid)."""
    take_on = EVENT_SPECS["take_on"]
    if policy.can(actor, take_on.who, case) and guard_reason(take_on, case, actor, now) is None:
        return fire(case, "take_on", actor, now, **kw)
    return fire(case, "pass_to_grid", actor, now, **kw)


# A key (a form's intake_key or request_key) that comes back with another person, case or action.
KEY_USED = N_("This form was already used by someone else or for another action. Reload the page and try again.")


def recorded_intake(intake_key, grid, actor):
    """The case an intake key already recorded (the same person, the same grid), or None if it is new.

    An outbox sending again after a lost answer gets its case back even if the form would no longer
    pass (a category retired since): the key, not the form, says whether it was recorded.
    """
    if not intake_key:
        return None
    existing = Case.get_or_none(Case.intake_key == intake_key)
    return _same_intake(existing, grid, actor) if existing is not None else None


def _same_intake(existing, grid, actor):
    """The case an intake key recorded, if the same person sends it again for the same grid."""
    if existing.grid_id != grid.id or existing.created_by_id != _id(_user(actor)):
        raise WorkflowError(DUPLICATE, KEY_USED)
    return existing


def event_by_key(request_key):
    """The event a request key recorded, or None."""
    return sql.EVENT_BY_KEY.first(key=request_key) if request_key else None


def fire(case, event, actor, now, *, clock=None, expected_version=None, request_key=None,
         attachments=(), **data):
    """Fire `event` on `case` as `actor` at `now`; returns the history row.

    Checks scope and permission, the state, the event's guard and the data it needs,
    then triggers the machine, stamps the next step's deadline, appends one history row
    and saves the case once — all in one transaction. Any refusal raises WorkflowError
    and leaves the database as it was. `expected_version` is the version the user saw:
    if the case changed since, the change is refused as stale. A repeated `request_key`
    returns the event it recorded the first time, to the same actor for the same event on the
    same case; any other use of the key is refused (DUPLICATE).
    """
    spec = EVENT_SPECS.get(event)
    if spec is None:
        raise WorkflowError(INVALID, N_("Unknown action."))
    clock = clock or current_clock()
    try:
        with write_transaction():
            fresh = sql.LOCKED_CASE.first(id=case.id)
            # A retried request, or a double tap whose twin held the lock, finds the first event here
            # (not a stale version).
            done = event_by_key(request_key)
            if done is None:
                if expected_version is not None and whole_number(expected_version) != fresh.version:
                    raise stale()
                record = _apply(fresh, spec, actor, now, clock, data, request_key, attachments)
        if done is not None:
            return _replayed(done, case, spec.name, actor)
    except IntegrityError:
        done = event_by_key(request_key)
        if done is not None:
            return _replayed(done, case, spec.name, actor)
        # Another writer appended the same sequence number first.
        raise stale()
    _refresh(case, fresh)
    return record


def _apply(case, spec, actor, now, clock, data, request_key, attachments):
    """Check, trigger, stamp, record and save; runs inside fire's transaction."""
    if actor is None or not policy.can(actor, spec.who, case):
        raise WorkflowError(FORBIDDEN, N_("You may not do this on this case."))
    if case.state not in spec.sources:
        raise WorkflowError(
            INVALID_STATE, N_("This action is not possible while the case is %(state)s."),
            state=STATES[case.state],
        )
    reason = guard_reason(spec, case, actor, now)
    if reason:
        raise WorkflowError(INVALID_STATE, reason)
    data = _clean(case, spec, data)
    reason = check_reason(spec, case, actor, now, data)
    if reason:
        raise WorkflowError(INVALID, reason)
    read_version = case.version
    from_state, prev_deadline, department_before = case.state, case.deadline, case.department_id
    before = _mutable(case)
    MACHINE.events[spec.name].trigger(case, actor=actor, now=now, data=data, clock=clock)
    # The department the event concerns: the one named, else the case's before (a decline), else after (take_on).
    department = data.get("department") or department_before or case.department_id
    case.updated_at = now
    if spec.dest is not None:
        # A state was entered: its step starts now. Internal events (dest None) keep the clock.
        case.entered_by = _user(actor)
        # A new step is the next office's to give: whoever held the case gives it up.
        case.holder = case.holder_due = None
        stamp_step(case, now, clock)
    case.version = read_version + 1
    if _save_case(case, before, read_version) != 1:
        raise stale()
    note = data.get("note") or data.get("reason", "")
    if spec.name in parts.PART_EVENTS:
        department = actor.department_id  # the row concerns the co-department's part
    record = _append_event(
        case, spec.name, from_state, case.state, actor, now, note=note,
        data=_stored({k: v for k, v in data.items() if k != "note"}),
        prev_deadline=prev_deadline, department=department, request_key=request_key, attachments=attachments,
    )
    parts.write(case, spec.name, data, record, actor, now)
    # Last: on PostgreSQL the counters' rows stay locked until the commit that follows.
    changes.count(case, department_before)
    return record


def _mutable(case):
    """{column: value} of the columns an event may change (foreign keys by id)."""
    return {name: getattr(case, sql.key(Case._meta.fields[name])) for name in MUTABLE}


def _save_case(case, before, read_version):
    """UPDATE the columns the event changed and the version, guarded by the version read (an index
    is rewritten only for columns that are set, so unchanged ones are left out). Returns the number
    of rows changed (0: someone else was first)."""
    after = _mutable(case)
    names = (*(name for name in MUTABLE if after[name] != before[name]), "version")
    return sql.save_case(names).changed(id=case.id, read_version=read_version, **sql.columns(Case, case, names))


def _append_event(case, event, from_state, to_state, actor, now, *, note, data, prev_deadline, department,
                  request_key=None, attachments=()):
    """Write the history row (seq = the case's new version), chained to the previous row."""
    previous = sql.PREVIOUS_HASH.rows(case=case.id, seq=case.version - 1) if case.version > 1 else None
    row = CaseEvent(
        case=case.id, seq=case.version, event=event, from_state=from_state, to_state=to_state,
        actor=_user(actor), actor_name=actor.name, actor_role=actor.role, at=now, note=note or "",
        data=data or None, level=case.level, department=_id(department),
        prev_deadline=prev_deadline, deadline=case.deadline, request_key=request_key or None,
    )
    row.prev_hash = previous[0][0] if previous else ""
    row.hash = event_hash(case.id, row, row.prev_hash)
    row.id = sql.INSERT_EVENT.rows(**sql.columns(CaseEvent, row, sql.EVENT_COLUMNS))[0][0]
    for item in attachments:
        Attachment.create(case=case.id, event=row.id, uploaded_by=_user(actor), created_at=now, **item)
    return row


def _clean(case, spec, data):
    """Validate the data the event needs; returns it with references resolved."""
    cleaned = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if len(value) > TEXT_LIMIT:
                raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field=key,
                                    n=TEXT_LIMIT)
        if value not in (None, ""):
            cleaned[key] = value
    for field in spec.needs:
        if field not in cleaned:
            raise WorkflowError(INVALID, MISSING_MESSAGES.get(field, N_("This field is required.")), field=field)
    if "department" in cleaned:
        cleaned["department"] = _department_for(case, cleaned["department"])
    if "duplicate_of" in cleaned:
        cleaned["duplicate_of"] = _original_of(case, cleaned["duplicate_of"])
    if "holder" in cleaned:
        cleaned["holder"] = _person(cleaned["holder"])
    if "co_departments" in cleaned:
        cleaned["co_departments"] = _co_departments(case, cleaned["co_departments"])
        if not cleaned["co_departments"]:
            del cleaned["co_departments"]
    return cleaned


def _co_departments(case, value):
    """The co-departments of a joint dispatch: a list, or ids separated by commas; each serving the area."""
    items = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v.strip()]
    if len(items) > 10:
        raise WorkflowError(INVALID, N_("Choose at most %(n)s co-departments."), field="co_departments", n=10)
    out = []
    for item in items:
        department = _department_for(case, item.strip() if isinstance(item, str) else item, field="co_departments")
        if department.id not in {d.id for d in out}:
            out.append(department)
    return out


MISSING_MESSAGES = {
    "note": N_("Write a note."),
    "reason": N_("Give a reason."),
    "department": N_("Choose a department."),
    "void_kind": N_("Say whether the case is a duplicate or invalid."),
    "requested_deadline": N_("Give the new deadline."),
    "holder": N_("Choose a person."),
}


def _person(value):
    """The user named by id (the machine's check decides whether they may hold the case)."""
    if isinstance(value, User):
        return value
    person = User.get_or_none(User.id == record_id(value))
    if person is None:
        raise WorkflowError(INVALID, N_("Choose a member of the case's grid or of its department."), field="holder")
    return person


def _department_for(case, value, field="department"):
    """The department to dispatch to: active, and serving the case's street or district."""
    department = value if isinstance(value, Department) else Department.get_or_none(Department.id == record_id(value))
    if department is None or not department.active or department.org_id not in (case.street_id, case.district_id):
        raise WorkflowError(INVALID, N_("Choose a department that serves this area."), field=field)
    return department


def _original_of(case, value):
    """The original a duplicate points at: another case of the same street, by id or number."""
    if isinstance(value, Case):
        original = value
    else:
        original = Case.get_or_none(Case.number == str(value)) or Case.get_or_none(Case.id == record_id(value))
    if original is None or original.id == case.id or original.street_id != case.street_id:
        raise WorkflowError(INVALID, N_("The original case was not found in this street."), field="duplicate_of")
    return original


def _stored(data):
    """The event's structured data as JSON-safe values (references by id or number)."""
    out = {}
    for key, value in data.items():
        if isinstance(value, Case):
            value = value.number
        elif isinstance(value, (Department, User)):
            value = value.id
        elif isinstance(value, list):
            value = [getattr(item, "id", item) for item in value]
        out[key] = value
    return json.loads(json.dumps(out, ensure_ascii=False, default=str))


def _check_opener(actor, grid):
    """Grid workers open cases in their own grid; residents, the API and the system anywhere."""
    if actor is None:
        raise WorkflowError(FORBIDDEN, N_("You may not record cases here."))
    if isinstance(actor, SystemActor) or policy.can(actor, "case.record", grid):
        return
    raise WorkflowError(FORBIDDEN, N_("You may not record cases in this grid."))


def _check_fields(case):
    """Refuse a new case whose building, unit or choices do not belong to it."""
    if case.grid.kind != "grid":
        raise WorkflowError(INVALID, N_("Cases belong to a grid."), field="grid")
    if case.building is not None and case.building.grid_id != case.grid.id:
        raise WorkflowError(INVALID, N_("That building is not in this grid."), field="building")
    if case.unit is not None and (case.building is None or case.unit.building_id != case.building.id):
        raise WorkflowError(INVALID, N_("That unit is not in the chosen building."), field="unit")
    if case.source not in SOURCES:
        raise WorkflowError(INVALID, N_("Unknown source."), field="source")
    if case.urgency not in URGENCIES:
        raise WorkflowError(INVALID, N_("Unknown urgency."), field="urgency")


def _category(value):
    """A minor (leaf) category, active."""
    category = value if isinstance(value, Category) else Category.get_or_none(Category.id == record_id(value))
    if category is None or not category.active or category.parent_id is None:
        raise WorkflowError(INVALID, N_("Choose a category."), field="category")
    return category


def _replayed(done, case, event, actor):
    """A retried request: give back what it did the first time — only to the same actor, for the
    same event on the same case (a borrowed key must not pass for success)."""
    user = _user(actor)
    same_actor = done.actor_id == user.id if user is not None else (
        done.actor_id is None and (done.actor_role, done.actor_name) == (actor.role, actor.name))
    if done.case_id != case.id or done.event != event or not same_actor:
        raise WorkflowError(DUPLICATE, KEY_USED)
    _refresh(case, Case.get_by_id(case.id))
    return done


def _refresh(case, fresh):
    """Copy the saved row into the caller's instance. Related objects it had loaded (a card's
    category, building, grid …) stay where their key is unchanged (peewee keeps them); a reference
    the event changed is taken as the event set it (the department dispatched to, who entered)."""
    for field in Case._meta.sorted_fields:
        name = sql.key(field)
        if getattr(case, name) != getattr(fresh, name):
            setattr(case, field.name, getattr(fresh, field.name))


def _user(actor):
    """The User behind an actor, if any."""
    return actor if isinstance(actor, User) else None


def _id(obj):
    """The id of a model instance (or None)."""
    return getattr(obj, "id", obj)
