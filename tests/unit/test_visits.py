"""Visits and the memo book: due visits per frequency, event-driven visits, coverage numbers on a
hand-built grid, a need turned into a case (linked both ways), memo endings, and the policy."""
from datetime import date, datetime

import pytest

from tests.registry_world import AT, id_number, make_registry
from workflows import policy
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent, CaseLink, MemoEntry, Visit
from workflows.registry.service import add_household, record_death, save_person
from workflows.visits import (
    HOUSEHOLD_EVERY_DAYS,
    VISIT_EVERY,
    add_due,
    add_memo,
    coverage,
    end_memo,
    event_dues,
    household_plan,
    need_to_case,
    not_visited_for,
    overdue_for,
    record_visit,
)


@pytest.fixture
def reg(world):
    """g1: household A (an elderly person living alone: weekly) from the registry world, and a plain
    household B; g2's household for scope checks. All registered on 2026-03-02."""
    world.registry = make_registry({"g1": world.g1, "g2": world.g2})
    world.a = world.registry["g1"].household
    world.b = add_household(world.lead, AT, world.registry["g1"].room, number="B")
    save_person(world.lead, AT, world.b, name="平常户", id_number=id_number(date(1970, 2, 3), 901), sex="male")
    return world


def at(day, hour=10):
    return datetime(2026, 3, day, hour, 0)


def plan_of(world, today):
    return {item.household.id: item for item in household_plan(world.g1, today)}


def test_frequencies_come_from_the_groups_and_the_quarter(reg):
    assert VISIT_EVERY["elderly_alone"] == 7 and VISIT_EVERY["disabled"] == 30 and VISIT_EVERY["subsistence"] == 30
    assert "correction" not in VISIT_EVERY  # sensitive groups are not planned for the grid team
    plan = plan_of(reg, date(2026, 3, 5))
    a, b = plan[reg.a.id], plan[reg.b.id]
    assert (a.every_days, a.tags, a.due_on, a.status) == (7, ["elderly_alone"], date(2026, 3, 9), "due")
    assert (b.every_days, b.tags, b.due_on, b.status) == (HOUSEHOLD_EVERY_DAYS, [], date(2026, 6, 1), "ok")
    # A visit moves the next one on by the household's frequency.
    record_visit(reg.member, at(8), reg.a, found="身体还好")
    plan = plan_of(reg, date(2026, 3, 16))
    assert (plan[reg.a.id].due_on, plan[reg.a.id].status) == (date(2026, 3, 15), "overdue")
    assert plan[reg.a.id].last_member_id == reg.member.id


def test_coverage_numbers_on_a_hand_built_grid(reg):
    record_visit(reg.member, at(3), reg.a, found="independent", kind="attention")
    record_visit(reg.member2, at(4), reg.b, found="一切正常")
    cov = coverage(reg.g1, date(2026, 3, 20), date(2026, 3, 1), date(2026, 3, 31))
    # A was due on 3/10 (3/3 + 7 days): overdue, and the member who last visited answers for it.
    assert (cov.households, cov.done, cov.visited_households, cov.overdue, cov.due) == (2, 2, 2, 1, 0)
    members = {user.username: (done, overdue) for user, done, overdue in cov.members}
    assert members == {"lead": (0, 0), "member": (1, 1), "member2": (1, 0)}
    record_visit(reg.member, at(15), reg.a, found="送药上门")
    cov = coverage(reg.g1, date(2026, 3, 20), date(2026, 3, 1), date(2026, 3, 31))
    assert (cov.done, cov.visited_households, cov.overdue, cov.due) == (3, 2, 0, 1)  # A due 3/22: within a week
    assert coverage(reg.g1, date(2026, 3, 20), date(2026, 3, 10), date(2026, 3, 14)).done == 0
    # Households not visited for 10 days on 3/20: B (last 3/4), not A (3/15).
    assert [item.household.id for item in not_visited_for(reg.g1, date(2026, 3, 20), 10)] == [reg.b.id]
    assert coverage(reg.g2, date(2026, 3, 20), date(2026, 3, 1), date(2026, 3, 31)).done == 0


