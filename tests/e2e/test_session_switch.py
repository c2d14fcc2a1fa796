"""One tablet, several people (issue 15): sign in as A, open the boards and the queue, sign out, sign
in as B on the same browser (its HTTP cache and all), open each board and queue page again and use
it — sign-out, the language switch and a card action must all work with the page B was given (a
page or card kept from A's session carried A's dead CSRF token, and every one of them answered 400)."""
from datetime import datetime, timedelta

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from workflows.models import Case
from workflows.service import open_case

BOARD = "/grids/G1/board"


def sign_out(page):
    """The sign-out button of the page as it is; lands on the sign-in page."""
    page.locator("details.menu > summary").click()  # signing out sits behind the menu button
    with page.expect_navigation():
        page.locator("form[action='/logout'] button").click()
    assert page.url.endswith("/login"), page.url
    assert "400" not in page.title()


def switch_language(page, to_english):
    """The language switch of the page as it is; comes back to the same page in the other language."""
    label = "English" if to_english else "中文"
    with page.expect_navigation():
        page.locator("form.lang button", has_text=label).click()
    assert page.locator("form.lang button", has_text="中文" if to_english else "English").count() == 1
    assert "400" not in page.title()


def test_one_tablet_passed_from_person_to_person(live_server, page, app_world):
    w = app_world
    start = datetime.now().replace(microsecond=0) - timedelta(hours=1)
    cases = {name: open_case(w.g1, w.lead, start, category=w.litter, title=f"楼道堆物 {name}")
             for name in ("member", "member2", "lead")}
    base = live_server.url
    # A opens both of the board's views a browser keeps (the page and the board's htmx poll), then leaves.
    for first, second, path, acts in (("member", "member2", BOARD, True), ("member2", "member", BOARD, True),
                                      ("community", "community", "/queue", False)):
        sign_in(page, base, first, PASSWORD)
        page.goto(base + path)
        page.wait_for_timeout(300)
        sign_out(page)
        sign_in(page, base, second, PASSWORD)
        page.goto(base + path)
        switch_language(page, to_english=True)
        switch_language(page, to_english=False)
        if acts:
            case = cases[second]
            card = page.locator(f"#case-{case.id}")
            with page.expect_response(lambda r: f"/cases/{case.id}/events/report" in r.url) as answer:
                card.locator("button[data-event='report']").click()
            assert answer.value.status == 200
            page.wait_for_selector(f"#cards-reported #case-{case.id}", timeout=10000)
            assert Case.get_by_id(case.id).state == "reported"
        sign_out(page)
