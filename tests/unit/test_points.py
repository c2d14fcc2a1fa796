"""Points: the seed's table as data, tip-offs counted once verified, published months locked,
corrections as new signed entries, quarterly sums and the yearly top 50."""
from datetime import date, datetime, timedelta

import pytest
from peewee import IntegrityError

from app.seed import POINT_RULES, seed_rules
from tests.factories import T0, new_case
from workflows.db import db
from workflows.errors import WorkflowError
from workflows.models import PointEntry, PointMonth, PointPerson, PointRule
from workflows.points import (
    add_person,
    add_rule,
    balances,
    month_ledger,
    publish_month,
    quarter_summary,
    record_correction,
    record_service,
    record_tipoff,
    yearly_ranking,
)
from workflows.service import fire

END = date(2030, 12, 31)


@pytest.fixture
def w(world):
    """The small world with the points table and two people of grid 1."""
    seed_rules()
    world.head = add_person(world.lead, T0, name="王楼长", kind="building_head", grid=world.g1, building=world.b1)
    world.volunteer = add_person(world.lead, T0, name="李志愿", kind="volunteer", grid=world.g1)
    world.errand = PointRule.get(PointRule.code == "R01")  # 2 points
    world.mediation = PointRule.get(PointRule.code == "R02")  # 3 points
    return world


def test_the_points_table_is_the_seeds():
    by_points = {}
    for _code, _section, name, points, kind in POINT_RULES:
        by_points.setdefault(points, []).append((name, kind))
    assert set(by_points) == {1, 2, 3, 5}
    assert by_points[1] == [("入户走访", "visit")]  # the household-visit item (issue 18)
    assert len(by_points[3]) == 3  # mediation, the vulnerable, hardship help
    assert by_points[5] == [(by_points[5][0][0], "tipoff")] and "违法建筑" in by_points[5][0][0]


def test_a_lead_records_a_service_with_date_and_evidence(w):
    entry = record_service(w.lead, w.head, w.errand, date(2026, 3, 1), T0, "为3单元独居老人疏通下水道，照片存档")
    assert (entry.points, entry.day, entry.community_id, entry.recorder_name) == (2, date(2026, 3, 1), w.c1.id, "lead")
    assert balances([w.c1.id], END) == {w.head.id: 2}
    with pytest.raises(WorkflowError) as future:
        record_service(w.lead, w.head, w.errand, date(2026, 3, 3), T0, "明天")
    assert future.value.field == "day"
    with pytest.raises(WorkflowError) as no_evidence:
        record_service(w.lead, w.head, w.errand, date(2026, 3, 1), T0, "  ")
    assert no_evidence.value.field == "evidence"
    for outsider in (w.lead_g2, w.member, w.community2, w.supervisor):
        with pytest.raises(WorkflowError) as refused:
            record_service(outsider, w.head, w.errand, date(2026, 3, 1), T0, "证明")
        assert refused.value.code == "forbidden"
    record_service(w.community, w.volunteer, w.mediation, date(2026, 3, 2), T0, "调解邻里漏水纠纷")
    assert PointEntry.select().count() == 2


