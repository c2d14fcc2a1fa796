"""The statistics page in Chromium: charts drawn from data attributes, tables beside them, numbers that
open their cases; screenshots kept as test artifacts. No request leaves 127.0.0.1."""
import pytest

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, stop_clock
from tests.unit.test_stats import NOW, build_month


@pytest.fixture
def month_world(app, app_world):
    stop_clock(app, NOW)
    app_world.cases = build_month(app_world)
    return app_world


def test_statistics_page_draws_its_charts(live_server, page, month_world, artifact):
    outside, errors = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "street_disp", PASSWORD)
    page.goto(f"{live_server.url}/stats?kind=month&month=2026-03&dimension=grid")
    expect(page.locator("[data-drawn]")).to_have_count(5)
    assert page.locator(".chart canvas").count() >= 5
    assert page.locator("#heat-table td.heat-5").count() >= 1
    page.screenshot(path=artifact(f"stats-{page.viewport_name}.png"), full_page=True)
    # A chart's table is one click away.
    page.locator(".chart-card details summary").first.click()
    assert page.locator(".chart-card details[open] table").first.is_visible()
    # Choosing another dimension swaps the statistics in and draws the new charts.
    page.select_option("select[name=dimension]", "department")
    page.click(".stats-filter button[type=submit]")
    page.wait_for_selector("#dimension-table th:has-text('环卫所')")
    expect(page.locator("[data-drawn]")).to_have_count(5)
    page.screenshot(path=artifact(f"stats-department-{page.viewport_name}.png"), full_page=True)
    # Clicking a number lists the cases behind it.
    page.locator("#dimension-counts tr", has_text="环卫所").locator("td[data-counter=overdue_undisposed] a").click()
    page.wait_for_selector("#behind")
    assert page.locator("#behind tbody tr").count() == 1
    assert month_world.cases["C"].number in page.locator("#behind").inner_text()
    assert outside == [] and errors == []


def test_rankings_page(live_server, page, month_world, artifact):
    sign_in(page, live_server.url, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/stats/rankings?month=2026-03")
    assert "本月最佳社区：一社区" in page.locator("#best-community").inner_text()
    page.click("#publish button[type=submit]")
    page.wait_for_selector("#ranking-status.published")
    page.screenshot(path=artifact(f"rankings-{page.viewport_name}.png"), full_page=True)
