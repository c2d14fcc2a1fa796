"""Visit points on a phone (390×844): the lead links a person to the member's account from the people page,
the member records a visit, and the month ledger shows the line with its visit, without sideways scroll."""
from datetime import datetime

import pytest

from app.seed import seed_rules
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tests.registry_world import make_registry
from workflows.models import PointEntry, PointPerson, Visit
from workflows.points import add_person

MARCH_20 = datetime(2026, 3, 20, 9, 0)
WIDE_JS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(browser):
    """New pages at a phone's size, each in its own context (its own session)."""
    contexts = []

    def page():
        contexts.append(browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True))
        return contexts[-1].new_page()

    yield page
    for context in contexts:
        context.close()


def test_link_then_visit_then_ledger_on_a_phone(app, app_world, clock, live_server, phone, artifact):
    clock.set(MARCH_20)
    seed_rules()
    household = make_registry({"g1": app_world.g1})["g1"].household
    zhang = add_person(app_world.lead, MARCH_20, name="张网格员", kind="member", grid=app_world.g1)

    lead = phone()
    sign_in(lead, live_server.url, "lead", PASSWORD)
    lead.goto(f"{live_server.url}/points/people")
    form = lead.locator("#link-account")
    form.locator("select[name=person]").select_option(str(zhang.id))
    form.locator("select[name=user]").select_option(str(app_world.member.id))
    lead.screenshot(path=artifact("visit-points-people-phone.png"), full_page=True)
    assert lead.evaluate(WIDE_JS) <= 0
    assert form.locator("button[type=submit]").bounding_box()["height"] >= 44
    form.locator("button[type=submit]").click()
    lead.wait_for_load_state()
    assert "已关联账号" in lead.content()
    assert "member" in lead.locator(f"#person-{zhang.id}").inner_text()
    assert PointPerson.get_by_id(zhang.id).user_id == app_world.member.id

    member = phone()
    sign_in(member, live_server.url, "member", PASSWORD)
    member.goto(f"{live_server.url}/households/{household.id}/visits/new")
    member.fill("textarea[name=found]", "老人在家，身体尚可")
    member.locator("form[action$='/visits'] button[type=submit]").first.click()
    member.wait_for_url(lambda url: "/visits/" in url and "/new" not in url)
    assert "入户走访" in member.content()
    visit = Visit.get()
    assert PointEntry.get().visit_id == visit.id

    lead.goto(f"{live_server.url}/points/c/C1/2026-03")
    link = lead.locator(f"a[href='/visits/{visit.id}']")
    assert link.count() == 1
    lead.screenshot(path=artifact("visit-points-ledger-phone.png"), full_page=True)
    assert lead.evaluate(WIDE_JS) <= 0
