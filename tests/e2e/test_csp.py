"""The strict Content-Security-Policy in a real browser: every page works and nothing is refused."""
import pytest

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, new_case


@pytest.fixture
def complaints(page):
    """The browser's console complaints about our security headers (CSP, Permissions-Policy)."""
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text else None)
    return seen


def test_pages_and_htmx_run_under_the_strict_policy(live_server, page, app_world, complaints):
    case = new_case(app_world)
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.id}")
    page.wait_for_selector("#case-actions")
    assert page.evaluate("typeof window.htmx") == "object"
    page.goto(f"{live_server.url}/cases")
    page.wait_for_timeout(200)
    assert complaints == []


def test_the_workflow_diagram_is_drawn_with_styles_but_no_inline_script(live_server, page, app_world, complaints,
                                                                         artifact):
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/workflow")
    page.wait_for_selector("#diagram svg g.node", timeout=15000)
    page.wait_for_timeout(200)
    page.screenshot(path=artifact(f"workflow-{page.viewport_name}.png"), full_page=True)
    assert page.locator("#diagram svg g.node").count() >= len(["found", "handled", "reported", "assigned",
                                                                 "rectified", "verified", "closed"])
    # Mermaid's own styles apply: a state box is not painted black.
    fill = page.eval_on_selector("#diagram svg g.node rect", "el => getComputedStyle(el).fill")
    assert fill not in ("rgb(0, 0, 0)", "none")
    assert complaints == []
