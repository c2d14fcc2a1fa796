"""Benchmark data: a district of N grids with realistic cases, made two ways that give the same rows.

`python -m bench.generate <profile> [--db URL] [--out manifest.json]`

Every case follows a *plan*: a grid, a category, who found it, and the events that took it to
its state (create, report, escalate, dispatch, rectify, verify, close …) with their actors,
times and form data. A plan is played either

- through `workflows.service.open_case` and `fire` (the real write path), for small sizes, or
- by a bulk loader that simulates `fire` in Python — the machine's own effect functions, the
  same clock for deadlines, the same history hash — and writes the rows with executemany in
  one transaction (journal off), secondary indexes dropped during the load and recreated from
  their own CREATE statements after it, so the schema stays exactly what init-db made. Big
  profiles are drawn in chunks of 20,000 cases, each from its own seeded generator, simulated
  in forked worker processes while the parent numbers the cases and writes them in order.

tests/unit/test_bench_generator.py proves that both give the same case and history rows (and
the same case-number counters), that verify-history passes on the bulk one, and that the schema
is unchanged.

Profiles: `boards` (grids of 50, 500 and 2,000 open cases through fire, plus a 250,000-case pool
in `found` for the event-POST benchmark), `sweep100k` and `sweep1m` (open cases over 2,000
grids, 10% overdue), `stats100k` (a month of cases in one street, most closed with their whole
history). Accounts: m_<grid> members, l_<grid> leads, d_<community|street> dispatchers,
h_<department> handlers, sup_<street>, bench_admin; password bench2026.

A built database is cached in bench/.data/<profile>.db with a sidecar <profile>.db.json (profile,
size, seed, generator version, the manifest); a mismatch rebuilds it in a side file then moves it
into place. With --db the cached file is copied there (a fresh copy each call, so an HTTP run
that fires events never spoils the cache).
"""
import argparse
import collections
import json
import multiprocessing
import os
import random
import shutil
import sys
import time as timer
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import sha256
from itertools import accumulate
from json import JSONEncoder
from json.encoder import encode_basestring as _encode_string
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from peewee import SqliteDatabase

from app.config import DEFAULTS
from app.db import migrate
from app.orgdata import CATEGORIES, DEPARTMENTS, TITLES
from workflows import changes, machine
from workflows.calendar import sync_year, work_calendar
from workflows.clock import Clock, parse_periods
from workflows.db import bind, db, open_database
from workflows.history import HASHED_FIELDS
from workflows.limits import limit_at, seed_limits, urgency_key
from workflows.machine import CALLBACK_SOURCES, EVENT_SPECS, INITIAL, OPEN_STATES, STATES
from workflows.models import URGENCIES, Case, CaseEvent, Category, Counter, Department, OrgUnit, User
from workflows.service import SystemActor, fire, open_case

GENERATOR_VERSION = 6
PASSWORD = "bench2026"  # nosec B105 # the published benchmark password, benchmark data only
DATA_DIR = Path(__file__).resolve().parent / ".data"
SEED = 2026
# Bulk profiles are drawn in chunks of this many cases, each from its own seeded generator, so
# chunks can be simulated in parallel and still give the same data.
CHUNK = 20_000
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Time limits are seeded as in force long before any generated case.
LIMITS_FROM = timedelta(days=400)

PROFILES = {
    # Boards of 50/500/2,000 open cases made through fire, and a 250,000-case POST pool in bulk (the
    # baseline's transition with a kept connection takes a few thousand a second, over 3 rounds).
    "boards": {"cases": 2550, "pool": 250_000},
    "sweep100k": {"cases": 100_000},
    "sweep1m": {"cases": 1_000_000},
    "stats100k": {"cases": 100_000},
    "stats1m": {"cases": 1_000_000},  # the 1,000,000-case run (make bench-million)
}
BOARD_SIZES = (50, 500, 2000)
POOL_GRID = "POST"

# Open states and how often a case rests in each (boards and sweeps).
OPEN_MIX = {"found": 25, "handled": 10, "reported": 20, "assigned": 30, "rectified": 10, "verified": 5}
# A month of cases judged after it ended: most closed.
MONTH_MIX = {"closed": 55, "voided": 5, "verified": 5, "rectified": 5, "assigned": 10, "reported": 8,
             "handled": 5, "found": 7}
SOURCES = {"patrol": 70, "building_head": 10, "resident": 10, "hotline": 10}

