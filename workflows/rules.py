"""Scope: who may see a case, and who may fire each event on it.

Pure functions of an actor and a case (no queries beyond the loaded ids), so the
same answers drive the buttons a user sees and the checks a POST must pass.
"""

SCOPE_FIELDS = {"grid": "grid_id", "community": "community_id", "street": "street_id", "district": "district_id"}


def org_ids(case):
    """The ids of the org units the case lies in: grid, community, street, district."""
    return {case.grid_id, case.community_id, case.street_id, case.district_id} - {None}


def in_org(actor, case):
    """The actor's org unit contains the case."""
    return actor.org_id is not None and actor.org_id in org_ids(case)


def can_view(actor, case):
    """May this user see this case at all?"""
    role = getattr(actor, "role", None)
    if role == "admin":
        return True
    if role in ("member", "lead"):
        return actor.org_id == case.grid_id
    if role in ("dispatcher", "supervisor"):
        return in_org(actor, case)
    if role == "handler":
        return actor.department_id is not None and actor.department_id == case.department_id
    return False


def can_see_contact(actor, case):
    """May this user see who raised the case and how to reach them (name, phone)?

    Only those who follow the case up with the resident: the grid's members and lead (on-site
    follow-up) and the dispatchers whose area holds it (the call-back before closing).
    Departments, supervisors and administrators see the case without the resident's contact.
    """
    role = getattr(actor, "role", None)
    if role in ("member", "lead"):
        return actor.org_id == case.grid_id
    if role == "dispatcher":
        return in_org(actor, case)
    return False


def grid_worker(actor, case):
    """A member or lead of the case's grid."""
    return actor.role in ("member", "lead") and actor.org_id == case.grid_id


def grid_lead(actor, case):
    """The lead of the case's grid."""
    return actor.role == "lead" and actor.org_id == case.grid_id


def dispatcher_at(actor, case, level):
    """A dispatcher whose org is the case's unit at `level`."""
    field = SCOPE_FIELDS.get(level)
    return (
        actor.role == "dispatcher"
        and field is not None
        and actor.org_id is not None
        and actor.org_id == getattr(case, field)
    )


def level_triager(actor, case):
    """Whoever decides at the case's level: the lead at grid level, else that level's dispatcher."""
    if case.level == "grid":
        return grid_lead(actor, case)
    return dispatcher_at(actor, case, case.level)


def level_dispatcher(actor, case):
    """A dispatcher at the case's level (community, street or district)."""
    return case.level != "grid" and dispatcher_at(actor, case, case.level)


def case_department(actor, case):
    """A handler of the department the case is assigned to."""
    return actor.role == "handler" and actor.department_id is not None and actor.department_id == case.department_id


def verifier(actor, case):
    """Rectified work: any grid worker. On-the-spot work: never whoever handled it —
    the lead checks a member's, the community dispatcher checks the lead's."""
    if case.state == "handled":
        if case.entered_by_id == actor.id:
            return False
        handler_role = case.entered_by.role if case.entered_by_id else None
        if handler_role == "lead":
            return dispatcher_at(actor, case, "community")
        return grid_lead(actor, case)
    return grid_worker(actor, case)


def closing_office(actor, case):
    """A dispatcher of the case's community or street."""
    return dispatcher_at(actor, case, "community") or dispatcher_at(actor, case, "street")


def voider(actor, case):
    """The grid's lead, or a dispatcher whose area contains the case."""
    return grid_lead(actor, case) or (actor.role == "dispatcher" and in_org(actor, case))


def supervisor(actor, case):
    """A supervisor whose street or district contains the case."""
    return actor.role == "supervisor" and in_org(actor, case)


def scope_dispatcher(actor, case):
    """A dispatcher whose community, street or district contains the case."""
    return actor.role == "dispatcher" and in_org(actor, case)


def extension_decider(actor, case):
    """Who decides an extension: the dispatcher at the case's level, or a supervisor in scope."""
    return dispatcher_at(actor, case, case.level) or supervisor(actor, case)


def clock_keeper(actor, case):
    """Who restarts a stopped clock: a dispatcher or a supervisor in scope."""
    return scope_dispatcher(actor, case) or supervisor(actor, case)


WHO = {
    fn.__name__: fn
    for fn in (
        grid_worker, level_triager, level_dispatcher, case_department,
        verifier, closing_office, voider, supervisor,
        scope_dispatcher, extension_decider, clock_keeper,
    )
}
