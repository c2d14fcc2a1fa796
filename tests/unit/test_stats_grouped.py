"""The grouped statements (workflows.stats_grouped) give the numbers the case-by-case replay gives.

The fixture is the hand-computed month of tests/unit/test_stats.py (every kind of step: on the
spot, dispatch, decline, rework, extension, suspension, void, call-backs, a reopened case), judged
at its end and again in the middle of the month, and over a quarter; every dimension is compared,
counter by counter, with the charts' overview and the step durations.
"""
from datetime import datetime

import pytest

from tests.unit.test_stats import CLOCK, MARCH, NOW, build_month
from workflows import stats, stats_grouped
from workflows.models import Case
from workflows.stats import quarter

DIMENSIONS = ("grid", "community", "street", "category", "department", "person", "total")


def both(period, now, dimensions=DIMENSIONS):
    """(replayed, grouped) overview and tallies of every case."""
    replayed = stats.overview_and_tallies(stats.facts_for(Case.select(), period, now, CLOCK), dimensions)
    grouped = stats_grouped.overview_and_tallies(Case.select(), period, now, CLOCK, dimensions)
    return replayed, grouped


def assert_same(replayed, grouped):
    """Every counter, group, chart figure and step duration equal (averages to float rounding)."""
    (o1, t1), (o2, t2) = replayed, grouped
    assert dict(o1.per_day) == dict(o2.per_day)
    assert o1.per_category == o2.per_category
    assert o1.funnel == o2.funnel
    assert {g: +c for g, c in o1.overdue.items()} == {g: +c for g, c in o2.overdue.items()}
    assert set(t1) == set(t2)
    for dim in t1:
        assert set(t1[dim]) == set(t2[dim]), dim
        for key in t1[dim]:
            assert +t1[dim][key].counts == +t2[dim][key].counts, (dim, key)
            for step in stats.STEP_LABELS:
                a, b = t1[dim][key].step(step), t2[dim][key].step(step)
                if a is None or b is None:
                    assert a == b, (dim, key, step)
                else:
                    assert a[0] == b[0] and a[2] == b[2], (dim, key, step)
                    assert a[1] == pytest.approx(b[1], rel=1e-12), (dim, key, step)


def test_month_at_its_end(world):
    build_month(world)
    replayed, grouped = both(MARCH, NOW)
    assert replayed[1]["total"]["total"].counts["recorded"] == 9  # the fixture is really there
    assert replayed[1]["total"]["total"].step("rectify") is not None
    assert_same(replayed, grouped)


@pytest.mark.parametrize("dimension", [d for d in DIMENSIONS if d != "total"])
def test_one_dimension_and_the_total_as_the_page_asks(world, dimension):
    """The statistics page asks for one dimension and the total: the total's step durations then
    come from that dimension's groups (org dimensions) or from their own scan (department, person)."""
    build_month(world)
    replayed, grouped = both(MARCH, NOW, (dimension, "total"))
    assert replayed[1]["total"]["total"].step("rectify") is not None
    assert_same(replayed, grouped)
    assert_same(*both(MARCH, NOW, ("total",)))
    assert_same(*both(MARCH, NOW, (dimension,)))


def test_month_in_its_middle_and_a_quarter(world):
    build_month(world)
    assert_same(*both(MARCH, datetime(2026, 3, 12, 15, 0)))
    assert_same(*both(quarter(2026, 1), NOW))


def test_a_scope_and_an_empty_month(world):
    build_month(world)
    scoped = Case.select().where(Case.grid == world.g1)
    replayed = stats.overview_and_tallies(stats.facts_for(scoped, MARCH, NOW, CLOCK), ("grid", "total"))
    assert_same(replayed, stats_grouped.overview_and_tallies(scoped, MARCH, NOW, CLOCK, ("grid", "total")))
    empty = stats.month(2025, 1)
    assert_same(*both(empty, NOW))


def test_kept_facts_follow_new_history(world):
    """Facts kept at the month's end are replayed again for the cases whose history grew."""
    from tests.factories import new_case
    from tests.unit.test_stats import d
    from workflows.models import StatsCut, StatsFact
    from workflows.service import fire

    cases = build_month(world)
    assert_same(*both(MARCH, NOW))
    kept = StatsCut.get()
    assert StatsFact.select().where(StatsFact.cut == kept).count() == 9
    fire(cases["C"], "rectify", world.handler, d(31, 10), note="终于整改")
    new_case(world, at=d(31, 11))
    replayed, grouped = both(MARCH, NOW)
    assert replayed[1]["total"]["total"].counts["recorded"] == 10
    assert_same(replayed, grouped)
    assert StatsCut.get().watermark > kept.watermark
    # A quarter ending elsewhere gets its own cut; a custom period ending with March widens this one.
    assert_same(*both(stats.custom(datetime(2026, 2, 1).date(), datetime(2026, 3, 31).date()), NOW))
    assert StatsCut.get(StatsCut.cut_at == datetime(2026, 4, 1)).covered_from.isoformat() == "2026-02-01"


def test_a_moment_before_kept_history_is_replayed(world):
    """Judged at a moment earlier than history already kept (a clock set back), the numbers still agree."""
    build_month(world)
    assert_same(*both(MARCH, NOW))
    assert_same(*both(MARCH, datetime(2026, 3, 20, 9, 0)))
