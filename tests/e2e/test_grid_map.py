"""The grid map on a phone and a tablet, with no network beyond the app: outline, buildings, case dots."""
from datetime import datetime, timedelta

from app.seed import building_point, grid_polygon
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, new_case, stop_clock
from workflows.models import Building, OrgUnit
from workflows.service import fire

MONDAY = datetime(2026, 3, 2, 9, 0)
PHONE = {"width": 390, "height": 844}


def test_the_map_draws_the_grid_offline_with_buildings_and_case_dots(live_server, page, browser, app, app_world,
                                                                     artifact):
    stop_clock(app, MONDAY + timedelta(hours=23))
    OrgUnit.update(polygon=grid_polygon(1, 1)).where(OrgUnit.id == app_world.g1.id).execute()
    grid = OrgUnit.get_by_id(app_world.g1.id)
    lat, lng = building_point(grid, 0, 1)
    Building.update(lat=lat, lng=lng).where(Building.id == app_world.b1.id).execute()
    late = new_case(app_world, at=MONDAY - timedelta(hours=2), lat=lat + 0.0004, lng=lng + 0.0005)  # past 24 h: red
    soon = new_case(app_world, at=MONDAY, lat=lat - 0.0003, lng=lng + 0.0008)  # 23 of 24 hours: yellow
    fresh = new_case(app_world, at=MONDAY + timedelta(hours=22), lat=lat, lng=lng - 0.0007)  # green
    closed = new_case(app_world, at=MONDAY, lat=lat, lng=lng)
    fire(closed, "void", app_world.lead, MONDAY + timedelta(hours=1), void_kind="invalid", reason="不属实")

    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    sign_in(page, live_server.url, "lead", PASSWORD)
    page.goto(f"{live_server.url}/grids/G1/map")
    svg = page.locator("#grid-map svg.grid-map")
    assert svg.is_visible() and svg.bounding_box()["width"] > 300
    assert page.locator(".grid-outline").count() == 1
    assert page.locator(".map-building").count() == 1
    lights = {int(dot.get_attribute("data-id")): dot.get_attribute("data-light")
              for dot in page.locator("circle.map-case").all()}
    assert lights == {late.id: "red", soon.id: "yellow", fresh.id: "green"}  # the closed case is not drawn
    page.screenshot(path=artifact(f"grid-map-{page.viewport_name}.png"), full_page=True)
    page.locator(f"circle.map-case[data-id='{late.id}']").click()
    page.wait_for_url(f"**/cases/{late.id}")
    assert outside == []

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True).new_page()
    phone.goto(f"{live_server.url}/g/G1")
    outline = phone.locator("#grid-outline svg")
    assert outline.is_visible() and outline.bounding_box()["width"] <= PHONE["width"]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=artifact(f"grid-sign-outline-phone-{page.viewport_name}.png"), full_page=True)
    phone.context.close()
