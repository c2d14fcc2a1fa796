"""代办 in a real browser: a grid member applies for a resident on a phone from the resident's page, the
community's service centre accepts on a tablet, and the resident follows the application by its code on
a phone — each page fits its screen and every action is big enough for a thumb."""
from datetime import datetime

from tests.e2e.conftest import sign_in
from tests.e2e.test_visits_phone import PHONE, TABLET, fits
from tests.factories import PASSWORD, stop_clock
from tests.registry_world import make_registry
from workflows import services
from workflows.models import Application, ApplicationEvent

NOW = datetime(2026, 3, 20, 9, 30)


def test_an_application_from_the_phone_to_the_community_and_back_to_the_resident(live_server, browser, app,
                                                                                  app_world, artifact):
    stop_clock(app, NOW)
    w = app_world
    person = make_registry({"g1": w.g1, "g2": w.g2})["g1"].head
    kind = services.save_kind(w.admin, NOW, code="dibao", name="最低生活保障", documents=["身份证", "户口簿"],
                              steps=["accept", "review", "approve"], limits={}, notice_days=7)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True).new_page()
    sign_in(phone, live_server.url, "member", PASSWORD)
    phone.goto(f"{live_server.url}/registry/people/{person.id}")
    phone.locator("#apply-service").click()
    phone.locator("#service-kinds a", has_text="最低生活保障").click()
    phone.wait_for_selector("#service-form")
    assert fits(phone)
    phone.locator("textarea[name=need]").fill("老人独居，收入低于标准，申请低保")
    phone.locator("#service-form label.check", has_text="身份证").click()
    phone.screenshot(path=artifact("services-new-phone.png"), full_page=True)
    phone.locator("#service-form button[type=submit]").click()
    phone.wait_for_selector("#application-state")
    application = Application.get()
    assert (application.person_id, application.kind_id, application.state) == (person.id, kind.id, "record")
    assert application.documents == ["身份证"] and application.recorded_by_id == w.member.id
    # The second document arrives; the member sends the application on to the community.
    phone.locator("#documents-form label.check", has_text="户口簿").click()
    phone.locator("#documents-form button.primary").click()
    phone.wait_for_selector("#application-state[data-state=accept]")
    assert fits(phone)
    phone.screenshot(path=artifact("services-sent-phone.png"), full_page=True)
    code = phone.locator("#application-facts code").inner_text()
    phone.context.close()

    tablet = browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True).new_page()
    sign_in(tablet, live_server.url, "community", PASSWORD)
    tablet.goto(f"{live_server.url}/services")
    assert tablet.locator(f"#services-mine tr[data-application='{application.id}']").count() == 1  # waits on them
    assert fits(tablet)
    tablet.screenshot(path=artifact("services-queue-tablet.png"), full_page=True)
    tablet.locator(f"#services-mine tr[data-application='{application.id}'] a").click()
    tablet.locator("#decision-form button[data-event=approve]").click()
    tablet.wait_for_selector("#application-state[data-state=review]")
    assert Application.get_by_id(application.id).state == "review"
    assert [e.event for e in ApplicationEvent.select().order_by(ApplicationEvent.id)][-1] == "approve"
    tablet.screenshot(path=artifact("services-accepted-tablet.png"), full_page=True)
    tablet.context.close()

    resident = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True).new_page()
    resident.goto(f"{live_server.url}/services/track")
    resident.locator("input[name=code]").fill(code)
    resident.locator("#lookup button[type=submit]").click()
    resident.wait_for_url(f"**/services/track/{application.code}")
    page = resident.content()
    assert person.name not in page and person.name[0] in page  # the name masked for the public
    assert fits(resident)
    resident.screenshot(path=artifact("services-track-phone.png"), full_page=True)
    resident.context.close()
