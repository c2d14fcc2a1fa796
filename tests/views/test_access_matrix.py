"""Object-level access, generated: every route of app.url_map × every role × in- and out-of-scope objects.

Each route that names an object (in its path, or in a query or form field that picks one) has an
entry below: where each role's in-scope object lives, where its out-of-scope ones do, which roles
may use it and what success looks like. For every role the test then asks:

- out of scope: 403 or 404 (a visitor who is not signed in: the sign-in page), for pages and their
  htmx fragments alike, and — compared row by row, files included — nothing in the database changed;
- in scope: the roles the route is for succeed (so a route that refuses everything cannot pass),
  the others are refused.

The scopes are written out here from the domain's rules (a member: their grid; a community office:
its grids; a department: the cases it holds; …), not computed with the app's own helpers.
A new route fails `test_every_route_is_in_the_matrix_or_declared` until it gets an entry here or a
reasoned place in OBJECT_FREE / PUBLIC_FREE.
"""
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Callable

import pytest
from PIL import Image

from app.access import action_of
from tests.conftest import TOKEN, Client
from tests.factories import PASSWORD, stop_clock
from tests.registry_world import id_number, keeper, make_registry
from tests.views.access_world import CLOCK, NOW, snapshot, uploads
from workflows import policy, services
from workflows.models import Building, BuildingHead, Thing
from workflows.rankings import current_weights
from workflows.models import MemoEntry, Visit
from workflows.registry.service import add_tag, save_person
from workflows.service import SystemActor, fire

ROLES = ("member", "lead", "community", "street", "district", "handler", "supervisor", "admin", "building_head",
         "anonymous")
USERNAMES = {"member": "member", "lead": "lead", "community": "community", "street": "street_disp",
             "district": "district_disp", "handler": "handler", "supervisor": "supervisor", "admin": "admin",
             "building_head": "building_head"}
# The roles that work on cases. A building head (楼栋长) signs in only to read the rooms their roster rows
# give them — in the access world they keep none, so every object below is refused to them (their own
# rooms: tests/views/test_building_heads.py).
STAFF = frozenset(USERNAMES) - {"building_head"}
SIGNED_IN = frozenset(USERNAMES)
OFFICES = frozenset({"community", "street", "district"})
REFUSED = (403, 404)
MISSING = SimpleNamespace(id=987654, code="NOPE", number="2099-999999", tracking_code="ABCDEFGHJKMNPQRS")


def scope(**roles):
    """role -> (in-scope spec or None, [out-of-scope specs]); every role must be named."""
    assert set(roles) == set(ROLES), set(ROLES) ^ set(roles)
    return roles


def everyone(inside, outside):
    """The same objects for every role (public routes, where the object decides and the role does not)."""
    return {role: (inside, list(outside)) for role in ROLES}


def admin_only(spec, missing=None):
    """An administrator's object: every other role is refused at the door; a missing one is 404 for admins."""
    table = {role: (spec, []) for role in SIGNED_IN}
    table["admin"] = (spec, [missing] if missing is not None else [])
    table["anonymous"] = (None, [spec])
    return table


# ---- where each role's objects are (places of access_world) ----

# A case (its photos, notices, reopen requests): a grid, or (grid, department) for a dispatched case.
CASES = scope(
    member=("g1", ["g2", "g5"]),                    # another grid of the same community; another district
    lead=("g1", ["g2", "g5"]),
    community=("g2", ["g3", "g5"]),                 # the community's other grid in; the next community out
    street=("g3", ["g4", "g5"]),
    district=("g4", ["g5"]),
    handler=(("g1", "sanitation"), [("g1", "police"), ("g5", "far2")]),  # same grid, another department
    supervisor=("g3", ["g4", "g5"]),
    admin=("g5", []),
    building_head=("g1", []), anonymous=(None, ["g1"]),
)
GRIDS = scope(
    member=("g1", ["g2", "g5"]), lead=("g1", ["g2", "g5"]), community=("g2", ["g3", "g5"]),
    street=("g3", ["g4", "g5"]), district=("g4", ["g5"]), handler=("g1", ["g5"]),
    supervisor=("g3", ["g4", "g5"]), admin=("g5", []), building_head=("g1", []), anonymous=(None, ["g1"]),
)
COMMUNITIES = scope(
    member=("c1", ["c2", "c4"]), lead=("c1", ["c2", "c4"]), community=("c1", ["c2", "c4"]),
    street=("c2", ["c3", "c4"]), district=("c3", ["c4"]), handler=("c1", ["c4"]),
    supervisor=("c2", ["c3", "c4"]), admin=("c4", []), building_head=("c1", []), anonymous=(None, ["c1"]),
)
STREETS = scope(
    member=("s1", []), lead=("s1", []), handler=("s1", []),
    community=(None, ["s1", "s3"]),                  # a community office does not see its own street's board
    street=("s1", ["s2", "s3"]), district=("s2", ["s3"]), supervisor=("s1", ["s2", "s3"]),
    admin=("s3", []), building_head=("s1", []), anonymous=(None, ["s1"]),
)
DISTRICTS = scope(
    member=("d1", []), lead=("d1", []), handler=("d1", []),
    community=(None, ["d1", "d2"]), street=(None, ["d1", "d2"]), supervisor=(None, ["d1", "d2"]),
    district=("d1", ["d2"]), admin=("d2", []), building_head=("d1", []), anonymous=(None, ["d1"]),
)
DEPARTMENTS = scope(
    member=("sanitation", []), lead=("sanitation", []),
    handler=("sanitation", ["police", "far2"]),
    community=("sanitation", ["far", "far2"]),       # serving its street: in; another street's: out
    street=("police", ["far", "far2"]),
    district=("far", ["far2"]),
    supervisor=("env", ["far", "far2"]),
    admin=("far2", []), building_head=("sanitation", []), anonymous=(None, ["sanitation"]),
)
# A department's board narrowed to one grid: both must be in reach.
DEPARTMENT_GRIDS = scope(
    member=(("sanitation", "g1"), []), lead=(("sanitation", "g1"), []),
    handler=(("sanitation", "g1"), [("sanitation", "g5"), ("police", "g1")]),
    community=(("sanitation", "g1"), [("sanitation", "g3"), ("far", "g4")]),
    street=(("police", "g3"), [("police", "g4"), ("far2", "g5")]),
    district=(("far", "g4"), [("env", "g5"), ("far2", "g5")]),
    supervisor=(("env", "g3"), [("sanitation", "g4"), ("far2", "g5")]),
    admin=(("far2", "g5"), []), building_head=(("sanitation", "g1"), []), anonymous=(None, [("sanitation", "g1")]),
)
# People whose work log (and patrols) a role reads.
PEOPLE = scope(
    member=("member", ["member2", "member_g5"]),    # even a colleague of the same grid is out
    lead=("member", ["member_g2", "member_g5"]),
    community=("member", ["member_g3", "member_g5"]),
    street=("member_g3", ["member_g4", "member_g5"]),
    district=("member_g4", ["member_g5"]),
    handler=("member", ["member_g5"]),
    supervisor=("member_g3", ["member_g4", "member_g5"]),
    admin=("member_g5", []), building_head=("member", []), anonymous=(None, ["member"]),
)
# Patrols one walks oneself (tick, end).
OWN_PATROLS = scope(
    member=("member", ["member2", "member_g5"]), lead=("lead", ["member", "member_g5"]),
    community=("member", []), street=("member", []), district=("member", []), handler=("member", []),
    supervisor=("member", []), admin=("member", []), building_head=("member", []), anonymous=(None, ["member"]),
)
# People counted in statistics (the cases they recorded).
STATS_PEOPLE = scope(
    member=("member", []), lead=("member", ["member_g5"]), community=("member", ["member_g5"]),
    street=("member", ["member_g5"]), district=("member", ["member_g5"]), handler=("member", ["member_g5"]),
    supervisor=("member", ["member_g5"]), admin=("member_g5", []), building_head=("member", []), anonymous=(None, ["member"]),
)
RANKING_SCOPES = scope(
    member=("s1", []), lead=("s1", []), handler=("s1", []),
    community=("s1", ["s2", "s3", "d1"]), street=("s1", ["s2", "s3", "d1"]), district=("s2", ["s3", "d2"]),
    supervisor=("s1", ["s2", "s3"]), admin=("d2", []), building_head=("s1", []), anonymous=(None, ["s1"]),
)
PUBLISH_SCOPES = dict(RANKING_SCOPES, district=("d1", ["s3", "d2"]))
# The grids whose people a recorder adds to the points table.
POINT_GRIDS = scope(
    member=("g1", []), lead=("g1", ["g2", "g5"]), community=("g1", ["g3", "g5"]), street=("g3", []),
    district=("g4", []), handler=("g1", []), supervisor=("g3", []), admin=("g5", []), building_head=("g1", []), anonymous=(None, ["g1"]),
)
# Tasks, by the person they were given to: whoever sees that person's work sees the task (a member: only their own).
TASKS = dict(PEOPLE, handler=(None, ["member"]))
# Tasks one reports done oneself.
OWN_TASKS = scope(
    member=("member", ["member2", "member_g5"]), lead=("lead", ["member", "member_g5"]),
    community=("member", []), street=("member", []), district=("member", []), handler=("member", []),
    supervisor=("member", []), admin=("member", []), building_head=("member", []), anonymous=(None, ["member"]),
)
# Tasks an overseer who gives tasks may cancel (the lead of the grid, the offices above it).
GIVEN_TASKS = scope(
    member=("member", []), lead=("member", ["member_g2", "member_g5"]),
    community=("member", ["member_g3", "member_g5"]), street=("member_g3", ["member_g4", "member_g5"]),
    district=("member_g4", ["member_g5"]), handler=("member", []), supervisor=("member_g3", []),
    admin=("member_g5", []), building_head=("member", []), anonymous=(None, ["member"]),
)


# A grid boundary an administrator uploads.
BOUNDARY = json.dumps({"type": "Polygon", "coordinates": [[[120.15, 30.27], [120.154, 30.27], [120.154, 30.273],
                                                          [120.15, 30.27]]]}).encode()

# Accountability records (三次不到岗) by the person they are about: the lead decides on the grid's
# members but not on their own record; the person answers only their own.
ACCOUNTABILITY_DECIDE = scope(
    member=("member", []), lead=("member", ["member_g2", "member_g5", "lead"]),
    community=("member", ["member_g3", "member_g5"]), street=("member_g3", ["member_g4", "member_g5"]),
    district=("member_g4", ["member_g5"]), handler=("member", []), supervisor=("member_g3", []),
    admin=("member_g5", []), building_head=("member", []), anonymous=(None, ["member"]),
)
ACCOUNTABILITY_ANSWER = scope(
    member=("member", ["member2", "member_g5"]), lead=("lead", ["member"]), community=("member", []),
    street=("member", []), district=("member", []), handler=("member", []), supervisor=("member", []),
    admin=("member", []), building_head=("member", []), anonymous=(None, ["member"]),
)


