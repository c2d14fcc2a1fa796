"""Who may see and do what: the one policy of the product.

Two questions, answered only here:

- `can(actor, action, obj=None)`: may this actor take `action` — in general (no object: the
  navigation, a page's door), or on this object (a case, a grid, a notice, a person …)?
- `visible(actor, kind, query=None)`: which objects of `kind` this actor may see, as a query
  (the list pages, boards, exports and statistics filter with it).

ACTIONS below is the whole table: for every action, the roles that may ever take it and, where an
object is involved, the rule that decides on the object. The rules are small pure functions of an
actor and an object (no queries beyond loaded ids and the org tree), so the same answers drive the
buttons a user sees and the checks a request must pass. The case machine's `who` column names an
action of this table; the web layer asks through `app.access` (views) and `can()` (templates);
the access-matrix test checks every route against it.
"""
from dataclasses import dataclass
from typing import Callable

from workflows.models import (
    ROLES,
    Building,
    BuildingHead,
    Case,
    Department,
    EmergencyReport,
    Household,
    Meeting,
    Notice,
    OrgUnit,
    Person,
    RevealLog,
    Room,
    Task,
    User,
)

GRID_TEAM = ("member", "lead")
OFFICES = ("dispatcher", "supervisor")
# The roles that work on cases; a building or unit head (building_head, a resident volunteer) signs in
# only to read the households they keep.
STAFF = ("member", "lead", "dispatcher", "handler", "supervisor", "admin")
SCOPE_FIELDS = {"grid": "grid_id", "community": "community_id", "street": "street_id", "district": "district_id"}


def role(actor):
    """The actor's role (None for a visitor who is not signed in)."""
    return getattr(actor, "role", None)


# ---- places: where an actor works, and whether a place lies in it --------------------------------


def org_ids(case):
    """The ids of the org units the case (or anything placed like a case) lies in."""
    return {case.grid_id, case.community_id, case.street_id, case.district_id} - {None}


def in_org(actor, case):
    """The actor's org unit contains the case."""
    return getattr(actor, "org_id", None) is not None and actor.org_id in org_ids(case)


def reaches(actor, unit):
    """The actor's area contains this org unit (members and leads: only their own grid)."""
    kind = role(actor)
    if kind == "admin":
        return True
    if kind in GRID_TEAM:
        return unit.id == actor.org_id
    if kind in OFFICES and actor.org_id is not None:
        return actor.org_id in {u.id for u in unit.lineage()}
    return False


def serves(dept, unit):
    """The department serves this org unit (it belongs to the unit's street or district)."""
    return dept.org_id in {u.id for u in unit.lineage()}


def department_in_reach(actor, dept):
    """Handlers reach their own department; offices and supervisors those serving or inside their area."""
    kind = role(actor)
    if kind == "admin":
        return True
    if kind == "handler":
        return actor.department_id == dept.id
    if kind in OFFICES and actor.org_id is not None:
        return reaches(actor, dept.org) or serves(dept, actor.org)
    return False


def department_grid_in_reach(actor, pair):
    """A grid on a department's board: one the department serves, and for offices one in their own area."""
    dept, grid = pair
    if not department_in_reach(actor, dept) or not serves(dept, grid):
        return False
    return role(actor) == "handler" or reaches(actor, grid)


def office_of(actor, kind):
    """The actor is a dispatcher of an org unit of this kind."""
    return role(actor) == "dispatcher" and actor.org_id is not None and actor.org.kind == kind


# ---- cases -----------------------------------------------------------------------------------------


def can_view_case(actor, case):
    """May this user see this case at all?"""
    kind = role(actor)
    if kind == "admin":
        return True
    if kind in GRID_TEAM:
        return actor.org_id == case.grid_id
    if kind in OFFICES:
        return in_org(actor, case)
    if kind == "handler":
        # Their department's cases, those they recorded on their own inspections, and those it has a part in.
        return actor.department_id is not None and (actor.department_id == case.department_id
                                                    or actor.id == case.created_by_id
                                                    or co_department(actor, case))
    return False


def can_see_contact(actor, case):
    """Who raised the case and how to reach them: only those who follow it up with the resident —
    the grid's members and lead (on-site follow-up) and the dispatchers whose area holds it (the
    call-back before closing). Departments, supervisors and administrators see it masked."""
    kind = role(actor)
    if kind in GRID_TEAM:
        return actor.org_id == case.grid_id
    if kind == "dispatcher":
        return in_org(actor, case)
    return False


def records_in(actor, grid):
    """Grid workers record cases in their own grid; offices and supervisors in any grid of their area;
    department staff (their own inspections) in any grid their department serves."""
    kind = role(actor)
    if kind in GRID_TEAM:
        return actor.org_id == grid.id
    if kind in OFFICES:
        return reaches(actor, grid)
    if kind == "handler":
        return actor.department_id is not None and actor.department.active and serves(actor.department, grid)
    return False


