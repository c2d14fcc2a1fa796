"""Composite scores, weights that must add up to 100, and monthly rankings frozen once published."""
from datetime import datetime

import pytest

from tests.unit.test_stats import CLOCK, MARCH, NOW, build_month, d, march
from workflows.errors import WorkflowError
from workflows.models import RankingPublication, ScoreWeights
from workflows.rankings import (
    DEFAULT_WEIGHTS,
    current_weights,
    publish,
    ranking,
    save_weights,
    score,
    validate_weights,
)
from workflows.service import fire


def test_default_weights_add_up_to_100():
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    assert validate_weights(DEFAULT_WEIGHTS) == DEFAULT_WEIGHTS


def test_weights_that_do_not_add_up_to_100_are_refused(world):
    wrong = dict(DEFAULT_WEIGHTS, close_rate=20)
    with pytest.raises(WorkflowError) as refused:
        save_weights(wrong, world.admin, NOW)
    assert refused.value.message == "The weights add up to %(total)s; they must add up to 100."
    assert refused.value.params == {"total": 105}
    with pytest.raises(WorkflowError):
        save_weights(dict(DEFAULT_WEIGHTS, close_rate="x"), world.admin, NOW)
    with pytest.raises(WorkflowError):
        save_weights(dict(DEFAULT_WEIGHTS, close_rate=-5, satisfaction_rate=35), world.admin, NOW)
    with pytest.raises(WorkflowError) as forbidden:
        save_weights(DEFAULT_WEIGHTS, world.supervisor, NOW)
    assert forbidden.value.code == "forbidden"
    assert ScoreWeights.select().count() == 0
    save_weights(dict(DEFAULT_WEIGHTS, close_rate=0, callback_rate=15), world.admin, NOW)
    assert current_weights()["callback_rate"] == 15


def test_composite_scores_by_hand(world):
    """Default weights: on-time disposal 20, on-time closing 20, closing 15, overdue 10 (1 − rate),
    rework 10 (1 − rate), decline 5 (1 − rate), extension 5 (1 − rate), satisfaction 15."""
    w = world
    build_month(w)
    t = march(w, ("grid", "community", "department"), keep_ids=False)
    # Grid 1: 0.8×20 + 0.4×20 + 0.6×15 + (1−0.2)×10 + (1−0.2)×10 + (1−0.25)×5 + 1×5 + 1×15
    #       = 16 + 8 + 9 + 8 + 8 + 3.75 + 5 + 15 = 72.75
    assert score(t["grid"][w.g1.id], DEFAULT_WEIGHTS) == 72.75
    # Grid 2: 0 + 0 + 1×15 + 1×10 + 1×10 + 1×5 + 1×5 + 0×15 = 45
    assert score(t["grid"][w.g2.id], DEFAULT_WEIGHTS) == 45.0
    # Grid 3: no dispatch and no call-back, so decline (5) and satisfaction (15) leave the score:
    # (0 + 0 + 0 + 0×10 + 1×10 + 1×5) / 80 × 100 = 18.75
    assert score(t["grid"][w.g3.id], DEFAULT_WEIGHTS) == 18.75
    # Community 1: 4/6×20 + 2/6×20 + 4/6×15 + 5/6×10 + 5/6×10 + 4/5×5 + 5 + 1/2×15
    #            = 13.333 + 6.667 + 10 + 8.333 + 8.333 + 4 + 5 + 7.5 = 63.1667
    assert score(t["community"][w.c1.id], DEFAULT_WEIGHTS) == 63.17
    # Sanitation: 1/3×20 + 1/3×20 + 2/3×15 + 2/3×10 + 2/3×10 + 1×5 + 1×5 + 1/2×15 = 54.1667
    assert score(t["department"][w.sanitation.id], DEFAULT_WEIGHTS) == 54.17
    # Police: no call-back (15 left out): (1×20 + 0 + 0 + 1×10 + 1×10 + 0.5×5 + 1×5) / 85 × 100 = 55.88
    assert score(t["department"][w.police.id], DEFAULT_WEIGHTS) == 55.88


