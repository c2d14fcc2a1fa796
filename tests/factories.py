"""A small world to test in: two communities, three grids, departments, categories, one user per role."""
import logging
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace

from argon2 import PasswordHasher

from workflows.models import Building, Category, Department, OrgUnit, Unit, User
from workflows.service import SystemActor, open_case

PASSWORD = "correct horse 网格"
T0 = datetime(2026, 3, 2, 9, 0)  # a Monday morning, inside office hours


@lru_cache(maxsize=1)
def password_hash():
    """One argon2 hash shared by every test user (hashing per user would slow the suite)."""
    return PasswordHasher().hash(PASSWORD)


def make_world():
    """Create the org tree, departments, categories and users; returns them by name."""
    w = SimpleNamespace()
    w.district = OrgUnit.create(kind="district", code="D1", name="区")
    w.street = OrgUnit.create(kind="street", code="S1", name="街道", parent=w.district)
    w.other_street = OrgUnit.create(kind="street", code="S2", name="另一街道", parent=w.district)
    w.c1 = OrgUnit.create(kind="community", code="C1", name="一社区", parent=w.street)
    w.c2 = OrgUnit.create(kind="community", code="C2", name="二社区", parent=w.street)
    w.c3 = OrgUnit.create(kind="community", code="C3", name="三社区", parent=w.other_street)
    w.g1 = OrgUnit.create(kind="grid", code="G1", name="一网格", parent=w.c1)
    w.g2 = OrgUnit.create(kind="grid", code="G2", name="二网格", parent=w.c1)
    w.g3 = OrgUnit.create(kind="grid", code="G3", name="三网格", parent=w.c2)
    w.g4 = OrgUnit.create(kind="grid", code="G4", name="四网格", parent=w.c3)
    w.b1 = Building.create(grid=w.g1, name="1号楼")
    w.u1 = Unit.create(building=w.b1, name="1单元")
    w.b2 = Building.create(grid=w.g2, name="2号楼")
    w.police = Department.create(code="police", name="派出所", org=w.street)
    w.sanitation = Department.create(code="sanitation", name="环卫所", org=w.street)
    w.district_env = Department.create(code="env", name="生态环境分局", org=w.district)
    w.far_dept = Department.create(code="far", name="外街道城管", org=w.other_street)
    w.major = Category.create(code="01", name="市容环境")
    w.litter = Category.create(code="0101", name="垃圾堆放", parent=w.major, default_department=w.sanitation,
                               urgency="normal")
    w.urgent = Category.create(code="0104", name="污水外溢", parent=w.major, default_department=w.sanitation,
                               urgency="urgent")
    w.complex = Category.create(code="0204", name="违法建设", parent=w.major, default_department=w.police,
                                urgency="complex")
    users = {
        "member": ("member", w.g1, None),
        "member2": ("member", w.g1, None),
        "lead": ("lead", w.g1, None),
        "member_g2": ("member", w.g2, None),
        "lead_g2": ("lead", w.g2, None),
        "member_g4": ("member", w.g4, None),
        "community": ("dispatcher", w.c1, None),
        "community2": ("dispatcher", w.c2, None),
        "street_disp": ("dispatcher", w.street, None),
        "district_disp": ("dispatcher", w.district, None),
        "other_street_disp": ("dispatcher", w.other_street, None),
        "handler": ("handler", None, w.sanitation),
        "police_handler": ("handler", None, w.police),
        "env_handler": ("handler", None, w.district_env),
        "supervisor": ("supervisor", w.street, None),
        "other_supervisor": ("supervisor", w.other_street, None),
        "admin": ("admin", None, None),
        "building_head": ("building_head", w.g1, None),  # 楼栋长: reads only what BuildingHead rows give them
    }
    for username, (role, org, department) in users.items():
        setattr(w, username, User.create(username=username, name=username, role=role, org=org,
                                         department=department, password_hash=password_hash()))
    w.resident = SystemActor("resident", "居民")
    return w


def new_case(w, grid=None, actor=None, at=T0, category=None, **fields):
    """Record a case in found (by the grid's member unless told otherwise)."""
    grid = grid or w.g1
    actor = actor or w.member
    return open_case(grid, actor, at, category=category or w.litter, title="楼道堆物", **fields)


class Clock:
    """The app's clock as a test sets it: ``clock.set(moment)``, ``clock.advance(...)``, ``clock()`` reads."""

    def __init__(self, moment):
        self.now = moment

    def __call__(self):
        return self.now

    def set(self, moment):
        self.now = moment
        return moment

    def advance(self, delta=None, **parts):
        self.now += delta if delta is not None else timedelta(**parts)
        return self.now


def stop_clock(app, at=None):
    """Stop the app's clock at `at` (default: where it is now); every ``now`` the app reads is the clock's."""
    clock = Clock(at or app.extensions["gridcase_now"]())
    app.extensions["gridcase_now"] = clock
    return clock


def peewee_queries(caplog, request):
    """(the answer of `request()`, the SQL statements it made as peewee logs them)."""
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        caplog.clear()
        response = request()
    return response, [str(r.msg) for r in caplog.records if r.name == "peewee"]