def inspector(actor, case):
    """The department handler or supervisor who recorded the case on an inspection, still in scope:
    they route it on (their department takes it on, or the grid gets it) right after recording."""
    return (role(actor) in INSPECTORS and actor.id == case.created_by_id and case.state == "found"
            and records_in(actor, case.grid))


def inspector_department(actor, case):
    """A department handler who recorded the case (their department may take it on)."""
    return role(actor) == "handler" and inspector(actor, case)


# The case machine's `who` rules (workflows.machine.EVENTS names one per event).


def grid_worker(actor, case):
    """A member or lead of the case's grid."""
    return role(actor) in GRID_TEAM and actor.org_id == case.grid_id


def grid_lead(actor, case):
    """The lead of the case's grid."""
    return role(actor) == "lead" and actor.org_id == case.grid_id


def dispatcher_at(actor, case, level):
    """A dispatcher whose org is the case's unit at `level`."""
    field = SCOPE_FIELDS.get(level)
    return (role(actor) == "dispatcher" and field is not None and actor.org_id is not None
            and actor.org_id == getattr(case, field))


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
    return role(actor) == "handler" and actor.department_id is not None and actor.department_id == case.department_id


def co_department(actor, case):
    """A handler of a department with a part in the case (joint handling, 联办)."""
    from workflows.parts import has_part

    return role(actor) == "handler" and has_part(case, actor.department_id)


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
    return grid_lead(actor, case) or scope_dispatcher(actor, case)


def supervisor(actor, case):
    """A supervisor whose street or district contains the case."""
    return role(actor) == "supervisor" and in_org(actor, case)


def scope_dispatcher(actor, case):
    """A dispatcher whose community, street or district contains the case."""
    return role(actor) == "dispatcher" and in_org(actor, case)


def extension_decider(actor, case):
    """Who decides an extension: the dispatcher at the case's level, or a supervisor in scope."""
    return dispatcher_at(actor, case, case.level) or supervisor(actor, case)


def clock_keeper(actor, case):
    """Who restarts a stopped clock: a dispatcher or a supervisor in scope."""
    return scope_dispatcher(actor, case) or supervisor(actor, case)


def issues_notice(actor, case):
    """Supervisors issue notices by hand on open cases in their scope."""
    return supervisor(actor, case) and case.state != "closed"


# ---- work for a person -----------------------------------------------------------------------------


def gives_case(actor, case):
    """The grid's lead, or a dispatcher whose area holds the case, gives it to a person."""
    return grid_lead(actor, case) or scope_dispatcher(actor, case)


def may_hold(person, case):
    """Who a case may be given to: an active member or lead of its grid, or a handler of the
    department it is assigned to."""
    if not person.active:
        return False
    if person.role in GRID_TEAM:
        return person.org_id == case.grid_id
    return person.role == "handler" and case.department_id is not None and person.department_id == case.department_id


def case_holders(case):
    """The people `case` may be given to (the rules of may_hold), by name."""
    team = (User.role.in_(GRID_TEAM)) & (User.org == case.grid_id)
    if case.department_id is not None:
        team |= (User.role == "handler") & (User.department == case.department_id)
    return User.select().where(User.active & team).order_by(User.role.desc(), User.name)


def gives_task_in(actor, grid):
    """The grid's lead, or a dispatcher whose area holds the grid, gives its team tasks."""
    kind = role(actor)
    return (kind == "lead" and actor.org_id == grid.id) or (kind == "dispatcher" and reaches(actor, grid))


def may_take_task(person, grid):
    """Tasks go to an active member or lead of the grid."""
    return person.active and person.role in GRID_TEAM and person.org_id == grid.id


def sees_task(actor, task):
    """The person who does it, whoever gave it, and the grid's overseers (not its other members)."""
    if actor.id in (task.assignee_id, task.given_by_id):
        return True
    return role(actor) != "member" and reaches(actor, task.org)


def does_task(actor, task):
    """Only the person it was given to reports a task done."""
    return actor.id == task.assignee_id


def gave_task(actor, task):
    """Whoever gave the task, or an overseer who may give tasks in its grid, cancels or re-gives it."""
    return actor.id == task.given_by_id or gives_task_in(actor, task.org)


# ---- supervision notices ------------------------------------------------------------------------


def notice_addressee(actor, notice):
    """The department's handlers, the grid's lead, or the office's dispatchers the notice is addressed to."""
    kind = role(actor)
    if notice.addressee_department_id is not None:
        return kind == "handler" and actor.department_id == notice.addressee_department_id
    if notice.addressee_org_id is None or getattr(actor, "org_id", None) != notice.addressee_org_id:
        return False
    return kind == ("lead" if notice.addressee_org.kind == "grid" else "dispatcher")


