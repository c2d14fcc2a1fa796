"""Demo services on residents' behalf (代办, issue 18): four kinds of service and, per grid, applications
at every step — just recorded, returned for more documents, waiting at the community, the street and
the district (some past their deadline), in public notice (one with an objection), granted and refused.
Written through workflows.services, so every step has its history row and its deadline on the clock."""
from datetime import datetime, time, timedelta

from workflows import services
from workflows.models import OrgUnit, Person, User
from workflows.service import SystemActor, current_clock

KINDS = (
    # code, name, documents, office steps, working-hour limits, notice days
    ("dibao", "最低生活保障（低保）", ["身份证", "户口簿", "家庭收入证明", "低保申请书"],
     ["accept", "review", "approve"], {"record": 21, "accept": 14, "review": 35, "approve": 35}, 7),
    ("linshi", "临时救助", ["身份证", "困难情况说明"], ["accept", "review"], {"accept": 7, "review": 14}, 3),
    ("canji", "残疾人两项补贴", ["身份证", "残疾证"], ["accept", "review", "approve"], {}, 0),
    ("lianzu", "廉租住房", ["身份证", "户口簿", "收入证明", "住房情况证明"], ["accept", "review", "approve"],
     {"review": 35, "approve": 70}, 7),
)
NEEDS = {
    "dibao": "家中主要劳动力因病失业，家庭收入低，申请最低生活保障。",
    "linshi": "突发重病住院，医疗费用负担重，申请临时救助。",
    "canji": "持二级残疾证，行动不便，申请困难残疾人生活补贴和重度残疾人护理补贴。",
    "lianzu": "租住房屋面积小、租金高，家庭收入低，申请廉租住房。",
}
# The end each demo application is taken to, per grid.
TARGETS = ("record", "returned", "accept", "review", "approve", "notice", "granted", "refused")


def seed_services(rng, now):
    """Kinds and, per grid, one application for each of TARGETS; returns how many were recorded."""
    admin = SystemActor("admin", "系统管理员")
    kinds = {code: services.save_kind(admin, now - timedelta(days=60), code=code, name=name, documents=docs,
                                      steps=steps, limits=limits, notice_days=days)
             for code, name, docs, steps, limits, days in KINDS}
    clock = current_clock()
    offices = {u.org_id: u for u in User.select().where(User.role == "dispatcher")}
    count = 0
    for grid in OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active).order_by(OrgUnit.id):
        member = User.get_or_none((User.org == grid.id) & (User.role == "member") & User.active)
        people = list(Person.select().where((Person.grid == grid.id) & (Person.status == "living"))
                      .order_by(Person.id))
        if member is None or len(people) < len(TARGETS):
            continue
        deciders = {"record": member, "accept": offices.get(grid.parent_id),
                    "review": offices.get(grid.parent.parent_id), "approve": offices.get(grid.parent.parent.parent_id)}
        if None in deciders.values():
            continue
        for target, person in zip(TARGETS, rng.sample(people, len(TARGETS))):
            _one(rng, now, clock, kinds, deciders, target, person)
            count += 1
    return count


def _one(rng, now, clock, kinds, deciders, target, person):
    """Record one application and take it to `target`, step by step, in working hours before `now`."""
    if target in ("notice", "granted"):
        kind = kinds[rng.choice(("dibao", "lianzu"))]
    elif target == "approve":
        kind = kinds[rng.choice(("dibao", "canji", "lianzu"))]
    else:
        kind = kinds[rng.choice(("dibao", "linshi", "canji", "lianzu"))]
    # Overdue or not: some start long ago and wait since, others started recently.
    late = rng.random() < 0.4
    back = {"granted": 24, "notice": 4, "refused": 12}.get(target, rng.randint(8, 14) if late else 1)
    at = min(_working(clock, now - timedelta(days=back), rng), now - timedelta(hours=1))
    partial = target in ("record", "returned")
    docs = kind.documents[:-1] if partial else list(kind.documents)
    application = services.record(person, kind, deciders["record"], at, need=NEEDS[kind.code], documents=docs,
                                  clock=clock)

    def step(event, **data):
        nonlocal at
        actor = deciders[services.step_action(application).split(".")[1]]
        at = min(_working(clock, at + timedelta(hours=rng.randint(2, 20)), rng), now - timedelta(minutes=5))
        services.fire(application, event, actor, at, clock=clock, **data)

    if target == "record":
        return
    if target == "returned":
        services.fire(application, "submit", deciders["record"], at, clock=clock, documents=kind.documents)
        step("send_back", reason=f"{kind.documents[-1]}复印件不清晰，请补交原件核对后重新提交。")
        return
    step("submit")
    if target == "refused":
        step("approve")
        step("refuse", reason="经入户核查，家庭人均收入高于当地保障标准，不符合条件。")
        return
    while application.state != target and application.state not in ("notice", "granted"):
        step("approve")
    if application.state == "notice":
        if target == "notice":
            services.object_to(application, min(at + timedelta(hours=20), now - timedelta(minutes=1)),
                               text="据了解申请人家中有经营性收入，请核实。")
        elif target == "granted":
            at = application.notice_until + timedelta(hours=2)
            services.fire(application, "conclude", deciders[services.last_office_step(kind)], at, clock=clock)


def _working(clock, moment, rng):
    """A moment in office hours at or after `moment` (a demo step happens at work)."""
    day, earliest = moment.date(), moment
    for _ in range(30):
        if clock.calendar.is_workday(day):
            candidate = max(datetime.combine(day, time(9, 0)) + timedelta(minutes=rng.randint(0, 150)), earliest)
            if clock.is_working_time(candidate):
                return candidate
            afternoon = datetime.combine(day, time(14, 10))
            if candidate < afternoon:
                return afternoon
        day += timedelta(days=1)
        earliest = datetime.combine(day, time.min)
    return moment
