"""In the browser: a tap whose answer htmx does not swap (503, 500, 429, a network failure) says so
in Chinese and keeps the card as it was; the next good answer clears the message. Pages load
without a 404 among their resources, and the account page signs out every device. (Chromium does
not report favicon requests to Playwright: tests/views/test_account_page.py checks the link.)"""
import pytest

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, new_case
from app.storage import LoginSession
from workflows.models import Case

MESSAGES = {
    503: "服务器暂时无法连接数据库",
    500: "服务器出错，操作可能没有完成",
    429: "短时间内操作过于频繁",
}


@pytest.mark.parametrize("status", sorted(MESSAGES))
def test_a_tap_the_server_cannot_answer_says_so_and_changes_nothing(live_server, page, app_world, status):
    case = new_case(app_world)
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/grids/G1/board")
    box = page.locator("#net-status")
    assert box.is_hidden()
    page.route("**/events/report", lambda route: route.fulfill(status=status, body="<p>error</p>",
                                                                headers={"Content-Type": "text/html"}))
    page.click(f"#case-{case.id} button[data-event=report]")
    box.wait_for(state="visible")
    assert MESSAGES[status] in box.inner_text()
    assert page.locator(f"#column-found #case-{case.id}").count() == 1  # nothing swapped
    assert Case.get_by_id(case.id).state == "found"
    # The server answers again: the tap goes through and the message goes.
    page.unroute("**/events/report")
    page.click(f"#case-{case.id} button[data-event=report]")
    page.locator(f"#column-reported #case-{case.id}").wait_for()
    assert box.is_hidden()


def test_a_tap_without_a_network_says_so(live_server, page, app_world):
    case = new_case(app_world)
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/grids/G1/board")
    page.route("**/events/report", lambda route: route.abort("internetdisconnected"))
    page.click(f"#case-{case.id} button[data-event=report]")
    page.locator("#net-status").wait_for(state="visible")
    assert "无法连接服务器" in page.inner_text("#net-status")
    assert Case.get_by_id(case.id).state == "found"


def test_pages_load_without_a_missing_file(live_server, page, app_world):
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.goto(f"{live_server.url}/g/G1")
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/grids/G1/board")
    page.wait_for_load_state("networkidle")
    assert missing == []


def test_signing_out_everywhere_from_the_account_page(live_server, page, browser, app_world):
    other = browser.new_context()
    desk = other.new_page()
    sign_in(desk, live_server.url, "member", PASSWORD)
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/account/password")
    assert page.locator("#devices tbody tr").count() == 2
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#sign-out-everywhere")
    page.wait_for_url("**/login")
    desk.goto(f"{live_server.url}/cases")
    assert "/login" in desk.url
    other.close()
    assert LoginSession.select().where(LoginSession.ended_at.is_null()).count() == 0