def notice_closer(actor, notice):
    """A supervisor in scope concludes a notice once it has been answered."""
    return supervisor(actor, notice.case)


def can_view_notice(actor, notice):
    """Whoever may see the case, and the addressee (a department keeps its notice after the case moves on)."""
    return can_view_case(actor, notice.case) or notice_addressee(actor, notice)


# ---- people: work logs, patrols, points ------------------------------------------------------------


def oversees_grid(actor, grid):
    """The grid's own team, and the offices and supervisors whose area holds it."""
    return reaches(actor, grid)


def reads_log_of(actor, person):
    """One's own work log; a grid worker's for whoever oversees their grid (never a colleague's)."""
    if person.role not in GRID_TEAM or person.org_id is None:
        return False
    if person.id == actor.id:
        return True
    return role(actor) != "member" and reaches(actor, person.org)


def walks(actor, patrol):
    """One's own patrol (ticked and ended only by whoever walks it)."""
    return patrol.user_id == actor.id


def sees_patrol(actor, patrol):
    """Its walker, and whoever oversees its grid (a member sees only their own)."""
    if patrol.user_id == actor.id:
        return True
    return role(actor) != "member" and reaches(actor, patrol.grid)


def sees_points_of(actor, community):
    """A community's points: its grid teams, and the offices and supervisors whose area holds it."""
    if role(actor) in GRID_TEAM:
        return actor.org_id is not None and actor.org.parent_id == community.id
    return reaches(actor, community)


def records_points_in(actor, grid):
    """A lead for their grid, a community office for its grids (administrators everywhere)."""
    kind = role(actor)
    if kind == "admin":
        return True
    if kind == "lead":
        return actor.org_id == grid.id
    return office_of(actor, "community") and grid.parent_id == actor.org_id


def records_points_for(actor, person):
    """May this user record points for this person (someone who earns points in a grid)?"""
    return records_points_in(actor, person.grid)


def publishes_points_of(actor, community):
    """The community's own office (or an administrator) publishes its months."""
    return role(actor) == "admin" or (role(actor) == "dispatcher" and actor.org_id == community.id)


def sets_point_rules(actor):
    """The street office sets the points of 'other' items; administrators too."""
    return role(actor) == "admin" or office_of(actor, "street")


def has_scope(actor):
    """The actor has the org unit or department their role works in."""
    return getattr(actor, "org_id", None) is not None or getattr(actor, "department_id", None) is not None


def publishes_ranking_of(actor, scope):
    """Administrators, and the supervisors and grid office of the street or district itself."""
    return role(actor) == "admin" or (role(actor) in OFFICES and actor.org_id == scope.id)


# Assessment (千分制, issue 20): the scheme is the street's or district's, a grid's lead evaluates
# the grid, the offices above it review and publish.
def sets_scheme_of(actor, scope):
    """Administrators, and the grid office (dispatcher) of the street or district itself (a community's
    office sets no scheme, not even for its own community)."""
    if getattr(scope, "kind", None) not in ("street", "district"):
        return False
    return role(actor) == "admin" or (role(actor) == "dispatcher" and actor.org_id == scope.id)


def evaluates_self(actor, unit):
    """The lead of the grid."""
    return role(actor) == "lead" and actor.org_id == unit.id


def reviews_unit(actor, unit):
    """Administrators, and the offices of a street or district above the grid."""
    if role(actor) == "admin":
        return True
    return (role(actor) in OFFICES and actor.org_id is not None and actor.org_id != unit.id
            and actor.org_id in {u.id for u in unit.lineage()} and actor.org.kind in ("street", "district"))


def sees_assess_entries(actor, unit):
    """A grid's assessment entries and their evidence: the grid's lead, and whoever reviews the grid."""
    return evaluates_self(actor, unit) or reviews_unit(actor, unit)


def decides_accountability(actor, record):
    """The lead of the person's grid (not for their own record), or an office above the grid."""
    if role(actor) == "lead":
        return actor.org_id == record.grid_id and actor.id != record.user_id
    return role(actor) in ("dispatcher", "admin") and (
        role(actor) == "admin" or actor.org_id in {u.id for u in record.grid.lineage()})


def answers_accountability(actor, record):
    """The person the record is about."""
    return getattr(actor, "id", None) == record.user_id


def sees_accountability(actor, record):
    """The person, and whoever decides on it or supervises the grid."""
    return (answers_accountability(actor, record) or decides_accountability(actor, record)
            or (role(actor) == "supervisor" and actor.org_id in {u.id for u in record.grid.lineage()}))