NOTES = {
    "handle": {"note": "已现场处置完毕，拍照留存。"},
    "report": {"note": "无法现场处置，上报处理。"},
    "escalate": {"reason": "网格内无法解决，报社区。"},
    "send_back": {"reason": "信息不全，请补充现场照片后再报。"},
    "decline": {"reason": "不属于本部门职责范围。"},
    "rectify": {"note": "已安排人员整改完毕。"},
    "rework": {"reason": "整改不到位，请返工。"},
    "verify": {"note": "经现场核查，整改到位。"},
    "void": {"void_kind": "invalid", "reason": "经核实不属实"},
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国红梅玉志海燕春德文"


def bench_now():
    """The app's clock: local wall time in the configured zone, naive, to the second."""
    return datetime.now(ZoneInfo(DEFAULTS["TIMEZONE"])).replace(tzinfo=None, microsecond=0)


def bench_clock():
    """The clock the app builds from its default configuration and the calendar in the database."""
    return Clock(work_calendar(), periods=parse_periods(DEFAULTS["OFFICE_HOURS"]),
                 warn_fraction=float(DEFAULTS["WARN_FRACTION"]))


def bench_random(seed):
    """A reproducible generator for benchmark data (never for anything secret)."""
    return random.Random(seed)  # nosec B311 # reproducible benchmark data, not a secret


# ---- the organisation ----


def layout_for(profile):
    """[(street code, [(community code, [grid codes])])] of a profile."""
    if profile == "boards":
        return [("S01", [("C01", [f"B{n:04d}" for n in BOARD_SIZES]), ("C02", [POOL_GRID])])]
    if profile.startswith("sweep"):
        # ~2,000 grids: 10 streets × 10 communities × 20 grids.
        return [(f"S{s:02d}", [(f"C{s:02d}{c:02d}", [f"G{s:02d}{c:02d}{g:02d}" for g in range(1, 21)])
                               for c in range(1, 11)]) for s in range(1, 11)]
    if profile == "test":
        return [("S01", [("C01", ["G0101", "G0102", "G0103"]), ("C02", ["G0201", "G0202"])])]
    if profile.startswith("stats"):
        # One street of 200 grids: its month is the statistics benchmark.
        return [("S01", [(f"C01{c:02d}", [f"G01{c:02d}{g:02d}" for g in range(1, 21)]) for c in range(1, 11)])]
    raise ValueError(f"unknown profile {profile!r}")


def build_world(layout, now, password_hash):
    """The org tree, departments (serving the whole district), categories, calendar, limits and accounts."""
    for year in range((now - LIMITS_FROM).year, now.year + 2):
        sync_year(year, now)
    seed_limits(now - LIMITS_FROM, now)
    district = OrgUnit.create(kind="district", code="D01", name="基准区")
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code] = Department.create(code=code, name=name, org=district)
    for sort, (major_code, major_name, minors) in enumerate(CATEGORIES):
        major = Category.create(code=major_code, name=major_name, sort_order=sort)
        for minor_sort, (code, name, department, urgency, public) in enumerate(minors):
            Category.create(code=code, name=name, parent=major, default_department=departments[department],
                            urgency=urgency, public=public, sort_order=minor_sort)
    users = [("bench_admin", "管理员", "admin", None, None)]
    users += [(f"h_{code}", f"{dept.name}处置员", "handler", None, dept.id) for code, dept in departments.items()]
    for s_sort, (s_code, communities) in enumerate(layout, 1):
        street = OrgUnit.create(kind="street", code=s_code, name=f"第{s_sort}街道", parent=district, sort_order=s_sort)
        users.append((f"d_{s_code}", f"{street.name}网格办", "dispatcher", street.id, None))
        users.append((f"sup_{s_code}", f"{street.name}督导组", "supervisor", street.id, None))
        for c_sort, (c_code, grids) in enumerate(communities, 1):
            community = OrgUnit.create(kind="community", code=c_code, name=f"{street.name}第{c_sort}社区",
                                       parent=street, sort_order=c_sort)
            users.append((f"d_{c_code}", f"{community.name}网格办", "dispatcher", community.id, None))
            rows = [{"kind": "grid", "code": code, "name": f"{community.name}{code}网格", "parent": community.id,
                     "sort_order": g_sort, "households": 300} for g_sort, code in enumerate(grids, 1)]
            OrgUnit.insert_many(rows).execute()
            for grid_id, code in OrgUnit.select(OrgUnit.id, OrgUnit.code).where(
                    OrgUnit.parent == community.id).order_by(OrgUnit.id).tuples():
                users.append((f"m_{code}", f"网格员{code}", "member", grid_id, None))
                users.append((f"l_{code}", f"网格长{code}", "lead", grid_id, None))
    fields = ("username", "name", "role", "org", "department")
    rows = [dict(zip(fields, user), password_hash=password_hash, created_at=now) for user in users]
    for start in range(0, len(rows), 500):
        User.insert_many(rows[start:start + 500]).execute()


@dataclass
class Grid:
    """A grid and the people who act on its cases."""

    unit: OrgUnit
    member: User
    lead: User
    dispatcher: User  # the community's


@dataclass
class World:
    """The organisation as loaded back from the database."""

    grids: dict  # code -> Grid
    categories: list  # minor Category rows
    handlers: dict  # department id -> User
    departments: list  # ids

    @classmethod
    def load(cls):
        """Read the organisation and the accounts the plans act with."""
        units = {u.id: u for u in OrgUnit.select()}
        for unit in units.values():
            if unit.parent_id is not None:
                unit.parent = units[unit.parent_id]
        users = list(User.select())
        by_org = {(u.org_id, u.role): u for u in users if u.org_id is not None}
        grids = {}
        for unit in sorted(units.values(), key=lambda u: u.id):
            if unit.kind == "grid":
                grids[unit.code] = Grid(unit, by_org[(unit.id, "member")], by_org[(unit.id, "lead")],
                                        by_org[(unit.parent_id, "dispatcher")])
        categories = list(Category.select().where(Category.parent.is_null(False)).order_by(Category.id))
        handlers = {u.department_id: u for u in users if u.role == "handler"}
        return cls(grids, categories, handlers, sorted(handlers))