def test_event_visits_by_hand_and_from_the_registry(reg):
    record_visit(reg.member, at(4), reg.b, found="正常")
    due = add_due(reg.lead, at(5), reg.b, reason="hospital", due_on=date(2026, 3, 12), note="住院出院")
    events = event_dues(reg.g1, date(2026, 3, 13))
    assert [(e.household_id, e.reason, e.status) for e in events] == [(reg.b.id, "hospital", "overdue")]
    assert events[0].row.id == due.id  # the visit of 3/4 came before the event: it does not count
    assert [h.id for _d, h, _r in overdue_for(reg.member, date(2026, 3, 13))].count(reg.b.id) == 1
    record_visit(reg.member2, at(13), reg.b, found="恢复良好", kind="event")
    assert event_dues(reg.g1, date(2026, 3, 13)) == []
    # A death recorded in the registry makes a bereavement visit due within a week.
    record_death(reg.community, at(14), reg.registry["g1"].other, on=date(2026, 3, 14), reason="家属告知")
    events = event_dues(reg.g1, date(2026, 3, 22))
    assert [(e.household_id, e.reason, e.due_on, e.status) for e in events] == [
        (reg.a.id, "bereavement", date(2026, 3, 21), "overdue")]
    with pytest.raises(WorkflowError):  # a due date in the past
        add_due(reg.lead, at(15), reg.b, reason="hardship", due_on=date(2026, 3, 1))
    with pytest.raises(WorkflowError):
        add_due(reg.lead, at(15), reg.b, reason="party", due_on=date(2026, 3, 20))


def test_a_visit_is_checked(reg):
    with pytest.raises(WorkflowError):  # nothing written
        record_visit(reg.member, at(3), reg.a)
    with pytest.raises(WorkflowError):  # another grid's member
        record_visit(reg.member_g2, at(3), reg.a, found="x")
    with pytest.raises(WorkflowError):  # a person of another household
        record_visit(reg.member, at(3), reg.b, found="x", person=reg.registry["g1"].head)
    with pytest.raises(WorkflowError):
        record_visit(reg.member, at(3), reg.a, found="x", kind="party")
    with pytest.raises(WorkflowError):
        record_visit(reg.member, at(3), reg.a, found="x", at=at(4))  # in the future
    with pytest.raises(WorkflowError):
        record_visit(reg.member, at(3), reg.a, found="x", lat=91.0, lng=120.0)
    with pytest.raises(WorkflowError):  # a supervisor sees visits, does not make them
        record_visit(reg.supervisor, at(3), reg.a, found="x")
    visit = record_visit(reg.community, at(3), reg.a, found="x", lat=30.27, lng=120.15)
    assert (visit.member_id, visit.grid_id, visit.lat) == (reg.community.id, reg.g1.id, 30.27)


def test_a_need_becomes_a_case_linked_both_ways(reg):
    head = reg.registry["g1"].head
    visit = record_visit(reg.member, at(3), reg.a, person=head, found="独居", needs="申请助餐服务\n每天午餐")
    case = need_to_case(reg.member, at(3, 11), visit, category=reg.litter.id)
    visit = Visit.get_by_id(visit.id)
    assert (visit.case_id, visit.case_by_id, visit.case_at) == (case.id, reg.member.id, at(3, 11))
    assert case.title == "申请助餐服务" and case.grid_id == reg.g1.id and case.state == "found"
    assert CaseLink.get(CaseLink.case == case.id).person_id == head.id
    assert CaseEvent.select().where(CaseEvent.case == case.id).count() == 1
    with pytest.raises(WorkflowError):  # once
        need_to_case(reg.member, at(3, 12), visit, category=reg.litter.id)
    plain = record_visit(reg.member, at(4), reg.b, found="正常")
    with pytest.raises(WorkflowError):  # no need raised
        need_to_case(reg.member, at(4), plain, category=reg.litter.id)
    other = record_visit(reg.member, at(4), reg.b, needs="路灯不亮")
    with pytest.raises(WorkflowError):  # another grid's member
        need_to_case(reg.member_g2, at(4), other, category=reg.litter.id)
    case = need_to_case(reg.lead, at(4), other, category=reg.litter.id)
    assert CaseLink.get(CaseLink.case == case.id).room_id == reg.b.room_id  # no person: the household's room
    assert Case.select().count() == 2


