"""The app in a real browser: sign in, see cases, change language; no request leaves 127.0.0.1."""
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, new_case


def test_sign_in_and_see_cases_offline(live_server, page, app_world, artifact):
    case = new_case(app_world)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/cases")
    assert page.locator(f"text={case.number}").is_visible()
    assert page.locator("h1").inner_text() == "事件"
    page.click(f"text={case.number}")
    page.wait_for_selector("#case-actions")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.htmx") == "object"
    page.screenshot(path=artifact(f"case-page-{page.viewport_name}.png"), full_page=True)
    page.click("button[value=en]")
    page.wait_for_selector("text=Handle on the spot")
    assert outside == []