# ---- plans ----


@dataclass
class Plan:
    """One case: where, what, who opened it when, and the events that took it where it is."""

    grid: Grid
    category: Category
    source: str
    opener: object
    created_at: datetime
    title: str
    location_text: str
    reporter_name: str = ""
    reporter_phone: str = ""
    tracking_code: str = None
    steps: list = field(default_factory=list)  # [(event, actor, at, data)]


def pick(rng, weights):
    """A key of `weights` drawn in proportion to its weight."""
    keys, cumulative = _CUMULATIVE.get(id(weights)) or _CUMULATIVE.setdefault(
        id(weights), (tuple(weights), tuple(accumulate(weights.values()))))
    return keys[bisect(cumulative, rng.random() * cumulative[-1])]


_CUMULATIVE = {}  # id of a module-level weights table -> (keys, cumulative weights)


def route(target, grid, world, rng, category, source, finder):
    """The events (event, actor, data) that take a new case to `target` (a state, or 'voided')."""
    if target == "found":
        return []
    if target == "voided":
        return [("void", grid.lead, NOTES["void"])]
    member, lead, community = grid.member, grid.lead, grid.dispatcher
    steps = []
    if target == "handled" or (target in ("verified", "closed") and rng.random() < 0.4):
        steps.append(("handle", finder, NOTES["handle"]))
        if target == "handled":
            return steps
        # Never verified by whoever handled it: the lead checks a member's, the community the lead's.
        steps.append(("verify", community if finder is lead else lead, NOTES["verify"]))
    else:
        steps.append(("report", finder, NOTES["report"]))
        if finder is member:
            if rng.random() < 0.06:
                steps += [("send_back", lead, NOTES["send_back"]), ("report", member, NOTES["report"])]
            if target == "reported" and rng.random() < 0.5:
                return steps  # waiting for the lead, at grid level
            steps.append(("escalate", lead, NOTES["escalate"]))
        if target == "reported":
            return steps
        department = category.default_department_id
        if rng.random() < 0.05:
            steps.append(("dispatch", community, {"department": department, "instructions": "请按时限整改并反馈。"}))
            steps.append(("decline", world.handlers[department], NOTES["decline"]))
            department = rng.choice([d for d in world.departments if d != department])
        steps.append(("dispatch", community, {"department": department, "instructions": "请按时限整改并反馈。"}))
        if target == "assigned":
            return steps
        handler = world.handlers[department]
        steps.append(("rectify", handler, NOTES["rectify"]))
        if rng.random() < 0.08:
            steps += [("rework", member, NOTES["rework"]), ("rectify", handler, NOTES["rectify"])]
        if target == "rectified":
            return steps
        steps.append(("verify", member, NOTES["verify"]))
    if target == "verified":
        return steps
    data = {"note": "核查通过，予以销号。"}
    if source in CALLBACK_SOURCES:
        data["callback"] = rng.choices(("satisfied", "basically_satisfied", "dissatisfied", "unreachable"),
                                       (75, 15, 5, 5))[0]
    steps.append(("close", community, data))
    return steps


