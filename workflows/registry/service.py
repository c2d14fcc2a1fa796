"""The registry's one write path: every change checks the policy, validates, writes its row and a
dated RegistryChange (reason, author) in one transaction. Nothing is deleted: a move, a death or a
tag's end is a date and a reason on the row and a change in the history."""
from datetime import date

from peewee import IntegrityError

from workflows.db import write_transaction
from workflows.errors import DUPLICATE, FORBIDDEN, INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import (
    BUILDING_KINDS,
    RELATIONS,
    RESIDENCE_KINDS,
    REVEAL_FIELDS,
    ROOM_USES,
    SEXES,
    THING_CONDITIONS,
    Building,
    CaseLink,
    Household,
    Organisation,
    Person,
    PersonTag,
    RegistryChange,
    RevealLog,
    Room,
    Thing,
    Unit,
)
from workflows.policy import can
from workflows.registry import (
    BIRTH_FIRST,
    ORG_KIND_LABELS,
    TAGS,
    THING_KIND_LABELS,
    birth_of,
    id_problem,
    normal_id,
    phone_ok,
    tail,
)
from workflows.values import LAST_DAY, whole_number

REASON_LIMIT = 500


def need(actor, action, obj, message=N_("You may not change the registry of this grid.")):
    """Refuse unless the policy lets the actor take the action on the object."""
    if obj is None or not can(actor, action, obj):
        raise WorkflowError(FORBIDDEN, message)


def invalid(message, field, **params):
    """A refusal of one field's value."""
    return WorkflowError(INVALID, message, field=field, **params)


def text(value, field, limit, required=False):
    """A trimmed text within its length."""
    value = str(value or "").strip()
    if required and not value:
        raise invalid(N_("This field is required."), field)
    if len(value) > limit:
        raise invalid(N_("At most %(limit)s characters."), field, limit=limit)
    return value


def choice(value, choices, field):
    """One of the allowed values."""
    if value not in choices:
        raise invalid(N_("Choose a value from the list."), field)
    return value


def day(value, field, first=BIRTH_FIRST, last=LAST_DAY, required=False):
    """A date within range (or None when not required)."""
    if value in (None, ""):
        if required:
            raise invalid(N_("This field is required."), field)
        return None
    if not isinstance(value, date) or not first <= value <= last:
        raise invalid(N_("Give a date between %(first)s and %(last)s."), field, first=first.isoformat(),
                      last=last.isoformat())
    return value


def reason_text(reason, required=True):
    """Why a change was made (moves, deaths, tag removals and reveals require one)."""
    return text(reason, "reason", REASON_LIMIT, required=required)


def log(kind, grid_id, on, actor, now, reason="", detail=None, **links):
    """Append one change to the registry's history."""
    return RegistryChange.create(grid=grid_id, kind=kind, day=on, reason=reason, detail=detail,
                                 author=getattr(actor, "id", None), created_at=now, **links)


# ---- houses -------------------------------------------------------------------------------------


def save_building(actor, now, grid, building=None, *, name, address="", floors=None, kind="self_managed",
                  lat=None, lng=None):
    """Add a building to a grid, or correct one."""
    need(actor, "registry.edit", grid)
    fields = {"name": text(name, "name", 60, required=True), "address": text(address, "address", 200),
              "floors": _count(floors, "floors", 1, 200), "kind": choice(kind, BUILDING_KINDS, "kind"),
              "lat": lat if lat is not None else getattr(building, "lat", None),
              "lng": lng if lng is not None else getattr(building, "lng", None)}
    with write_transaction():
        clash = Building.select().where((Building.grid == grid.id) & (Building.name == fields["name"]))
        if building is not None:
            clash = clash.where(Building.id != building.id)
        if clash.exists():
            raise WorkflowError(DUPLICATE, N_("This grid already has a building of that name."), field="name")
        if building is None:
            building = Building.create(grid=grid.id, **fields)
            log("created", grid.id, now.date(), actor, now, building=building.id)
        else:
            changed = _assign(building, fields)
            if changed:
                building.save()
                log("edited", grid.id, now.date(), actor, now, building=building.id, detail={"fields": changed})
    return building


def add_unit(actor, now, building, *, name):
    """Add a stairwell unit (单元) to a building."""
    need(actor, "registry.edit", building)
    name = text(name, "name", 40, required=True)
    with write_transaction():
        if Unit.select().where((Unit.building == building.id) & (Unit.name == name)).exists():
            raise WorkflowError(DUPLICATE, N_("This building already has a unit of that name."), field="name")
        unit = Unit.create(building=building.id, name=name)
        log("created", building.grid_id, now.date(), actor, now, building=building.id, detail={"unit": name})
    return unit


