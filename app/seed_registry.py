"""Demo registry (issue 17): per demo grid ~10 buildings with units and rooms, ~300 people in
households, every attention group, a few sensitive tags, organisations and things, their cases
linked. Written with bulk inserts (a few thousand rows: well under a second or two)."""
from collections import Counter
from datetime import timedelta

from workflows.models import (
    Building,
    BuildingHead,
    Case,
    CaseLink,
    Household,
    Organisation,
    OrgUnit,
    Person,
    PersonTag,
    RegistryChange,
    Room,
    Thing,
    Unit,
    User,
)
from workflows.registry import SENSITIVE_TAGS, TAGS, check_digit

REGIONS = ("330102", "330103", "330105", "330106", "341202", "410105", "510104", "420102")
ROADS = ("幸福路", "和平路", "丰收路", "建设路", "文一路", "学院路")
SHOPS = (("company", "科技有限公司"), ("shop", "便利店"), ("shop", "水果店"), ("shop", "理发店"), ("school", "幼儿园"),
         ("social", "志愿者协会"), ("public", "社区卫生服务站"), ("shop", "早餐店"))
THING_KINDS = ("manhole", "street_light", "hydrant", "camera", "bin", "bench")
BATCH = 400


def _id(rng, born, used):
    """A valid, unused ID number for someone born on `born`."""
    while True:
        first = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randint(1, 999):03d}"
        number = first + check_digit(first)
        if number not in used:
            used.add(number)
            return number


def _born(rng, today, low, high):
    return today - timedelta(days=rng.randint(low * 365, high * 365))


def seed_registry(rng, now, person_name):
    """The demo registry of every grid; returns the number of people."""
    today = now.date()
    used, total = set(), 0
    grids = list(OrgUnit.select().where(OrgUnit.kind == "grid").order_by(OrgUnit.id))
    for grid_no, grid in enumerate(grids, start=1):
        road = ROADS[grid_no % len(ROADS)]
        buildings = list(Building.select().where(Building.grid == grid.id).order_by(Building.sort_order))
        for b in range(len(buildings) + 1, 11):
            buildings.append(Building.create(grid=grid, name=f"{b}号楼", sort_order=b))
        # Points inside the middle of the grid's boundary (its box shrunk by a fifth on each side).
        lngs, lats = [corner[0] for corner in grid.polygon], [corner[1] for corner in grid.polygon]
        lng0, lng1 = min(lngs) * 0.8 + max(lngs) * 0.2, min(lngs) * 0.2 + max(lngs) * 0.8
        lat0, lat1 = min(lats) * 0.8 + max(lats) * 0.2, min(lats) * 0.2 + max(lats) * 0.8
        rooms = []
        for index, building in enumerate(buildings):
            building.address = f"{road}{grid_no * 10 + index + 1}号"
            building.floors = rng.choice((5, 6, 6, 7, 11, 18))
            building.kind = rng.choices(("property", "self_managed", "work_unit"), (6, 3, 1))[0]
            building.lat = round(lat0 + (lat1 - lat0) * rng.random(), 6)
            building.lng = round(lng0 + (lng1 - lng0) * rng.random(), 6)
            building.save()
            units = list(Unit.select().where(Unit.building == building.id).order_by(Unit.name))
            if not units:
                units = [Unit.create(building=building, name="1单元"), Unit.create(building=building, name="2单元")]
            for unit in units:
                for floor in range(1, min(building.floors, 6) + 1):
                    for door in (1, 2):
                        rooms.append({"unit": unit.id, "building": building.id, "grid": grid.id,
                                      "number": f"{floor}0{door}", "floor": floor,
                                      "use": rng.choices(("owner", "rented", "vacant", "shop"), (14, 5, 2, 0 if floor > 1 else 1))[0],
                                      "landlord": "", "landlord_phone": "", "note": ""})
        for row in rooms:
            if row["use"] == "rented":
                row["landlord"], row["landlord_phone"] = person_name(rng), f"137{rng.randint(10000000, 99999999)}"
        for start in range(0, len(rooms), BATCH):
            Room.insert_many(rooms[start:start + BATCH]).execute()
        room_ids = [r for (r,) in Room.select(Room.id).where((Room.grid == grid.id) & (Room.use != "vacant"))
                    .order_by(Room.id).tuples()]
        rng.shuffle(room_ids)
        people, plans = 0, []
        for room_id in room_ids:
            if people >= 300:
                break
            members = _household(rng, today)
            plans.append((room_id, members))
            people += len(members)
        Household.insert_many([{"room": room_id, "grid": grid.id, "number": f"{grid.code}-{room_id}",
                                "created_at": now - timedelta(days=rng.randint(30, 3000))} for room_id, _m in plans]).execute()
        households = dict(Household.select(Household.room, Household.id).where(Household.grid == grid.id).tuples())
        rows = []
        for room_id, members in plans:
            for relation, sex, born, residence in members:
                id_number = _id(rng, born, used)
                phone = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}" if born.year < today.year - 16 else ""
                moved_in = today - timedelta(days=rng.randint(30, 4000))
                rows.append({"grid": grid.id, "household": households[room_id], "relation": relation,
                             "name": person_name(rng), "id_number": id_number, "id_tail": id_number[-4:],
                             "phone": phone, "phone_tail": phone[-4:], "sex": sex, "birth_date": born,
                             "residence": residence, "moved_in": max(moved_in, born), "status": "living",
                             "created_at": now, "updated_at": now})
        for start in range(0, len(rows), BATCH):
            Person.insert_many(rows[start:start + BATCH]).execute()
        total += people
        _tags(rng, now, grid, [SENSITIVE_TAGS[grid_no % 4], SENSITIVE_TAGS[(grid_no + 1) % 4]])
        _organisations_and_things(rng, now, grid, grid_no, buildings, lat0, lng0, lat1, lng1, person_name)
        _links(grid, now)
    return total


