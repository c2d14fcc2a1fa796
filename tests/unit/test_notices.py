"""Notices by hand, and answering them: only the addressee signs and replies, a supervisor concludes."""
from datetime import datetime, timedelta

import pytest

from tests.factories import T0, new_case
from workflows import notices
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent, Notice, NoticeEvent
from workflows.policy import addressed_notices, can, visible_notices
from workflows.service import fire
from workflows.sweep import sweep

CLOCK = Clock()
LATER = datetime(2026, 3, 9, 9)


def assigned(world):
    case = new_case(world, at=T0)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    fire(case, "dispatch", world.community, T0, clock=CLOCK, department=world.sanitation.id)
    return case


def test_a_supervisor_issues_by_hand_then_escalates_by_hand(world):
    case = assigned(world)  # not overdue yet: a supervisor may still press
    history = CaseEvent.select().where(CaseEvent.case == case.id).count()
    first = notices.issue_by_hand(case, world.supervisor, T0 + timedelta(hours=2), CLOCK, demand="  请两日内清运完毕。 ")
    assert (first.level, first.manual, first.issued_by_id, first.issued_by_name) == (
        1, True, world.supervisor.id, "supervisor")
    assert (first.addressee_department_id, first.issuer_org_id, first.demand) == (
        world.sanitation.id, world.street.id, "请两日内清运完毕。")
    assert first.number == "督〔2026〕第0001号" and first.reply_deadline == datetime(2026, 3, 3, 11)
    # A notice is not a case change: no history row, no new version.
    assert CaseEvent.select().where(CaseEvent.case == case.id).count() == history
    assert Case.get_by_id(case.id).version == history
    # The sweep does not repeat what the supervisor issued for this step.
    assert sweep(LATER, CLOCK).first == 0
    second = notices.issue_by_hand(case, world.supervisor, LATER, CLOCK)
    assert (second.level, second.addressee_org_id, second.number) == (2, world.street.id, "督〔2026〕第0002号")
    assert notices.bulletin(world.supervisor, 2026, 3) == [second]
    with pytest.raises(WorkflowError) as twice:
        notices.issue_by_hand(case, world.supervisor, LATER, CLOCK)
    assert twice.value.code == "duplicate"


def test_only_supervisors_in_scope_issue_and_never_on_closed_cases(world):
    case = assigned(world)
    for actor in (world.other_supervisor, world.street_disp, world.admin, world.handler):
        with pytest.raises(WorkflowError) as refused:
            notices.issue_by_hand(case, actor, T0, CLOCK)
        assert refused.value.code == "forbidden"
    closed = new_case(world)
    fire(closed, "void", world.lead, T0, clock=CLOCK, void_kind="invalid", reason="r")
    assert not can(world.supervisor, "case.issue_notice", closed)
    assert Notice.select().count() == 0


def test_only_the_addressee_signs_and_replies_and_a_supervisor_concludes(world):
    case = assigned(world)
    sweep(LATER, CLOCK)
    notice = Notice.get(Notice.case == case.id)
    for outsider in (world.police_handler, world.community, world.supervisor, world.lead, world.admin):
        with pytest.raises(WorkflowError) as refused:
            notices.act(notice, "sign", outsider, LATER)
        assert refused.value.code == "forbidden"
    assert notices.allowed_actions(world.handler, notice) == ["sign"]
    with pytest.raises(WorkflowError):
        notices.act(notice, "reply", world.handler, LATER, note="too early")  # sign first
    notice = notices.act(notice, "sign", world.handler, LATER + timedelta(minutes=5))
    assert (notice.status, notice.signed_at) == ("signed", LATER + timedelta(minutes=5))
    with pytest.raises(WorkflowError) as empty:
        notices.act(notice, "reply", world.handler, LATER)
    assert empty.value.field == "note"
    with pytest.raises(WorkflowError):
        notices.act(notice, "close", world.supervisor, LATER)  # nothing to conclude before a reply
    notice = notices.act(notice, "reply", world.handler, LATER + timedelta(hours=3), note="已清运完毕")
    assert (notice.status, notice.reply) == ("replied", "已清运完毕")
    with pytest.raises(WorkflowError):
        notices.act(notice, "close", world.other_supervisor, LATER)
    notice = notices.act(notice, "close", world.supervisor, LATER + timedelta(hours=4), note="核实无误")
    assert notice.status == "closed" and notices.notice_light(notice, LATER + timedelta(days=9)) is None
    trail = [(e.action, e.from_status, e.to_status, e.actor_id) for e in notices.history(notice)]
    assert trail == [("sign", "pending", "signed", world.handler.id), ("reply", "signed", "replied", world.handler.id),
                     ("close", "replied", "closed", world.supervisor.id)]


def test_a_stale_action_is_refused(world):
    case = assigned(world)
    sweep(LATER, CLOCK)
    seen = Notice.get(Notice.case == case.id)
    notices.act(seen, "sign", world.handler, LATER)
    with pytest.raises(WorkflowError) as stale:
        notices.act(seen, "sign", world.handler, LATER)  # the page still showed "pending"
    assert stale.value.code == "stale"
    assert NoticeEvent.select().count() == 1


def test_grid_and_office_addressees(world):
    found = new_case(world, at=T0)
    reported = new_case(world, at=T0)
    fire(reported, "report", world.lead, T0, clock=CLOCK)  # at the community
    sweep(LATER, CLOCK)
    to_grid = Notice.get(Notice.case == found.id)
    to_office = Notice.get(Notice.case == reported.id)
    assert can(world.lead, "notice.answer", to_grid) and not can(world.member, "notice.answer", to_grid)
    assert can(world.community, "notice.answer", to_office) and not can(world.lead, "notice.answer", to_office)
    assert not can(world.street_disp, "notice.answer", to_office)


def test_notice_light_and_who_sees_what(world):
    case = assigned(world)
    sweep(LATER, CLOCK)
    notice = Notice.get(Notice.case == case.id)
    assert notice.reply_deadline == datetime(2026, 3, 10, 9)
    assert notices.notice_light(notice, LATER) == "green"
    assert notices.notice_light(notice, notice.reply_warn_at) == "yellow"
    assert notices.notice_light(notice, notice.reply_deadline) == "red"
    # The department keeps seeing its notice after it declines the case.
    fire(case, "decline", world.handler, LATER, clock=CLOCK, reason="不归我们管")
    visible = lambda user: [n.id for n in visible_notices(user)]  # noqa: E731
    assert visible(world.handler) == [notice.id] and can(world.handler, "notice.view", notice)
    assert visible(world.police_handler) == [] and not can(world.police_handler, "notice.view", notice)
    assert visible(world.supervisor) == [notice.id] and visible(world.other_supervisor) == []
    assert visible(world.member) == [notice.id] and visible(world.member_g2) == []
    assert [n.id for n in addressed_notices(world.handler, visible_notices(world.handler))] == [notice.id]
