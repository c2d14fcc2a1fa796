"""Resolution level (小事不出网格、大事不出社区): the share of closed cases closed at each level.

The month of tests/unit/test_stats.py closes A and J at the grid (handled on the spot), B and D at
the community (B escalated by the lead's report, D reported by grid 2's lead... see there); this
file adds K, escalated to the street, and L, escalated on to the district, both in grid 1.
"""
from datetime import datetime

import pytest

from tests.factories import new_case
from tests.unit.test_stats import CLOCK, MARCH, NOW, build_month, d
from workflows import stats, stats_grouped
from workflows.models import Case
from workflows.service import fire


def escalated(w, levels, at):
    """A case of grid 1 reported by its lead (community level) and escalated `levels` times, then
    dispatched by the dispatcher of the level it reached, rectified, verified and closed."""
    case = new_case(w, actor=w.lead, at=at)
    fire(case, "report", w.lead, at.replace(hour=9, minute=10))
    triagers = [w.community, w.street_disp]
    for i in range(levels):
        fire(case, "escalate", triagers[i], at.replace(hour=9, minute=20 + i), reason="上报")
    top = [w.community, w.street_disp, w.district_disp][levels]
    department = w.sanitation if levels < 2 else w.district_env
    handler = w.handler if levels < 2 else w.env_handler
    fire(case, "dispatch", top, at.replace(hour=10), department=department.id)
    fire(case, "rectify", handler, at.replace(hour=11), note="整改")
    fire(case, "verify", w.lead, at.replace(hour=15), note="到位")
    fire(case, "close", w.street_disp if levels else w.community, at.replace(hour=16))  # the closing offices
    return case


@pytest.fixture
def month(world):
    cases = build_month(world)
    cases["K"] = escalated(world, 1, d(17, 9))
    cases["L"] = escalated(world, 2, d(18, 9))
    return cases


@pytest.mark.parametrize("grouped", [False, True])
def test_shares_per_level_for_the_street_and_per_grid(world, month, grouped):
    dims = ("grid", "total")
    if grouped:
        t = stats_grouped.tally(Case.select(), MARCH, NOW, CLOCK, dims)
    else:
        t = stats.tally(stats.facts_for(Case.select(), MARCH, NOW, CLOCK), dims)
    total = t["total"]["total"]
    # Closed: A, J (grid); B, D (community); K (street); L (district) = 6. E is voided: not closed.
    assert [total.counts[c] for c in ("closed", "closed_grid", "closed_community", "closed_street",
                                      "closed_district")] == [6, 2, 2, 1, 1]
    assert total.value("grid_level_share") == (2, 6, pytest.approx(1 / 3))
    assert total.value("district_level_share")[2] == pytest.approx(1 / 6)
    g1, g2 = t["grid"][world.g1.id], t["grid"][world.g2.id]
    # Grid 1: A, J at the grid, B at the community, K the street, L the district. Grid 2: D (community).
    assert [g1.counts[c] for c in ("closed", "closed_grid", "closed_community", "closed_street",
                                   "closed_district")] == [5, 2, 1, 1, 1]
    assert g2.value("community_level_share") == (1, 1, 1.0)
    assert g2.value("grid_level_share") == (0, 1, 0.0)
    assert t["grid"][world.g3.id].value("grid_level_share") == (0, 0, None)  # nothing closed: no share


def test_levels_follow_the_moment(world, month):
    """Judged before K and L are closed, they count at no level."""
    at_month_end = stats.tally(stats.facts_for(Case.select(), MARCH, datetime(2026, 3, 17, 12), CLOCK),
                               ("total",))["total"]["total"]
    # On the 17th at noon K is not yet closed (16:00) and L not yet recorded.
    assert at_month_end.counts["closed_street"] == 0 and at_month_end.counts["closed_district"] == 0