def visible_accountabilities(actor):
    """The accountability records this user may see, as a query: their own, and their grids'."""
    from workflows.models import Accountability

    query = Accountability.select()
    if role(actor) == "admin":
        return query
    own = Accountability.user == getattr(actor, "id", None)
    if role(actor) == "member":
        return query.where(own)
    grids = visible_grids(actor).select(OrgUnit.id) if role(actor) in ("lead", "dispatcher", "supervisor") else None
    return query.where(own | Accountability.grid.in_(grids)) if grids is not None else query.where(own)


# ---- meetings (issue 20): a grid team's monthly meeting, a community's or street's joint meeting ----


def meeting_unit(obj):
    """The org unit a meeting (or a unit about to hold one) belongs to."""
    return obj.org if isinstance(obj, Meeting) else obj


def sees_meeting(actor, obj):
    """A grid's meetings: its own team and the offices and supervisors above it; a joint meeting:
    the offices and supervisors whose area holds its community or street."""
    return reaches(actor, meeting_unit(obj))


def holds_meeting(actor, obj):
    """The grid's lead holds its team's meeting; a dispatcher whose area holds the unit holds (or
    sits in for the lead at) any of them; administrators too."""
    unit = meeting_unit(obj)
    kind = role(actor)
    if kind == "admin":
        return True
    if kind == "lead":
        return unit.kind == "grid" and actor.org_id == unit.id
    return kind == "dispatcher" and reaches(actor, unit)


def visible_meetings(actor, query=None):
    """The meetings this user may see, as a query (the rules of sees_meeting)."""
    query = query if query is not None else Meeting.select()
    kind = role(actor)
    if kind == "admin":
        return query
    if kind in GRID_TEAM:
        return query.where(Meeting.org == actor.org_id)
    if kind in OFFICES and actor.org_id is not None:
        return query.where(Meeting.org.in_(visible_units(actor, ("grid", "community", "street")).select(OrgUnit.id)))
    return query.where(Meeting.id.is_null())


# ---- the registry (issue 17): people, houses, organisations, things ------------------------------


def registry_grid(obj):
    """The grid a registry object lies in (a grid is its own)."""
    if isinstance(obj, OrgUnit):
        return obj
    return obj.grid


def sees_registry(actor, obj):
    """A grid's registry: its own team, and the offices and supervisors whose area holds it; a building
    or unit head only the rooms they keep, with their households and people."""
    if role(actor) == "building_head":
        return keeps_as_head(actor, obj)
    grid = registry_grid(obj)
    return grid.kind == "grid" and reaches(actor, grid)


def head_duties(actor):
    """A building head's current roster rows (楼栋长: a whole building; 单元长: one unit)."""
    return BuildingHead.select().where((BuildingHead.user == actor.id) & BuildingHead.ended_on.is_null())


def head_rooms(actor):
    """The ids of the rooms a building or unit head keeps, as a query."""
    duties = head_duties(actor)
    whole = duties.select(BuildingHead.building).where(BuildingHead.unit.is_null())
    units = duties.select(BuildingHead.unit).where(BuildingHead.unit.is_null(False))
    return Room.select(Room.id).where(Room.building.in_(whole) | Room.unit.in_(units))


def head_buildings(actor):
    """The ids of the buildings a building or unit head keeps (all or one unit of), as a query."""
    return head_duties(actor).select(BuildingHead.building)


def keeps_as_head(actor, obj):
    """A building, room, household or person in what this building or unit head keeps."""
    if isinstance(obj, Building):
        return head_buildings(actor).where(BuildingHead.building == obj.id).exists()
    if isinstance(obj, Room):
        room_id = obj.id
    elif isinstance(obj, Household):
        room_id = obj.room_id
    elif isinstance(obj, Person) and obj.household_id is not None:
        room_id = Household.get_by_id(obj.household_id).room_id
    else:
        return False  # grids, organisations, things, people without a home
    return head_rooms(actor).where(Room.id == room_id).exists()


def keeps_registry(actor, obj):
    """Who keeps a grid's registry current: its own team, its community office (administrators too)."""
    grid = registry_grid(obj)
    kind = role(actor)
    if grid.kind != "grid":
        return False
    if kind == "admin":
        return True
    if kind in GRID_TEAM:
        return actor.org_id == grid.id
    return office_of(actor, "community") and grid.parent_id == actor.org_id


def links_case(actor, case):
    """Who points a case at the registry (a room, person, organisation or thing of its grid): whoever
    sees the case and keeps its grid's registry."""
    return can_view_case(actor, case) and keeps_registry(actor, case.grid)


def reveals_in(actor, obj):
    """Who may unmask one field of a person (with a reason, logged): the grid's team and its
    community office, who visit and call residents; never supervisors, departments or administrators."""
    return role(actor) != "admin" and keeps_registry(actor, obj)


