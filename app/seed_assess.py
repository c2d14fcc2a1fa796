"""The demo's 1000-point scheme (issue 20): the street's scheme of this year — every automatic measure,
two manual items, a deduction and a veto — and, for each finished quarter, every grid lead's
self-evaluation of the manual items and the street office's review (one grid with a deduction).
Deterministic: scores come from the seeded `rng`."""
from datetime import date, datetime, timedelta

from workflows import assess
from workflows.models import OrgUnit, User

AUTOMATIC = (("按时办结率", 200, "ontime_close_rate"), ("返工率", 100, "rework_rate"),
             ("群众满意率", 150, "satisfaction_rate"), ("巡查到岗率", 100, "patrol_coverage"),
             ("入户走访覆盖率", 100, "visit_coverage"), ("基础信息更新及时率", 50, "registry_updates"),
             ("督办按时回复率", 100, "notice_reply_rate"))
MANUAL = (("队伍建设与网格例会", 100, ("按月召开网格例会，纪要齐全", "本季度新增网格员一名，已完成培训"),
           ("抽查例会纪要三份，属实", "一次例会缺少签到表，酌减")),
          ("民情备忘录办理", 100, ("备忘录事项逐件销号，台账清楚", "未办结事项已提交例会研究"),
           ("台账与系统记录一致", "个别事项销号说明过简，酌减")))


def seed_assess(rng, now):
    """The street's scheme of `now`'s year and the scores of its finished quarters."""
    street = OrgUnit.get(OrgUnit.kind == "street")
    office = User.get((User.role == "dispatcher") & (User.org == street.id))
    year = now.year
    start = now - timedelta(days=1)
    scheme = assess.scheme_for(street, year, office, start)
    for title, points, metric in AUTOMATIC:
        assess.add_item(scheme, office, start, kind="auto", title=title, max_points=points, metric=metric)
    manual = [(assess.add_item(scheme, office, start, kind="manual", title=title, max_points=points), own, review)
              for title, points, own, review in MANUAL]
    deduction = assess.add_item(scheme, office, start, kind="deduction", title="被区级通报批评（每次扣10分）",
                                max_points=50)
    assess.add_item(scheme, office, start, kind="veto", title="瞒报、迟报重大事件")
    finished = [q for q in assess.QUARTERS if date(year, 3 * q, 1) < now.date().replace(day=1)]
    grids = assess.grids_of(scheme)
    for quarter in finished:
        evaluated = datetime(year, 3 * quarter, 25, 16, 0)  # near the quarter's end
        reviewed = min(evaluated + timedelta(days=10), start)
        for grid in grids:
            lead = User.get_or_none(User.active & (User.role == "lead") & (User.org == grid.id))
            for item, own, review in manual:
                claimed = rng.randint(item.max_points - 15, item.max_points)
                if lead is not None:
                    assess.enter(item, grid, quarter, "self", lead, evaluated, points=claimed, note=rng.choice(own))
                cut = rng.choice((0, 0, 5, 10))  # the review confirms the claim, or takes a little off
                assess.enter(item, grid, quarter, "review", office, reviewed, points=claimed - cut,
                             note=review[0] if not cut else review[1])
        flagged = grids[rng.randrange(len(grids))]
        assess.enter(deduction, flagged, quarter, "review", office, reviewed, points=10,
                     note="本季度案件超期被区网格办通报一次")
    return scheme
