"""Building heads and unit heads (楼栋长、单元长): the roster (花名册) of residents who keep a building's
or a unit's households current. A roster row names the building (and the unit, for a unit head), the
person and how to reach them, and — for one who signs in — their account with the narrow role
`building_head` (the policy lets that role read only the rooms they keep, masked, without sensitive
groups). Ending a duty is a date, a reason and an author on the row; nothing is deleted."""
from peewee import JOIN

from workflows.db import write_transaction
from workflows.errors import DUPLICATE, INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import Building, BuildingHead, Unit, User
from workflows.registry import phone_ok
from workflows.registry.service import day, need, reason_text, text


def roster(grid, current=True):
    """The grid's heads, building by building (whole-building heads before unit heads); the ended ones
    when `current` is False."""
    query = (BuildingHead.select(BuildingHead, Building, Unit).join(Building)
             .switch(BuildingHead).join(Unit, JOIN.LEFT_OUTER)
             .where(BuildingHead.grid == grid.id)
             .order_by(Building.sort_order, Building.name, BuildingHead.unit.is_null(False), Unit.name,
                       BuildingHead.started_on, BuildingHead.id))
    return query.where(BuildingHead.ended_on.is_null() if current else BuildingHead.ended_on.is_null(False))


def accounts_free(grid):
    """The grid's building-head accounts that hold no current duty (offered when adding one)."""
    busy = BuildingHead.select(BuildingHead.user).where(BuildingHead.user.is_null(False)
                                                        & BuildingHead.ended_on.is_null())
    return list(User.select().where((User.role == "building_head") & (User.org == grid.id) & User.active
                                    & User.id.not_in(busy)).order_by(User.name))


def add_head(actor, now, grid, *, building, unit=None, name, phone="", user=None, started_on):
    """Put a resident on the roster for a building (or one of its units), optionally with their account."""
    need(actor, "registry.edit", grid)
    if building is None or building.grid_id != grid.id:
        raise WorkflowError(INVALID, N_("Choose a building of this grid."), field="place")
    if unit is not None and unit.building_id != building.id:
        raise WorkflowError(INVALID, N_("Choose a building of this grid."), field="place")
    name = text(name, "name", 60, required=True)
    phone = text(phone, "phone", 20)
    if phone and not phone_ok(phone):
        raise WorkflowError(INVALID, N_("A phone number has 5 to 20 digits."), field="phone")
    started_on = day(started_on, "started_on", required=True)
    if user is not None and (user.role != "building_head" or user.org_id != grid.id or not user.active):
        raise WorkflowError(INVALID, N_("Choose a building-head account of this grid."), field="user")
    with write_transaction():
        if user is not None and BuildingHead.select().where((BuildingHead.user == user.id)
                                                            & BuildingHead.ended_on.is_null()).exists():
            raise WorkflowError(DUPLICATE, N_("This account already keeps a building or unit."), field="user")
        return BuildingHead.create(grid=grid.id, building=building.id, unit=unit.id if unit else None, name=name,
                                   phone=phone, user=user.id if user else None, started_on=started_on,
                                   added_by=getattr(actor, "id", None), created_at=now)


def end_head(actor, now, head, *, on, reason):
    """End a duty (moved away, stepped down): the date, the reason and who recorded it."""
    need(actor, "registry.edit", head.grid)
    if head.ended_on is not None:
        raise WorkflowError(INVALID, N_("This duty has already ended."), field="on")
    on = day(on, "on", first=head.started_on, required=True)
    reason = reason_text(reason)
    with write_transaction():
        changed = (BuildingHead.update(ended_on=on, end_reason=reason, ended_by=getattr(actor, "id", None))
                   .where((BuildingHead.id == head.id) & BuildingHead.ended_on.is_null()).execute())
        if not changed:
            raise WorkflowError(INVALID, N_("This duty has already ended."), field="on")
    return BuildingHead.get_by_id(head.id)