def accountability_of(x, spec, fresh=False):
    """An open record about a person (a new month's when `fresh`)."""
    from datetime import date

    from workflows.models import Accountability

    user = x.user(spec)
    taken = {a.month for a in Accountability.select().where(Accountability.user == user.id)}
    if taken and not fresh:
        return Accountability.get((Accountability.user == user.id) & (Accountability.month == min(taken)))
    months = (date(2025 - n // 12, 12 - n % 12, 1) for n in range(240))
    month = next(m for m in months if m not in taken)
    return Accountability.create(user=user, grid=user.org_id, month=month, missed=3,
                                 missed_periods=["2025-12-01", "2025-12-02", "2025-12-03"], opened_at=NOW)



def meeting_at(x, spec, fresh=False):
    """A meeting (opened by the administrator) of a grid or a community; a new one for a request that closes it."""
    from workflows.meetings import kinds_for, open_meeting

    key = ("meeting", spec)
    if fresh or key not in x._made:
        unit = x.place(spec)
        x._made[key] = open_meeting(unit, x.w.admin, NOW, kind=kinds_for(unit)[0], title=f"{unit.name}例会",
                                    held_at=NOW)
    return x._made[key]


MEETING_HOLDERS = {"lead", "admin"} | OFFICES


def meeting_post(suffix, data, fresh=False):
    """A change of a grid's meeting, by whoever holds it (the lead, the offices above it)."""
    return E(f"/meetings/<id:meeting_id>/{suffix}", "POST", GRIDS, meeting_at,
             lambda x, m, r: f"/meetings/{m.id}/{suffix}", MEETING_HOLDERS, ok=(303,), data=lambda x, m, r: dict(data),
             fresh=fresh)


# The 1000-point scheme: the street's or district's own office sets it (not a community office, not the
# district for a street); the offices of a street or district above a grid review it; a lead scores their own.
SCHEME_SCOPES = scope(
    member=("s1", []), lead=("s1", []), handler=("s1", []), community=(None, ["s1", "c1"]),
    street=("s1", ["s2", "s3", "d1"]), district=("d1", ["s1", "s3", "d2"]), supervisor=("s1", []),
    admin=("d2", []), building_head=("s1", []), anonymous=(None, ["s1"]),
)
REVIEW_GRIDS = scope(
    member=("g1", []), lead=("g1", []), handler=("g1", []), community=(None, ["g1", "g2"]),
    street=("g3", ["g4", "g5"]), district=("g4", ["g5"]), supervisor=("g3", ["g4", "g5"]), admin=("g5", []),
    building_head=("g1", []), anonymous=(None, ["g1"]),
)
SELF_GRIDS = scope(
    member=("g1", []), lead=("g1", ["g5"]), handler=("g1", []), community=("g1", []), street=("g1", []),
    district=("g1", []), supervisor=("g1", []), admin=("g1", []), building_head=("g1", []), anonymous=(None, ["g1"]),
)
SCHEME_YEARS = {"edit": 2024, "score": 2022, "publish": 2023}
# The grids whose assessment entries (and their evidence files) a role sees: the grid's lead, the offices above.
EVIDENCE_GRIDS = scope(
    member=("g1", []), lead=("g1", ["g2", "g5"]), handler=("g1", []), community=(None, ["g1", "g2"]),
    street=("g3", ["g4", "g5"]), district=("g4", ["g5"]), supervisor=("g3", ["g4", "g5"]), admin=("g5", ["missing"]),
    building_head=("g1", []), anonymous=(None, ["g1"]),
)


def scheme_item(x, unit, year, fresh=False):
    """A manual item of 1000 points in the unit's scheme of the year (a new one when `fresh`)."""
    from workflows.models import AssessItem, AssessScheme

    scheme = (AssessScheme.get_or_none((AssessScheme.scope == unit.id) & (AssessScheme.year == year))
              or AssessScheme.create(scope=unit, year=year, created_at=NOW))
    item = AssessItem.get_or_none((AssessItem.scheme == scheme.id) & AssessItem.retired_at.is_null())
    if item is None or fresh:
        item = AssessItem.create(scheme=scheme, kind="manual", title="工作台账", max_points=1000, created_at=NOW)
    return item


def grid_item(x, spec):
    """An item of the scheme (of the year for scores) of the grid's district."""
    return scheme_item(x, x.place(spec).ancestor("district"), SCHEME_YEARS["score"])


def assess_evidence(x, spec, fresh=False):
    """A photo attached to the assessor's score of the grid (an item of its district's scheme)."""
    from workflows.models import AssessEntry, AssessEvidence

    if spec == "missing":
        return MISSING
    key = ("assess_evidence", spec)
    if key not in x._made:
        entry = AssessEntry.create(item=grid_item(x, spec), unit=x.place(spec), quarter=1, stage="review", points=10,
                                   by_name="复核", at=NOW)
        path = x.file("evidence")
        x._made[key] = AssessEvidence.create(entry=entry, path=path, thumb_path=path.replace(".jpg", ".thumb.jpg"),
                                             original_name="台账.jpg", content_type="image/jpeg", size=100, at=NOW)
    return x._made[key]


def publish_scope(x, spec, fresh=False):
    """A street or district with a complete scheme of a year that has ended."""
    unit = x.place(spec)
    scheme_item(x, unit, SCHEME_YEARS["publish"])
    return unit


# ---- how each kind of object is made and addressed ----

def place(x, spec, fresh=False):
    """An org unit by its place name ("missing": one that does not exist)."""
    return MISSING if spec == "missing" else x.place(spec)


@dataclass(frozen=True)
class Entry:
    """One route with objects: its rule, who may use it, and how to reach each object."""

    rule: str
    method: str
    scopes: dict
    make: Callable  # (world, spec, fresh) -> object
    path: Callable  # (world, object, role) -> URL
    allowed: frozenset  # roles for which the in-scope request succeeds
    ok: tuple = (200,)
    data: Callable = None  # (world, object, role) -> form fields
    public: bool = False
    fresh: bool = False  # the in-scope request changes its object: make a new one each time
    marker: Callable = None  # (object) -> text the in-scope page shows


def E(rule, method, scopes, make, path, allowed, **kw):
    """An entry, written short."""
    return Entry(rule, method, scopes, make, path, frozenset(allowed), **kw)


def case_of(x, spec, fresh=False):
    """A case at a place (see AccessWorld.case)."""
    return x.case(spec, fresh=fresh)


def event_case(x, spec, fresh=False):
    """A fresh case each role may act on (`fresh` is the role): a supervisor's waits for a decision
    on a suspension."""
    if spec == "g3" and fresh == "supervisor":
        case = x.case("g3", fresh=True, state="reported")
        fire(case, "request_suspension", SystemActor("dispatcher", "街道网格办", org_id=x.place("s1").id), NOW,
             clock=CLOCK, reason="等待法院判决")
        return case
    return x.case(spec, fresh=bool(fresh))


# The event each role fires on its in-scope case (and tries on the out-of-scope ones).
EVENTS = {
    "member": ("report", {}), "lead": ("report", {}), "admin": ("report", {}), "anonymous": ("report", {}),
    "building_head": ("report", {}),
    "community": ("void", {"void_kind": "invalid", "reason": "无效上报"}),
    "street": ("void", {"void_kind": "invalid", "reason": "无效上报"}),
    "district": ("void", {"void_kind": "invalid", "reason": "无效上报"}),
    "handler": ("rectify", {"note": "已清运完毕"}),
    "supervisor": ("deny_suspension", {"reason": "不符合挂起条件"}),
}
TIPOFF_CASES = {"lead": "g1", "community": "g1", "admin": "g5"}


def person(x, spec, fresh=False):
    """A user by username."""
    return x.user(spec)


def department(x, spec, fresh=False):
    """A department by its place name ("missing": one that does not exist)."""
    return MISSING if spec == "missing" else x.departments[spec]


def intake_form(x, obj, role):
    """A valid intake form with a new key."""
    return {"category": x.w.litter.id, "title": "", "description": "单元门口堆放杂物", "building": "", "unit": "",
            "location_text": "东门", "lat": "", "lng": "", "urgency": "", "source": "patrol", "reporter_name": "",
            "reporter_phone": "", "intake_key": uuid.uuid4().hex}


def grid_path(template):
    """A path builder filling in the object's code."""
    return lambda x, obj, role: template.format(code=getattr(obj, "code", None))


# The registry (issue 17): a grid's registry is read by its team and the offices and supervisors above it,
# kept by its team and community office (administrators too), revealed field by field by those who keep it
# (never administrators or supervisors); departments never see it.
REGISTRY = scope(
    member=("g1", ["g2", "g5"]), lead=("g1", ["g2", "g5"]), community=("g2", ["g3", "g5"]),
    street=("g3", ["g4", "g5"]), district=("g4", ["g5"]), handler=(None, ["g1"]),
    supervisor=("g3", ["g4", "g5"]), admin=("g5", []), building_head=("g1", []), anonymous=(None, ["g1"]),
)
REG_VIEWERS = STAFF - {"handler"}
REG_KEEPERS = {"member", "lead", "community", "admin"}
REG_REVEALERS = {"member", "lead", "community"}
_residents = iter(range(1, 100_000))


def registry(x, spec):
    """The registry objects of a grid (made for every grid of the access world at first use)."""
    if "registry" not in x._made:
        x._made["registry"] = make_registry({name: x.place(name) for name in ("g1", "g2", "g3", "g4", "g5")})
    return x._made["registry"][spec]


def roster_head(x, spec, fresh=False):
    """A current head of the grid's building (a new one each time: ending one changes it)."""
    building = registry(x, spec).building
    return BuildingHead.create(grid=building.grid_id, building=building, name="楼栋长", started_on=date(2026, 3, 1),
                               created_at=NOW)


def person_form():
    """A valid new resident with an ID number no one has yet."""
    n = next(_residents)
    return {"name": "新住户", "id_number": id_number(date(1990, 1, 1) + timedelta(days=n), n % 1000, "330102"),
            "phone": "", "sex": "female", "birth_date": "", "residence": "resident", "relation": "child",
            "moved_in": "2026-03-01", "reason": ""}


def fresh_resident(x, spec, fresh=False):
    """A person of the grid's household; a new one for a request that changes them."""
    if not fresh:
        return registry(x, spec).head
    household = registry(x, spec).household
    form = person_form()
    return save_person(keeper(), NOW, household, name=form["name"], id_number=form["id_number"], sex="male")


def fresh_tag(x, spec, fresh=False):
    """An open, not sensitive tag of a person of the grid."""
    person = fresh_resident(x, spec, fresh=True)
    return add_tag(keeper(), NOW, person, tag="unemployed", on=date(2026, 2, 1))


# Services on a resident's behalf (代办, issue 18): seen like the grid's registry (not by departments), recorded
# by the grid's team, decided by the community, street and district offices in turn, configured by administrators.
SERVICE_DOCS = ["身份证", "户口簿"]
# The step an application waits at, per grid of the access world: each office finds one at its own step.
SERVICE_STATES = {"g1": "record", "g2": "accept", "g3": "review", "g4": "approve", "g5": "accept"}
SERVICE_EVENTS = {"member": "submit", "lead": "submit", "community": "approve", "street": "approve",
                  "district": "approve", "supervisor": "approve", "admin": "approve", "handler": "approve",
                  "anonymous": "approve", "building_head": "submit"}
SERVICE_DECIDERS = {"member", "lead", "community", "street", "district"}


def service_kind(x):
    """The access world's kind of service: every office step and a week's public notice."""
    if "service_kind" not in x._made:
        x._made["service_kind"] = services.save_kind(SystemActor("admin", "测试"), NOW, code="dibao", name="低保",
                                                     documents=SERVICE_DOCS, steps=["accept", "review", "approve"],
                                                     limits={}, notice_days=7)
    return x._made["service_kind"]


def application(x, spec, fresh=False):
    """An application for a resident of the grid, at the grid's step of SERVICE_STATES (or a (grid, state))."""
    grid_name, state = spec if isinstance(spec, tuple) else (spec, SERVICE_STATES[spec])
    key = ("application", grid_name, state)
    if fresh or key not in x._made:
        grid = x.place(grid_name)
        made = services.record(registry(x, grid_name).head, service_kind(x),
                               SystemActor("member", "网格员", org_id=grid.id), NOW, need="生活困难，申请低保",
                               documents=SERVICE_DOCS, clock=CLOCK)
        offices = {"record": SystemActor("member", "网格员", org_id=grid.id),
                   "accept": SystemActor("dispatcher", "社区", org_id=grid.parent_id),
                   "review": SystemActor("dispatcher", "街道", org_id=grid.parent.parent_id),
                   "approve": SystemActor("dispatcher", "区", org_id=grid.parent.parent.parent_id)}
        while made.state != state:
            services.fire(made, "submit" if made.state == "record" else "approve", offices[made.state], NOW,
                          clock=CLOCK)
        if fresh:
            return made
        x._made[key] = made
    return x._made[key]


# Visits and the memo book (issue 18): seen by whoever sees the grid's registry; made by the grid's team
# and its community office (never supervisors, departments or administrators).
VISITORS = {"member", "lead", "community"}


def visit_of(x, spec, fresh=False):
    """A visit (with a photo and a need) to the grid's household; a new one for a request that changes it."""
    key = ("visit", spec)
    if fresh or key not in x._made:
        household = registry(x, spec).household
        path = x.file("visit")
        x._made[key] = Visit.create(grid=household.grid_id, household=household.id, member=x.members[spec].id,
                                    kind="routine", found="独居", needs="申请助餐服务", photo_path=path,
                                    photo_thumb=path.replace(".jpg", ".thumb.jpg"), at=NOW, created_at=NOW)
    return x._made[key]


def memo_of(x, spec, fresh=False):
    """An open entry of the grid's memo book (a new one for a request that ends it)."""
    key = ("memo", spec)
    if fresh or key not in x._made:
        x._made[key] = MemoEntry.create(grid=x.place(spec).id, day=NOW.date(), category="facility", text="楼道灯坏了",
                                        author=x.members[spec].id, created_at=NOW)
    return x._made[key]


MATRIX = [
    # -- cases and what hangs on them --
    E("/cases/<id:case_id>", "GET", CASES, case_of, lambda x, c, r: f"/cases/{c.id}", STAFF,
      marker=lambda c: c.number),
    E("/cases/<id:case_id>/events/<event>", "POST", CASES, event_case,
      lambda x, c, r: f"/cases/{c.id}/events/{EVENTS[r][0]}", STAFF - {"admin"}, ok=(303,),
      data=lambda x, c, r: dict(EVENTS[r][1]), fresh=True),
    E("/cases/<id:case_id>/notices", "POST", CASES, case_of, lambda x, c, r: f"/cases/{c.id}/notices",
      {"supervisor"}, ok=(303,), data=lambda x, c, r: {"demand": "请于明日前办结"}, fresh=True),
    E("/attachments/<id:attachment_id>", "GET", CASES, lambda x, s, f=False: x.photo(s),
      lambda x, a, r: f"/attachments/{a.id}", STAFF),
    E("/attachments/<id:attachment_id>/<any(thumb):variant>", "GET", CASES, lambda x, s, f=False: x.photo(s),
      lambda x, a, r: f"/attachments/{a.id}/thumb", STAFF),
    E("/notices/<id:notice_id>", "GET", CASES, lambda x, s, f=False: x.notice(s),
      lambda x, n, r: f"/notices/{n.id}", STAFF, marker=lambda n: n.number),
    E("/notices/<id:notice_id>/print", "GET", CASES, lambda x, s, f=False: x.notice(s),
      lambda x, n, r: f"/notices/{n.id}/print", STAFF),
    E("/notices/<id:notice_id>/<action>", "POST", CASES, lambda x, s, f=False: x.notice(s, fresh=f),
      lambda x, n, r: f"/notices/{n.id}/sign", {"lead", "handler"}, ok=(303,), data=lambda x, n, r: {"note": ""},
      fresh=True),
    E("/supervision/reopen-requests/<id:request_id>", "POST", CASES,
      lambda x, s, f=False: x.reopen_request(s, fresh=f), lambda x, q, r: f"/supervision/reopen-requests/{q.id}",
      {"supervisor"}, ok=(303,), data=lambda x, q, r: {"action": "dismiss", "note": "已回访，居民认可"}, fresh=True),
    # -- boards --
    E("/grids/<code>/board", "GET", GRIDS, place, grid_path("/grids/{code}/board"),
      STAFF - {"handler"}, marker=lambda g: g.name),
    E("/<any(communities, streets, districts):kinds>/<code>/board", "GET", COMMUNITIES, place,
      grid_path("/communities/{code}/board"), OFFICES | {"supervisor", "admin"}, marker=lambda g: g.name),
    E("/<any(communities, streets, districts):kinds>/<code>/board", "GET", STREETS, place,
      grid_path("/streets/{code}/board"), OFFICES | {"supervisor", "admin"}, marker=lambda g: g.name),
    E("/<any(communities, streets, districts):kinds>/<code>/board", "GET", DISTRICTS, place,
      grid_path("/districts/{code}/board"), OFFICES | {"supervisor", "admin"}, marker=lambda g: g.name),
    E("/departments/<code>/board", "GET", DEPARTMENTS, department, grid_path("/departments/{code}/board"),
      OFFICES | {"handler", "supervisor", "admin"}, marker=lambda d: d.name),
    E("/departments/<code>/board", "GET", DEPARTMENT_GRIDS,
      lambda x, s, f=False: (x.departments[s[0]], x.place(s[1])),
      lambda x, o, r: f"/departments/{o[0].code}/board?grid={o[1].code}",
      OFFICES | {"handler", "supervisor", "admin"}, marker=lambda o: o[1].name),
    # -- recording a case in a grid (?grid=) --
    # Department staff and supervisors record what their own inspections find (issue 19).
    E("/cases/new", "GET", GRIDS, place, grid_path("/cases/new?grid={code}"),
      {"member", "lead", "handler", "supervisor"} | OFFICES),
    E("/cases/new", "POST", GRIDS, place, grid_path("/cases/new?grid={code}"),
      {"member", "lead", "handler", "supervisor"} | OFFICES,
      ok=(303,), data=intake_form),
    # -- patrols and work logs --
    E("/patrols/<id:patrol_id>", "GET", PEOPLE, lambda x, s, f=False: x.patrol(s),
      lambda x, p, r: f"/patrols/{p.id}", STAFF - {"handler"}),
    E("/patrols/<id:patrol_id>/buildings/<id:building_id>", "POST", OWN_PATROLS,
      lambda x, s, f=False: x.patrol(s, fresh=f),
      lambda x, p, r: f"/patrols/{p.id}/buildings/{x.building_of(p.grid).id}", {"member", "lead"}, ok=(303,),
      data=lambda x, p, r: {"checked": "1"}, fresh=True),
    E("/patrols/<id:patrol_id>/end", "POST", OWN_PATROLS, lambda x, s, f=False: x.patrol(s, fresh=f),
      lambda x, p, r: f"/patrols/{p.id}/end", {"member", "lead"}, ok=(303,), data=lambda x, p, r: {"note": "巡查完毕"},
      fresh=True),
    E("/worklog/people/<id:user_id>", "GET", PEOPLE, person, lambda x, u, r: f"/worklog/people/{u.id}",
      STAFF - {"handler"}, marker=lambda u: u.name),
    E("/worklog/people/<id:user_id>/days/<ymd:day>", "GET", PEOPLE, person,
      lambda x, u, r: f"/worklog/people/{u.id}/days/2026-03-02", STAFF - {"handler"}, marker=lambda u: u.name),
    E("/worklog/grids/<code>", "GET", GRIDS, place, grid_path("/worklog/grids/{code}"),
      {"lead", "supervisor", "admin"} | OFFICES, marker=lambda g: g.name),
    # -- the hand-off forms: whoever sees the case --
    E("/cases/<id:case_id>/forms/<any(report, assignment, feedback):kind>", "GET", CASES, case_of,
      lambda x, c, r: f"/cases/{c.id}/forms/report", STAFF, marker=lambda c: c.number),
    # -- the grid map --
    E("/grids/<code>/map", "GET", GRIDS, place, grid_path("/grids/{code}/map"),
      {"member", "lead", "supervisor", "admin"} | OFFICES, marker=lambda g: g.name),
    E("/grids/<code>/boundary.geojson", "GET", GRIDS, place, grid_path("/grids/{code}/boundary.geojson"),
      {"member", "lead", "supervisor", "admin"} | OFFICES, marker=lambda g: g.code),
    E("/grids/<code>/boundary", "POST", GRIDS, place, grid_path("/grids/{code}/boundary"), {"admin"}, ok=(303,),
      data=lambda x, g, r: {"geojson": (io.BytesIO(BOUNDARY), "g.geojson")}),
    # -- work for a person --
    E("/grids/<code>/today", "GET", GRIDS, place, grid_path("/grids/{code}/today"),
      {"lead", "supervisor", "admin"} | OFFICES, marker=lambda g: g.name),
    E("/grids/<code>/tasks", "POST", GRIDS, place, grid_path("/grids/{code}/tasks"), {"lead"} | OFFICES, ok=(303,),
      data=lambda x, g, r: {"assignee": x.members[_name(x, g)].id, "title": "核查消防通道",
                            "due_at": "2026-03-10T17:00"}),
    E("/tasks/<id:task_id>", "GET", TASKS, lambda x, s, f=False: x.task(s), lambda x, t, r: f"/tasks/{t.id}",
      STAFF - {"handler"}, marker=lambda t: t.title),
    E("/tasks/<id:task_id>/done", "POST", OWN_TASKS, lambda x, s, f=False: x.task(s, fresh=f),
      lambda x, t, r: f"/tasks/{t.id}/done", {"member", "lead"}, ok=(303,), data=lambda x, t, r: {"result": "已清理"},
      fresh=True),
    E("/tasks/<id:task_id>/cancel", "POST", GIVEN_TASKS, lambda x, s, f=False: x.task(s, fresh=f),
      lambda x, t, r: f"/tasks/{t.id}/cancel", {"lead"} | OFFICES, ok=(303,), data=lambda x, t, r: {"reason": "重复"},
      fresh=True),
    # -- points --
    E("/points/c/<code>/<ym:month>", "GET", COMMUNITIES, place, grid_path("/points/c/{code}/2026-03"),
      STAFF - {"handler"}, marker=lambda c: c.name),
    E("/points/c/<code>/quarters/<year:year>/<quarter:quarter>", "GET", COMMUNITIES, place,
      grid_path("/points/c/{code}/quarters/2026/1"), STAFF - {"handler"}, marker=lambda c: c.name),
    E("/points/c/<code>/services", "POST", COMMUNITIES, place, grid_path("/points/c/{code}/services"),
      {"lead", "community", "admin"}, ok=(303,),
      data=lambda x, c, r: {"person": x.point_person(_name(x, c)).id, "rule": x.service_rule().id,
                            "day": "2026-03-02", "evidence": "疏通下水道", "month": "2026-03"}),
    E("/points/c/<code>/tipoffs", "POST", COMMUNITIES, place, grid_path("/points/c/{code}/tipoffs"),
      {"lead", "community", "admin"}, ok=(303,),
      data=lambda x, c, r: {"person": x.point_person(_name(x, c)).id, "evidence": "举报违章搭建",
                            "case": x.case(TIPOFF_CASES.get(r, "g1")).number, "month": "2026-03"}),
    E("/points/c/<code>/<ym:month>/publish", "POST", COMMUNITIES, place, grid_path("/points/c/{code}/2026-02/publish"),
      {"community", "admin"}, ok=(303,), data=lambda x, c, r: {}),
    E("/points/entries/<id:entry_id>/corrections", "POST", COMMUNITIES,
      lambda x, s, f=False: x.point_entry(s), lambda x, e, r: f"/points/entries/{e.id}/corrections",
      {"lead", "community", "admin"}, ok=(303,), data=lambda x, e, r: {"points": "-1", "reason": "重复登记"}),
    E("/points/people", "POST", POINT_GRIDS, place, lambda x, g, r: "/points/people", {"lead", "community", "admin"},
      ok=(303,), data=lambda x, g, r: {"grid": g.id, "name": "新志愿者", "kind": "volunteer", "building": "", "phone": ""}),
    # The same page links a person (of a grid the user records for) to a sign-in account (issue 18).
    E("/points/people", "POST", COMMUNITIES, lambda x, s, f=False: x.point_person(s), lambda x, p, r: "/points/people",
      {"lead", "community", "admin"}, ok=(303,), data=lambda x, p, r: {"person": p.id, "user": ""}),
    # -- statistics: the cases behind a number of one grid or person; rankings of a street or district --
    E("/stats/cases", "GET", GRIDS, place,
      lambda x, g, r: f"/stats/cases?kind=month&month=2026-03&counter=recorded&dimension=grid&key={g.id}",
      {"lead", "handler", "supervisor", "admin"} | OFFICES, marker=lambda g: g.name),
    E("/stats/cases", "GET", STATS_PEOPLE, person,
      lambda x, u, r: f"/stats/cases?kind=month&month=2026-03&counter=recorded&dimension=person&key={u.id}",
      {"lead", "handler", "supervisor", "admin"} | OFFICES, marker=lambda u: u.name),
    E("/stats/rankings", "GET", RANKING_SCOPES, place, lambda x, s, r: f"/stats/rankings?scope={s.id}&month=2026-02",
      OFFICES | {"supervisor", "admin"}, marker=lambda s: s.name),
    E("/stats/rankings/publish", "POST", PUBLISH_SCOPES, place, lambda x, s, r: "/stats/rankings/publish",
      {"street", "district", "supervisor", "admin"}, ok=(303,),
      data=lambda x, s, r: {"scope": s.id, "month": "2026-02", "reason": ""}),
    # -- administration: every other role is refused at the door --
    E("/admin/", "GET", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/admin/", {"admin"}),
    E("/admin/<name>", "GET", admin_only("users", "nope"), lambda x, s, f=False: s, lambda x, o, r: f"/admin/{o}",
      {"admin"}),
    E("/admin/<name>/new", "GET", admin_only("departments", "nope"), lambda x, s, f=False: s,
      lambda x, o, r: f"/admin/{o}/new", {"admin"}),
    E("/admin/<name>/new", "POST", admin_only("departments", "nope"), lambda x, s, f=False: s,
      lambda x, o, r: f"/admin/{o}/new", {"admin"}, ok=(303,),
      data=lambda x, o, r: {"code": "newdept", "name": "新部门", "org": x.place("s1").id, "phone": ""}),
    E("/admin/<name>/<id:obj_id>", "GET", admin_only("far2", "missing"), department,
      lambda x, d, r: f"/admin/departments/{d.id}", {"admin"}),
    E("/admin/<name>/<id:obj_id>", "POST", admin_only("far2", "missing"), department,
      lambda x, d, r: f"/admin/departments/{d.id}", {"admin"}, ok=(303,),
      data=lambda x, d, r: {"name": "邻区环卫所", "org": x.place("s3").id, "phone": ""}),
    E("/admin/<name>/<id:obj_id>/active", "POST", admin_only("member_g5", "missing"),
      lambda x, s, f=False: MISSING if s == "missing" else x.user(s), lambda x, u, r: f"/admin/users/{u.id}/active",
      {"admin"}, ok=(303,), data=lambda x, u, r: {"active": "0"}),
    E("/admin/api-keys", "GET", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/admin/api-keys",
      {"admin"}),
    E("/admin/api-keys", "POST", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/admin/api-keys",
      {"admin"}, ok=(201,), data=lambda x, o, r: {"name": "城市大脑"}),
    E("/admin/api-keys/<id:key_id>/revoke", "POST", admin_only("key", "missing"),
      lambda x, s, f=False: MISSING if s == "missing" else x.api_key, lambda x, k, r: f"/admin/api-keys/{k.id}/revoke",
      {"admin"}, ok=(303,), data=lambda x, k, r: {}),
    E("/admin/api-keys/intake", "POST", admin_only("s3"), place, lambda x, s, r: "/admin/api-keys/intake", {"admin"},
      ok=(303,), data=lambda x, s, r: {"street": s.id, "grid": x.place("g5").id}),
    E("/admin/calendar", "GET", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/admin/calendar?year=2026",
      {"admin"}),
    E("/admin/calendar/days", "POST", admin_only("-"), lambda x, s, f=False: None,
      lambda x, o, r: "/admin/calendar/days", {"admin"}, ok=(303,),
      data=lambda x, o, r: {"day": "2026-03-06", "kind": "holiday", "note": "停电"}),
    E("/admin/calendar/days/<ymd:day>/clear", "POST", admin_only("2026-03-04", "2026-03-05"), lambda x, s, f=False: s,
      lambda x, d, r: f"/admin/calendar/days/{d}/clear", {"admin"}, ok=(303,), data=lambda x, d, r: {}),
    E("/admin/calendar/years/<year:year>/confirm", "POST", admin_only(2026, 1999), lambda x, s, f=False: s,
      lambda x, y, r: f"/admin/calendar/years/{y}/confirm", {"admin"}, ok=(303,), data=lambda x, y, r: {}),
    E("/admin/calendar/years/<year:year>/sync", "POST", admin_only(2027, 1999), lambda x, s, f=False: s,
      lambda x, y, r: f"/admin/calendar/years/{y}/sync", {"admin"}, ok=(303,), data=lambda x, y, r: {}),
    E("/admin/limits", "GET", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/admin/limits", {"admin"}),
    E("/admin/limits", "POST", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/admin/limits",
      {"admin"}, ok=(303,), data=lambda x, o, r: {"state": "found", "urgency": "", "unit": "hours", "amount": "24"}),
    E("/stats/weights", "POST", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/stats/weights",
      {"admin"}, ok=(303,), data=lambda x, o, r: {**{k: str(v) for k, v in current_weights().items()},
                                                   "note": "复核"}),
    E("/patrols/rules", "POST", admin_only("-"), lambda x, s, f=False: None, lambda x, o, r: "/patrols/rules",
      {"admin"}, ok=(303,), data=lambda x, o, r: {"role": "lead", "grid_type": "environment", "period": "month",
                                                   "times": "1"}),
    # -- the registry (issue 17): a grid's people, houses, organisations, things --
    E("/registry/grids/<code>", "GET", REGISTRY, place, grid_path("/registry/grids/{code}"), REG_VIEWERS,
      marker=lambda g: g.name),
    E("/registry/buildings/<id:building_id>", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).building,
      lambda x, b, r: f"/registry/buildings/{b.id}", REG_VIEWERS, marker=lambda b: b.name),
    E("/registry/rooms/<id:room_id>", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).room,
      lambda x, o, r: f"/registry/rooms/{o.id}", REG_VIEWERS, marker=lambda o: o.number),
    E("/registry/people/<id:person_id>", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).head,
      lambda x, p, r: f"/registry/people/{p.id}", REG_VIEWERS, marker=lambda p: p.name),
    E("/registry/organisations/<id:organisation_id>", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).org,
      lambda x, o, r: f"/registry/organisations/{o.id}", REG_VIEWERS, marker=lambda o: o.name),
    E("/registry/things/<id:thing_id>", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).thing,
      lambda x, o, r: f"/registry/things/{o.id}", REG_VIEWERS, marker=lambda o: o.code),
    E("/registry/grids/<code>/week", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/week?week=2026-02-23"),
      REG_VIEWERS, marker=lambda g: g.name),
    E("/registry/grids/<code>/week/<ymd:monday>/ack", "POST", REGISTRY, place,
      grid_path("/registry/grids/{code}/week/2026-02-23/ack"), {"community"}, ok=(303,), data=lambda x, g, r: {"note": ""}),
    E("/registry/grids/<code>/export.xlsx", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/export.xlsx"),
      REG_VIEWERS),
    # -- building and unit heads (楼栋长、单元长): the roster, read by the registry's viewers, kept by its keepers --
    E("/registry/grids/<code>/heads", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/heads"), REG_VIEWERS,
      marker=lambda g: g.name),
    E("/registry/grids/<code>/heads/print", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/heads/print"),
      REG_VIEWERS, marker=lambda g: g.name),
    E("/registry/grids/<code>/heads.xlsx", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/heads.xlsx"),
      REG_VIEWERS),
    E("/registry/grids/<code>/heads/new", "POST", REGISTRY, lambda x, s, f=False: registry(x, s) and place(x, s),
      grid_path("/registry/grids/{code}/heads/new"), REG_KEEPERS, ok=(303,),
      data=lambda x, g, r: {"place": f"b{Building.get(Building.grid == g.id).id}", "name": "楼栋长", "phone": "",
                            "user": "", "started_on": "2026-03-01"}),
    E("/registry/heads/<id:head_id>/end", "POST", REGISTRY, roster_head, lambda x, h, r: f"/registry/heads/{h.id}/end",
      REG_KEEPERS, ok=(303,), fresh=True, data=lambda x, h, r: {"on": "2026-03-02", "reason": "搬离本楼"}),
    # -- a case pointed at the registry: whoever sees the case and keeps its grid's registry --
    E("/registry/cases/<id:case_id>/links", "GET", CASES, case_of, lambda x, c, r: f"/registry/cases/{c.id}/links?q=1",
      {"member", "lead", "community", "admin"}, marker=lambda c: c.number),
    E("/registry/cases/<id:case_id>/links", "POST", CASES, case_of, lambda x, c, r: f"/registry/cases/{c.id}/links",
      {"member", "lead", "community", "admin"}, ok=(303,),
      data=lambda x, c, r: {"kind": "thing", "target": registry(x, "g1") and Thing.get(Thing.grid == c.grid_id).id}),
    E("/registry/people/<id:person_id>/reveal", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).head,
      lambda x, p, r: f"/registry/people/{p.id}/reveal", REG_REVEALERS,
      data=lambda x, p, r: {"field": "phone", "reason": "走访联系"}),
    E("/registry/grids/<code>/buildings/new", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/buildings/new"),
      REG_KEEPERS),
    E("/registry/grids/<code>/buildings/new", "POST", REGISTRY, place,
      grid_path("/registry/grids/{code}/buildings/new"), REG_KEEPERS, ok=(303,),
      data=lambda x, g, r: {"name": f"楼{uuid.uuid4().hex[:6]}", "address": "幸福路1号", "floors": "6",
                            "kind": "property"}),
    E("/registry/buildings/<id:building_id>/edit", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).building,
      lambda x, b, r: f"/registry/buildings/{b.id}/edit", REG_KEEPERS),
    E("/registry/buildings/<id:building_id>/edit", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).building,
      lambda x, b, r: f"/registry/buildings/{b.id}/edit", REG_KEEPERS, ok=(303,),
      data=lambda x, b, r: {"name": b.name, "address": f"幸福路{uuid.uuid4().hex[:4]}号", "floors": "", "kind": b.kind}),
    E("/registry/buildings/<id:building_id>/units", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).building,
      lambda x, b, r: f"/registry/buildings/{b.id}/units", REG_KEEPERS, ok=(303,),
      data=lambda x, b, r: {"name": f"{uuid.uuid4().hex[:4]}单元"}),
    E("/registry/units/<id:unit_id>/rooms/new", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).unit,
      lambda x, u, r: f"/registry/units/{u.id}/rooms/new", REG_KEEPERS),
    E("/registry/units/<id:unit_id>/rooms/new", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).unit,
      lambda x, u, r: f"/registry/units/{u.id}/rooms/new", REG_KEEPERS, ok=(303,),
      data=lambda x, u, r: {"number": uuid.uuid4().hex[:6], "floor": "3", "use": "owner", "landlord": "",
                            "landlord_phone": "", "reason": ""}),
    E("/registry/rooms/<id:room_id>/edit", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).room,
      lambda x, o, r: f"/registry/rooms/{o.id}/edit", REG_KEEPERS),
    E("/registry/rooms/<id:room_id>/edit", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).room,
      lambda x, o, r: f"/registry/rooms/{o.id}/edit", REG_KEEPERS, ok=(303,),
      data=lambda x, o, r: {"number": o.number, "floor": "1", "use": "rented", "landlord": "房东",
                            "landlord_phone": "13700001111", "reason": ""}),
    E("/registry/rooms/<id:room_id>/households", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).room,
      lambda x, o, r: f"/registry/rooms/{o.id}/households", REG_KEEPERS, ok=(303,), data=lambda x, o, r: {"number": ""}),
    E("/registry/households/<id:household_id>/people/new", "GET", REGISTRY,
      lambda x, s, f=False: registry(x, s).household, lambda x, h, r: f"/registry/households/{h.id}/people/new",
      REG_KEEPERS),
    E("/registry/households/<id:household_id>/people/new", "POST", REGISTRY,
      lambda x, s, f=False: registry(x, s).household, lambda x, h, r: f"/registry/households/{h.id}/people/new",
      REG_KEEPERS, ok=(303,), data=lambda x, h, r: person_form()),
    E("/registry/people/<id:person_id>/edit", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).head,
      lambda x, p, r: f"/registry/people/{p.id}/edit", REG_KEEPERS),
    E("/registry/people/<id:person_id>/edit", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).head,
      lambda x, p, r: f"/registry/people/{p.id}/edit", REG_KEEPERS, ok=(303,),
      data=lambda x, p, r: {**person_form(), "name": p.name, "id_number": "", "phone": "", "relation": "head"}),
    E("/registry/people/<id:person_id>/leave", "POST", REGISTRY, fresh_resident,
      lambda x, p, r: f"/registry/people/{p.id}/leave", REG_KEEPERS, ok=(303,), fresh=True,
      data=lambda x, p, r: {"kind": "moved_out", "on": "2026-03-02", "to": "外区", "reason": "工作调动"}),
    E("/registry/people/<id:person_id>/tags", "POST", REGISTRY, fresh_resident,
      lambda x, p, r: f"/registry/people/{p.id}/tags", REG_KEEPERS, ok=(303,), fresh=True,
      data=lambda x, p, r: {"tag": "disabled", "on": "2026-03-01", "reason": "持证"}),
    E("/registry/tags/<id:tag_id>/end", "POST", REGISTRY, fresh_tag, lambda x, t, r: f"/registry/tags/{t.id}/end",
      REG_KEEPERS, ok=(303,), fresh=True, data=lambda x, t, r: {"on": "2026-03-02", "reason": "已就业"}),
    E("/registry/grids/<code>/organisations/new", "GET", REGISTRY, place,
      grid_path("/registry/grids/{code}/organisations/new"), REG_KEEPERS),
    E("/registry/grids/<code>/organisations/new", "POST", REGISTRY, place,
      grid_path("/registry/grids/{code}/organisations/new"), REG_KEEPERS, ok=(303,),
      data=lambda x, g, r: {"name": f"商户{uuid.uuid4().hex[:6]}", "kind": "shop", "address": "", "contact": "",
                            "contact_phone": "", "staff": "2", "fire_safety_person": ""}),
    E("/registry/organisations/<id:organisation_id>/edit", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).org,
      lambda x, o, r: f"/registry/organisations/{o.id}/edit", REG_KEEPERS),
    E("/registry/organisations/<id:organisation_id>/edit", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).org,
      lambda x, o, r: f"/registry/organisations/{o.id}/edit", REG_KEEPERS, ok=(303,),
      data=lambda x, o, r: {"name": o.name, "kind": o.kind, "address": "", "contact": "店主", "contact_phone": "",
                            "staff": "4", "fire_safety_person": "店主"}),
    E("/registry/grids/<code>/things/new", "GET", REGISTRY, place, grid_path("/registry/grids/{code}/things/new"),
      REG_KEEPERS),
    E("/registry/grids/<code>/things/new", "POST", REGISTRY, place, grid_path("/registry/grids/{code}/things/new"),
      REG_KEEPERS, ok=(303,),
      data=lambda x, g, r: {"code": f"T{uuid.uuid4().hex[:8]}", "kind": "bin", "location_text": "北门", "lat": "",
                            "lng": "", "condition": "good"}),
    E("/registry/things/<id:thing_id>/edit", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).thing,
      lambda x, o, r: f"/registry/things/{o.id}/edit", REG_KEEPERS),
    E("/registry/things/<id:thing_id>/edit", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).thing,
      lambda x, o, r: f"/registry/things/{o.id}/edit", REG_KEEPERS, ok=(303,),
      data=lambda x, o, r: {"code": o.code, "kind": o.kind, "location_text": "东门", "lat": "", "lng": "",
                            "condition": "damaged"}),
    # -- services on a resident's behalf (代办, issue 18) --
    E("/services/<id:application_id>", "GET", REGISTRY, application, lambda x, a, r: f"/services/{a.id}",
      REG_VIEWERS, marker=lambda a: a.kind.name),
    E("/services/<id:application_id>/form", "GET", REGISTRY, application, lambda x, a, r: f"/services/{a.id}/form",
      REG_VIEWERS, marker=lambda a: a.need),
    E("/services/<id:application_id>/receipt", "GET", REGISTRY, application,
      lambda x, a, r: f"/services/{a.id}/receipt", REG_VIEWERS, marker=lambda a: a.code[:4]),
    E("/services/<id:application_id>/events/<event>", "POST", REGISTRY, application,
      lambda x, a, r: f"/services/{a.id}/events/{SERVICE_EVENTS[r]}", SERVICE_DECIDERS, ok=(303,), fresh=True,
      data=lambda x, a, r: {"version": str(a.version), "documents": SERVICE_DOCS, "reason": ""}),
    E("/services/people/<id:person_id>/new", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).head,
      lambda x, p, r: f"/services/people/{p.id}/new?kind={service_kind(x).id}", {"member", "lead"},
      marker=lambda p: p.name),
    E("/services/people/<id:person_id>/new", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).head,
      lambda x, p, r: f"/services/people/{p.id}/new", {"member", "lead"}, ok=(303,),
      data=lambda x, p, r: {"kind": str(service_kind(x).id), "need": "行动不便，申请代办", "documents": ["身份证"]}),
    E("/services/kinds/<id:kind_id>", "GET", admin_only("kind", "missing"),
      lambda x, s, f=False: MISSING if s == "missing" else service_kind(x), lambda x, k, r: f"/services/kinds/{k.id}",
      {"admin"}),
    E("/services/kinds/<id:kind_id>", "POST", admin_only("kind", "missing"),
      lambda x, s, f=False: MISSING if s == "missing" else service_kind(x), lambda x, k, r: f"/services/kinds/{k.id}",
      {"admin"}, ok=(303,), data=lambda x, k, r: {"code": "dibao", "name": "低保", "documents": "身份证\n户口簿",
                                                   "step_accept": "1", "step_review": "1", "step_approve": "1",
                                                   "notice_days": "7", "active": "1"}),
    # Public by design: the notice board of an active community or street (masked), objections to an entry in
    # notice there, tracking by the application's code.
    E("/services/notices/<code>", "GET", everyone("c1", ["g1", "missing"]), place,
      grid_path("/services/notices/{code}"), SIGNED_IN | {"anonymous"}, public=True, marker=lambda u: u.name),
    E("/services/notices/<code>/<id:application_id>/objections", "POST",
      everyone(("c1", "notice"), [("c2", "notice"), ("c1", "accept"), ("g1", "notice")]),
      lambda x, s, f=False: (x.place(s[0]), application(x, ("g1", s[1]))),
      lambda x, o, r: f"/services/notices/{o[0].code}/{o[1].id}/objections", SIGNED_IN | {"anonymous"}, public=True,
      ok=(303,), data=lambda x, o, r: {"text": "申请人有经营收入", "contact": ""}),
    E("/services/track/<code>", "GET", everyone("g1", ["missing"]),
      lambda x, s, f=False: MISSING if s == "missing" else application(x, s),
      lambda x, a, r: f"/services/track/{getattr(a, 'code', None) or a.tracking_code}", SIGNED_IN | {"anonymous"},
      public=True, marker=lambda a: a.kind.name),
    E("/services/track", "GET", everyone("g1", ["missing"]),
      lambda x, s, f=False: MISSING if s == "missing" else application(x, s),
      lambda x, a, r: f"/services/track?code={getattr(a, 'code', None) or a.tracking_code}", SIGNED_IN | {"anonymous"},
      public=True, ok=(303,)),
    # -- public by design: the object itself decides (active grid, published photo, tracking code) --
    E("/g/<code>", "GET", everyone("g1", ["g9", "missing"]), place, grid_path("/g/{code}"), SIGNED_IN | {"anonymous"},
      public=True, marker=lambda g: g.name),
    E("/g/<code>/poster", "GET", everyone("g1", ["g9", "missing"]), place, grid_path("/g/{code}/poster"),
      SIGNED_IN | {"anonymous"}, public=True),
    E("/g/<code>/qr.svg", "GET", everyone("g1", ["g9", "missing"]), place, grid_path("/g/{code}/qr.svg"),
      SIGNED_IN | {"anonymous"}, public=True),
    E("/g/<code>/report", "GET", everyone("g1", ["g9", "missing"]), place, grid_path("/g/{code}/report"),
      SIGNED_IN | {"anonymous"}, public=True),
    E("/g/<code>/report", "POST", everyone("g1", ["g9", "missing"]), place, grid_path("/g/{code}/report"),
      SIGNED_IN | {"anonymous"}, public=True, ok=(303,),
      data=lambda x, g, r: {"category": x.w.litter.id, "description": "楼道里堆满杂物", "place": "", "location": "东门",
                            "phone": ""}),
    E("/g/<code>/people/<id:user_id>/photo", "GET",
      everyone(("g1", "lead"), [("g1", "member_g5"), ("g1", "left_g1"), ("g5", "lead")]),
      lambda x, s, f=False: (x.place(s[0]), x.inactive_person if s[1] == "left_g1" else x.user(s[1])),
      lambda x, o, r: f"/g/{o[0].code}/people/{o[1].id}/photo", SIGNED_IN | {"anonymous"}, public=True),
    E("/photos/<id:attachment_id>", "GET", everyone("after", ["before", "open"]),
      lambda x, s, f=False: {"after": x.after_photo, "before": x.before_photo, "open": x.open_after_photo}[s],
      lambda x, a, r: f"/photos/{a.id}", SIGNED_IN | {"anonymous"}, public=True),
    E("/track/<code>", "GET", everyone("closed", ["missing", "staff"]),
      lambda x, s, f=False: {"closed": x.closed, "missing": MISSING}.get(s, SimpleNamespace(
          tracking_code=x.case("g1").number)), lambda x, c, r: f"/track/{c.tracking_code}", SIGNED_IN | {"anonymous"},
      public=True),
    E("/track", "GET", everyone("closed", ["missing"]),
      lambda x, s, f=False: x.closed if s == "closed" else MISSING, lambda x, c, r: f"/track?code={c.tracking_code}",
      SIGNED_IN | {"anonymous"}, public=True, ok=(303,)),
    E("/track/<code>/rating", "POST", everyone("closed", ["missing"]),
      lambda x, s, f=False: x.closed if s == "closed" else MISSING, lambda x, c, r: f"/track/{c.tracking_code}/rating",
      SIGNED_IN | {"anonymous"}, public=True, ok=(303,), data=lambda x, c, r: {"rating": "satisfied", "comment": ""}),
    E("/open311/v2/requests/<number>.<any(json,xml):fmt>", "GET", everyone("closed", ["hidden", "missing"]),
      lambda x, s, f=False: {"closed": x.closed, "hidden": x.hidden_case, "missing": MISSING}[s],
      lambda x, c, r: f"/open311/v2/requests/{c.number}.json", SIGNED_IN | {"anonymous"}, public=True),
    E("/open311/v2/services/<code>.<any(json,xml):fmt>", "GET", everyone("litter", ["urgent", "missing"]),
      lambda x, s, f=False: MISSING if s == "missing" else getattr(x.w, s),
      lambda x, c, r: f"/open311/v2/services/{c.code}.json", SIGNED_IN | {"anonymous"}, public=True),
    # -- staff profile photos: one's own, or anyone's for an administrator --
    E("/people/<id:user_id>/photo", "POST",
      {**{role: (USERNAMES[role], ["member_g5"]) for role in SIGNED_IN - {"admin"}}, "admin": ("member_g5", ["missing"]),
       "anonymous": (None, ["member"])},
      lambda x, s, f=False: MISSING if s == "missing" else x.user(s), lambda x, u, r: f"/people/{u.id}/photo",
      STAFF, ok=(303,), fresh=True, data=lambda x, u, r: {"photo": (io.BytesIO(portrait_jpeg()), "me.jpg")}),
    # -- accountability (三次不到岗): the lead and the offices above decide, the person answers --
    E("/accountability/<id:record_id>/decide", "POST", ACCOUNTABILITY_DECIDE, accountability_of,
      lambda x, a, r: f"/accountability/{a.id}/decide", {"lead", "admin"} | OFFICES, ok=(303,), fresh=True,
      data=lambda x, a, r: {"outcome": "confirm", "measure": "talk", "note": "已谈话"}),
    E("/accountability/<id:record_id>/answer", "POST", ACCOUNTABILITY_ANSWER, accountability_of,
      lambda x, a, r: f"/accountability/{a.id}/answer", {"member", "lead"}, ok=(303,), fresh=True,
      data=lambda x, a, r: {"answer": "参加培训，已补巡"}),
    # -- visits to households and the memo book (issue 18) --
    E("/grids/<code>/visits", "GET", REGISTRY, place, grid_path("/grids/{code}/visits"), REG_VIEWERS,
      marker=lambda g: g.name),
    E("/households/<id:household_id>/visits/new", "GET", REGISTRY, lambda x, s, f=False: registry(x, s).household,
      lambda x, h, r: f"/households/{h.id}/visits/new", VISITORS),
    E("/households/<id:household_id>/visits", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).household,
      lambda x, h, r: f"/households/{h.id}/visits", VISITORS, ok=(303,),
      data=lambda x, h, r: {"kind": "routine", "found": "身体尚好"}),
    E("/households/<id:household_id>/dues", "POST", REGISTRY, lambda x, s, f=False: registry(x, s).household,
      lambda x, h, r: f"/households/{h.id}/dues", VISITORS, ok=(303,),
      data=lambda x, h, r: {"reason": "hospital", "due_on": "2026-03-09", "note": "出院回访"}),
    E("/visits/<id:visit_id>", "GET", REGISTRY, visit_of, lambda x, v, r: f"/visits/{v.id}", REG_VIEWERS,
      marker=lambda v: v.needs),
    E("/visits/<id:visit_id>/case", "POST", REGISTRY, visit_of, lambda x, v, r: f"/visits/{v.id}/case", VISITORS,
      ok=(303,), fresh=True, data=lambda x, v, r: {"category": x.w.litter.id}),
    E("/visits/<id:visit_id>/photo", "GET", REGISTRY, visit_of, lambda x, v, r: f"/visits/{v.id}/photo",
      REG_VIEWERS),
    E("/visits/<id:visit_id>/photo/<any(thumb):variant>", "GET", REGISTRY, visit_of,
      lambda x, v, r: f"/visits/{v.id}/photo/thumb", REG_VIEWERS),
    E("/grids/<code>/memo", "GET", REGISTRY, place, grid_path("/grids/{code}/memo"), REG_VIEWERS,
      marker=lambda g: g.name),
    E("/grids/<code>/memo/entries", "POST", REGISTRY, place, grid_path("/grids/{code}/memo/entries"), VISITORS, ok=(303,),
      data=lambda x, g, r: {"day": "2026-03-02", "category": "safety", "text": "消防通道堆物", "raised_by": "居民"}),
    E("/memo/<id:entry_id>/end", "POST", REGISTRY, memo_of, lambda x, m, r: f"/memo/{m.id}/end", VISITORS,
      ok=(303,), fresh=True, data=lambda x, m, r: {"ending": "agenda", "note": "下次例会"}),
    E("/grids/<code>/memo/<ym:month>/print", "GET", REGISTRY, place, grid_path("/grids/{code}/memo/2026-03/print"),
      REG_VIEWERS, marker=lambda g: g.name),
    # -- the year's 1000-point assessment of a street or district (same scopes as its rankings) --
    E("/assess", "GET", RANKING_SCOPES, place, lambda x, s, r: f"/assess?scope={s.id}&year=2025",
      OFFICES | {"supervisor", "admin"}, marker=lambda s: s.name),
    # -- meetings (issue 20): a grid's team meeting (its team and the offices above), a community's joint meeting --
    E("/meetings/<id:meeting_id>", "GET", GRIDS, meeting_at, lambda x, m, r: f"/meetings/{m.id}", STAFF - {"handler"},
      marker=lambda m: m.title),
    E("/meetings/<id:meeting_id>", "GET", COMMUNITIES, meeting_at, lambda x, m, r: f"/meetings/{m.id}",
      OFFICES | {"supervisor", "admin"}, marker=lambda m: m.title),
    E("/meetings/<id:meeting_id>/print", "GET", GRIDS, meeting_at, lambda x, m, r: f"/meetings/{m.id}/print",
      STAFF - {"handler"}, marker=lambda m: m.title),
    E("/meetings/open", "POST", GRIDS, place, lambda x, g, r: "/meetings/open", MEETING_HOLDERS, ok=(303,),
      data=lambda x, g, r: {"unit": g.id, "title": "网格例会", "held_at": "2026-03-02T14:00"}),
    meeting_post("agenda", {}),
    meeting_post("items", {"title": "汛期准备"}),
    meeting_post("attendance", {}),
    meeting_post("minutes", {"minutes": "研究超期案件"}),
    meeting_post("decisions", {"kind": "note", "text": "下月重点整治楼道堆物"}),
    meeting_post("close", {}, fresh=True),
    # -- the 1000-point scheme's pages --
    E("/assess/items", "POST", SCHEME_SCOPES, place, lambda x, s, r: "/assess/items", {"street", "district", "admin"},
      ok=(303,), data=lambda x, s, r: {"scope": s.id, "year": str(SCHEME_YEARS["edit"]), "kind": "manual",
                                       "title": "工作台账", "max_points": "100"}),
    E("/assess/items/<id:item_id>/retire", "POST", SCHEME_SCOPES,
      lambda x, s, f=False: scheme_item(x, x.place(s), SCHEME_YEARS["edit"], fresh=f),
      lambda x, i, r: f"/assess/items/{i.id}/retire", {"street", "district", "admin"}, ok=(303,), fresh=True,
      data=lambda x, i, r: {}),
    E("/assess/entries", "POST", REVIEW_GRIDS, place, lambda x, g, r: "/assess/entries",
      {"street", "district", "supervisor", "admin"}, ok=(303,),
      data=lambda x, g, r: {"grid": g.id, "item": grid_item(x, _name(x, g)).id, "quarter": "1", "points": "900",
                            "note": "台账齐全"}),
    E("/assess/publish", "POST", PUBLISH_SCOPES, publish_scope, lambda x, s, r: "/assess/publish",
      {"street", "district", "supervisor", "admin"}, ok=(303,),
      data=lambda x, s, r: {"scope": s.id, "year": str(SCHEME_YEARS["publish"]), "reason": "复核"}),
    E("/assess/self/<id:item_id>", "POST", SELF_GRIDS, lambda x, s, f=False: grid_item(x, s),
      lambda x, i, r: f"/assess/self/{i.id}", {"lead"}, ok=(303,),
      data=lambda x, i, r: {"quarter": "1", "points": "950", "note": "自评"}),
    E("/assess/evidence/<id:evidence_id>", "GET", EVIDENCE_GRIDS, assess_evidence,
      lambda x, e, r: f"/assess/evidence/{e.id}", {"lead", "street", "district", "supervisor", "admin"}),
    E("/assess/evidence/<id:evidence_id>/<any(thumb):variant>", "GET", EVIDENCE_GRIDS, assess_evidence,
      lambda x, e, r: f"/assess/evidence/{e.id}/thumb", {"lead", "street", "district", "supervisor", "admin"}),
]