def save_room(actor, now, unit, room=None, *, number, floor=None, use="owner", landlord="", landlord_phone="",
              reason=""):
    """Add a room to a unit, or correct one (a change of use is a dated change with its reason)."""
    building = unit.building
    need(actor, "registry.edit", building)
    if not phone_ok(landlord_phone):
        raise invalid(N_("A phone number has 5 to 20 digits."), "landlord_phone")
    fields = {"number": text(number, "number", 20, required=True), "floor": _count(floor, "floor", -5, 200),
              "use": choice(use, ROOM_USES, "use"), "landlord": text(landlord, "landlord", 60),
              "landlord_phone": str(landlord_phone or "").strip()}
    reason = reason_text(reason, required=False)
    with write_transaction():
        clash = Room.select().where((Room.unit == unit.id) & (Room.number == fields["number"]))
        if room is not None:
            clash = clash.where(Room.id != room.id)
        if clash.exists():
            raise WorkflowError(DUPLICATE, N_("This unit already has a room of that number."), field="number")
        if room is None:
            room = Room.create(unit=unit.id, building=building.id, grid=building.grid_id, **fields)
            log("created", building.grid_id, now.date(), actor, now, room=room.id, building=building.id)
        else:
            old_use = room.use
            changed = _assign(room, fields)
            if changed:
                room.save()
                kind = "use_changed" if "use" in changed else "edited"
                log(kind, building.grid_id, now.date(), actor, now, reason, room=room.id, building=building.id,
                    detail={"fields": changed, "use": [old_use, room.use]} if kind == "use_changed"
                    else {"fields": changed})
    return room


def add_household(actor, now, room, *, number=""):
    """A household (户) now living in the room."""
    need(actor, "registry.edit", room)
    number = text(number, "number", 32)
    with write_transaction():
        household = Household.create(room=room.id, grid=room.grid_id, number=number, created_at=now)
        log("created", room.grid_id, now.date(), actor, now, room=room.id, detail={"household": household.id})
    return household


# ---- people -------------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "id_number", "phone", "sex", "birth_date", "residence", "relation", "moved_in")


def person_fields(*, name, id_number, phone="", sex, birth_date=None, residence="registered", relation="head",
                  moved_in=None, today):
    """A person's fields checked (the ID number's check digit; the birth date it holds, if none given)."""
    id_number = normal_id(id_number)
    problem = id_problem(id_number)
    if problem:
        raise invalid(problem, "id_number")
    phone = str(phone or "").strip()
    if not phone_ok(phone):
        raise invalid(N_("A phone number has 5 to 20 digits."), "phone")
    born = day(birth_date, "birth_date", last=today) if birth_date else birth_of(id_number)
    if born is None or born > today:
        raise invalid(N_("Give a date between %(first)s and %(last)s."), "birth_date", first=BIRTH_FIRST.isoformat(),
                      last=today.isoformat())
    return {"name": text(name, "name", 60, required=True), "id_number": id_number, "id_tail": tail(id_number),
            "phone": phone, "phone_tail": tail(phone), "sex": choice(sex, SEXES, "sex"), "birth_date": born,
            "residence": choice(residence, RESIDENCE_KINDS, "residence"),
            "relation": choice(relation, RELATIONS, "relation"), "moved_in": day(moved_in, "moved_in", last=today)}


def save_person(actor, now, household, person=None, reason="", **values):
    """Register a person in a household (a new one moves in on `moved_in`), or correct one's details."""
    need(actor, "registry.edit", household)
    fields = person_fields(today=now.date(), **values)
    with write_transaction():
        clash = Person.select().where(Person.id_number == fields["id_number"])
        if person is not None:
            clash = clash.where(Person.id != person.id)
        if clash.exists():
            raise WorkflowError(DUPLICATE, N_("Someone with this ID number is already registered."), field="id_number")
        if person is None:
            try:
                person = Person.create(grid=household.grid_id, household=household.id, created_at=now,
                                       updated_at=now, **fields)
            except IntegrityError:
                raise WorkflowError(DUPLICATE, N_("Someone with this ID number is already registered."),
                                    field="id_number") from None
            log("moved_in" if fields["moved_in"] else "created", household.grid_id, fields["moved_in"] or now.date(),
                actor, now, reason_text(reason, required=False), person=person.id, room=household.room_id)
        else:
            # The history names the fields that changed, never their values (it is read more widely).
            changed = _assign(person, fields)
            if changed:
                person.updated_at = now
                person.save()
                log("edited", person.grid_id, now.date(), actor, now, reason_text(reason, required=False),
                    person=person.id, detail={"fields": [f for f in changed if f not in ("id_tail", "phone_tail")]})
    return person


