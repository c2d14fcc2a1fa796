"""Demo data: one street, three communities, twelve grids, their people, and ~400 cases.

Every case is recorded with open_case and moved with fire, exactly as people would
move it, at times spread over the last 60 days; nothing writes a state directly.
Patrols, points and published months go through workflows.patrols and workflows.points.
"""
import random
from datetime import datetime, time, timedelta

from app.open311 import issue_api_key
from app.orgdata import CATEGORIES, DEPARTMENTS, TITLES
from workflows import notices, policy
from workflows.calendar import sync_year
from workflows.clock import Limit
from workflows.db import db
from workflows.errors import WorkflowError
from workflows.limits import seed_limits
from workflows.machine import CALLBACK_SOURCES, REOPEN_WINDOW
from workflows.models import (
    Building, Case, Category, Department, Notice, OrgUnit, PointEntry, PointRule, StreetIntake, Unit, User,
)
from workflows.patrols import check_building, end_patrol, ensure_default_rules, start_patrol
from workflows.points import add_person, publish_month, record_correction, record_service, record_tipoff
from workflows.residents import new_tracking_code, rate
from workflows.service import SystemActor, current_clock, fire, limit_for, open_case
from workflows.sweep import sweep
from workflows.worklog import save_note

COMMUNITIES = (("C01", "阳光社区"), ("C02", "和平社区"), ("C03", "丰收社区"))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
DEMO_SPAN = timedelta(days=60)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕春梅德明文"
# The Open311 key `seed-demo` issues (printed by the command, listed in the README): demo data only.
DEMO_API_KEY = "gc_demo_open311_key_2026"
# The demo street's grids tile a rectangle south-west corner here: each community a column
# 0.008° wide, each grid a 0.004° × 0.003° cell of it (about 390 m × 330 m).
ORIGIN = (120.150, 30.270)
GRID_SIZE = (0.004, 0.003)
# Extra questions some services ask (Open311 attributes).
SERVICE_ATTRIBUTES = {
    "0203": [{"code": "plate", "description": "车牌号", "datatype": "string", "required": False,
              "datatype_description": "如 浙A12345"}],
    "0301": [{"code": "pole", "description": "路灯杆编号", "datatype": "string", "required": False,
              "datatype_description": "灯杆上的编号牌"}],
    "0703": [{"code": "when", "description": "噪声时段", "datatype": "singlevaluelist", "required": True,
              "values": [{"key": "day", "name": "白天"}, {"key": "evening", "name": "傍晚"},
                         {"key": "night", "name": "夜间（22点后）"}]}],
}


def demo_random(seed):
    """A reproducible generator for demo data (never for anything secret)."""
    return random.Random(seed)  # nosec B311 # reproducible demo data, not a secret