def test_a_confirmed_tipoff_earns_five_points_exactly_once(w):
    """Counted only once the case is verified, from the verification on; never twice for one case."""
    case = new_case(w, category=w.complex, source="building_head", at=T0)
    entry = record_tipoff(w.lead, w.head, case, T0 + timedelta(minutes=30), "楼栋长反映1号楼顶私搭乱建")
    assert entry.points == 5 and entry.case_id == case.id
    ledger = month_ledger(w.c1, T0.date())
    assert [c.entry.id for c in ledger.pending] == [entry.id] and ledger.totals == []
    assert balances([w.c1.id], END).get(w.head.id, 0) == 0

    with pytest.raises(WorkflowError) as again:
        record_tipoff(w.community, w.volunteer, case, T0 + timedelta(hours=1), "另一人也报了")
    assert again.value.code == "duplicate" and again.value.params == {"name": "王楼长"}

    fire(case, "handle", w.member, T0 + timedelta(hours=1), note="已制止")
    assert balances([w.c1.id], END).get(w.head.id, 0) == 0  # handled is not yet confirmed
    verified_at = datetime(2026, 3, 3, 10, 0)
    fire(case, "verify", w.lead, verified_at, note="经核实属实")
    assert balances([w.c1.id], END) == {w.head.id: 5}
    assert balances([w.c1.id], date(2026, 3, 2)) == {}  # it counts from the verification on
    ledger = month_ledger(w.c1, T0.date())
    assert [(c.entry.id, c.counts_on) for c in ledger.items] == [(entry.id, date(2026, 3, 3))]
    assert ledger.pending == [] and [(t.person.name, t.points) for t in ledger.totals] == [("王楼长", 5)]

    # Verified a second time after a reopening: still five points.
    fire(case, "close", w.community, T0 + timedelta(days=2), callback="satisfied")
    fire(case, "reopen", w.supervisor, T0 + timedelta(days=3), reason="复查发现反弹")
    fire(case, "escalate", w.lead, T0 + timedelta(days=3, hours=1), reason="报社区")
    fire(case, "dispatch", w.community, T0 + timedelta(days=3, hours=2), department=w.police.id)
    fire(case, "rectify", w.police_handler, T0 + timedelta(days=4), note="已拆除")
    fire(case, "verify", w.member, T0 + timedelta(days=4, hours=2), note="核查到位")
    assert balances([w.c1.id], END) == {w.head.id: 5}

    # The database itself refuses a second tip-off entry for the case.
    with pytest.raises(IntegrityError), db.atomic():
        PointEntry.create(person=w.volunteer.id, grid=w.g1.id, community=w.c1.id, rule=entry.rule_id, points=5,
                          day=T0.date(), case=case.id, recorded_by=w.lead.id, recorder_name="x", recorder_role="lead",
                          recorded_at=T0)
    assert PointEntry.select().count() == 1


def test_a_tipoff_needs_a_case_the_recorder_can_see(w):
    theirs = new_case(w, grid=w.g2, actor=w.member_g2)
    with pytest.raises(WorkflowError) as refused:
        record_tipoff(w.lead, w.head, theirs, T0, "别的网格的事件")
    assert refused.value.field == "case"
    assert PointEntry.select().count() == 0


def test_a_published_month_is_locked_and_a_correction_is_a_new_entry(w):
    """March is published on 2 April; a March edit is refused; a correction counts in April."""
    wrong = record_service(w.lead, w.head, w.mediation, date(2026, 3, 20), datetime(2026, 3, 20, 17, 0), "调解纠纷")
    record_service(w.lead, w.volunteer, w.errand, date(2026, 3, 21), datetime(2026, 3, 21, 17, 0), "代办医保")
    april_2 = datetime(2026, 4, 2, 9, 0)
    with pytest.raises(WorkflowError) as early:
        publish_month(w.community, w.c1, date(2026, 4, 1), april_2)
    assert early.value.message == "Only a month that has ended can be published."
    for outsider in (w.lead, w.community2, w.street_disp, w.supervisor):
        with pytest.raises(WorkflowError):
            publish_month(outsider, w.c1, date(2026, 3, 1), april_2)
    published = publish_month(w.community, w.c1, date(2026, 3, 15), april_2)
    assert (published.month, published.publisher_name) == (date(2026, 3, 1), "community")
    with pytest.raises(WorkflowError) as twice:
        publish_month(w.community, w.c1, date(2026, 3, 1), april_2)
    assert twice.value.code == "invalid_state"
    march_before = [(t.person.name, t.points) for t in month_ledger(w.c1, date(2026, 3, 1)).totals]

    with pytest.raises(WorkflowError) as locked:
        record_service(w.lead, w.head, w.errand, date(2026, 3, 31), april_2, "补登三月")
    assert locked.value.code == "locked" and locked.value.params == {"month": "2026-03"}
    assert PointEntry.select().count() == 2

    fix = record_correction(w.lead, wrong, "-1", "调解记为3分，实为代办服务2分", april_2)
    assert (fix.points, fix.day, fix.corrects_id, fix.rule_id) == (-1, date(2026, 4, 2), wrong.id, wrong.rule_id)
    assert PointEntry.get_by_id(wrong.id).points == 3  # the original is never changed
    march = month_ledger(w.c1, date(2026, 3, 1))
    assert [(t.person.name, t.points) for t in march.totals] == march_before == [("王楼长", 3), ("李志愿", 2)]
    assert march.published.id == published.id and [c.id for c in march.corrected[wrong.id]] == [fix.id]
    april = month_ledger(w.c1, date(2026, 4, 1))
    assert [(c.entry.id, c.entry.points) for c in april.items] == [(fix.id, -1)]
    assert balances([w.c1.id], END)[w.head.id] == 2
    for bad in ("0", "abc", "500"):
        with pytest.raises(WorkflowError) as refused:
            record_correction(w.lead, wrong, bad, "理由", april_2)
        assert refused.value.field == "points"
    with pytest.raises(WorkflowError):
        record_correction(w.lead_g2, wrong, "-1", "不是我的网格", april_2)
    # Another community's months are its own: community 2 is not locked by community 1's publication.
    assert not PointMonth.select().where(PointMonth.community == w.c2.id).exists()


