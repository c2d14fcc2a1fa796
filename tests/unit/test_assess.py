"""The 1000-point assessment of a hand-computed year (2025, judged on 5 January 2026).

Scheme of the street: on-time closing 300, rework 100, satisfaction 200, patrol coverage 100,
notices answered in time 100 (automatic: 800), a manual item 200 (= 1000), a deduction of at most
50 and a veto. Patrol rule: each member patrols once a month.

Grid 1: P handled on the spot and closed on time; Q a resident's report, reworked once, closed
satisfied; R a hotline case closed dissatisfied. All three closed on time: on-time 3/3 → 300;
reworked 1/3 → 100 × (1 − 1/3) = 66.67; satisfied 1 of 2 answered → 200 × 1/2 = 100. Its two
members owe 12 monthly patrols each (24); `member` patrolled in March and April → 100 × 2/24 = 8.33.
No notices → nothing to measure → 100. Manual: reviewed Q1 180 and Q2 160 → mean 170 (the lead's
self-evaluation of 190 does not count). Deductions reviewed Q3 20 + Q4 40 = 60, capped at 50 → −50.
Total 300 + 66.67 + 100 + 8.33 + 100 + 170 − 50 = 695.
Grid 2: S found and never handled (overdue at the year's end): on-time 0/1 → 0; rework 0/1 → 100;
no call-backs → 200; its member owes 12 patrols, did none → 0; no notices → 100; manual Q1 150 →
150. Total 550.
Grid 3: no cases, no patrollers: 300 + 100 + 200 + 100 + 100 + 0 = 800, but a reviewed veto (a
concealed major incident) makes it 0.
Ranks: grid 1, grid 2, grid 3.
"""
from datetime import datetime

import pytest

from tests.factories import new_case
from workflows import assess
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import PatrolRule
from workflows.patrols import end_patrol, start_patrol
from workflows.service import SystemActor, fire, open_case

NOW = datetime(2026, 1, 5, 9, 0)
CLOCK = Clock()


def t(month, day, hour, minute=0):
    return datetime(2025, month, day, hour, minute)


@pytest.fixture
def year(world):
    return build_year(world)


def build_year(w):
    """The scheme, its entries and the cases of the year described above."""
    PatrolRule.create(role="member", grid_type="", period="month", times=1)
    resident = SystemActor("resident", "居民")
    p = new_case(w, at=t(3, 3, 9))
    fire(p, "handle", w.member, t(3, 3, 10), note="清理")
    fire(p, "verify", w.lead, t(3, 3, 11), note="到位")
    fire(p, "close", w.community, t(3, 3, 15))
    q = open_case(w.g1, resident, t(3, 3, 9), category=w.litter, title="垃圾", source="resident")
    fire(q, "report", w.member, t(3, 3, 10))
    fire(q, "escalate", w.lead, t(3, 3, 11), reason="报社区")
    fire(q, "dispatch", w.community, t(3, 3, 14, 30), department=w.sanitation.id)
    fire(q, "rectify", w.handler, t(3, 4, 10), note="已清理")
    fire(q, "rework", w.member, t(3, 4, 11), reason="不到位")
    fire(q, "rectify", w.handler, t(3, 5, 9), note="再次清理")
    fire(q, "verify", w.member, t(3, 5, 10), note="到位")
    fire(q, "close", w.community, t(3, 5, 11), callback="satisfied")
    r = open_case(w.g1, resident, t(3, 4, 9), category=w.litter, title="噪声", source="hotline")
    fire(r, "handle", w.member, t(3, 4, 9, 30), note="处置")
    fire(r, "verify", w.lead, t(3, 4, 10), note="到位")
    fire(r, "close", w.community, t(3, 4, 11), callback="dissatisfied")
    new_case(w, grid=w.g2, actor=w.member_g2, at=t(3, 3, 9))
    for month in (3, 4):
        patrol = start_patrol(w.member, t(month, 10, 9))
        end_patrol(patrol, w.member, t(month, 10, 10))
    scheme = assess.scheme_for(w.street, 2025, w.street_disp, t(1, 2, 9))
    items = {}
    for key, kind, title, points, metric in (
        ("ontime", "auto", "按时办结", 300, "ontime_close_rate"),
        ("rework", "auto", "返工", 100, "rework_rate"),
        ("satisfaction", "auto", "满意度", 200, "satisfaction_rate"),
        ("patrol", "auto", "巡查覆盖", 100, "patrol_coverage"),
        ("notices", "auto", "督办按时回复", 100, "notice_reply_rate"),
        ("manual", "manual", "队伍建设", 200, None),
        ("deduction", "deduction", "投诉扣分", 50, None),
        ("veto", "veto", "瞒报重大事件", 0, None),
    ):
        items[key] = assess.add_item(scheme, w.street_disp, t(1, 2, 9), kind=kind, title=title, max_points=points,
                                     metric=metric)
    enter = assess.enter
    enter(items["manual"], w.g1, 1, "self", w.lead, t(4, 1, 9), points=190, note="自评")
    enter(items["manual"], w.g1, 1, "review", w.street_disp, t(4, 2, 9), points=180, note="复核")
    enter(items["manual"], w.g1, 2, "review", w.street_disp, t(7, 2, 9), points=160, note="复核")
    enter(items["manual"], w.g2, 1, "review", w.street_disp, t(4, 2, 9), points=150, note="复核")
    enter(items["deduction"], w.g1, 3, "review", w.street_disp, t(10, 2, 9), points=20, note="投诉一次")
    enter(items["deduction"], w.g1, 4, "review", w.street_disp, t(12, 20, 9), points=40, note="投诉两次")
    enter(items["veto"], w.g3, 4, "review", w.street_disp, t(12, 20, 9), vetoed=True, note="瞒报重大事件")
    return w, scheme, items, {"P": p, "Q": q, "R": r}