def move_in(actor, now, person, household, *, on, relation="head", reason):
    """A person moves into another household (another room, perhaps another grid of the user's)."""
    need(actor, "registry.edit", person)
    need(actor, "registry.edit", household)
    on = day(on, "on", last=now.date(), required=True)
    reason = reason_text(reason)
    relation = choice(relation, RELATIONS, "relation")
    with write_transaction():
        person.household, person.grid, person.relation = household.id, household.grid_id, relation
        person.status, person.moved_in, person.moved_out, person.updated_at = "living", on, None, now
        person.save()
        log("moved_in", household.grid_id, on, actor, now, reason, person=person.id, room=household.room_id)
    return person


def move_out(actor, now, person, *, on, reason, to=""):
    """A person moves out (迁出): dated, with a reason; the row stays, with its history."""
    return _leave(actor, now, person, "moved_out", on, reason, {"to": text(to, "to", 200)})


def record_death(actor, now, person, *, on, reason):
    """A person died: dated, with a reason (the certificate, who told us); the row stays."""
    return _leave(actor, now, person, "deceased", on, reason, None)


def _leave(actor, now, person, status, on, reason, detail):
    need(actor, "registry.edit", person)
    if person.status != "living":
        raise WorkflowError(INVALID, N_("This person no longer lives here."))
    on = day(on, "on", last=now.date(), required=True)
    reason = reason_text(reason)
    with write_transaction():
        room = person.household.room_id if person.household_id else None
        person.status, person.updated_at = status, now
        if status == "moved_out":
            person.moved_out = on
        else:
            person.deceased_on = on
        person.save()
        log(status, person.grid_id, on, actor, now, reason, person=person.id, room=room, detail=detail)
        for tag in PersonTag.select().where((PersonTag.person == person.id) & PersonTag.ended_on.is_null()):
            tag.ended_on, tag.ended_by, tag.end_reason = on, actor.id, reason
            tag.save()
    return person


def add_tag(actor, now, person, *, tag, on, reason=""):
    """Put a person in a group needing attention (a sensitive one only for those who may see it)."""
    need(actor, "registry.edit", person)
    if tag not in TAGS:
        raise invalid(N_("Choose a value from the list."), "tag")
    sensitive = TAGS[tag][1]
    if sensitive:
        need(actor, "registry.sensitive", person, N_("You may not see or set this tag."))
    on = day(on, "on", last=now.date(), required=True)
    with write_transaction():
        if PersonTag.select().where((PersonTag.person == person.id) & (PersonTag.tag == tag)
                                    & PersonTag.ended_on.is_null()).exists():
            raise WorkflowError(DUPLICATE, N_("The person already has this tag."), field="tag")
        row = PersonTag.create(person=person.id, tag=tag, sensitive=sensitive, started_on=on, added_by=actor.id,
                               created_at=now)
        log("tag_added", person.grid_id, on, actor, now, reason_text(reason, required=False), person=person.id,
            detail={"tag": tag, "sensitive": sensitive})
    return row


def remove_tag(actor, now, row, *, on, reason):
    """End a tag (dated, with a reason and its author); the row stays."""
    person = row.person
    need(actor, "registry.edit", person)
    if row.sensitive:
        need(actor, "registry.sensitive", person, N_("You may not see or set this tag."))
    if row.ended_on is not None:
        raise WorkflowError(INVALID, N_("This tag has already been removed."))
    on = day(on, "on", first=row.started_on, last=now.date(), required=True)
    reason = reason_text(reason)
    with write_transaction():
        row.ended_on, row.ended_by, row.end_reason = on, actor.id, reason
        row.save()
        log("tag_removed", person.grid_id, on, actor, now, reason, person=person.id,
            detail={"tag": row.tag, "sensitive": row.sensitive})
    return row


# ---- organisations and things ---------------------------------------------------------------------


