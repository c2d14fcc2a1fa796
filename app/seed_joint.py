"""Demo data of issue 19 (inspections, emergencies, transfers, joint handling): deterministic, after the rest."""
from datetime import timedelta

from workflows.models import Category, Department, OrgUnit, User
from workflows.service import current_clock, fire, open_case, route_inspected

# The cases this module adds beyond the simulated ones: three inspections' finds, one joint case, one transfer.
DEMO_CASES = 5
# Categories a department's daily round takes on itself (sanitation, urban management); others go to the grid.
INSPECTED_BY_DEPARTMENT = ("0101", "0104", "0201", "0202")


def seed_joint(rng, now):
    """Route the rounds' categories to their departments and record a few finds of the rounds."""
    Category.update(inspected_to="department").where(Category.code.in_(INSPECTED_BY_DEPARTMENT)).execute()
    clock = current_clock()
    grids = list(OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active).order_by(OrgUnit.code))
    inspector = User.get_or_none(User.username == "bm_sanitation")
    supervisor = User.select().where(User.role == "supervisor").order_by(User.id).first()
    finds = [(inspector, "0101", "巡查发现：垃圾桶满溢未清运"), (inspector, "0301", "巡查发现：路灯不亮"),
             (supervisor, "0102", "督导检查：楼道堆放杂物")]
    for index, (actor, code, title) in enumerate(finds):
        category = Category.get_or_none(Category.code == code)
        if actor is None or category is None or not grids:
            continue
        at = now - timedelta(hours=2 + index)
        case = open_case(rng.choice(grids), actor, at, category=category, title=title, clock=clock)
        route_inspected(case, actor, at, clock=clock)
    seed_joint_and_transfer(rng, now, clock, grids)


def seed_joint_and_transfer(rng, now, clock, grids):
    """One case handled jointly (one part recorded, one still open) and one transferred, in a grid with a team."""
    for grid in grids:
        lead = User.get_or_none((User.role == "lead") & (User.org == grid.id))
        office = User.get_or_none((User.role == "dispatcher") & (User.org == grid.parent_id))
        if lead is not None and office is not None:
            break
    else:
        return
    departments = {d.code: d for d in Department.select().where(Department.active)}
    handlers = {u.department_id: u for u in User.select().where(User.role == "handler")}
    needed = ("chengguan", "police", "market", "sanitation")
    if not all(code in departments and departments[code].id in handlers for code in needed):
        return
    at = now - timedelta(hours=5)
    street_stalls = Category.get_or_none(Category.code == "0201")
    if street_stalls is None:
        return
    joint = open_case(grid, lead, at, category=street_stalls, title="联办：夜市占道经营，涉及治安与食品安全", clock=clock)
    fire(joint, "report", lead, at, clock=clock)
    fire(joint, "dispatch", office, at + timedelta(minutes=20), clock=clock, department=departments["chengguan"].id,
         co_departments=f"{departments['police'].id},{departments['market'].id}",
         instructions="城管中队主办，派出所、市场监管所协办")
    fire(joint, "record_part", handlers[departments["police"].id], at + timedelta(hours=2), clock=clock,
         note="已派民警现场维持秩序")
    litter = Category.get_or_none(Category.code == "0102")
    if litter is None:
        return
    moved = open_case(grid, lead, at, category=litter, title="转办：楼道堆物系装修垃圾", clock=clock)
    fire(moved, "report", lead, at, clock=clock)
    fire(moved, "dispatch", office, at + timedelta(minutes=30), clock=clock, department=departments["sanitation"].id)
    fire(moved, "transfer", handlers[departments["sanitation"].id], at + timedelta(hours=1), clock=clock,
         department=departments["chengguan"].id, reason="装修垃圾属城管中队职责")