def by_name(data):
    return {row["name"]: row for row in data["rows"]}


def points(row):
    return {entry["title"]: entry["points"] for entry in row["items"]}


def test_the_hand_computed_year(year):
    w, scheme, items, cases = year
    assert assess.scored_total(scheme) == 1000
    data = assess.compute(scheme, NOW, CLOCK)
    rows = by_name(data)
    assert set(rows) == {"一网格", "二网格", "三网格"}  # grid 4 is in another street
    g1, g2, g3 = rows["一网格"], rows["二网格"], rows["三网格"]
    assert points(g1) == {"按时办结": 300.0, "返工": 66.67, "满意度": 100.0, "巡查覆盖": 8.33, "督办按时回复": 100.0,
                          "队伍建设": 170.0, "投诉扣分": -50, "瞒报重大事件": 0}
    assert [(e["numerator"], e["denominator"]) for e in g1["items"] if e["kind"] == "auto"] == [
        (3, 3), (1, 3), (1, 2), (2, 24), (0, 0)]
    assert g1["score"] == 695.0
    assert points(g2) == {"按时办结": 0.0, "返工": 100.0, "满意度": 200.0, "巡查覆盖": 0.0, "督办按时回复": 100.0,
                          "队伍建设": 150.0, "投诉扣分": 0, "瞒报重大事件": 0}
    assert g2["score"] == 550.0
    assert g3["vetoed"] and g3["score"] == 0.0
    assert [(row["name"], row["rank"]) for row in data["rows"]] == [("一网格", 1), ("二网格", 2), ("三网格", 3)]


def test_every_automatic_item_drills_down(year):
    w, scheme, items, cases = year
    kind, ids = assess.behind(items["rework"], w.g1, NOW, CLOCK)
    assert kind == "cases" and ids == {"reworked": [cases["Q"].id], "due_close": sorted(c.id for c in cases.values())}
    kind, ids = assess.behind(items["satisfaction"], w.g1, NOW, CLOCK)
    assert ids == {"satisfied": [cases["Q"].id], "callbacks": sorted([cases["Q"].id, cases["R"].id])}
    kind, ids = assess.behind(items["ontime"], w.g1, NOW, CLOCK)
    assert len(ids["closed_on_time"]) == 3
    kind, ids = assess.behind(items["patrol"], w.g1, NOW, CLOCK)
    assert kind == "patrols" and len(ids) == 2
    assert assess.behind(items["notices"], w.g1, NOW, CLOCK) == ("notices", [])