def test_quarters_sum_months_and_totals_never_reset(w):
    for day, rule in ((date(2026, 1, 5), w.errand), (date(2026, 2, 5), w.mediation), (date(2026, 3, 5), w.errand),
                      (date(2026, 4, 5), w.errand)):
        record_service(w.lead, w.head, rule, day, datetime.combine(day, T0.time()), "服务")
    record_service(w.lead, w.volunteer, w.mediation, date(2025, 12, 30), datetime(2025, 12, 30, 9), "去年")
    months, published, rows = quarter_summary(w.c1, 2026, 1)
    assert months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)] and published == set()
    head = next(r for r in rows if r.person.id == w.head.id)
    assert head.months == {date(2026, 1, 1): 2, date(2026, 2, 1): 3, date(2026, 3, 1): 2}
    assert (head.points, head.cumulative) == (7, 7)
    assert [r.person.id for r in rows] == [w.head.id]  # the volunteer earned nothing in the quarter
    ranking = yearly_ranking([w.c1], 2026)
    assert [(r.person.name, r.points, r.cumulative) for r in ranking] == [("王楼长", 9, 9)]
    assert [(r.person.name, r.points, r.cumulative) for r in yearly_ranking([w.c1], 2025)] == [("李志愿", 3, 3)]
    record_service(w.lead, w.volunteer, w.errand, date(2026, 6, 1), datetime(2026, 6, 1, 9), "今年")
    volunteer = next(r for r in yearly_ranking([w.c1], 2026) if r.person.id == w.volunteer.id)
    assert (volunteer.points, volunteer.cumulative) == (2, 5)  # last year's 3 still count in the total


def test_the_yearly_ranking_is_the_top_50_with_shared_ranks(w):
    people = [PointPerson.create(name=f"志愿者{n:03d}", kind="volunteer", grid=w.g1.id, created_at=T0)
              for n in range(60)]
    for n, person in enumerate(people):
        for _ in range(n // 2 + 1):  # pairs of people with equal points: 30, 30, 29, 29, …
            record_service(w.lead, person, w.errand, date(2026, 5, 1), datetime(2026, 5, 1, 9), "保洁")
    ranking = yearly_ranking([w.c1], 2026)
    assert [r.rank for r in ranking[:5]] == [1, 1, 3, 3, 5]
    assert ranking[0].points == 60 and max(r.rank for r in ranking) <= 50
    assert len(ranking) == 50 and ranking[-1].rank == 49  # ranks 49 and 49 close the list
    # A tie at the edge stays whole.
    assert [(r.rank, r.points) for r in yearly_ranking([w.c1], 2026, limit=3)] == [(1, 60), (1, 60), (3, 58), (3, 58)]


def test_people_and_other_items(w):
    with pytest.raises(WorkflowError):
        add_person(w.lead, T0, name="别人", kind="volunteer", grid=w.g2)
    with pytest.raises(WorkflowError) as building:
        add_person(w.lead, T0, name="张", kind="volunteer", grid=w.g1, building=w.b2)
    assert building.value.field == "building"
    with pytest.raises(WorkflowError):
        add_rule(w.community, name="垃圾分类督导", points=2)
    rule = add_rule(w.street_disp, name="垃圾分类督导", points="2")
    assert (rule.section, rule.kind, rule.points) == ("other", "service", 2)
    record_service(w.lead, w.head, rule, T0.date(), T0, "督导垃圾分类一次")
    assert balances([w.c1.id], END) == {w.head.id: 2}