def acknowledges_roundup(actor, grid):
    """The community's specialist (its grid office) acknowledges a grid's weekly round-up."""
    return grid.kind == "grid" and office_of(actor, "community") and grid.parent_id == actor.org_id


def reads_reveal_log(actor, community):
    """The reveal log of a community: its own office, and the offices and supervisors above it."""
    return community.kind == "community" and role(actor) in OFFICES + ("admin",) and reaches(actor, community)


# ---- services on a resident's behalf (代办, issue 18) -----------------------------------------------


def sees_application(actor, obj):
    """An application (or a resident one is recorded for): its grid's team, and the offices and
    supervisors whose area holds the grid."""
    return obj.grid.kind == "grid" and reaches(actor, obj.grid)


def records_service(actor, obj):
    """The grid's members and lead record applications for its residents and gather their documents."""
    return role(actor) in GRID_TEAM and actor.org_id == obj.grid_id


def service_office(level):
    """A rule: the dispatcher (service centre) of the application's community, street or district."""
    field = SCOPE_FIELDS[level]

    def rule(actor, application):
        return (role(actor) == "dispatcher" and actor.org_id is not None
                and actor.org_id == getattr(application, field))

    rule.__name__ = f"{level}_service_office"
    rule.__doc__ = f"The office of the application's {level}."
    return rule


# ---- visits and the memo book (issue 18) ----------------------------------------------------------


def visits_in(actor, obj):
    """Who visits households and keeps the memo book of a grid: its own team, and its community
    office (the community's workers visit too); never departments, supervisors or administrators."""
    grid = registry_grid(obj)
    kind = role(actor)
    if grid.kind != "grid":
        return False
    if kind in GRID_TEAM:
        return actor.org_id == grid.id
    return office_of(actor, "community") and grid.parent_id == actor.org_id


def sees_visits(actor, obj):
    """A grid's visits and memo book: its team, and the offices and supervisors whose area holds it."""
    grid = registry_grid(obj)
    return grid.kind == "grid" and reaches(actor, grid)


# ---- the table -----------------------------------------------------------------------------------

def sets_photo_of(actor, person):
    """A person sets their own profile photo; an administrator sets anyone's."""
    return role(actor) == "admin" or (person is not None and getattr(actor, "id", None) == person.id)


ALL = STAFF
# Department staff and supervisors record what they find on their own inspections.
INSPECTORS = ("handler", "supervisor")
RECORDERS = ("member", "lead", "dispatcher") + INSPECTORS


@dataclass(frozen=True)
class Rule:
    """Who may take an action: the roles that may ever take it, a condition on the actor alone (`when`:
    the kind of their scope …) and the rule that decides on an object (`on`), each optional."""

    roles: tuple
    on: Callable = None
    when: Callable = None


