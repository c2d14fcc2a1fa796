"""What the registry's pages read: a grid's 底数, a building's rooms and residents, a person's tags
and history, search. Every list is filtered by the policy (visible_registry; sensitive tags only for
those who may see them)."""
from peewee import JOIN, fn

from workflows.models import (
    Building,
    Case,
    CaseLink,
    Household,
    Organisation,
    Person,
    PersonTag,
    RegistryChange,
    Room,
    Thing,
    Unit,
)
from workflows.policy import sees_sensitive_tags, visible_cases, visible_registry
from workflows.models import RESIDENCE_KINDS
from workflows.registry import ATTENTION_TAGS, TAGS

SEARCH_LIMIT = 50


def grid_counts(actor, grid):
    """The grid's 底数: households, people by residence kind, each attention group, organisations,
    things and open cases (sensitive groups only for those who may see them)."""
    living = (Person.grid == grid.id) & (Person.status == "living")
    by_kind = dict(Person.select(Person.residence, fn.COUNT(Person.id)).where(living)
                   .group_by(Person.residence).tuples())
    tags = dict(PersonTag.select(PersonTag.tag, fn.COUNT(PersonTag.id)).join(Person)
                .where(living & PersonTag.ended_on.is_null()).group_by(PersonTag.tag).tuples())
    shown = ATTENTION_TAGS + (tuple(t for t in TAGS if t not in ATTENTION_TAGS) if sees_sensitive_tags(actor) else ())
    return {
        "households": Household.select().where((Household.grid == grid.id) & Household.active).count(),
        "people": sum(by_kind.values()),
        "by_kind": [(kind, by_kind.get(kind, 0)) for kind in RESIDENCE_KINDS],
        "tags": [(tag, tags.get(tag, 0)) for tag in shown],
        "buildings": Building.select().where(Building.grid == grid.id).count(),
        "rooms": Room.select().where(Room.grid == grid.id).count(),
        "organisations": Organisation.select().where((Organisation.grid == grid.id) & Organisation.active).count(),
        "things": Thing.select().where((Thing.grid == grid.id) & Thing.active).count(),
        "open_cases": Case.select().where((Case.grid == grid.id) & Case.closed_at.is_null()).count(),
    }


def building_rooms(actor, building):
    """The building's units and rooms this user may see (a unit head: their unit's), each with the people
    living there (in one pass)."""
    rooms = list(visible_registry(actor, Room, Room.select(Room, Unit).join(Unit).where(Room.building == building.id))
                 .order_by(Unit.name, Room.floor, Room.number))
    people = {}
    for person in (Person.select(Person, Household).join(Household)
                   .where((Household.room.in_([r.id for r in rooms])) & (Person.status == "living"))
                   .order_by(Person.relation != "head", Person.id)):
        people.setdefault(person.household.room_id, []).append(person)
    return [(room, people.get(room.id, [])) for room in rooms]


def person_tags(actor, person, current=True):
    """The person's tags the user may see (current ones, or all with their end)."""
    query = PersonTag.select().where(PersonTag.person == person.id).order_by(PersonTag.started_on)
    if current:
        query = query.where(PersonTag.ended_on.is_null())
    if not sees_sensitive_tags(actor):
        query = query.where(PersonTag.sensitive == False)  # noqa: E712 (peewee expression)
    return list(query)


def history(actor, **subject):
    """The dated changes of a person, room, building, organisation or thing, newest first; a change of a
    sensitive tag only for those who may see it."""
    (field, obj), = subject.items()
    rows = list(RegistryChange.select().where(getattr(RegistryChange, field) == obj.id)
                .order_by(RegistryChange.day.desc(), RegistryChange.id.desc()))
    if not sees_sensitive_tags(actor):
        rows = [row for row in rows if not (row.detail or {}).get("sensitive")]
    return rows


def cases_of(actor, **subject):
    """The cases pointing at a registry object (a building: its own cases too), newest first."""
    (field, obj), = subject.items()
    if field == "building":
        where = Case.building == obj.id
    else:
        where = Case.id.in_(CaseLink.select(CaseLink.case).where(getattr(CaseLink, field) == obj.id))
    return list(visible_cases(actor, Case.select().where(where)).order_by(Case.created_at.desc()).limit(50))


def search(actor, text, limit=SEARCH_LIMIT):
    """People the user may see, by name (prefix), ID tail, phone tail, or address (building name or address)."""
    text = (text or "").strip()
    if not text:
        return []
    query = (Person.select(Person, Household, Room, Building, Unit)
             .join(Household, JOIN.LEFT_OUTER).join(Room, JOIN.LEFT_OUTER)
             .join(Building, JOIN.LEFT_OUTER).switch(Room).join(Unit, JOIN.LEFT_OUTER))
    if len(text) == 4 and text[:3].isdigit() and (text[3].isdigit() or text[3] in "xX"):
        where = (Person.id_tail == text.upper()) | (Person.phone_tail == text)
        return list(visible_registry(actor, Person, query.where(where)).order_by(Person.name, Person.id).limit(limit))
    # A name prefix as a range on the name index; an address through the (few) matching buildings. Two
    # queries merged: an OR across the joined tables would scan every person.
    found = list(visible_registry(actor, Person, query.where((Person.name >= text) & (Person.name < text + "\U0010ffff")))
                 .order_by(Person.name, Person.id).limit(limit))
    buildings = [b.id for b in visible_registry(actor, Building, Building.select(Building.id).where(
        Building.name.startswith(text) | Building.address.contains(text)))]
    if buildings:
        homes = Household.select(Household.id).join(Room).where(Room.building.in_(buildings))
        found += list(visible_registry(actor, Person, query.where(Person.household.in_(homes)))
                      .order_by(Person.name, Person.id).limit(limit))
    unique = {person.id: person for person in found}
    return sorted(unique.values(), key=lambda p: (p.name, p.id))[:limit]



LINKED = (("room", Room), ("person", Person), ("organisation", Organisation), ("thing", Thing))


def links_of(actor, case):
    """The registry records a case points at that this user may see, as (kind, record) pairs."""
    out = []
    for link in CaseLink.select().where(CaseLink.case == case.id).order_by(CaseLink.id):
        for kind, model in LINKED:
            target = getattr(link, kind + "_id")
            if target is not None:
                record = visible_registry(actor, model, model.select().where(model.id == target)).first()
                if record is not None:
                    out.append((kind, record))
    return out


def link_candidates(actor, case, text, limit=20):
    """Records of the case's grid a case may point at, matching `text`: people (as the search finds
    them), rooms by number or building, organisations by name, things by code."""
    text = (text or "").strip()
    if not text:
        return []
    grid = case.grid_id
    people = [p for p in search(actor, text, limit=SEARCH_LIMIT) if p.grid_id == grid][:limit]
    rooms = list(visible_registry(actor, Room, Room.select(Room, Unit, Building).join(Unit).switch(Room).join(Building)
                                  .where((Room.grid == grid) & (Room.number.startswith(text)
                                                                | Building.name.startswith(text))))
                 .order_by(Building.name, Unit.name, Room.number).limit(limit))
    organisations = list(visible_registry(actor, Organisation, Organisation.select().where(
        (Organisation.grid == grid) & Organisation.name.contains(text))).order_by(Organisation.name).limit(limit))
    things = list(visible_registry(actor, Thing, Thing.select().where(
        (Thing.grid == grid) & Thing.code.contains(text))).order_by(Thing.code).limit(limit))
    return ([("person", p) for p in people] + [("room", r) for r in rooms]
            + [("organisation", o) for o in organisations] + [("thing", t) for t in things])