def portrait_jpeg():
    """A small JPEG, as a phone's camera would send."""
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _name(x, community):
    """The place name of a community object."""
    return next(name for name, unit in x.places.items() if unit.id == community.id)


# Routes that name no object: each lists only what the signed-in user's own scope holds, or is
# the user's own, or is a form whose every choice is checked on the server. (path to try, reason)
OBJECT_FREE = {
    ("/", "GET"): ("/", "redirects to the user's own landing page"),
    ("/board", "GET"): ("/board", "redirects to the user's own board"),
    ("/queue", "GET"): ("/queue", "the user's own queue (their level or department)"),
    ("/cases", "GET"): ("/cases", "lists visible_cases(user) only"),
    ("/account/password", "GET"): ("/account/password", "the user's own account"),
    ("/account/password", "POST"): ("/account/password", "the user's own account"),
    ("/logout", "POST"): ("/logout", "ends the user's own sessions"),
    ("/notices", "GET"): ("/notices", "lists visible_notices(user) only"),
    ("/bulletin", "GET"): ("/bulletin", "escalated notices in the user's scope only"),
    ("/bulletin/print", "GET"): ("/bulletin/print", "the same rows as /bulletin"),
    ("/patrols", "GET"): ("/patrols", "the user's own patrol page"),
    ("/patrols/start", "POST"): ("/patrols/start", "starts a patrol of the user's own grid"),
    ("/patrols/coverage", "GET"): ("/patrols/coverage", "grids of visible_grids(user) only"),
    ("/patrols/missed", "GET"): ("/patrols/missed", "grids of visible_grids(user) only"),
    ("/patrols/rules", "GET"): ("/patrols/rules", "the rule table, the same for everyone who may read it"),
    ("/points", "GET"): ("/points", "redirects to the user's own first community"),
    ("/points/people", "GET"): ("/points/people", "people of point_grids(user) only"),
    ("/points/ranking", "GET"): ("/points/ranking", "communities of point_communities(user) only"),
    ("/points/ranking.xlsx", "GET"): ("/points/ranking.xlsx", "the same rows as /points/ranking"),
    ("/points/rules", "GET"): ("/points/rules", "the points table, the same for everyone"),
    ("/points/rules", "POST"): ("/points/rules", "adds a street item; can_manage_rules(user) decides"),
    ("/stats", "GET"): ("/stats", "indicators over visible_cases(user) only"),
    ("/stats/export.xlsx", "GET"): ("/stats/export.xlsx", "the same rows as /stats"),
    ("/stats/trend", "GET"): ("/stats/trend", "scores over visible_cases(user) only"),
    ("/stats/trend.json", "GET"): ("/stats/trend.json", "the same as /stats/trend"),
    ("/stats/weights", "GET"): ("/stats/weights", "the weights, the same for everyone who may read them"),
    ("/ledger", "GET"): ("/ledger", "rows of visible_cases(user) only; a unit filter outside it matches nothing"),
    ("/ledger/export.csv", "GET"): ("/ledger/export.csv", "the same rows as /ledger"),
    ("/ledger/export.xlsx", "GET"): ("/ledger/export.xlsx", "the same rows as /ledger"),
    ("/worklog", "GET"): ("/worklog", "the user's own log, or the grids of visible_grids(user)"),
    ("/worklog/notes", "POST"): ("/worklog/notes", "writes the user's own note"),
    ("/workflow", "GET"): ("/workflow", "the machine's own tables, no case data"),
    ("/work", "GET"): ("/work", "the user's own work only"),
    ("/supervision/reopen-requests", "GET"): ("/supervision/reopen-requests", "requests in the supervisor's area only"),
    ("/outbox", "GET"): ("/outbox", "the user's own outbox (its items live in the browser); grids_in_reach(user) only"),
    ("/outbox/session.json", "GET"): ("/outbox/session.json", "the user's own id and token; grids_in_reach(user) only"),
    ("/accountability", "GET"): ("/accountability", "records of visible_accountabilities(user) only"),
    ("/meetings", "GET"): ("/meetings", "meetings of visible_meetings(user) only; units where it may hold one"),
    ("/assess/self", "GET"): ("/assess/self", "the lead's own grid only"),
    ("/registry", "GET"): ("/registry", "the grids of visible_grids(user) only"),
    ("/registry/search", "GET"): ("/registry/search?q=1", "people of visible_registry(user) only, masked"),
    ("/registry/reveals", "GET"): ("/registry/reveals", "reveal-log rows of visible_reveals(user) only"),
    ("/registry/import", "GET"): ("/registry/import", "the upload form"),
    ("/registry/import", "POST"): ("/registry/import", "every row's grid is checked with registry.edit before any is written"),
    ("/registry/import/template.xlsx", "GET"): ("/registry/import/template.xlsx", "the empty template, the same for everyone"),
    ("/registry/import/errors.xlsx", "POST"): ("/registry/import/errors.xlsx", "echoes the posted problem list; reads nothing"),
    ("/services", "GET"): ("/services", "applications of visible_applications(user) only"),
    ("/services/overdue", "GET"): ("/services/overdue", "applications of visible_applications(user) only"),
    ("/services/kinds", "GET"): ("/services/kinds", "the kinds of service, the same for every administrator"),
    ("/services/kinds", "POST"): ("/services/kinds", "adds a kind of service (administrators only)"),
    ("/visits", "GET"): ("/visits", "coverage of the grids of visible_grids(user) only"),
}