# action: Rule(roles, on=object rule, when=actor condition).
ACTIONS = {
    # Cases and their events.
    "case.view": Rule(ALL, on=can_view_case),
    "case.contact": Rule(("member", "lead", "dispatcher"), on=can_see_contact),
    "case.record": Rule(RECORDERS, on=records_in),
    "case.issue_notice": Rule(("supervisor",), on=issues_notice),
    "grid_worker": Rule(GRID_TEAM, on=grid_worker),
    "level_triager": Rule(("lead", "dispatcher"), on=level_triager),
    "level_dispatcher": Rule(("dispatcher",), on=level_dispatcher),
    "case_department": Rule(("handler",), on=case_department),
    "inspector": Rule(INSPECTORS, on=inspector),
    "case.transfer": Rule(("handler",), on=case_department),
    "case.part": Rule(("handler",), on=co_department),
    "inspector_department": Rule(("handler",), on=inspector_department),
    "verifier": Rule(("member", "lead", "dispatcher"), on=verifier),
    "closing_office": Rule(("dispatcher",), on=closing_office),
    "voider": Rule(("lead", "dispatcher"), on=voider),
    "supervisor": Rule(("supervisor",), on=supervisor),
    "scope_dispatcher": Rule(("dispatcher",), on=scope_dispatcher),
    "extension_decider": Rule(("dispatcher", "supervisor"), on=extension_decider),
    "clock_keeper": Rule(("dispatcher", "supervisor"), on=clock_keeper),
    "reopen.decide": Rule(("supervisor",)),
    # Boards and queues.
    "board.own": Rule(("member", "lead", "dispatcher", "handler", "supervisor"), when=has_scope),
    "board.grid": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=reaches),
    "board.rollup": Rule(("dispatcher", "supervisor", "admin"), on=reaches),
    "board.department": Rule(("handler", "dispatcher", "supervisor", "admin"), on=department_in_reach),
    "board.department_grid": Rule(("handler", "dispatcher", "supervisor", "admin"), on=department_grid_in_reach),
    "queue": Rule(("dispatcher", "handler"), when=has_scope),
    # Notices.
    "notice.view": Rule(ALL, on=can_view_notice),
    "notice.answer": Rule(("lead", "dispatcher", "handler"), on=notice_addressee),
    "notice.close": Rule(("supervisor",), on=notice_closer),
    "emergency.view": Rule(("dispatcher", "supervisor", "admin")),
    # Patrols, work logs, points.
    "patrol.walk": Rule(GRID_TEAM, on=walks),
    "patrol.view": Rule(ALL, on=sees_patrol),
    "patrol.rules": Rule(("admin",)),
    "patrol.coverage": Rule(("lead", "dispatcher", "supervisor", "admin"), on=oversees_grid),
    "worklog.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin")),
    "worklog.write": Rule(GRID_TEAM),
    "worklog.person": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=reads_log_of),
    "worklog.grid": Rule(("lead", "dispatcher", "supervisor", "admin"), on=oversees_grid),
    "points.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_points_of),
    "points.record": Rule(("lead", "dispatcher", "admin"), on=records_points_for),
    "points.record_in": Rule(("lead", "dispatcher", "admin"), on=records_points_in),
    "points.publish": Rule(("dispatcher", "admin"), on=publishes_points_of),
    "points.rules": Rule(("dispatcher", "admin"), when=sets_point_rules),
    # Statistics, rankings, the ledger.
    "stats.view": Rule(("lead", "dispatcher", "handler", "supervisor", "admin")),
    "ranking.view": Rule(("dispatcher", "supervisor", "admin")),
    "ranking.publish": Rule(("dispatcher", "supervisor", "admin"), on=publishes_ranking_of),
    "weights.edit": Rule(("admin",)),
    "ledger.view": Rule(("lead", "dispatcher", "handler", "supervisor", "admin")),
    # The registry (issue 17). Sensitive tags: the community office and above only.
    "registry.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin", "building_head"), on=sees_registry),
    "registry.own_buildings": Rule(("building_head",)),  # lands on the buildings they keep
    "case.link": Rule(("member", "lead", "dispatcher", "admin"), on=links_case),
    "registry.heads": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_registry),
    "registry.edit": Rule(("member", "lead", "dispatcher", "admin"), on=keeps_registry),
    "registry.import": Rule(("lead", "dispatcher", "admin"), on=keeps_registry),
    "registry.reveal": Rule(("member", "lead", "dispatcher"), on=reveals_in),
    "registry.sensitive": Rule(("dispatcher", "supervisor", "admin"), on=sees_registry),
    "registry.reveal_log": Rule(("dispatcher", "supervisor", "admin"), on=reads_reveal_log),
    "registry.roundup_ack": Rule(("dispatcher",), on=acknowledges_roundup),
    # Visits to households and the memo book (issue 18).
    "visit.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_visits),
    "visit.record": Rule(("member", "lead", "dispatcher"), on=visits_in),
    "memo.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_visits),
    "memo.write": Rule(("member", "lead", "dispatcher"), on=visits_in),
    "memo.end": Rule(("member", "lead", "dispatcher"), on=visits_in),
    # Administration.
    "admin": Rule(("admin",)),
    "workflow.view": Rule(ALL),
    "account": Rule(ROLES),
    # The grid map: whoever sees the grid's board; its boundary is set by an administrator.
    "map.grid": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=reaches),
    "map.boundary": Rule(("admin",)),
    # Work for a person.
    "case.give": Rule(("lead", "dispatcher"), on=gives_case),
    "work.mine": Rule(("member", "lead", "handler")),
    "work.team": Rule(("lead", "dispatcher", "supervisor", "admin"), on=oversees_grid),
    "task.give": Rule(("lead", "dispatcher"), on=gives_task_in),
    "task.view": Rule(ALL, on=sees_task),
    "task.done": Rule(GRID_TEAM, on=does_task),
    "task.cancel": Rule(("lead", "dispatcher"), on=gave_task),
    # Staff profile photos (the public sign shows them).
    "staff.photo": Rule(ALL, on=sets_photo_of),
    # Assessment (千分制).
    "assess.view": Rule(("dispatcher", "supervisor", "admin")),
    "assess.scheme": Rule(("dispatcher", "admin"), on=sets_scheme_of),
    "assess.self": Rule(("lead",), on=evaluates_self),
    "assess.review": Rule(("dispatcher", "supervisor", "admin"), on=reviews_unit),
    "assess.publish": Rule(("dispatcher", "supervisor", "admin"), on=publishes_ranking_of),
    "assess.entries": Rule(("lead", "dispatcher", "supervisor", "admin"), on=sees_assess_entries),
    "accountability.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_accountability),
    "accountability.decide": Rule(("lead", "dispatcher", "admin"), on=decides_accountability),
    "accountability.answer": Rule(("member", "lead"), on=answers_accountability),
    # Services on a resident's behalf (代办): grid workers record, the three offices decide in turn.
    "service.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_application),
    "service.record": Rule(GRID_TEAM, on=records_service),
    "service.accept": Rule(("dispatcher",), on=service_office("community")),
    "service.review": Rule(("dispatcher",), on=service_office("street")),
    "service.approve": Rule(("dispatcher",), on=service_office("district")),
    "service.configure": Rule(("admin",)),
    # Meetings (issue 20): monthly grid-team meetings, quarterly joint meetings.
    "meeting.view": Rule(("member", "lead", "dispatcher", "supervisor", "admin"), on=sees_meeting),
    "meeting.hold": Rule(("lead", "dispatcher", "admin"), on=holds_meeting),
}


