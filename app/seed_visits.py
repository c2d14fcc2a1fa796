"""Demo visits and memo books (issue 18): about five weeks of visits per grid on each household's own
frequency (weekly for the elderly living alone, monthly for 低保 …, quarterly for the rest), about one
household in ten let slip so it shows overdue, needs (a few already cases), event visits planned by hand
(one overdue, one still to come), and memo entries in every ending (resolved, a case, the agenda)
and some still open. Bulk inserts; a case an entry or need "became" is one of the grid's existing demo
cases, so the demo's case count stays what `--cases` asked for."""
from datetime import datetime, time, timedelta

from workflows.models import Case, CaseLink, MemoEntry, OrgUnit, User, Visit, VisitDue
from workflows.policy import GRID_TEAM
from workflows.visits import household_plan

HISTORY_DAYS = 35
SLIPPED = 0.1  # share of households whose visit is overdue
FOUND = ("老人身体尚好，独自做饭", "家中整洁，子女每周探望", "反映楼道灯不亮", "已了解家庭收入情况", "租户信息已核对",
         "老人腿脚不便，需定期送药", "家中无异常，宣传了防诈骗知识", "询问医保报销政策")
NEEDS = ("希望申请助餐服务", "楼下下水道堵塞，请求疏通", "申请低保复核", "希望安装扶手", "邻居噪音扰民")
MEMOS = (("facility", "3号楼楼道灯坏了两周", "3号楼居民"), ("environment", "垃圾清运不及时，夏天有异味", "多位居民"),
         ("livelihood", "希望小区增设老年食堂", "老年协会"), ("safety", "电动车在楼道充电", "楼栋长"),
         ("dispute", "楼上漏水影响楼下", "5号楼住户"), ("policy", "询问养老补贴申领条件", "独居老人家属"),
         ("facility", "健身器材损坏", "晨练居民"), ("environment", "绿化带被占用种菜", "物业"))
# The ending of each memo entry, in turn (None: still open).
ENDINGS = ("resolved", "case", "agenda", None, "resolved", None, "agenda", "resolved")
HOW = {"resolved": "已联系物业处理，居民确认", "agenda": "提交下周网格例会讨论"}


def _moment(rng, day):
    return datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))))


def seed_visits(rng, now):
    """Visits, event visits and memo entries for every active grid that has a team."""
    today = now.date()
    for grid in OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active).order_by(OrgUnit.id):
        team = list(User.select().where((User.org == grid.id) & User.role.in_(GRID_TEAM) & User.active)
                    .order_by(User.id))
        if not team:
            continue
        cases = [c.id for c in Case.select(Case.id).where(Case.grid == grid.id).order_by(Case.id)]
        _visits(rng, now, today, grid, team, cases)
        _memo(rng, now, today, grid, team, cases)


def _visits(rng, now, today, grid, team, cases):
    rows, lasts = [], {}
    plan = household_plan(grid, today)
    for item in plan:
        member = rng.choice(team)
        every = item.every_days
        if rng.random() < SLIPPED:
            last = today - timedelta(days=every + rng.randint(1, 20))
        else:
            last = today - timedelta(days=rng.randint(0, every - 1))
        lasts[item.household.id] = last
        day = last
        while day >= today - timedelta(days=HISTORY_DAYS):
            needs = rng.choice(NEEDS) if rng.random() < 0.08 else ""
            rows.append({"grid": grid.id, "household": item.household.id, "member": member.id,
                         "kind": "attention" if item.tags else "routine", "found": rng.choice(FOUND),
                         "needs": needs, "at": _moment(rng, day), "created_at": now})
            day -= timedelta(days=every)
        if last < today - timedelta(days=HISTORY_DAYS):  # a quarterly household last seen before the window
            rows.append({"grid": grid.id, "household": item.household.id, "member": member.id, "kind": "routine",
                         "found": rng.choice(FOUND), "needs": "", "at": _moment(rng, last), "created_at": now})
    for start in range(0, len(rows), 400):
        Visit.insert_many(rows[start:start + 400]).execute()
    # A few needs already became cases (linked both ways), the rest wait for their tap.
    with_needs = list(Visit.select().where((Visit.grid == grid.id) & (Visit.needs != "")).order_by(Visit.id))
    for visit, case_id in zip(with_needs[:2], cases[:2]):
        Visit.update(case=case_id, case_by=visit.member_id, case_at=visit.at).where(Visit.id == visit.id).execute()
        CaseLink.create(case=case_id, room=visit.household.room_id, created_by=visit.member_id, created_at=visit.at)
    # Event visits planned by hand: a hospital stay still to come, a dispute now overdue.
    # (households last visited before each was planned, so both stay open)
    quiet = sorted((day, household_id) for household_id, day in lasts.items() if day < today - timedelta(days=9))
    if len(quiet) >= 2:
        lead = team[-1]
        first, second = quiet[-1][1], quiet[0][1]
        VisitDue.create(grid=grid.id, household=first, reason="hospital", note="出院后回访", due_on=today + timedelta(days=3),
                        created_by=lead.id, created_at=now - timedelta(days=2))
        VisitDue.create(grid=grid.id, household=second, reason="dispute", note="邻里漏水纠纷，上门调解",
                        due_on=today - timedelta(days=2), created_by=lead.id, created_at=now - timedelta(days=9))


def _memo(rng, now, today, grid, team, cases):
    spare = iter(cases[2:])
    for index, ((category, text, raised_by), ending) in enumerate(zip(MEMOS, ENDINGS)):
        day = today - timedelta(days=4 * index + rng.randint(0, 3))
        author = rng.choice(team)
        row = {"grid": grid.id, "day": day, "category": category, "text": text, "raised_by": raised_by,
               "author": author.id, "created_at": min(now, _moment(rng, day))}
        case_id = next(spare, None) if ending == "case" else None
        if ending is not None and (ending != "case" or case_id is not None):
            row.update(ending=ending, ending_note=HOW.get(ending, ""), case=case_id, ended_by=team[-1].id,
                       ended_at=min(now, _moment(rng, day + timedelta(days=rng.randint(1, 3)))))
        MemoEntry.create(**row)