def person_name(rng):
    """A plausible Chinese name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def seed_reference(password_hash, rng):
    """The organisation, departments, categories and one or more accounts per role."""
    district = OrgUnit.create(kind="district", code="D01", name="示范区")
    street = OrgUnit.create(kind="street", code="S01", name="幸福街道", parent=district)
    departments = {}
    for index, (code, name) in enumerate(DEPARTMENTS):
        departments[code] = Department.create(code=code, name=name, org=street, phone=f"0571-8800{index:04d}")
    for sort, (major_code, major_name, minors) in enumerate(CATEGORIES):
        major = Category.create(code=major_code, name=major_name, sort_order=sort)
        for minor_sort, (code, name, department, urgency, public) in enumerate(minors):
            Category.create(code=code, name=name, parent=major, default_department=departments[department],
                            urgency=urgency, public=public, sort_order=minor_sort,
                            attributes=SERVICE_ATTRIBUTES.get(code))

    def user(username, name, role, **fields):
        return User.create(username=username, password_hash=password_hash, name=name, role=role, **fields)

    user("admin", "系统管理员", "admin")
    user("duban", "督导组 " + person_name(rng), "supervisor", org=street)
    user("quban", "区网格办 " + person_name(rng), "dispatcher", org=district)
    user("jiedao", "街道网格办 " + person_name(rng), "dispatcher", org=street, phone="0571-88001000")
    for code, name in DEPARTMENTS:
        user(f"bm_{code}", f"{name} " + person_name(rng), "handler", department=departments[code])
    grid_no = 0
    for c_index, (c_code, c_name) in enumerate(COMMUNITIES, start=1):
        community = OrgUnit.create(kind="community", code=c_code, name=c_name, parent=street, sort_order=c_index)
        user(f"shequ{c_index}", f"{c_name}网格办 " + person_name(rng), "dispatcher", org=community)
        for g in range(1, 5):
            grid_no += 1
            code = f"G{c_index:02d}{g:02d}"
            grid = OrgUnit.create(
                kind="grid", code=code, name=f"{c_name}第{g}网格", parent=community, sort_order=g,
                grid_type="environment" if g == 4 else "standard", households=rng.randint(200, 500),
                area_text=f"{c_name}{g}号片区：东至{g}号路，西至{g + 1}号路",
                polygon=grid_polygon(c_index, g),
            )
            if grid_no == 1:
                StreetIntake.create(street=street, grid=grid)
            count = rng.randint(4, 7) - 1
            for b in range(1, count + 1):
                lat, lng = building_point(grid, b - 1, count)
                building = Building.create(grid=grid, name=f"{b}号楼", sort_order=b, lat=lat, lng=lng)
                for u in range(1, rng.randint(2, 4) + 1):
                    Unit.create(building=building, name=f"{u}单元")
            user(f"wgz{c_index}{g:02d}", person_name(rng), "lead", org=grid, phone=f"1380000{grid_no:04d}",
                 publish_phone=True, duties="网格长：统筹本网格巡查、研判与上报")
            # Members of even-numbered grids chose not to publish their phone on the public sign.
            user(f"wgy{c_index}{g:02d}", person_name(rng), "member", org=grid, phone=f"1390000{grid_no:04d}",
                 publish_phone=g % 2 == 1, duties="网格员：每日巡查，发现、处置、上报")


def grid_polygon(community_index, grid_index):
    """The demo grid's boundary: an irregular ring of [lng, lat] corners inside its cell (streets do not
    run straight), the same on every run."""
    width, height = GRID_SIZE
    x0 = ORIGIN[0] + (community_index - 1) * 2 * width + (grid_index - 1) % 2 * width
    y0 = ORIGIN[1] + (grid_index - 1) // 2 * height
    wobble = random.Random(community_index * 100 + grid_index)  # nosec B311 # reproducible demo data, not a secret
    ring = []
    # Around the cell's edge, eight corners a side, each pushed in a little.
    for side, ((ax, ay), (bx, by)) in enumerate((((0, 0), (1, 0)), ((1, 0), (1, 1)), ((1, 1), (0, 1)),
                                                 ((0, 1), (0, 0)))):
        for step in range(8):
            t = step / 8
            fx, fy = ax + (bx - ax) * t, ay + (by - ay) * t
            inset = wobble.uniform(0.02, 0.05)
            fx = min(max(fx, inset), 1 - inset)
            fy = min(max(fy, inset), 1 - inset)
            ring.append([round(x0 + fx * width, 6), round(y0 + fy * height, 6)])
    return ring


def building_point(grid, index, count):
    """Where the demo's building stands: spread over the middle of the grid's ring."""
    lngs = [corner[0] for corner in grid.polygon]
    lats = [corner[1] for corner in grid.polygon]
    west, east, south, north = min(lngs), max(lngs), min(lats), max(lats)
    columns = 3
    row, column = divmod(index, columns)
    rows = (count + columns - 1) // columns
    return (round(south + (north - south) * (0.25 + 0.5 * (row + 0.5) / rows), 6),
            round(west + (east - west) * (0.22 + 0.56 * (column + 0.5) / columns), 6))


def case_position(grid, building, index):
    """Where a demo case was recorded (the tablet's position): beside its building, else somewhere in the
    middle of the grid; drawn from its own sequence so the rest of the demo stays as it was."""
    spot = random.Random(index)  # nosec B311 # reproducible demo data, not a secret
    if building is not None and building.lat is not None:
        return {"lat": round(building.lat + spot.uniform(-0.00025, 0.00025), 6),
                "lng": round(building.lng + spot.uniform(-0.0003, 0.0003), 6)}
    lngs = [corner[0] for corner in grid.polygon]
    lats = [corner[1] for corner in grid.polygon]
    return {"lat": round(spot.uniform(min(lats) * 0.7 + max(lats) * 0.3, min(lats) * 0.3 + max(lats) * 0.7), 6),
            "lng": round(spot.uniform(min(lngs) * 0.7 + max(lngs) * 0.3, min(lngs) * 0.3 + max(lngs) * 0.7), 6)}


def seed_ratings(now, rng):
    """Residents rate some recently closed cases they raised; the 不满意 ones wait for a supervisor."""
    recent = (Case.select().where((Case.source == "resident") & (Case.resolution == "closed")
                                  & (Case.closed_at > now - REOPEN_WINDOW)).order_by(Case.id).limit(12))
    for case in recent:
        choice = rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (6, 3, 2))[0]
        comment = "问题已解决，谢谢！" if choice != "dissatisfied" else "整改后又出现了，希望彻底解决。"
        rate(case, choice, comment, min(now, case.closed_at + timedelta(hours=rng.randint(2, 48))))


class CaseSimulator:
    """Moves demo cases through the machine with realistic delays, some late, some reworked."""

    def __init__(self, rng, now):
        self.rng = rng
        self.now = now
        self.clock = current_clock()
        self.minors = list(Category.select().where(Category.parent.is_null(False)))
        self.grids = list(OrgUnit.select().where(OrgUnit.kind == "grid"))
        users = list(User.select())
        self.lead = {u.org_id: u for u in users if u.role == "lead"}
        self.member = {u.org_id: u for u in users if u.role == "member"}
        self.dispatcher = {u.org_id: u for u in users if u.role == "dispatcher"}
        self.handler = {u.department_id: u for u in users if u.role == "handler"}
        self.departments = list(Department.select())

    def when(self, case, late=None):
        """When the next step happens: mostly within the limit, sometimes late."""
        limit = limit_for(case.state, case.urgency)
        late = self.rng.random() < 0.12 if late is None else late
        fraction = self.rng.uniform(1.05, 2.5) if late else self.rng.uniform(0.05, 0.9)
        return self.clock.add(case.step_started_at, limit, fraction).replace(microsecond=0)

    def record(self, index):
        """Open one case at a random moment of the last 60 days and move it as far as time allows."""
        rng = self.rng
        grid = rng.choice(self.grids)
        category = rng.choice(self.minors)
        source = rng.choices(("patrol", "resident", "building_head", "hotline", "api"), (60, 15, 10, 10, 5))[0]
        start = (self.now - timedelta(minutes=rng.randint(30, 60 * 24 * 60))).replace(microsecond=0)
        finder = self.lead[grid.id] if rng.random() < 0.2 else self.member[grid.id]
        opener = finder if source in ("patrol", "building_head") else SystemActor("resident" if source != "api" else "api",
                                                                                   "居民" if source != "api" else "城市平台")
        buildings = list(grid.buildings)
        building = rng.choice(buildings) if buildings and rng.random() < 0.8 else None
        reporter = {}
        if source in CALLBACK_SOURCES:
            reporter = {"reporter_name": person_name(rng), "reporter_phone": f"13{rng.randint(100000000, 999999999)}"}
        case = open_case(
            grid, opener, start, category=category, title=rng.choice(TITLES[category.code]),
            description=f"{grid.name}{building.name if building else ''}发现：{category.name}，请及时处置。",
            building=building, location_text=f"{grid.name}{building.name if building else '公共区域'}",
            source=source, clock=self.clock,
            tracking_code=new_tracking_code() if source in ("resident", "api") else None, **reporter,
            **case_position(grid, building, index),
        )
        # Some recent cases stall at a step, so boards show overdue work.
        recent = start > self.now - timedelta(days=14)
        stall = rng.randint(0, 5) if rng.random() < (0.35 if recent else 0.04) else None
        self.advance(case, finder, stall)
        return case

    def advance(self, case, finder, stall=None):
        """Fire the next plausible event until the case closes, stalls, or its next step lies in the future."""
        sent_back = declined = False
        for step in range(30):
            if case.state == "closed" or step == stall:
                return
            at = self.when(case)
            if at > self.now:
                return
            move = self.next_move(case, finder, sent_back, declined)
            if move is None:
                return
            event, actor, data = move
            sent_back |= event == "send_back"
            declined |= event == "decline"
            try:
                fire(case, event, actor, at, clock=self.clock, **data)
            except WorkflowError as exc:
                raise RuntimeError(f"demo move {event} on {case.number} refused: {exc}") from exc

    def next_move(self, case, finder, sent_back, declined):
        """The event a real team would most likely fire next, with its actor and data."""
        rng = self.rng
        lead, member = self.lead[case.grid_id], self.member[case.grid_id]
        community, street = self.dispatcher[case.community_id], self.dispatcher[case.street_id]
        if case.state == "found":
            roll = rng.random()
            if roll < 0.28:
                return "handle", finder, {"note": "已现场处置完毕，拍照留存。"}
            if roll < 0.33:
                original = (Case.select().where((Case.grid == case.grid_id) & (Case.id < case.id))
                            .order_by(Case.id.desc()).first())
                if original and rng.random() < 0.5:
                    return "void", lead, {"void_kind": "duplicate", "duplicate_of": original.number,
                                          "reason": "与已上报事件重复"}
                return "void", lead, {"void_kind": "invalid", "reason": "经核实不属实"}
            return "report", finder, {"note": "无法现场处置，上报处理。"}
        if case.state == "handled":
            verifier = community if case.entered_by_id == lead.id else lead
            return "verify", verifier, {"note": "现场核查，处置到位。"}
        if case.state == "reported":
            if case.level == "grid":
                if not sent_back and rng.random() < 0.08:
                    return "send_back", lead, {"reason": "信息不全，请补充现场照片后再报。"}
                return "escalate", lead, {"reason": "网格内无法解决，报社区。"}
            dispatcher = {"community": community, "street": street}.get(case.level, self.dispatcher[case.district_id])
            if case.level == "community" and rng.random() < 0.2:
                return "escalate", dispatcher, {"reason": "需街道协调职能部门。"}
            department = case.category.default_department
            if declined or department is None:
                department = rng.choice([d for d in self.departments if d.id != case.category.default_department_id])
            return "dispatch", dispatcher, {"department": department.id, "instructions": "请按时限整改并反馈。"}
        if case.state == "assigned":
            handler = self.handler[case.department_id]
            if not declined and rng.random() < 0.07:
                return "decline", handler, {"reason": "不属于本部门职责范围。"}
            return "rectify", handler, {"note": "已安排人员整改完毕。"}
        if case.state == "rectified":
            checker = finder if finder.role == "member" else member
            if case.rework_count < 2 and rng.random() < 0.12:
                return "rework", checker, {"reason": "整改不到位，请返工。"}
            return "verify", checker, {"note": "经现场核查，整改到位。"}
        if case.state == "verified":
            callback = {}
            if case.source in CALLBACK_SOURCES:
                callback = {"callback": rng.choices(
                    ("satisfied", "basically_satisfied", "dissatisfied", "unreachable"), (75, 15, 5, 5))[0]}
            return "close", community, {"note": "核查通过，予以销号。", **callback}
        return None


# The street's points table (xx街道志愿者积分管理办法): code, section, name, points, kind.
POINT_RULES = (
    ("R01", "resident", "日常维修、管道疏通、代办代领等便民服务", 2, "service"),
    ("R02", "resident", "矛盾调解", 3, "service"),
    ("R03", "resident", "关爱空巢老人、失独家庭、留守儿童、残疾人等弱势群体", 3, "service"),
    ("R04", "resident", "青少年心理疏导、课程讲解、书籍赠送等服务", 2, "service"),
    ("R05", "resident", "助学助困等帮扶困难群众", 3, "service"),
    ("C01", "culture", "文明劝导", 2, "service"),
    ("C02", "culture", "政策宣传", 2, "service"),
    ("C03", "culture", "无偿献血、文艺汇演等社区公益活动", 2, "service"),
    ("G01", "governance", "环境清理、卫生保洁", 2, "service"),
    ("G02", "governance", "安全隐患排查", 2, "service"),
    ("G03", "governance", "日常治安巡逻", 2, "service"),
    ("G04", "governance", "上报涉黑涉恶、治安刑事案件、电信诈骗、违法建筑等线索（经确认属实）", 5, "tipoff"),
    # Earned by whoever is linked to the account that records a household visit (issue 18).
    ("V01", "governance", "入户走访", 1, "visit"),
)


def seed_rules():
    """The patrol rules and the points table, where missing (idempotent); returns how many were added."""
    added = ensure_default_rules()
    for sort, (code, section, name, points, kind) in enumerate(POINT_RULES):
        if not PointRule.select().where(PointRule.code == code).exists():
            PointRule.create(code=code, section=section, name=name, points=points, kind=kind, sort_order=sort)
            added += 1
    return added


def seed_clock(now):
    """The working calendar from the `holidays` package and the time-limit table the demo runs on."""
    for year in range((now - DEMO_SPAN).year, now.year + 2):
        sync_year(year, now)
    seed_limits(now - DEMO_SPAN - timedelta(days=1), now)


def seed_clock_events(rng, now, clock):
    """A few departments ask for more time (most decided, one waiting); two cases wait on others (挂起)."""
    users = list(User.select())
    handler = {u.department_id: u for u in users if u.role == "handler"}
    dispatcher = {u.org_id: u for u in users if u.role == "dispatcher"}
    supervisor = next(u for u in users if u.role == "supervisor")
    running = list(Case.select().where((Case.state == "assigned") & (Case.deadline > now)).order_by(Case.id))
    for index, case in enumerate(running[:6]):
        asked = case.step_started_at + timedelta(minutes=rng.randint(20, 120))
        if asked >= min(now, case.deadline):
            continue
        fire(case, "request_extension", handler[case.department_id], asked, clock=clock,
             requested_deadline=clock.add(case.deadline, Limit(2, "working_days")), reason="需采购材料，申请延期两个工作日。")
        decided = asked + timedelta(minutes=30)
        if index == 5 or decided > now:
            continue
        decider = dispatcher[getattr(case, f"{case.level}_id")]
        if index == 4:
            fire(case, "deny_extension", decider, decided, clock=clock, reason="整改量不大，请按原时限完成。")
        else:
            fire(case, "approve_extension", decider, decided, clock=clock, note="同意延期。")
    waiting = list(Case.select().where(Case.state.in_(("reported", "assigned")) & (Case.deadline > now)
                                       & (Case.level != "grid")).order_by(Case.id.desc()).limit(2))
    for index, case in enumerate(waiting):
        asked = case.step_started_at + timedelta(minutes=15)
        if asked > now:
            continue
        fire(case, "request_suspension", dispatcher[case.street_id], asked, clock=clock,
             reason="涉及产权纠纷，等待法院裁定。" if index == 0 else "连续降雨，无法施工。")
        if index == 0 and asked + timedelta(minutes=30) <= now:
            fire(case, "approve_suspension", supervisor, asked + timedelta(minutes=30), clock=clock, note="同意挂起。")


def seed_notices(rng, now, clock):
    """Sweep as cron would have each working morning of the last three weeks, then now; answer some notices."""
    morning = (now - timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    while morning < now:
        if clock.calendar.is_workday(morning.date()):
            sweep(morning, clock)
        morning += timedelta(days=1)
    sweep(now, clock)
    for notice in Notice.select().order_by(Notice.id):
        user = _addressee_user(notice)
        signed = notice.issued_at + timedelta(minutes=rng.randint(30, 600))
        if user is None or signed > now or rng.random() < 0.25:
            continue
        notices.act(notice, "sign", user, signed)
        replied = signed + timedelta(minutes=rng.randint(60, 1200))
        if replied > now or rng.random() < 0.4:
            continue
        notices.act(Notice.get_by_id(notice.id), "reply", user, replied, note="已收到督办，正在组织整改，完成后及时反馈。")


def _addressee_user(notice):
    """Someone who may answer the notice."""
    for user in User.select().where(User.role.in_(("handler", "lead", "dispatcher"))):
        if policy.can(user, "notice.answer", notice):
            return user
    return None


def seed_demo(now, password_hash, cases=400, seed=2026):
    """Fill an empty database with the demo street and its cases, all or nothing."""
    rng = demo_random(seed)
    with db.atomic():
        seed_reference(password_hash, rng)
        seed_clock(now)
        simulator = CaseSimulator(rng, now)
        for index in range(cases):
            simulator.record(index)
        # A separate generator, so the cases above stay what they were before ratings existed.
        seed_ratings(now, demo_random(seed + 1))
        issue_api_key("演示客户端 (demo)", None, now, secret=DEMO_API_KEY)
        # And another for patrols and points, so neither changes the other.
        seed_rhythm(demo_random(seed + 2), now)
        seed_clock_events(rng, now, simulator.clock)
        seed_notices(rng, now, simulator.clock)
        # The grid registry (issue 17): its own generator, after everything else, so nothing above changes.
        from app.seed_registry import seed_building_heads, seed_registry

        seed_registry(demo_random(seed + 3), now, person_name)
        seed_building_heads(demo_random(seed + 17), now, password_hash)
        # Services on residents' behalf (issue 18): its own generator, on the registry's people.
        from app.seed_services import seed_services

        seed_services(demo_random(seed + 18), now)
        # Visits and memo books (issue 18): on the registry's households, their own generator.
        from app.seed_visits import seed_visits

        seed_visits(demo_random(seed + 9), now)
        # Meetings (issue 20): after the cases, with their own generator.
        from app.seed_meetings import seed_meetings

        seed_meetings(demo_random(seed + 20), now, simulator.clock)
        # The 1000-point scheme (issue 20): the street's, with the finished quarters scored.
        from app.seed_assess import seed_assess

        seed_assess(demo_random(seed + 21), now)
        # Issue 19 (inspections …): its own generator, last.
        from app.seed_joint import seed_joint

        seed_joint(demo_random(seed + 4), now)
    return Case.select().count()


EVIDENCE = {
    "R01": "为独居老人疏通下水管道，照片存社区台账",
    "R02": "调解楼上楼下漏水纠纷，双方签字确认",
    "R03": "上门陪护空巢老人半天，老人签字",
    "C01": "在小区门口劝导不文明养犬，有照片",
    "C02": "入户宣传垃圾分类政策20户，签到表存档",
    "G01": "参加楼道杂物清理，活动照片存档",
    "G02": "协助排查电动车违规充电隐患，排查表存档",
    "G03": "参加夜间治安巡逻2小时，巡逻签到表",
}


NOTES = (
    "上午巡查网格，走访独居老人2户，情况良好。",
    "协助社区开展垃圾分类宣传，发放宣传单30份。",
    "巡查发现楼道堆物，已劝导住户清理。",
    "入户核实出租屋人员信息3户。",
    "参加社区例会，汇报本网格本周情况。",
)


def seed_rhythm(rng, now):
    """Patrol rules and the points table; five weeks of patrols; people, points and published months."""
    seed_rules()
    clock = current_clock()
    users = list(User.select().where(User.role.in_(("member", "lead"))).order_by(User.id))
    grids = {g.id: g for g in OrgUnit.select().where(OrgUnit.kind == "grid")}
    for user in users:
        seed_patrols(rng, now, clock, user, grids[user.org_id])
    seed_points(rng, now, grids)


def seed_patrols(rng, now, clock, user, grid):
    """A person's patrols of the last 35 days: members most working days, leads twice a month."""
    buildings = list(grid.buildings)
    for back in range(35, -1, -1):
        day = (now - timedelta(days=back)).date()
        if user.role == "lead":
            due = day.day in (8, 22) or (grid.grid_type == "environment" and day.weekday() == 2)
        elif grid.grid_type == "environment":
            due = day.weekday() in (1, 3)
        else:
            # Today some have not been out yet, so the coverage board shows yellow and red.
            due = clock.calendar.is_workday(day) and rng.random() < (0.6 if back == 0 else 0.93)
        start = datetime.combine(day, time(8, 40)) + timedelta(minutes=rng.randint(0, 80))
        end = start + timedelta(minutes=rng.randint(35, 100))
        if not due or end > now:
            continue
        patrol = start_patrol(user, start)
        for building in rng.sample(buildings, k=rng.randint(1, len(buildings))) if buildings else ():
            check_building(patrol, user, building.id, True, start + timedelta(minutes=5))
        end_patrol(patrol, user, end)
        if user.role == "member" and rng.random() < 0.3:
            save_note(user, "day", day, rng.choice(NOTES), min(datetime.combine(day, time(17, 20)), now))


def seed_points(rng, now, grids):
    """Building heads, volunteers and members earning points over four months; past months published."""
    leads = {u.org_id: u for u in User.select().where(User.role == "lead")}
    offices = {u.org_id: u for u in User.select().where(User.role == "dispatcher")}
    rules = {r.code: r for r in PointRule.select()}
    first = (now.date().replace(day=1) - timedelta(days=95)).replace(day=1)
    people = []
    for grid in grids.values():
        lead = leads[grid.id]
        for building in list(grid.buildings)[:2]:
            people.append(add_person(lead, now, name=person_name(rng), kind="building_head", grid=grid,
                                     building=building, phone=f"1370000{rng.randint(1000, 9999)}"))
        people.append(add_person(lead, now, name=person_name(rng), kind="volunteer", grid=grid))
        member = User.get((User.org == grid.id) & (User.role == "member"))
        # Linked to the member's account: the visits they record in the demo earn the visit item.
        people.append(add_person(lead, now, name=member.name, kind="member", grid=grid, user=member))
    days = (now.date() - first).days
    for person in people:
        for _ in range(rng.randint(2, 14)):
            day = first + timedelta(days=rng.randint(0, days))
            code = rng.choice(tuple(EVIDENCE))
            record_service(leads[person.grid_id], person, rules[code], day,
                           min(datetime.combine(day, time(17, 0)), now), EVIDENCE[code])
    heads = [p for p in people if p.kind == "building_head"]
    tips = (Case.select().where(Case.source == "building_head", Case.category.in_(
        Category.select(Category.id).where(Category.code.in_(("0204", "0401", "0403")))))
            .order_by(Case.created_at).limit(6))
    for case in tips:
        head = rng.choice([p for p in heads if p.grid_id == case.grid_id] or heads)
        if head.grid_id == case.grid_id and case.created_at.date() >= first:
            record_tipoff(leads[case.grid_id], head, case, case.created_at + timedelta(minutes=30),
                          f"楼栋长反映：{case.title}")
    month = first
    while (month + timedelta(days=32)).replace(day=1) <= now.date() - timedelta(days=3):
        following = (month + timedelta(days=32)).replace(day=1)
        for community in {g.parent_id: g.parent for g in grids.values()}.values():
            publish_month(offices[community.id], community, month, datetime.combine(following, time(10, 0)) +
                          timedelta(days=2))
        month = following
    last = PointEntry.select().where(PointEntry.day < month).order_by(PointEntry.id).first()
    if last is not None:
        record_correction(leads[last.grid_id], last, -last.points, "复核台账：该次服务重复登记，予以冲减", now)