def _household(rng, today):
    """(relation, sex, birth date, residence) for each member of a plausible household."""
    residence = rng.choices(("registered", "resident", "temporary", "floating"), (6, 3, 1, 1))[0]
    kind = rng.choices(("old_single", "old_couple", "family", "young"), (2, 2, 5, 2))[0]
    if kind == "old_single":
        return [("head", rng.choice(("male", "female")), _born(rng, today, 70, 92), residence)]
    if kind == "old_couple":
        return [("head", "male", _born(rng, today, 65, 88), residence), ("spouse", "female", _born(rng, today, 63, 85), residence)]
    if kind == "young":
        return [("head", rng.choice(("male", "female")), _born(rng, today, 22, 35), residence)] + (
            [("tenant", rng.choice(("male", "female")), _born(rng, today, 20, 30), "floating")] if rng.random() < .5 else [])
    members = [("head", "male", _born(rng, today, 32, 55), residence), ("spouse", "female", _born(rng, today, 30, 52), residence)]
    members += [("child", rng.choice(("male", "female")), _born(rng, today, 1, 18), residence) for _ in range(rng.randint(1, 2))]
    if rng.random() < .3:
        members.append(("parent", rng.choice(("male", "female")), _born(rng, today, 60, 85), residence))
    if rng.random() < .15:
        members.append(("child", rng.choice(("male", "female")), today - timedelta(days=rng.randint(10, 300)), residence))
    return members


def _tags(rng, now, grid, sensitive):
    """Every attention group present (elderly by age, newborns by birth, floating by kind), and a few sensitive."""
    today = now.date()
    people = list(Person.select().where(Person.grid == grid.id).order_by(Person.id))
    rows = []

    def tag(person, code, days_ago):
        rows.append({"person": person.id, "tag": code, "sensitive": TAGS[code][1],
                     "started_on": max(person.birth_date, today - timedelta(days=days_ago)), "created_at": now})

    sizes = Counter(p.household_id for p in people)
    olds = [p for p in people if (today - p.birth_date).days > 70 * 365]
    for p in olds:
        alone = sizes[p.household_id] == 1
        tag(p, "elderly_alone" if alone else "empty_nest", rng.randint(30, 900))
    for p in people:
        if (today - p.birth_date).days < 365:
            tag(p, "newborn", (today - p.birth_date).days)
        if p.residence == "floating":
            tag(p, "floating", rng.randint(10, 400))
    adults = [p for p in people if 18 * 365 < (today - p.birth_date).days < 60 * 365]
    for code in ("disabled", "subsistence", "hardship", "entitled", "newly_wed", "unemployed"):
        for p in rng.sample(adults, min(len(adults), rng.randint(2, 5))):
            tag(p, code, rng.randint(10, 700))
    for code in sensitive:
        tag(rng.choice(adults), code, rng.randint(30, 500))
    seen, unique = set(), []
    for row in rows:
        if (row["person"], row["tag"]) not in seen:
            seen.add((row["person"], row["tag"]))
            unique.append(row)
    for start in range(0, len(unique), BATCH):
        PersonTag.insert_many(unique[start:start + BATCH]).execute()
    # A move-out and a tag removal, so the history has something to show.
    leaver = rng.choice(adults)
    Person.update(status="moved_out", moved_out=today - timedelta(days=3)).where(Person.id == leaver.id).execute()
    RegistryChange.create(grid=grid.id, kind="moved_out", day=today - timedelta(days=3), person=leaver.id,
                          room=Household.get_by_id(leaver.household_id).room_id, reason="工作调动，迁往外省",
                          created_at=now)


