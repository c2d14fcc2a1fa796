"""A grid member records a visit on a phone in two taps from the room page and turns its need into a
case with one more; the visit pages and the memo book are photographed on a phone and a tablet."""
from datetime import date, datetime

from tests.e2e.conftest import sign_in
from tests.e2e.test_every_page_on_phones import TARGETS_JS
from tests.factories import PASSWORD, stop_clock
from tests.registry_world import make_registry
from workflows.models import Case, CaseLink, Visit
from workflows.visits import add_memo, end_memo, record_visit

NOW = datetime(2026, 3, 20, 9, 30)
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}


def fits(page):
    """No sideways scroll, and every action target big enough for a thumb."""
    small = page.evaluate(TARGETS_JS)
    assert small == [], small
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visit_on_a_phone_and_its_need_becomes_a_case(live_server, browser, app, app_world, artifact):
    stop_clock(app, NOW)
    registry = make_registry({"g1": app_world.g1, "g2": app_world.g2})
    household = registry["g1"].household
    record_visit(app_world.member2, datetime(2026, 3, 2, 10), household, found="老人独居")  # weekly: now overdue
    for text in ("楼道灯坏了", "垃圾清运不及时"):
        add_memo(app_world.member, NOW, app_world.g1, on=date(2026, 3, 18), category="facility", text_=text,
                 raised_by="3号楼居民")
    end_memo(app_world.lead, NOW, add_memo(app_world.lead, NOW, app_world.g1, on=date(2026, 3, 19),
                                           category="safety", text_="电动车楼道充电"), ending="agenda", note="例会")

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True).new_page()
    sign_in(phone, live_server.url, "member", PASSWORD)
    assert phone.locator("#my-overdue-visits").count() == 1  # the overdue visit on my work
    phone.screenshot(path=artifact("visits-my-work-phone.png"), full_page=True)
    phone.goto(f"{live_server.url}/registry/rooms/{household.room_id}")
    phone.locator(f"a[data-visit='{household.id}']").click()  # tap one
    phone.wait_for_url(f"**/households/{household.id}/visits/new")
    assert fits(phone)
    phone.locator("textarea[name=found]").fill("老人行动不便，独自在家")
    phone.locator("textarea[name=needs]").fill("希望申请助餐服务")
    phone.screenshot(path=artifact("visits-form-phone.png"), full_page=True)
    phone.locator("#save-visit").click()  # tap two
    phone.wait_for_url("**/visits/*")
    visit = Visit.select().order_by(Visit.id.desc()).first()
    assert (visit.member_id, visit.needs, visit.household_id) == (app_world.member.id, "希望申请助餐服务", household.id)
    assert fits(phone)
    phone.screenshot(path=artifact("visits-visit-phone.png"), full_page=True)
    phone.locator("#need-to-case button[type=submit]").click()  # the need becomes a case
    phone.wait_for_url("**/cases/*")
    case = Case.get()
    assert Visit.get_by_id(visit.id).case_id == case.id
    assert CaseLink.get(CaseLink.case == case.id).room_id == household.room_id
    assert case.title == "希望申请助餐服务"
    phone.goto(f"{live_server.url}/visits/{visit.id}")
    assert case.number in phone.locator("#visit-case").inner_text()
    for name, path in (("grid", "/grids/G1/visits"), ("memo", "/grids/G1/memo")):
        phone.goto(live_server.url + path)
        assert fits(phone), name
        phone.screenshot(path=artifact(f"visits-{name}-phone.png"), full_page=True)
    phone.context.close()

    tablet = browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True).new_page()
    sign_in(tablet, live_server.url, "lead", PASSWORD)
    for name, path in (("grid", "/grids/G1/visits"), ("memo", "/grids/G1/memo?show=all"),
                       ("today", "/grids/G1/today"), ("print", "/grids/G1/memo/2026-03/print"),
                       ("form", f"/households/{household.id}/visits/new")):
        tablet.goto(live_server.url + path)
        assert fits(tablet), name
        tablet.screenshot(path=artifact(f"visits-{name}-tablet.png"), full_page=True)
        if name == "print":  # the month's sheet lists every entry, ended or not
            assert tablet.locator("#memo-sheet tbody tr").count() == 3 and "例会" in tablet.content()
    tablet.context.close()