def can(actor, action, obj=None):
    """May `actor` take `action` — in general, or on `obj` when one is given?"""
    rule = ACTIONS[action]
    if role(actor) not in rule.roles or (rule.when is not None and not rule.when(actor)):
        return False
    return obj is None or rule.on is None or bool(rule.on(actor, obj))


def roles_for(action):
    """The roles that may ever take `action` (the access-matrix test reads them)."""
    return ACTIONS[action].roles


# ---- which objects: the same rules as filters --------------------------------------------------------


def scope_column(kind):
    """The Case column holding the org unit of this kind."""
    return {"grid": Case.grid, "community": Case.community, "street": Case.street, "district": Case.district}[kind]


def visible_cases(actor, query=None):
    """The cases this user may see, as a query (the rules of can_view_case)."""
    query = query if query is not None else Case.select()
    kind = role(actor)
    if kind == "admin":
        return query
    if kind in GRID_TEAM:
        return query.where(Case.grid == actor.org_id)
    if kind in OFFICES and actor.org_id is not None:
        return query.where(scope_column(actor.org.kind) == actor.org_id)
    if kind == "handler" and actor.department_id is not None:
        from workflows.models import CasePart

        parts = CasePart.select(CasePart.case).where(CasePart.department == actor.department_id)
        return query.where((Case.department == actor.department_id) | (Case.created_by == actor.id)
                           | Case.id.in_(parts))
    return query.where(Case.id.is_null())


def visible_tasks(actor, query):
    """The tasks this user may see, as a query (the rules of sees_task)."""
    kind = role(actor)
    mine = (Task.assignee == actor.id) | (Task.given_by == actor.id)
    if kind == "admin":
        return query
    if kind == "lead":
        return query.where(mine | (Task.org == actor.org_id))
    if kind in OFFICES and actor.org_id is not None:
        return query.where(mine | Task.org.in_(visible_grids(actor).select(OrgUnit.id)))
    return query.where(mine)


def visible_notices(actor, query=None):
    """The notices this user may see, as a query (the rules of can_view_notice)."""
    query = query if query is not None else Notice.select()
    kind = role(actor)
    if kind == "admin":
        return query
    seen = Notice.case.in_(visible_cases(actor, Case.select(Case.id)))
    if kind == "handler" and actor.department_id is not None:
        return query.where(seen | (Notice.addressee_department == actor.department_id))
    if kind in ("lead", "dispatcher") and actor.org_id is not None:
        return query.where(seen | (Notice.addressee_org == actor.org_id))
    return query.where(seen)


def visible_emergency_reports(actor, query):
    """The emergency reports addressed to this user's office (community, street or district; its dispatchers
    and supervisors), as a query; administrators see all."""
    kind = role(actor)
    if kind == "admin":
        return query
    if kind in OFFICES and actor.org_id is not None:
        return query.where(EmergencyReport.office == actor.org_id)
    return query.where(EmergencyReport.id.is_null())


def addressed_notices(actor, query):
    """Only the notices addressed to this user (the rules of notice_addressee)."""
    kind = role(actor)
    if kind == "handler":
        return query.where(Notice.addressee_department == actor.department_id)
    if kind in ("lead", "dispatcher"):
        return query.where(Notice.addressee_org == actor.org_id)
    return query.where(Notice.id.is_null())


def visible_grids(actor):
    """The active grids this user works in or oversees, as a query in display order
    (a member or lead: their own grid; a department's handler: the grids it serves)."""
    community, street = OrgUnit.alias(), OrgUnit.alias()
    query = (OrgUnit.select(OrgUnit)
             .join(community, on=OrgUnit.parent == community.id)
             .join(street, on=community.parent == street.id)
             .where((OrgUnit.kind == "grid") & OrgUnit.active)
             .order_by(community.sort_order, community.id, OrgUnit.sort_order, OrgUnit.id))
    kind = role(actor)
    if kind == "admin":
        return query
    if kind in GRID_TEAM:
        return query.where(OrgUnit.id == actor.org_id)
    if kind in OFFICES and actor.org_id is not None:
        org = actor.org_id
        return query.where((community.id == org) | (street.id == org) | (street.parent == org))
    if kind == "handler" and actor.department_id is not None:
        org = actor.department.org_id  # a department serves its street, or every street of its district
        return query.where((street.id == org) | (street.parent == org))
    return query.where(OrgUnit.id.is_null())


