"""A small registry in the test world: rooms, households, people with tags (one sensitive), an
organisation and a thing in grids g1 and g2 (and g5 when the access world has one)."""
from datetime import date, datetime
from types import SimpleNamespace

from workflows.registry import check_digit
from workflows.registry.service import (
    add_household,
    add_tag,
    save_organisation,
    save_person,
    save_room,
    save_thing,
)
from workflows.models import Building, Unit
from workflows.service import SystemActor

AT = datetime(2026, 3, 2, 8, 0)


def id_number(birth, seq, region="110101"):
    """A valid GB 11643 ID number."""
    first = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first + check_digit(first)


def keeper():
    """Who writes the test registry: an administrator (reaches every grid, may set sensitive tags)."""
    return SystemActor("admin", "测试", id=None)


def make_registry(grids, now=AT):
    """Per grid (a name → OrgUnit mapping): a building, unit, room, household, two people (one tagged
    elderly_alone, one tagged correction: sensitive), an organisation and a thing."""
    actor = keeper()
    out = {}
    for index, (name, grid) in enumerate(grids.items(), start=1):
        building = Building.get_or_none(Building.grid == grid.id) or Building.create(grid=grid, name=f"{index}号楼")
        unit = Unit.get_or_none(Unit.building == building.id) or Unit.create(building=building, name="1单元")
        room = save_room(actor, now, unit, number=f"10{index}", floor=1, use="rented", landlord="房东",
                         landlord_phone="13700001111")
        household = add_household(actor, now, room, number=f"H{index}")
        head = save_person(actor, now, household, name=f"户主{name}", id_number=id_number(date(1950, 1, index), index),
                           phone=f"1381234{index:04d}", sex="male", residence="registered", relation="head")
        other = save_person(actor, now, household, name=f"家人{name}",
                            id_number=id_number(date(1980, 5, index), 100 + index), phone=f"1395670{index + 50:04d}",
                            sex="female", residence="floating", relation="spouse")
        add_tag(actor, now, head, tag="elderly_alone", on=date(2026, 1, 1))
        secret = add_tag(actor, now, other, tag="correction", on=date(2026, 1, 1))
        org = save_organisation(actor, now, grid, name=f"{name}便利店", kind="shop", contact="店主",
                                contact_phone="13600002222", staff=3)
        thing = save_thing(actor, now, grid, code=f"T-{grid.code}-1", kind="hydrant", location_text="东门")
        out[name] = SimpleNamespace(building=building, unit=unit, room=room, household=household, head=head,
                                    other=other, secret=secret, org=org, thing=thing)
    return out