def _organisations_and_things(rng, now, grid, grid_no, buildings, lat0, lng0, lat1, lng1, person_name):
    for kind, suffix in rng.sample(SHOPS, 5):
        owner = person_name(rng)
        Organisation.create(grid=grid.id, name=f"{grid.name[:4]}{suffix}", kind=kind,
                            address=f"{rng.choice(buildings).address}底商", contact=owner,
                            contact_phone=f"136{rng.randint(10000000, 99999999)}", staff=rng.randint(2, 40),
                            fire_safety_person=owner, created_at=now)
    rows = []
    for n in range(1, 13):
        kind = THING_KINDS[n % len(THING_KINDS)]
        rows.append({"grid": grid.id, "code": f"{grid.code}-{kind[:2].upper()}-{n:03d}", "kind": kind,
                     "location_text": f"{rng.choice(buildings).name}旁",
                     "lat": round(lat0 + (lat1 - lat0) * rng.random(), 6),
                     "lng": round(lng0 + (lng1 - lng0) * rng.random(), 6),
                     "condition": rng.choices(("good", "damaged", "missing"), (8, 2, 1))[0], "active": True,
                     "created_at": now})
    Thing.insert_many(rows).execute()


def _links(grid, now):
    """The grid's cases at a building point at one of its rooms; a few at a thing."""
    cases = list(Case.select(Case.id, Case.building).where((Case.grid == grid.id) & Case.building.is_null(False))
                 .order_by(Case.id).limit(6))
    things = list(Thing.select(Thing.id).where(Thing.grid == grid.id).order_by(Thing.id).limit(3))
    for index, case in enumerate(cases):
        room = Room.select(Room.id).where(Room.building == case.building_id).order_by(Room.id).first()
        if index < len(things):
            CaseLink.create(case=case.id, thing=things[index].id, created_at=now)
        elif room is not None:
            CaseLink.create(case=case.id, room=room.id, created_at=now)


def seed_building_heads(rng, now, password_hash):
    """Every demo building gets a building head living in it (楼栋长), the grid's first building also a head
    of its second unit (单元长), and each grid's first building head signs in: `ld` + the grid's number
    (ld101 for G0101), role building_head."""
    started = now.date() - timedelta(days=400)
    for grid in OrgUnit.select().where(OrgUnit.kind == "grid").order_by(OrgUnit.id):
        account = User.create(username="ld" + str(int(grid.code[1:3])) + grid.code[3:], role="building_head",
                              org=grid, password_hash=password_hash, name="")
        buildings = list(Building.select().where(Building.grid == grid.id).order_by(Building.sort_order, Building.id))
        for index, building in enumerate(buildings):
            residents = list(Person.select(Person.name, Person.phone).join(Household).join(Room)
                             .where((Room.building == building.id) & (Person.relation == "head") & (Person.phone != ""))
                             .order_by(Person.id).limit(20))
            if not residents:
                continue
            head = rng.choice(residents)
            if index == 0:
                account.name = f"{head.name}（{building.name}楼栋长）"
                account.save()
            BuildingHead.create(grid=grid, building=building, name=head.name, phone=head.phone,
                                user=account if index == 0 else None,
                                started_on=started + timedelta(days=rng.randint(0, 200)), created_at=now)
            if index == 0:
                unit = Unit.select().where(Unit.building == building.id).order_by(Unit.name.desc()).first()
                deputy = rng.choice([r for r in residents if r.name != head.name] or residents)
                BuildingHead.create(grid=grid, building=building, unit=unit, name=deputy.name, phone=deputy.phone,
                                    started_on=started + timedelta(days=rng.randint(0, 200)), created_at=now)
