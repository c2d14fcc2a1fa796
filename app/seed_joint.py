"""Demo data of issue 19 (inspections, emergencies, transfers, joint handling): deterministic, after the rest."""
from datetime import timedelta

from workflows.models import Category, OrgUnit, User
from workflows.service import current_clock, open_case, route_inspected

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
