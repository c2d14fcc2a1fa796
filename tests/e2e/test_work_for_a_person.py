"""A lead gives a case to a member on a tablet; the member's phone opens on it, first of their work."""
from datetime import datetime, timedelta

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, new_case, stop_clock
from workflows.models import Case, CaseEvent
from workflows.work import give_task

MONDAY = datetime(2026, 3, 2, 9, 30)
PHONE = {"width": 390, "height": 844}


def test_a_lead_gives_a_case_and_the_member_sees_it_first(live_server, page, browser, app, app_world, artifact):
    stop_clock(app, MONDAY)
    case = new_case(app_world, actor=app_world.member2, at=MONDAY - timedelta(minutes=20))
    new_case(app_world, actor=app_world.member, at=MONDAY - timedelta(minutes=10))  # the member's own, due later
    give_task(app_world.lead, app_world.g1, app_world.member, MONDAY, title="核查3号楼消防通道",
              due_at=MONDAY + timedelta(hours=8))

    sign_in(page, live_server.url, "lead", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.id}")
    give = page.locator("details.action", has=page.locator("form[action$='/events/give']"))
    give.locator("summary").click()
    form = give.locator("form")
    form.locator("select[name=holder]").select_option(str(app_world.member.id))
    form.locator("input[name=due]").fill("2026-03-02T11:00")
    form.locator("textarea[name=instructions]").fill("11点前到现场核实")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".holder")
    assert "member" in page.locator(".case-status .holder").inner_text()
    assert Case.get_by_id(case.id).holder_id == app_world.member.id
    assert CaseEvent.get((CaseEvent.case == case.id) & (CaseEvent.event == "give")).actor_id == app_world.lead.id
    page.screenshot(path=artifact(f"work-give-{page.viewport_name}.png"), full_page=True)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True).new_page()
    sign_in(phone, live_server.url, "member", PASSWORD)
    assert phone.url.endswith("/work")
    first = phone.locator("#my-work > li").first
    assert first.get_attribute("data-kind") == "held" and case.number in first.inner_text()
    assert [item.get_attribute("data-kind") for item in phone.locator("#my-work > li").all()] == [
        "held", "task", "found"]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=artifact(f"work-mine-phone-{page.viewport_name}.png"), full_page=True)
    first.locator("a.work-link").click()
    phone.wait_for_url(f"**/cases/{case.id}")
    phone.context.close()