class Planner:
    """Draws plans from one seeded generator; times are whole minutes, stamped by the given clock."""

    def __init__(self, world, clock, now, seed, limits=None):
        self.world = world
        self.clock = clock
        self.now = now
        self.rng = bench_random(seed)
        self.limits = limits if limits is not None else all_limits()
        self.cutoffs = {}

    def cutoff(self, state, urgency):
        """The latest step start whose limit is used up at now (a step started after it is not overdue)."""
        key = (state, urgency_key(state, urgency))
        if key not in self.cutoffs:
            self.cutoffs[key] = self.clock.cutoff(self.now, self.limits[key])
        return self.cutoffs[key]

    def draw(self, grid, target):
        """Everything but the times."""
        rng, world = self.rng, self.world
        category = rng.choice(world.categories)
        source = pick(rng, SOURCES)
        finder = grid.lead if rng.random() < 0.2 else grid.member
        opener = finder if source in ("patrol", "building_head") else SystemActor("resident", "居民")
        plan = Plan(grid=grid, category=category, source=source, opener=opener, created_at=None,
                    title=rng.choice(TITLES[category.code]), location_text=f"{grid.unit.name}公共区域")
        if source in CALLBACK_SOURCES:
            plan.reporter_name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            plan.reporter_phone = f"13{rng.randint(100000000, 999999999)}"
        if source == "resident":
            plan.tracking_code = f"{rng.getrandbits(80):020x}"
        events = route(target, grid, world, rng, category, source, finder)
        return plan, events

    def open_plan(self, grid, state, overdue):
        """A case resting in open `state`, its step overdue or not at now; earlier steps before it."""
        plan, events = self.draw(grid, state)
        cutoff = self.cutoff(state, plan.category.urgency)
        if overdue:
            anchor = _floor(cutoff) - STEP * self.rng.randint(0, 5 * 24 * 12)
        else:
            anchor = self.after(cutoff)
        return self.backward(plan, events, anchor)

    def after(self, cutoff):
        """A moment on the 5-minute grid in (cutoff, now], or now itself if the grid has none."""
        top = _floor(self.now)
        points = -(-(top - cutoff) // STEP)  # grid points t = top - k·STEP with t > cutoff: k < points
        return top - STEP * self.rng.randint(0, points - 1) if points > 0 else self.now

    def closed_plan(self, grid, within):
        """A case closed (or voided) within `within` before now."""
        plan, events = self.draw(grid, "voided" if self.rng.random() < 0.1 else "closed")
        anchor = _floor(self.now) - STEP * self.rng.randint(1, within // STEP)
        return self.backward(plan, events, anchor)

    def backward(self, plan, events, anchor):
        """The last event (or the opening, if none) at `anchor`, each earlier one some minutes before."""
        gaps = [STEP * self.rng.randint(2, 96) for _ in events]
        at = anchor - sum(gaps, timedelta())
        plan.created_at = at
        for (event, actor, data), gap in zip(events, gaps):
            at += gap
            plan.steps.append((event, actor, at, data))
        return plan

    def month_plan(self, grid, start, end):
        """A case recorded in [start, end) and moved forward; steps later than now are not taken (yet)."""
        plan, events = self.draw(grid, pick(self.rng, MONTH_MIX))
        rng = self.rng
        at = start + STEP * rng.randint(0, (end - start) // STEP - 1)
        plan.created_at = at
        for event, actor, data in events:
            late = rng.random() < 0.15
            at += STEP * (rng.randint(12 * 24, 12 * 24 * 6) if late else rng.randint(2, 120))
            if at > self.now:
                break
            plan.steps.append((event, actor, at, data))
        return plan


# Plans' times lie on a 5-minute grid: realistic enough, and the clock's answers repeat (memoised).
STEP = timedelta(minutes=5)


def _floor(moment):
    """The moment rounded down to the 5-minute grid."""
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


# ---- playing plans through fire ----


def fire_plans(plans, clock):
    """Record each plan through open_case and fire (the real write path), all in one transaction."""
    count = 0
    with db.atomic():
        for plan in plans:
            case = open_case(
                plan.grid.unit, plan.opener, plan.created_at, category=plan.category, title=plan.title,
                description=f"{plan.category.name}，请及时处置。", clock=clock, source=plan.source,
                location_text=plan.location_text, reporter_name=plan.reporter_name,
                reporter_phone=plan.reporter_phone, tracking_code=plan.tracking_code,
            )
            for event, actor, at, data in plan.steps:
                fire(case, event, actor, at, clock=clock, **data)
            count += 1
    return count


# ---- playing plans in bulk ----


class Stamper:
    """Deadlines and warning points of steps, memoised (plans' times are on a 5-minute grid, so they repeat).

    Every limit row took effect before the first generated case, so the limits in force now
    (all_limits) are the ones each step started under.
    """

    def __init__(self, clock, limits):
        self.clock = clock
        self.limits = limits
        self.memo = {}

    def stamp(self, state, urgency, at):
        """(deadline, warn_at) as text of a step of `state` entered at `at` (None, None without a limit)."""
        key = (state, urgency_key(state, urgency), at)
        found = self.memo.get(key)
        if found is None:
            limit = self.limits[key[:2]]
            found = (None, None) if limit is None else (
                _iso(self.clock.deadline(at, limit)), _iso(self.clock.warn_at(at, limit)))
            self.memo[key] = found
        return found


class _Ref:
    """What an effect sets as a reference (a department): an object with an id."""

    __slots__ = ("id",)

    def __init__(self, ident):
        self.id = ident


def _ident(value):
    """An id from a reference, an id, or None."""
    return getattr(value, "id", value)


def _user_id(actor):
    """The User behind an actor, by id (None for a system actor)."""
    return actor.id if isinstance(actor, User) else None


CASE_COLUMNS = [f.column_name for f in Case._meta.sorted_fields]
EVENT_COLUMNS = [f.column_name for f in CaseEvent._meta.sorted_fields]


class Simulator:
    """What open_case and fire would write for each plan, without a database.

    The simulation uses the machine's own effect functions and dest states, the same clock
    (through Stamper) and the same history hash as fire. Case numbers and history row ids
    depend on everything written before, so the Writer gives them: a case row carries its
    year where the number goes, a history row has no id (SQLite numbers them in order).
    """

    def __init__(self, stamper):
        self.stamper = stamper
        self.actors = {}
        self.cases, self.events, self.changes = [], [], collections.Counter()

    def run(self, plans, first_id):
        """(case rows, history rows, change counts) of the plans, their cases numbered from `first_id`."""
        self.cases, self.events, self.changes = [], [], collections.Counter()
        for offset, plan in enumerate(plans):
            self._case(plan, first_id + offset)
        return self.cases, self.events, self.changes

    def _case(self, plan, case_id):
        """One plan's case row and history rows (times as the text SQLite stores: isoformat with a space)."""
        created = _iso(plan.created_at)
        grid = plan.grid.unit
        community = grid.parent
        street = community.parent
        category = plan.category
        opener = _user_id(plan.opener)
        deadline, warn_at = self.stamper.stamp(INITIAL, category.urgency, plan.created_at)
        c = SimpleNamespace(
            id=case_id, urgency=category.urgency, state=INITIAL, level="grid", department=None,
            step_started_at=created, warn_at=warn_at, deadline=deadline, suspended_at=None, entered_by_id=opener,
            rework_count=0, version=1, updated_at=created, closed_at=None, resolution=None, duplicate_of=None,
        )
        prev_hash = self._event(c, "create", None, plan.opener, created, "", None, None, None, "")
        for event, actor, at, data in plan.steps:
            prev_hash = self._fire(c, EVENT_SPECS[event], actor, at, dict(data), prev_hash)
        # workflows.changes.count: every write counts against the case's four units.
        for name, unit in zip(changes.ORG_KEYS, (grid.id, community.id, street.id, street.parent_id)):
            self.changes[changes.key(name, unit)] += 1 + len(plan.steps)
        # In CASE_COLUMNS order (checked below the class); the writer turns the year into the number.
        self.cases.append((
            case_id, plan.created_at.year, plan.title, f"{category.name}，请及时处置。",
            category.id, grid.id, community.id, street.id, street.parent_id, None, None, plan.location_text,
            None, None, plan.source, plan.reporter_name, plan.reporter_phone, c.urgency, c.state, c.level,
            _ident(c.department), None, None, c.step_started_at, c.warn_at, c.deadline, c.suspended_at, c.entered_by_id,
            c.rework_count, c.version, opener, created, c.updated_at, _iso(c.closed_at), c.resolution,
            _ident(c.duplicate_of), None, plan.tracking_code, None,
        ))

    def _fire(self, c, spec, actor, at, data, prev_hash):
        """What fire's _apply does to the case, and its history row."""
        from_state, prev_deadline, department_before = c.state, c.deadline, _ident(c.department)
        department = data.get("department") or _ident(c.department)
        if "department" in data:
            data["department"] = _Ref(data["department"])
        if spec.dest is not None:
            c.state = spec.dest
        if spec.effect:
            getattr(machine.MACHINE, spec.effect)(c, actor, at, data)
        when = _iso(at)
        c.updated_at = when
        if spec.dest is not None:
            c.entered_by_id = _user_id(actor)
            c.step_started_at = when
            c.suspended_at = None
            c.deadline, c.warn_at = self.stamper.stamp(c.state, c.urgency, at)
        c.version += 1
        # … and against the departments it leaves and enters.
        for unit in {department_before, _ident(c.department)} - {None}:
            self.changes[changes.key("department", unit)] += 1
        note = data.pop("note", None) or data.get("reason", "")
        stored = {key: _ident(value) for key, value in data.items()}
        return self._event(c, spec.name, from_state, actor, when, note, stored or None, department, prev_deadline,
                           prev_hash)

    def _event(self, c, event, from_state, actor, at, note, data, department, prev_deadline, prev_hash):
        """Append the history row of the case's current version (times given as text); returns its hash."""
        who = self.actors.get(id(actor))
        if who is None:
            who = self.actors[id(actor)] = (_user_id(actor), actor.name, actor.role, _js(actor.name),
                                            _js(actor.role), actor)
        actor_id, actor_name, actor_role, name_js, role_js, _keep = who
        deadline, seq, level, state = c.deadline, c.version, c.level, c.state
        stored = None
        if data is not None:
            key = tuple(data.items())
            stored = _DATA.get(key)
            if stored is None:
                stored = _DATA[key] = (DATA_JSON.encode(data), HASH_JSON.encode(data))
        # workflows.history.event_hash's JSON (sorted keys, no spaces), written out directly;
        # the test checks these hashes against fire's and with verify_history.
        blob = (
            f'{{"actor_id":{_jn(actor_id)},"actor_name":{name_js},"actor_role":{role_js},"at":{_js(at)},'
            f'"case_id":{c.id},"data":{"null" if stored is None else stored[1]},"deadline":{_js(deadline)},'
            f'"department_id":{_jn(department)},"event":{_js(event)},"from_state":{_js(from_state)},'
            f'"level":{_js(level)},"note":{_js(note)},"prev_deadline":{_js(prev_deadline)},'
            f'"prev_hash":{_js(prev_hash)},"request_key":null,"seq":{seq},"to_state":{_js(state)}}}'
        )
        digest = sha256(blob.encode("utf-8")).hexdigest()
        self.events.append((
            c.id, seq, event, from_state, state, actor_id, actor_name, actor_role, at, note,
            None if stored is None else stored[0], level, department, prev_deadline, deadline, None, prev_hash, digest,
        ))
        return digest


_DATA = {}  # an event's data items -> (its column text, its JSON in the hash)
_JS = {}


def _js(value):
    """A string (or None) as JSON text, memoised: states, names, notes and times repeat."""
    text = _JS.get(value)
    if text is None:
        if len(_JS) > 1_000_000:
            _JS.clear()
        text = _JS[value] = "null" if value is None else _encode_string(value)
    return text


def _jn(value):
    """An int (or None) as JSON text."""
    return "null" if value is None else str(value)


def _quoted(columns):
    """A column list for SQL."""
    return ", ".join(f'"{c}"' for c in columns)


class Writer:
    """Gives case numbers (the per-year counters, in order) and writes rows with executemany."""

    # Built from the models' own column names; every value goes through a placeholder.
    case_sql = (f'INSERT INTO "case" ({_quoted(CASE_COLUMNS)}) '  # nosec B608 # model column names, values bound
                f'VALUES ({", ".join("?" * len(CASE_COLUMNS))})')
    event_sql = (f'INSERT INTO "case_event" ({_quoted(EVENT_COLUMNS[1:])}) '  # nosec B608 # model column names
                 f'VALUES ({", ".join("?" * (len(EVENT_COLUMNS) - 1))})')

    def __init__(self, database):
        self.seconds = 0.0  # spent writing
        self.connection = database.connection()
        self.numbers = {key: value for key, value in Counter.select(Counter.key, Counter.value).tuples()
                        if key.startswith("case:")}
        self.changes = collections.Counter()

    def write(self, cases, events, changes):
        """Write simulated rows, numbering the cases; add up their change counts."""
        self.changes.update(changes)
        started = timer.perf_counter()
        numbered = []
        numbers = self.numbers
        for row in cases:
            key = f"case:{row[1]}"
            numbers[key] = value = numbers.get(key, 0) + 1
            numbered.append((row[0], f"{row[1]}-{value:06d}") + row[2:])
        self.connection.executemany(self.case_sql, numbered)
        self.connection.executemany(self.event_sql, events)
        self.seconds += timer.perf_counter() - started

    def finish(self):
        """Bring the case-number counters up to date, and add the change counts."""
        for key, value in self.numbers.items():
            Counter.insert(key=key, value=value).on_conflict(
                conflict_target=[Counter.key], update={Counter.value: value}).execute()
        for key, value in self.changes.items():
            Counter.insert(key=key, value=value).on_conflict(
                conflict_target=[Counter.key], update={Counter.value: Counter.value + value}).execute()


# The tuples Simulator builds follow these column orders, and event_hash hashes these fields:
# a model change stops the generator here instead of writing wrong rows.
_EXPECTED_CASE_COLUMNS = [
    "id", "number", "title", "description", "category_id", "grid_id", "community_id", "street_id", "district_id",
    "building_id", "unit_id", "location_text", "lat", "lng", "source", "reporter_name", "reporter_phone", "urgency",
    "state", "level", "department_id", "holder_id", "holder_due", "step_started_at", "warn_at", "deadline",
    "suspended_at", "entered_by_id", "rework_count", "version", "created_by_id", "created_at", "updated_at",
    "closed_at", "resolution", "duplicate_of_id", "patrol_id", "tracking_code", "intake_key"]
_EXPECTED_EVENT_COLUMNS = [
    "id", "case_id", "seq", "event", "from_state", "to_state", "actor_id", "actor_name", "actor_role", "at", "note",
    "data", "level", "department_id", "prev_deadline", "deadline", "request_key", "prev_hash", "hash"]
_EXPECTED_HASHED = {
    "seq", "event", "from_state", "to_state", "actor_id", "actor_name", "actor_role", "at", "note", "data", "level",
    "department_id", "prev_deadline", "deadline", "request_key"}
if (CASE_COLUMNS, EVENT_COLUMNS, set(HASHED_FIELDS)) != (_EXPECTED_CASE_COLUMNS, _EXPECTED_EVENT_COLUMNS,
                                                         _EXPECTED_HASHED):
    raise RuntimeError("the case, case_event or hashed columns changed: update bench.generate's Simulator")

_ISO = {}
# The encoders of workflows.history.event_hash and of JSONField.db_value, made once.
HASH_JSON = JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
DATA_JSON = JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def _iso(value):
    """A datetime (or None) as history._plain and SQLite's adapter write it, memoised (times repeat)."""
    if value is None:
        return None
    text = _ISO.get(value)
    if text is None:
        if len(_ISO) > 500_000:
            _ISO.clear()
        text = _ISO[value] = value.isoformat(sep=" ")
    return text


def all_limits():
    """{(state, urgency key): Limit or None} of every state, as in force now (read once, before any fork)."""
    limits = {}
    for state in STATES:
        for urgency in URGENCIES + (None,):
            limits.setdefault((state, urgency_key(state, urgency)), limit_at(state, urgency))
    return limits


_JOB = None  # (make_chunk, first ids, stamper) for the forked workers


def _simulate_chunk(index):
    """In a worker: the rows of chunk `index`."""
    make_chunk, firsts, stamper = _JOB
    return Simulator(stamper).run(make_chunk(index), firsts[index])


def bulk_load(database, clock, sizes, make_chunk, workers=1, log=None):
    """Load the plans of chunks 0…len(sizes)-1 (`make_chunk(k)` gives sizes[k] plans) into an SQLite database.

    One transaction with the journal off and the secondary indexes of the two tables dropped,
    then recreated from their own CREATE statements (the schema stays what init-db made).
    With workers > 1, forked processes simulate chunks while this one writes them in order.
    Returns (first case id, last case id).
    """
    global _JOB
    if not isinstance(database, SqliteDatabase):
        raise ValueError("the bulk loader writes SQLite databases")
    indexes = database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?)",
        ("case", "case_event")).fetchall()
    first = (Case.select(Case.id).order_by(Case.id.desc()).scalar() or 0) + 1
    firsts = [first + sum(sizes[:k]) for k in range(len(sizes))]
    stamper = Stamper(clock, all_limits())
    for pragma in ("journal_mode = OFF", "foreign_keys = OFF", "synchronous = OFF", "cache_size = -262144",
                   "temp_store = MEMORY", "threads = 2"):
        database.execute_sql(f"PRAGMA {pragma}")
    started = timer.perf_counter()
    try:
        with database.atomic():
            for name, _sql in indexes:
                database.execute_sql(f'DROP INDEX "{name}"')
            writer = Writer(database)
            if workers > 1 and len(sizes) > 1:
                _JOB = (make_chunk, firsts, stamper)
                try:
                    with multiprocessing.get_context("fork").Pool(workers) as pool:
                        for rows in pool.imap(_simulate_chunk, range(len(sizes))):
                            writer.write(*rows)
                finally:
                    _JOB = None
            else:
                simulator = Simulator(stamper)
                for index in range(len(sizes)):
                    writer.write(*simulator.run(make_chunk(index), firsts[index]))
            writer.finish()
            loaded = timer.perf_counter()
            for _name, sql in indexes:
                database.execute_sql(sql)
            indexed = timer.perf_counter()
    finally:
        for pragma in ("foreign_keys = ON", "synchronous = NORMAL", "journal_mode = WAL"):
            database.execute_sql(f"PRAGMA {pragma}")
    if log:
        log(f"  bulk: {sum(sizes)} cases simulated and written in {loaded - started:.1f} s "
            f"({workers if len(sizes) > 1 else 1} process(es), {writer.seconds:.1f} s of it writing), "
            f"indexes rebuilt in {indexed - loaded:.1f} s")
    return first, first + sum(sizes) - 1


def bulk_plans(database, plans, clock):
    """Load a list of plans in bulk, in this process; returns (first case id, last case id)."""
    plans = list(plans)
    return bulk_load(database, clock, [len(plans)], lambda _index: plans)


# ---- profiles ----


def open_plans(planner, grids, count, overdue_share, offset=0):
    """`count` open cases spread over `grids`, in every open state, `overdue_share` of them overdue."""
    rng = planner.rng
    for index in range(offset, offset + count):
        grid = grids[index % len(grids)]
        yield planner.open_plan(grid, pick(rng, OPEN_MIX), rng.random() < overdue_share)


def board_plans(planner, grid, open_count):
    """A board's cases: exactly `open_count` open ones, and a tenth as many closed in the last 7 days."""
    yield from open_plans(planner, [grid], open_count, 0.15)
    for _ in range(open_count // 10):
        yield planner.closed_plan(grid, timedelta(days=7))


def pool_plans(planner, grid, count):
    """Cases waiting in `found`, not overdue: each takes one `report` in the event-POST benchmark."""
    cutoff = planner.cutoff(INITIAL, None)
    for _ in range(count):
        plan, _events = planner.draw(grid, "found")
        plan.created_at = planner.after(cutoff)
        yield plan


def previous_month(now):
    """[start, end) of the calendar month before `now`'s."""
    end = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (end - timedelta(days=1)).replace(day=1), end


def month_plans(planner, grids, count, start, end, offset=0):
    """`count` cases recorded in [start, end) over `grids`."""
    for index in range(offset, offset + count):
        yield planner.month_plan(grids[index % len(grids)], start, end)


def chunked(planner, seed, total, plans):
    """(sizes, make_chunk) for bulk_load: chunk k draws `plans(planner_k, count, offset)` from its own seed."""
    sizes = [min(CHUNK, total - start) for start in range(0, total, CHUNK)]

    def make_chunk(index):
        own = Planner(planner.world, planner.clock, planner.now, seed * 1_000_003 + index, planner.limits)
        return list(plans(own, sizes[index], index * CHUNK))

    return sizes, make_chunk


def _stderr(text):
    """Progress for people watching (stdout may carry the manifest)."""
    print(text, file=sys.stderr, flush=True)


def generate(profile, now, cases=None, seed=SEED, workers=WORKERS):
    """Fill the bound (migrated, empty) database for a profile; returns the manifest's content."""
    spec = dict(PROFILES[profile])
    if cases is not None:
        spec["cases"] = cases
    password_hash = PasswordHasher().hash(PASSWORD)  # hashed once, shared by every account
    database = db.obj
    started = timer.perf_counter()
    with db.atomic():
        build_world(layout_for(profile), now, password_hash)
    _stderr(f"  world: {len(layout_for(profile))} street(s) built in {timer.perf_counter() - started:.1f} s")
    clock = bench_clock()
    world = World.load()
    planner = Planner(world, clock, now, seed)
    manifest = {"profile": profile, "cases": spec["cases"], "seed": seed, "generator_version": GENERATOR_VERSION,
                "now": now.isoformat(sep=" "), "password": PASSWORD}
    street = next(iter(OrgUnit.select().where(OrgUnit.kind == "street").order_by(OrgUnit.id)))
    manifest["street"] = {"code": street.code, "id": street.id, "dispatcher": f"d_{street.code}",
                          "supervisor": f"sup_{street.code}"}
    if profile == "boards":
        grids = {}
        for size in BOARD_SIZES:
            grid = world.grids[f"B{size:04d}"]
            started = timer.perf_counter()
            fire_plans(board_plans(planner, grid, size), clock)
            grids[str(size)] = {
                "code": grid.unit.code, "id": grid.unit.id, "member": grid.member.username,
                "lead": grid.lead.username, "open": size, "fired_in_s": round(timer.perf_counter() - started, 2),
            }
        pool = world.grids[POOL_GRID]
        plans = list(pool_plans(planner, pool, spec["pool"]))
        first, last = bulk_load(database, clock, [len(plans)], lambda _index: plans, log=_stderr)
        community = world.grids[f"B{BOARD_SIZES[0]:04d}"].dispatcher
        manifest.update({
            "grids": grids,
            "community": {"code": community.org.code, "id": community.org_id, "dispatcher": community.username},
            "post_pool": {"grid": pool.unit.code, "grid_id": pool.unit.id, "member": pool.member.username,
                          "first_id": first, "last_id": last, "count": last - first + 1, "state": INITIAL,
                          "version": 1, "event": "report"},
        })
    elif profile.startswith("sweep"):
        grids = list(world.grids.values())
        sizes, make_chunk = chunked(planner, seed, spec["cases"],
                                    lambda own, count, offset: open_plans(own, grids, count, 0.10, offset))
        bulk_load(database, clock, sizes, make_chunk, workers, log=_stderr)
        manifest.update({"grids": len(grids), "overdue_share": 0.10})
    elif profile.startswith("stats"):
        start, end = previous_month(now)
        grids = list(world.grids.values())
        sizes, make_chunk = chunked(planner, seed, spec["cases"],
                                    lambda own, count, offset: month_plans(own, grids, count, start, end, offset))
        bulk_load(database, clock, sizes, make_chunk, workers, log=_stderr)
        manifest.update({"grids": len(grids), "month": start.strftime("%Y-%m"),
                         "first": start.date().isoformat(), "last": (end - timedelta(days=1)).date().isoformat()})
    manifest["open_states"] = list(OPEN_STATES)
    return manifest


# ---- cache and command line ----


def sqlite_path(url):
    """The file of a sqlite:/// URL."""
    if not url.startswith("sqlite:///"):
        raise SystemExit("bench.generate writes SQLite files: give --db sqlite:///path")
    return url[len("sqlite:///"):]


def _remove(path):
    """Delete a database file and its WAL companions."""
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        if os.path.exists(name):
            os.remove(name)


def build(profile, path, now, cases=None, seed=SEED, workers=WORKERS):
    """Build the profile's database in a side file, then move it into place; returns the manifest."""
    side = path + ".building"
    _remove(side)
    database = open_database("sqlite:///" + side)
    bind(database)
    started = timer.perf_counter()
    try:
        migrate(database)
        manifest = generate(profile, now, cases=cases, seed=seed, workers=workers)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.execute_sql("PRAGMA journal_mode = delete")
        database.close()
        _remove(path)
        os.replace(side, path)
    finally:
        if not database.is_closed():
            database.close()
        _remove(side)
    manifest["generated_in_s"] = round(timer.perf_counter() - started, 1)
    return manifest


def upgrade(path, log=print):
    """Apply migrations added since the database was built (as `make demo` upgrades a kept database)."""
    database = open_database("sqlite:///" + path)
    bind(database)
    try:
        applied = migrate(database)
        if applied:
            log(f"  upgraded {path}: {', '.join(applied)}")
    finally:
        if not database.is_closed():
            database.close()


def ensure(profile, data_dir=DATA_DIR, cases=None, seed=SEED, rebuild=False, log=print, workers=WORKERS):
    """The cached database of a profile (built if missing or stale) and its manifest."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = str(data_dir / f"{profile}.db")
    meta_path = path + ".json"
    wanted = {"profile": profile, "cases": cases or PROFILES[profile]["cases"], "seed": seed,
              "generator_version": GENERATOR_VERSION}
    if not rebuild and os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as handle:
            manifest = json.load(handle)
        if all(manifest.get(key) == value for key, value in wanted.items()):
            log(f"{profile}: reusing {path} (built in {manifest['generated_in_s']} s at {manifest['now']})")
            upgrade(path, log)
            return path, dict(manifest, cached=True)
    log(f"{profile}: building {path} …")
    manifest = build(profile, path, bench_now(), cases=cases, seed=seed, workers=workers)
    with open(meta_path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
    os.replace(meta_path + ".tmp", meta_path)
    log(f"{profile}: generated {manifest['cases']} cases in {manifest['generated_in_s']} s")
    return path, dict(manifest, cached=False)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("profile", choices=sorted(PROFILES))
    parser.add_argument("--db", help="sqlite:///path to receive a fresh copy (default: the cache file itself)")
    parser.add_argument("--out", help="write the manifest (JSON) here")
    parser.add_argument("--data", default=str(DATA_DIR), help="cache directory (default: bench/.data)")
    parser.add_argument("--cases", type=int, help="override the profile's case count")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rebuild", action="store_true", help="ignore the cache")
    parser.add_argument("--workers", type=int, default=WORKERS, help="processes simulating bulk chunks")
    args = parser.parse_args(argv)
    path, manifest = ensure(args.profile, args.data, cases=args.cases, seed=args.seed, rebuild=args.rebuild,
                            workers=args.workers)
    target = os.path.abspath(sqlite_path(args.db)) if args.db else os.path.abspath(path)
    if target != os.path.abspath(path):
        started = timer.perf_counter()
        _remove(target)
        shutil.copyfile(path, target + ".copying")
        os.replace(target + ".copying", target)
        print(f"{args.profile}: copied to {target} in {timer.perf_counter() - started:.1f} s")
    manifest["db_url"] = "sqlite:///" + target
    manifest["db_path"] = target
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=2)
    else:
        json.dump(manifest, sys.stdout, ensure_ascii=False, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