def visible_units(actor, kinds):
    """The active org units of these kinds in the actor's area (a department: none)."""
    query = OrgUnit.select().where(OrgUnit.kind.in_(kinds) & OrgUnit.active)
    kind = role(actor)
    if kind == "admin":
        return query
    if kind in GRID_TEAM:
        return query.where(OrgUnit.id == actor.org_id)
    if kind in OFFICES and actor.org_id is not None:
        below = [actor.org_id]
        for _level in range(3):
            below += [u.id for u in OrgUnit.select(OrgUnit.id).where(OrgUnit.parent.in_(below))]
        return query.where(OrgUnit.id.in_(below))
    return query.where(OrgUnit.id.is_null())


def visible_departments(actor):
    """The active departments a user may pick in filters: a handler only their own."""
    query = Department.select().where(Department.active).order_by(Department.name)
    if role(actor) == "handler":
        return query.where(Department.id == actor.department_id)
    return query


def point_communities(actor):
    """The communities whose points this user may see, in display order."""
    if role(actor) in GRID_TEAM:
        return [actor.org.parent] if actor.org_id else []
    seen, out = set(), []
    for grid in visible_grids(actor):
        if grid.parent_id not in seen:
            seen.add(grid.parent_id)
            out.append(grid.parent)
    return out


def point_grids(actor):
    """The grids whose people this user records points for."""
    if not can(actor, "points.record_in"):
        return []
    return [grid for grid in visible_grids(actor) if records_points_in(actor, grid)]


def ranking_scopes(actor):
    """The streets and districts whose rankings this user may see."""
    if role(actor) == "admin":
        return list(OrgUnit.select().where(OrgUnit.kind.in_(("street", "district"))).order_by(OrgUnit.code))
    org = getattr(actor, "org", None) if getattr(actor, "org_id", None) else None
    if org is None:
        return []
    if org.kind == "district":
        return [org] + list(OrgUnit.select().where((OrgUnit.kind == "street") & (OrgUnit.parent == org.id))
                            .order_by(OrgUnit.code))
    street = org.ancestor("street")
    return [street] if street else []



def visible_registry(actor, model, query=None):
    """The registry rows (of a model with a `grid`) this user may see, as a query."""
    query = query if query is not None else model.select()
    kind = role(actor)
    if kind not in ACTIONS["registry.view"].roles:
        return query.where(model.id.is_null())
    if kind == "admin":
        return query
    if kind == "building_head":
        return heads_registry(actor, model, query)
    if kind in GRID_TEAM:
        return query.where(model.grid == actor.org_id)
    grids = [grid_id for (grid_id,) in visible_grids(actor).select(OrgUnit.id).tuples()]
    return query.where(model.grid.in_(grids))


def heads_registry(actor, model, query):
    """What a building or unit head reads: the buildings and rooms they keep, households and people there."""
    rooms = head_rooms(actor)
    if model is Building:
        return query.where(Building.id.in_(head_buildings(actor)))
    if model is Room:
        return query.where(Room.id.in_(rooms))
    if model is Household:
        return query.where(Household.room.in_(rooms))
    if model is Person:
        return query.where(Person.household.in_(Household.select(Household.id).where(Household.room.in_(rooms))))
    return query.where(model.id.is_null())


def visible_reveals(actor, query=None):
    """The reveal-log rows this user may read (the communities of their area)."""
    query = query if query is not None else RevealLog.select()
    if not can(actor, "registry.reveal_log"):
        return query.where(RevealLog.id.is_null())
    if role(actor) == "admin":
        return query
    return query.where(RevealLog.grid.in_([grid.id for grid in visible_grids(actor)]))


def visible_applications(actor, query):
    """The applications this user may see, as a query (the rules of sees_application)."""
    from workflows.models import Application

    kind = role(actor)
    if kind not in ACTIONS["service.view"].roles:
        return query.where(Application.id.is_null())
    if kind == "admin":
        return query
    if kind in GRID_TEAM:
        return query.where(Application.grid == actor.org_id)
    if actor.org_id is None:
        return query.where(Application.id.is_null())
    return query.where(scope_column_of(Application, actor.org.kind) == actor.org_id)


def scope_column_of(model, kind):
    """The column of `model` holding the org unit of this kind (grid, community, street, district)."""
    return getattr(model, kind)


def sees_sensitive_tags(actor):
    """Whether this user ever sees sensitive tags (on people they may see at all)."""
    return can(actor, "registry.sensitive")