# Who each object-free route is for, written from the domain (not from the policy): a signed-in role outside
# its set is refused with 403; the roles in it get through (a form sent empty may still be refused as invalid).
EVERY = STAFF
OFFICE_ROLES = OFFICES | {"supervisor", "admin"}
OBJECT_FREE_ROLES = {
    "/": EVERY | {"building_head"}, "/board": EVERY - {"admin"}, "/queue": OFFICES | {"handler"}, "/cases": EVERY,
    "/account/password": EVERY | {"building_head"}, "/logout": EVERY | {"building_head"}, "/notices": EVERY, "/bulletin": EVERY, "/bulletin/print": EVERY,
    "/patrols": {"member", "lead"}, "/patrols/start": {"member", "lead"},
    "/patrols/coverage": OFFICE_ROLES | {"lead"}, "/patrols/missed": OFFICE_ROLES | {"lead"},
    "/patrols/rules": OFFICE_ROLES | {"lead"},
    "/points": OFFICE_ROLES | {"member", "lead"}, "/points/people": {"lead", "community", "admin"},
    "/points/ranking": OFFICE_ROLES | {"member", "lead"}, "/points/ranking.xlsx": OFFICE_ROLES | {"member", "lead"},
    "/points/rules": OFFICE_ROLES | {"member", "lead"},
    "/stats": OFFICE_ROLES | {"lead", "handler"}, "/stats/export.xlsx": OFFICE_ROLES | {"lead", "handler"},
    "/stats/trend": OFFICE_ROLES | {"lead", "handler"}, "/stats/trend.json": OFFICE_ROLES | {"lead", "handler"},
    "/stats/weights": OFFICE_ROLES,
    "/ledger": OFFICE_ROLES | {"lead", "handler"}, "/ledger/export.csv": OFFICE_ROLES | {"lead", "handler"},
    "/ledger/export.xlsx": OFFICE_ROLES | {"lead", "handler"},
    "/worklog": OFFICE_ROLES | {"member", "lead"}, "/worklog/notes": {"member", "lead"},
    "/workflow": EVERY, "/supervision/reopen-requests": {"supervisor"}, "/work": {"member", "lead", "handler"},
    # Whoever records cases (issue 19: department staff and supervisors too, from their own inspections).
    "/outbox": OFFICES | {"member", "lead", "handler", "supervisor"},
    "/outbox/session.json": OFFICES | {"member", "lead", "handler", "supervisor"},
    "/accountability": OFFICE_ROLES | {"member", "lead"},
    "/meetings": OFFICE_ROLES | {"member", "lead"},
    "/assess/self": {"lead"},
    "/registry": EVERY - {"handler"} | {"building_head"}, "/registry/search": EVERY - {"handler"} | {"building_head"},
    "/registry/reveals": OFFICE_ROLES,
    "/registry/import": OFFICES | {"lead", "admin"}, "/registry/import/template.xlsx": OFFICES | {"lead", "admin"},
    "/registry/import/errors.xlsx": OFFICES | {"lead", "admin"},
    "/services": EVERY - {"handler"}, "/services/overdue": EVERY - {"handler"}, "/services/kinds": {"admin"},
    "/visits": EVERY - {"handler"},
}
# POSTs whose in-role answer is a refusal of the object rather than of the role (the street's own items).
OBJECT_FREE_POST_ROLES = {"/points/rules": {"street", "admin"}}
# Routes for everyone, signed in or not, that name no object either.
PUBLIC_FREE = {
    ("/login", "GET"): "the sign-in page",
    ("/login", "POST"): "signing in (rate-limited per address and per account)",
    ("/lang", "POST"): "the interface language, kept in the visitor's own session",
    ("/static/<path:filename>", "GET"): "the app's own CSS, JavaScript and vendored assets, nothing from users",
    ("/sw.js", "GET"): "the service worker: static code and the static files' hashes, nothing from users",
    ("/manifest.webmanifest", "GET"): "the web app manifest: the app's name, icons and colour",
    ("/open311/v2/discovery.<any(json,xml):fmt>", "GET"): "Open311 discovery; fmt is a file format",
    ("/open311/v2/services.<any(json,xml):fmt>", "GET"): "the public categories; fmt is a file format",
    ("/open311/v2/requests.<any(json,xml):fmt>", "GET"): "public-category cases, without contacts, by design",
    ("/open311/v2/requests.<any(json,xml):fmt>", "POST"): "creating a request needs an API key (tests/views/test_open311.py)",
}