def save_organisation(actor, now, grid, organisation=None, *, name, kind, address="", contact="", contact_phone="",
                      staff=0, fire_safety_person=""):
    """Add an organisation of the grid, or correct one."""
    need(actor, "registry.edit", grid)
    if not phone_ok(contact_phone):
        raise invalid(N_("A phone number has 5 to 20 digits."), "contact_phone")
    fields = {"name": text(name, "name", 100, required=True), "kind": choice(kind, ORG_KIND_LABELS, "kind"),
              "address": text(address, "address", 200), "contact": text(contact, "contact", 60),
              "contact_phone": str(contact_phone or "").strip(), "staff": _count(staff, "staff", 0, 1_000_000) or 0,
              "fire_safety_person": text(fire_safety_person, "fire_safety_person", 60)}
    with write_transaction():
        clash = Organisation.select().where((Organisation.grid == grid.id) & (Organisation.name == fields["name"]))
        if organisation is not None:
            clash = clash.where(Organisation.id != organisation.id)
        if clash.exists():
            raise WorkflowError(DUPLICATE, N_("This grid already has an organisation of that name."), field="name")
        if organisation is None:
            organisation = Organisation.create(grid=grid.id, created_at=now, **fields)
            log("created", grid.id, now.date(), actor, now, organisation=organisation.id)
        else:
            changed = _assign(organisation, fields)
            if changed:
                organisation.save()
                log("edited", grid.id, now.date(), actor, now, organisation=organisation.id,
                    detail={"fields": changed})
    return organisation


def save_thing(actor, now, grid, thing=None, *, code, kind, location_text="", lat=None, lng=None,
               condition="good"):
    """Add a public facility (部件) of the grid, or correct one (its condition, say)."""
    need(actor, "registry.edit", grid)
    fields = {"code": text(code, "code", 32, required=True), "kind": choice(kind, THING_KIND_LABELS, "kind"),
              "location_text": text(location_text, "location_text", 200), "lat": lat, "lng": lng,
              "condition": choice(condition, THING_CONDITIONS, "condition")}
    with write_transaction():
        clash = Thing.select().where(Thing.code == fields["code"])
        if thing is not None:
            clash = clash.where(Thing.id != thing.id)
        if clash.exists():
            raise WorkflowError(DUPLICATE, N_("A thing with this code is already registered."), field="code")
        if thing is None:
            thing = Thing.create(grid=grid.id, created_at=now, **fields)
            log("created", grid.id, now.date(), actor, now, thing=thing.id)
        else:
            changed = _assign(thing, fields)
            if changed:
                thing.save()
                log("edited", grid.id, now.date(), actor, now, thing=thing.id, detail={"fields": changed})
    return thing


# ---- reveals and case links -------------------------------------------------------------------------


def reveal(actor, now, person, field, reason):
    """One field of one person, unmasked for a reason; the reveal is logged (who, when, whose, which, why)."""
    need(actor, "registry.reveal", person, N_("You may not reveal this person's details."))
    if field not in REVEAL_FIELDS:
        raise invalid(N_("Choose a value from the list."), "field")
    reason = reason_text(reason)
    with write_transaction():
        RevealLog.create(user=actor.id, person=person.id, grid=person.grid_id, community=person.grid.parent_id,
                         field=field, reason=reason, at=now)
    return getattr(person, field)


LINK_KINDS = {"room": Room, "person": Person, "organisation": Organisation, "thing": Thing}


def link_case(actor, now, case, kind, obj):
    """Point a case at a registry object of the same grid (the object's page lists the case)."""
    need(actor, "registry.edit", obj)
    if kind not in LINK_KINDS or not isinstance(obj, LINK_KINDS[kind]):
        raise invalid(N_("Choose a value from the list."), "kind")
    if obj.grid_id != case.grid_id:
        raise invalid(N_("The case and this record are in different grids."), "kind")
    with write_transaction():
        existing = CaseLink.get_or_none((CaseLink.case == case.id) & (getattr(CaseLink, kind) == obj.id))
        return existing or CaseLink.create(case=case.id, created_by=actor.id, created_at=now, **{kind: obj.id})


# ---- helpers ----------------------------------------------------------------------------------------


def _count(value, field, low, high):
    """A whole number within range, or None when empty."""
    if value in (None, ""):
        return None
    number = whole_number(value, low, high)
    if number is None:
        raise invalid(N_("Give a whole number between %(low)s and %(high)s."), field, low=low, high=high)
    return number


def _assign(row, fields):
    """Set the fields that differ; returns their names."""
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, fields[name])
    return changed
