"""The satisfaction threshold (default 85%): grids and departments below it are flagged in the monthly
ranking and named in its 通报; the ranking also carries the scope's resolution level.

March of tests/unit/test_stats.py: grid 1's answered call-backs are B (satisfied; J could not be
reached) = 1/1; grid 2's are D (dissatisfied) = 0/1; grid 3 has none. Sanitation had B and D:
1/2 = 50%; the police's H is not closed, so no call-back: never flagged for want of call-backs.
"""
from tests.unit.test_stats import CLOCK, MARCH, NOW, build_month
from workflows.rankings import publish, ranking


def flags(rows):
    return {r["name"]: (r["satisfaction"], r["below_threshold"]) for r in rows}


def test_default_threshold_flags_grid_2_and_sanitation(world):
    build_month(world)
    data, _ = ranking(world.street, MARCH, NOW, CLOCK)
    assert data["threshold"] == 85
    assert flags(data["grid"]) == {"一网格": ([1, 1], False), "二网格": ([0, 1], True), "三网格": ([0, 0], False)}
    assert flags(data["department"])["环卫所"] == ([1, 2], True)
    assert flags(data["department"])["派出所"] == ([0, 0], False)
    assert data["below_threshold"] == {"grid": ["二网格"], "department": ["环卫所"]}
    # Resolution level of the street: A and J closed at the grid, B and D at the community.
    assert data["levels"]["grid_level_share"] == [2, 4]
    assert data["levels"]["community_level_share"] == [2, 4]
    assert data["levels"]["street_level_share"] == [0, 4]


def test_threshold_is_configurable_and_frozen_when_published(world):
    build_month(world)
    data, _ = ranking(world.street, MARCH, NOW, CLOCK, threshold=50)
    # Exactly 50% is not below 50%.
    assert data["below_threshold"] == {"grid": ["二网格"], "department": []}
    published = publish(world.street, MARCH, world.street_disp, NOW, CLOCK, threshold=40)
    assert published.data["threshold"] == 40 and published.data["below_threshold"]["grid"] == ["二网格"]
    again, publication = ranking(world.street, MARCH, NOW, CLOCK, threshold=99)
    assert publication is not None and again["threshold"] == 40  # the published month keeps its threshold