def test_publish_locks_and_corrections_leave_a_record(year):
    w, scheme, items, cases = year
    with pytest.raises(WorkflowError):
        assess.publish(scheme, w.street_disp, datetime(2025, 12, 31, 12), CLOCK)  # the year has not ended
    first = assess.publish(scheme, w.street_disp, NOW, CLOCK)
    assert first.version == 1 and by_name(first.data)["一网格"]["score"] == 695.0
    with pytest.raises(WorkflowError):
        assess.add_item(scheme, w.street_disp, NOW, kind="manual", title="新增", max_points=10)
    with pytest.raises(WorkflowError):  # a correction needs a reason
        assess.enter(items["manual"], w.g2, 2, "review", w.street_disp, NOW, points=200)
    assess.enter(items["manual"], w.g2, 2, "review", w.street_disp, NOW, points=200, reason="漏录二季度")
    data, publication = assess.result(scheme, NOW, CLOCK)
    assert publication.version == 1 and by_name(data)["二网格"]["score"] == 550.0  # frozen until published again
    with pytest.raises(WorkflowError):
        assess.publish(scheme, w.street_disp, NOW, CLOCK)
    second = assess.publish(scheme, w.street_disp, NOW, CLOCK, reason="更正二网格")
    assert second.version == 2 and by_name(second.data)["二网格"]["score"] == 575.0  # manual (150 + 200) / 2


def test_who_may_do_what(year):
    w, scheme, items, cases = year
    with pytest.raises(WorkflowError):
        assess.scheme_for(w.street, 2026, w.community, NOW)  # a community's office does not set the scheme
    with pytest.raises(WorkflowError):
        assess.enter(items["manual"], w.g1, 1, "review", w.lead, NOW, points=1)  # a lead does not review
    with pytest.raises(WorkflowError):
        assess.enter(items["manual"], w.g2, 1, "self", w.lead, NOW, points=1)  # nor evaluate another grid
    with pytest.raises(WorkflowError):
        assess.enter(items["ontime"], w.g1, 1, "review", w.street_disp, NOW, points=1)  # automatic
    with pytest.raises(WorkflowError):
        assess.enter(items["manual"], w.g1, 1, "review", w.street_disp, NOW, points=201)  # over the maximum
    with pytest.raises(WorkflowError):
        assess.enter(items["manual"], w.g4, 1, "review", w.street_disp, NOW, points=1)  # another street's grid


def test_a_scheme_that_does_not_add_up_is_not_published(year):
    w, scheme, items, cases = year
    assess.retire_item(items["manual"], w.street_disp, NOW)
    assert assess.scored_total(scheme) == 800
    with pytest.raises(WorkflowError):
        assess.publish(scheme, w.street_disp, NOW, CLOCK)


def test_visit_coverage_is_an_automatic_item_with_its_visits_behind_it(world):
    """Hand-computed: each grid of the registry world has one household (registered 2026-03-02). g1's is
    visited in Q1 and Q2 → 2 of 2 finished household-quarters on 2026-07-15 → 400 points; g2's never → 0 of 2
    → 0 points; g3 has no household → nothing to measure → full points."""
    from tests.registry_world import make_registry
    from workflows.visits import record_visit

    w = world
    reg = make_registry({"g1": w.g1, "g2": w.g2})
    first = record_visit(w.member, datetime(2026, 3, 10, 10), reg["g1"].household, found="身体好")
    second = record_visit(w.member, datetime(2026, 5, 10, 10), reg["g1"].household, found="身体好")
    scheme = assess.scheme_for(w.street, 2026, w.street_disp, datetime(2026, 1, 2, 9))
    item = assess.add_item(scheme, w.street_disp, datetime(2026, 1, 2, 9), kind="auto", title="走访覆盖",
                           max_points=400, metric="visit_coverage")
    now = datetime(2026, 7, 15, 12)
    rows = by_name(assess.compute(scheme, now, CLOCK))
    figures = {name: [(e["numerator"], e["denominator"], e["points"]) for e in row["items"]] for name, row in rows.items()}
    assert figures["一网格"] == [(2, 2, 400.0)] and figures["二网格"] == [(0, 2, 0.0)] and figures["三网格"] == [(0, 0, 400.0)]
    assert assess.behind(item, w.g1, now, CLOCK) == ("visits", [first.id, second.id])
