"""The ranking page flags grids and departments below the satisfaction threshold, names them in the
通报 section, and shows the street's resolution level; the threshold comes from the configuration."""
import re

import pytest

from tests.factories import stop_clock
from tests.unit.test_stats import NOW, build_month


@pytest.fixture
def month_world(app, app_world):
    stop_clock(app, NOW)
    app_world.cases = build_month(app_world)
    return app_world


def test_below_threshold_named_and_flagged(app, login, month_world):
    html = login("supervisor").get(f"/stats/rankings?scope={month_world.street.id}&month=2026-03").get_data(as_text=True)
    bulletin = re.search(r'<section id="bulletin-satisfaction".*?</section>', html, re.S).group(0)
    assert "85%" in bulletin and "二网格" in bulletin and "环卫所" in bulletin and "一网格" not in bulletin
    grids = re.search(r'<section id="ranking-grid".*?</section>', html, re.S).group(0)
    flagged = re.findall(r'<th scope="row">([^<]+)<span class="badge warn below-threshold"', grids)
    assert [name.strip() for name in flagged] == ["二网格"]
    levels = re.search(r'<section id="bulletin-levels".*?</section>', html, re.S).group(0)
    assert "50.0% (2/4)" in levels  # A and J at the grid, of 4 closed


def test_threshold_from_configuration(app, login, month_world):
    app.config["SATISFACTION_THRESHOLD"] = 30
    html = login("supervisor").get(f"/stats/rankings?scope={month_world.street.id}&month=2026-03").get_data(as_text=True)
    bulletin = re.search(r'<section id="bulletin-satisfaction".*?</section>', html, re.S).group(0)
    assert "30%" in bulletin and "二网格" in bulletin and "环卫所" not in bulletin
