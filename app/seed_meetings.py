"""Demo meetings (issue 20): per demo grid, last month's team meeting (closed, with a task done, a task
left overdue and a decision recorded) and this month's (open, its agenda proposed, a case given to a
person); per community one quarterly joint meeting. Deterministic: choices come from the seeded `rng`."""
from datetime import timedelta

from workflows.errors import WorkflowError
from workflows.meetings import close_meeting, decide, open_meeting, record_attendance, write_minutes
from workflows.models import Case, MeetingDecision, OrgUnit, Task, User
from workflows.policy import GRID_TEAM
from workflows.work import finish_task

NOTES = ("下月重点整治楼道堆物和占道经营", "加强夜间巡查，重点关注出租屋消防安全", "对两次返工案件逐件约谈责任部门")
TASKS = ("排查辖区电动车违规充电点", "走访独居老人并更新台账", "核查沿街商铺门前三包落实情况", "清点消防通道堆物并拍照上传")


def _team(grid):
    return list(User.select().where(User.active & User.role.in_(GRID_TEAM) & (User.org == grid.id))
                .order_by(User.role.desc(), User.name))


def _grid_meetings(rng, grid, lead, team, now, clock):
    """Last month's meeting, closed, and this month's, open."""
    last = (now - timedelta(days=30)).replace(hour=14, minute=0, second=0, microsecond=0)
    first = open_meeting(grid, lead, last, kind="grid_monthly", title=f"{grid.name} {last:%Y年%m月}网格例会",
                         held_at=last, place=f"{grid.parent.name}会议室")
    record_attendance(first, lead, last, {person.id for person in team if rng.random() < 0.9} | {lead.id})
    write_minutes(first, lead, last + timedelta(hours=1),
                  minutes="一、通报上月案件办理情况；\n二、逐件研究超期、返工案件；\n三、部署本月重点工作。")
    members = [person for person in team if person.role == "member"] or team
    done_by, late_by = rng.choice(members), rng.choice(members)
    for person, title, days in ((done_by, rng.choice(TASKS), 3), (late_by, rng.choice(TASKS), 5)):
        decide(first, lead, last + timedelta(hours=1), kind="task", text=title, person=person,
               due_at=last + timedelta(days=days))
    decide(first, lead, last + timedelta(hours=1), kind="note", text=rng.choice(NOTES))
    close_meeting(first, lead, last + timedelta(hours=2))
    task = Task.get_by_id(MeetingDecision.select().where((MeetingDecision.meeting == first.id)
                                                         & (MeetingDecision.kind == "task")).first().task_id)
    finish_task(task, task.assignee, last + timedelta(days=2), "已完成，情况已录入台账")

    held = (now - timedelta(hours=2)).replace(second=0, microsecond=0)
    current = open_meeting(grid, lead, held, kind="grid_monthly", title=f"{grid.name} {held:%Y年%m月}网格例会",
                           held_at=held, place=f"{grid.parent.name}会议室")
    record_attendance(current, lead, held, {person.id for person in team})
    write_minutes(current, lead, held, minutes="研究本月超期和紧急案件。")
    overdue = (Case.select().where((Case.grid == grid.id) & Case.closed_at.is_null() & (Case.deadline < now))
               .order_by(Case.deadline, Case.id).first())
    if overdue is not None:
        try:
            decide(current, lead, now, kind="give_case", text="会议决定：专人负责，三日内办结", case=overdue,
                   person=rng.choice(members), due_at=now + timedelta(days=3), clock=clock)
        except WorkflowError:
            pass  # a case only its office may give (e.g. dispatched) stays on the agenda without a decision


def seed_meetings(rng, now, clock=None):
    """Meetings for every demo grid that has a lead, and a joint meeting per community; returns how many."""
    count = 0
    for grid in OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active).order_by(OrgUnit.id):
        team = _team(grid)
        lead = next((person for person in team if person.role == "lead"), None)
        if lead is None:
            continue
        _grid_meetings(rng, grid, lead, team, now, clock)
        count += 2
    for community in OrgUnit.select().where((OrgUnit.kind == "community") & OrgUnit.active).order_by(OrgUnit.id):
        office = User.select().where(User.active & (User.role == "dispatcher") & (User.org == community.id)).first()
        if office is None:
            continue
        held = (now - timedelta(days=10)).replace(hour=9, minute=30, second=0, microsecond=0)
        joint = open_meeting(community, office, held, kind="joint_quarterly",
                             title=f"{community.name} 第{(held.month - 1) // 3 + 1}季度联席会议", held_at=held,
                             place=f"{community.name}党群服务中心")
        write_minutes(joint, office, held + timedelta(hours=2), minutes="各职能部门通报办理情况，协调解决跨部门难题。",
                      guests="派出所、城管中队、环卫所、物业公司代表")
        decide(joint, office, held + timedelta(hours=2), kind="note", text=rng.choice(NOTES))
        close_meeting(joint, office, held + timedelta(hours=2))
        count += 1
    return count