def test_memo_entries_end_once_in_every_ending(reg):
    entries = [add_memo(reg.member, at(5), reg.g1, on=date(2026, 3, 5), category="environment", text_=t,
                        raised_by="3号楼居民") for t in ("楼道灯坏了", "垃圾清运不及时", "希望增设健身器材")]
    resolved = end_memo(reg.member, at(6), entries[0], ending="resolved", note="已联系物业更换")
    case = end_memo(reg.lead, at(6), entries[1], ending="case", category=reg.litter.id)
    agenda = end_memo(reg.lead, at(6), entries[2], ending="agenda", note="下次网格例会")
    assert (resolved.ending, resolved.ending_note, resolved.ended_by_id) == ("resolved", "已联系物业更换", reg.member.id)
    assert case.ending == "case" and Case.get_by_id(case.case_id).title == "垃圾清运不及时"
    assert (agenda.ending, agenda.ended_at) == ("agenda", at(6))
    with pytest.raises(WorkflowError):
        end_memo(reg.lead, at(7), entries[2], ending="resolved", note="again")
    fresh = add_memo(reg.member, at(7), reg.g1, on=date(2026, 3, 7), category="safety", text_="消防通道堆物")
    with pytest.raises(WorkflowError):  # resolved: say how
        end_memo(reg.member, at(7), fresh, ending="resolved", note="")
    with pytest.raises(WorkflowError):  # another grid
        end_memo(reg.lead_g2, at(7), fresh, ending="agenda")
    with pytest.raises(WorkflowError):  # a day still to come
        add_memo(reg.member, at(7), reg.g1, on=date(2026, 3, 8), category="safety", text_="x")
    with pytest.raises(WorkflowError):
        add_memo(reg.member, at(7), reg.g1, on=date(2026, 3, 7), category="gossip", text_="x")
    with pytest.raises(WorkflowError):
        add_memo(reg.handler, at(7), reg.g1, on=date(2026, 3, 7), category="safety", text_="x")
    assert MemoEntry.select().where(MemoEntry.ending.is_null()).count() == 1


def test_policy_for_visits_and_the_memo_book(reg):
    g1, g2 = reg.g1, reg.g2
    for user, view, record in ((reg.member, True, True), (reg.lead, True, True), (reg.member_g2, False, False),
                               (reg.community, True, True), (reg.street_disp, True, False),
                               (reg.supervisor, True, False), (reg.handler, False, False), (reg.admin, True, False),
                               (reg.community2, False, False)):
        assert policy.can(user, "visit.view", g1) is view, user.username
        assert policy.can(user, "memo.view", g1) is view, user.username
        assert policy.can(user, "visit.record", reg.a) is record, user.username
        assert policy.can(user, "memo.end", g1) is record, user.username
    assert policy.can(reg.member_g2, "visit.record", g2)


def test_quarterly_coverage_counts_households_visited_in_each_finished_quarter(reg):
    """Hand-computed: g1 has two households from 2026-03-02 (A and B). Q1: A visited (twice), B not → 1 of 2;
    Q2: both visited → 2 of 2; Q3 still running on 2026-08-15 → not counted. g2: one household, never
    visited → 0 of 2. A household registered in Q2 is due from Q2 on."""
    from workflows.visits import quarterly_coverage, visits_in_year

    w = reg
    record_visit(w.member, at(10), w.a, found="身体好")
    record_visit(w.member, at(20), w.a, found="身体好")
    record_visit(w.member, datetime(2026, 4, 8, 9), w.a, found="身体好")
    record_visit(w.lead, datetime(2026, 6, 30, 17), w.b, found="在家")
    record_visit(w.member, datetime(2026, 7, 3, 9), w.b, found="在家")  # Q3: not finished
    now = datetime(2026, 8, 15, 12)
    figures = quarterly_coverage([w.g1.id, w.g2.id], 2026, now)
    assert figures == {w.g1.id: (3, 4), w.g2.id: (0, 2)}
    late = add_household(w.lead, datetime(2026, 5, 1, 9), w.registry["g1"].room, number="C")
    assert late.id and quarterly_coverage([w.g1.id], 2026, now) == {w.g1.id: (3, 5)}
    assert quarterly_coverage([w.g1.id], 2026, datetime(2026, 3, 31, 12)) == {w.g1.id: (0, 0)}  # none finished
    assert len(visits_in_year(w.g1.id, 2026, now)) == 5