def test_month_ranking_and_best_community(world):
    w = world
    build_month(w)
    data, publication = ranking(w.street, MARCH, NOW, CLOCK)
    assert publication is None
    assert [(r["name"], r["score"], r["rank"]) for r in data["grid"]] == [
        ("一网格", 72.75, 1), ("二网格", 45.0, 2), ("三网格", 18.75, 3)]
    assert [(r["name"], r["rank"]) for r in data["community"]] == [("一社区", 1), ("二社区", 2)]
    assert data["best_community"]["name"] == "一社区"
    # Departments serving the street (its own and the district's); one without cases has no rank.
    assert [(r["name"], r["rank"]) for r in data["department"]] == [
        ("派出所", 1), ("环卫所", 2), ("生态环境分局", None)]
    # February (not published: computed now) had one case, in grid 1, overdue in found at the month's
    # end: grid 1 ranked 1st then and now (change 0); the others had no rank, so no change.
    assert data["previous_basis"] == "computed"
    assert [(r["name"], r["change"]) for r in data["grid"]] == [("一网格", 0), ("二网格", None), ("三网格", None)]


def test_a_published_month_is_frozen_and_republished_only_with_a_reason(world):
    w = world
    cases = build_month(w)
    with pytest.raises(WorkflowError) as early:
        publish(w.street, MARCH, w.supervisor, d(31, 12), CLOCK)
    assert early.value.message == "Only a month that has ended can be published."
    with pytest.raises(WorkflowError) as forbidden:
        publish(w.street, MARCH, w.other_supervisor, NOW, CLOCK)
    assert forbidden.value.code == "forbidden"
    first = publish(w.street, MARCH, w.supervisor, NOW, CLOCK)
    assert first.version == 1
    frozen = RankingPublication.get_by_id(first.id).data
    # Afterwards H's verification is entered for 31 March 23:00 (a late entry for March): H is no
    # longer overdue at the month's end, so the live numbers change …
    h = cases["H"]
    fire(h, "verify", w.member, datetime(2026, 3, 31, 23, 0), note="补录核查")
    fire(h, "close", w.community, datetime(2026, 4, 11, 9, 0))
    live = march(w, ("department",), keep_ids=False)["department"][w.police.id]
    assert live.counts["due_close"] == 0
    # … but the published month shows what was published.
    data, publication = ranking(w.street, MARCH, datetime(2026, 4, 12), CLOCK)
    assert publication.id == first.id and data == frozen
    police = next(r for r in data["department"] if r["name"] == "派出所")
    assert police["score"] == 55.88
    # Publishing again needs a reason; the new version keeps it and the first stays in history.
    with pytest.raises(WorkflowError) as no_reason:
        publish(w.street, MARCH, w.supervisor, datetime(2026, 4, 12), CLOCK)
    assert no_reason.value.field == "reason"
    second = publish(w.street, MARCH, w.supervisor, datetime(2026, 4, 12), CLOCK, reason="补录核查，重新发布")
    assert (second.version, second.reason) == (2, "补录核查，重新发布")
    assert RankingPublication.select().count() == 2
    # Police now: on-time disposal 1/1 (20), overdue 0/1 (10), decline 1/2 (2.5 of 5), extension 0/1 (5);
    # nothing due for closing, so closing, on-time closing and rework leave the score: 37.5 / 40 = 93.75.
    police = next(r for r in second.data["department"] if r["name"] == "派出所")
    assert police["score"] == 93.75


def test_change_from_last_month_uses_the_published_ranking(world):
    from workflows.stats import month

    w = world
    build_month(w)
    publish(w.street, MARCH, w.supervisor, NOW, CLOCK)
    # April: only grid 2 has a case, closed on time; grid 1's April case G2 stays open, not due.
    april = month(2026, 4)
    from tests.factories import new_case

    case = new_case(w, grid=w.g2, actor=w.member_g2, at=datetime(2026, 4, 6, 9))
    fire(case, "handle", w.member_g2, datetime(2026, 4, 6, 10), note="处置")
    data, _ = ranking(w.street, april, datetime(2026, 5, 2), CLOCK)
    assert data["previous_basis"] == "published"
    g2 = next(r for r in data["grid"] if r["name"] == "二网格")
    assert g2["rank"] == 1 and g2["change"] == 1  # from 2nd in March to 1st