def routes(app):
    """Every (rule, method) the app serves."""
    return {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_is_in_the_matrix_or_declared(app):
    served = routes(app)
    in_matrix = {(entry.rule, entry.method) for entry in MATRIX}
    declared = set(OBJECT_FREE) | set(PUBLIC_FREE)
    assert sorted(served - in_matrix - declared) == [], "routes without a matrix entry or a reasoned declaration"
    assert sorted((in_matrix | declared) - served) == [], "entries for routes that no longer exist"
    assert not in_matrix & declared
    # A route whose path names an object (an id or a code) cannot be declared object-free.
    objects = [rule for rule, _method in declared if set(re.findall(r"<(?:[^:>]+:)?(\w+)>", rule)) - {"fmt", "filename"}]
    assert objects == []


# The role of the policy each of the matrix's users has (the offices are dispatchers at three levels).
POLICY_ROLE = {"community": "dispatcher", "street": "dispatcher", "district": "dispatcher"}


def test_every_staff_route_asks_the_policy_and_agrees_with_the_matrix(app):
    """Each signed-in route serves one action of workflows.policy (its view's @allows, or its blueprint's
    guard); the roles the matrix lets in are roles the policy's table lets through that door."""
    public = {rule for rule, _method in PUBLIC_FREE} | {entry.rule for entry in MATRIX if entry.public}
    problems = []
    for rule in app.url_map.iter_rules():
        action = action_of(app, rule.endpoint)
        if action is None:
            if rule.rule not in public:
                problems.append(f"{rule.rule}: no policy action")
            continue
        doors = set(policy.roles_for(action))
        free = OBJECT_FREE_ROLES.get(rule.rule)
        if free is not None and not {POLICY_ROLE.get(role, role) for role in free} <= doors:
            problems.append(f"{rule.rule}: the matrix lets in {sorted(free)}, the policy's {action!r} only {sorted(doors)}")
        for entry in MATRIX:
            if entry.rule == rule.rule:
                let_in = {POLICY_ROLE.get(role, role) for role in entry.allowed} - {"anonymous"}
                if not let_in <= doors:
                    problems.append(f"{entry.method} {rule.rule}: the matrix lets in {sorted(let_in - doors)}, "
                                    f"the policy's {action!r} does not")
    assert problems == [], "\n".join(problems)


def client_for(app, role):
    """(client, CSRF token) for a role; a visitor's token comes from the sign-in page."""
    client = Client(app.test_client())
    if role == "anonymous":
        return client, client.token("/login")
    response = client.login(USERNAMES[role], PASSWORD)
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get("/account/password").get_data(as_text=True)
    return client, TOKEN.search(html).group(1)


def send(client, token, method, url, data=None, hx=False):
    """One request as the browser would send it (htmx headers when asked)."""
    headers = {"HX-Request": "true", "HX-Target": "main"} if hx else {}
    if method == "GET":
        response = client.http.get(url, headers=headers)
    else:
        response = client.http.post(url, data={**(data or {}), "csrf_token": token}, headers=headers)
    response.get_data()  # buffered, so the file a photo response streams from is closed at once
    response.close()
    return response


def to_sign_in(response):
    """The visitor was sent to the sign-in page (htmx: the whole page, by HX-Redirect)."""
    target = response.headers.get("HX-Redirect" if response.status_code == 204 else "Location", "")
    return response.status_code in (204, 302, 303) and target.startswith("/login")


@pytest.mark.parametrize("role", ROLES)
def test_out_of_scope_access_is_refused_and_changes_nothing(app, access, role):
    client, token = client_for(app, role)
    problems = []
    for entry in MATRIX:
        inside, outside = entry.scopes[role]
        for spec in outside:
            obj = entry.make(access, spec)
            url = entry.path(access, obj, role)
            data = entry.data(access, obj, role) if entry.data else None
            for hx in ((False, True) if entry.method == "GET" else (False,)):
                before, files = snapshot(), uploads(app)
                response = send(client, token, entry.method, url, data, hx)
                if role == "anonymous" and not entry.public:
                    if not to_sign_in(response):
                        problems.append(f"{entry.method} {url} as a visitor: {response.status_code}, not sent to sign in")
                elif response.status_code not in REFUSED:
                    problems.append(f"{entry.method} {url} ({spec}, out of scope) as {role}{' (htmx)' if hx else ''}: "
                                    f"{response.status_code}")
                if snapshot() != before or uploads(app) != files:
                    problems.append(f"{entry.method} {url} ({spec}, out of scope) as {role} changed the database")
        if inside is None:
            continue
        fresh = role if entry.make is event_case else entry.fresh
        obj = entry.make(access, inside, fresh) if entry.fresh else entry.make(access, inside)
        url = entry.path(access, obj, role)
        response = send(client, token, entry.method, url, entry.data(access, obj, role) if entry.data else None)
        if role in entry.allowed:
            if response.status_code not in entry.ok:
                problems.append(f"{entry.method} {url} ({inside}, in scope) as {role}: {response.status_code}, "
                                f"expected {entry.ok}")
            elif entry.marker and entry.method == "GET" and entry.marker(obj) not in response.get_data(as_text=True):
                problems.append(f"{entry.method} {url} ({inside}) as {role}: the page does not show its object")
        elif role == "anonymous":
            if not to_sign_in(response):
                problems.append(f"{entry.method} {url} as a visitor: {response.status_code}")
        elif response.status_code not in REFUSED:
            problems.append(f"{entry.method} {url} ({inside}) as {role}, a role it is not for: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_object_free_routes_send_visitors_to_sign_in_and_change_nothing(app, access):
    client, token = client_for(app, "anonymous")
    problems = []
    for (rule, method), (url, _reason) in OBJECT_FREE.items():
        before = snapshot()
        response = send(client, token, method, url, {})
        if not to_sign_in(response):
            problems.append(f"{method} {url}: {response.status_code}")
        if snapshot() != before:
            problems.append(f"{method} {url} changed the database")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", sorted(SIGNED_IN))
def test_object_free_routes_let_in_exactly_their_roles(app, access, role):
    client, token = client_for(app, role)
    problems = []
    # Signing out last: it ends the client's session.
    for (rule, method), (url, _reason) in sorted(OBJECT_FREE.items(), key=lambda item: item[0][0] == "/logout"):
        allowed = (OBJECT_FREE_POST_ROLES if method == "POST" else {}).get(rule, OBJECT_FREE_ROLES[rule])
        response = send(client, token, method, url, {})
        if role in allowed and response.status_code in REFUSED:
            problems.append(f"{method} {url} as {role}: {response.status_code}, but the route is for {role}")
        if role not in allowed and response.status_code != 403:
            problems.append(f"{method} {url} as {role}: {response.status_code}, expected 403")
    assert problems == [], "\n".join(problems)


def test_ranking_numbers_link_only_to_cases_the_viewer_may_open(app, access, login):
    """A community office sees its street's ranking; only its own grids' numbers open a case list."""
    stop_clock(app, NOW + timedelta(days=3))  # the found cases are overdue by then
    street = access.place("s1")
    html = login("community").get(f"/stats/rankings?scope={street.id}&month=2026-03").get_data(as_text=True)
    rows = {key: row for key, row in re.findall(r'<tr data-key="(\d+)">(.*?)</tr>', html, re.S)}
    g1, g3 = str(access.place("g1").id), str(access.place("g3").id)
    assert "/stats/cases?" in rows[g1]
    assert "/stats/cases?" not in rows[g3] and re.search(r"\d+/\d+", rows[g3])


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(app, access):
    """Generated like the matrix: each POST route, sent by a role it is for, minus the token."""
    clients, problems = {}, []
    posts = [(entry, next(role for role in ROLES if role in entry.allowed)) for entry in MATRIX
             if entry.method == "POST"]
    free = [(SimpleNamespace(path=lambda x, o, r, url=url: url, make=lambda x, s, f=False: None, data=None), "member")
            for (rule, method), (url, _reason) in OBJECT_FREE.items() if method == "POST"]
    free += [(SimpleNamespace(path=lambda x, o, r, url=rule: url, make=lambda x, s, f=False: None, data=None),
              "anonymous") for rule, method in PUBLIC_FREE if method == "POST" and not rule.startswith("/open311/")]
    for entry, role in posts + free:
        if role not in clients:
            clients[role] = client_for(app, role)[0]
        inside = entry.scopes[role][0] if hasattr(entry, "scopes") else None
        obj = entry.make(access, inside, True) if getattr(entry, "fresh", False) else entry.make(access, inside)
        url = entry.path(access, obj, role)
        data = entry.data(access, obj, role) if entry.data else {}
        before, files = snapshot(), uploads(app)
        response = clients[role].http.post(url, data=data)
        text = response.get_data(as_text=True)
        if response.status_code != 400 or "表单已失效" not in text:
            problems.append(f"POST {url} without a token as {role}: {response.status_code}")
        if snapshot() != before or uploads(app) != files:
            problems.append(f"POST {url} without a token as {role} changed the database")
    assert problems == [], "\n".join(problems)
