"""The whole loop on tablets: record with a photo, report, escalate, dispatch, rectify with an
after-photo, verify, close — each step seen on an open board without a full reload."""
import io
import re
from datetime import datetime, timedelta

from PIL import Image

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from workflows.models import Attachment, Case, CaseEvent
from workflows.service import fire, open_case


def jpeg(colour=(30, 120, 200)):
    """A real photo's bytes, as the camera input would hand them over."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


class Taps:
    """Counts the taps a person makes (a camera shot is one tap)."""

    def __init__(self):
        self.count = 0

    def tap(self, locator):
        locator.tap()
        self.count += 1

    def photo(self, locator, *files):
        locator.set_input_files(list(files))
        self.count += 1


def open_as(browser, page, base, username, outside):
    """Another person's tablet, signed in, with the same viewport as the test's page."""
    context = browser.new_context(viewport=page.viewport_size, locale="zh-CN", has_touch=True)
    other = context.new_page()
    other.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, f"blob:{base}")) else None)
    sign_in(other, base, username, PASSWORD)
    return other


def act(card, label):
    """Open the card's inline form for the action labelled `label`; returns the form's details."""
    action = card.locator("details.card-action").filter(has=card.page.locator("summary", has_text=label))
    action.locator("summary").tap()
    return action


def card_in(page, state, case_id):
    """Wait until the case's card sits in the column of `state`."""
    page.wait_for_selector(f"#cards-{state} #case-{case_id}", timeout=10000)


def other_work(w):
    """A few cases already on the board, so the screenshots look like a working day."""
    start = datetime.now().replace(microsecond=0) - timedelta(hours=30)
    open_case(w.g1, w.member, start, category=w.litter, title="单元门口堆放纸箱", building=w.b1)
    handled = open_case(w.g1, w.member2, start, category=w.litter, title="绿化带内建筑垃圾")
    fire(handled, "handle", w.member2, start + timedelta(hours=1), note="已清理")
    assigned = open_case(w.g1, w.lead, start, category=w.urgent, title="下水口污水倒灌", building=w.b1)
    fire(assigned, "report", w.lead, start + timedelta(hours=1))
    fire(assigned, "dispatch", w.community, start + timedelta(hours=2), department=w.sanitation.id)


def test_the_whole_loop_on_tablets(live_server, page, browser, app, app_world, artifact, capsys):
    app.config["BOARD_POLL_SECONDS"] = 1
    other_work(app_world)
    base = live_server.url
    outside = []
    # blob: URLs of the page's own origin are the chosen photos' thumbnails, read from memory.
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, f"blob:{base}")) else None)

    # The street office keeps the grid's board open all along: it must follow every step by itself.
    watcher = open_as(browser, page, base, "street_disp", outside)
    watcher.goto(f"{base}/grids/G1/board")
    watcher.evaluate("window.stayed = true")

    # A grid member lands on their own work; their grid's board is one tap away, and from it the intake form.
    sign_in(page, base, "member", PASSWORD)
    assert page.url.endswith("/work")
    page.tap(".mainbar a[href='/board']")
    page.wait_for_url(re.compile(r"/grids/G1/board$"))
    page.tap("#new-case")
    page.wait_for_selector("#intake")
    page.screenshot(path=artifact(f"ui-intake-form-{page.viewport_name}.png"), full_page=True)

    taps = Taps()
    taps.tap(page.locator("#category .chip", has_text="垃圾堆放").first)
    taps.photo(page.locator("input[name=photos]"), jpeg())
    taps.tap(page.locator("#submit-case"))
    page.wait_for_url(re.compile(r"/grids/G1/board$"))
    case = Case.select().order_by(Case.id.desc()).get()
    assert Attachment.get(Attachment.case == case.id).kind == "before"
    recorded = taps.count
    assert recorded <= 5
    card_in(page, "found", case.id)
    page.evaluate("window.stayed = true")

    taps.tap(page.locator(f"#case-{case.id} button[data-event=report]"))
    card_in(page, "reported", case.id)
    with capsys.disabled():  # printed in every run, not only when the test fails
        print(f"\ntaps after the intake form opens ({page.viewport_name}): {recorded} to record a case with a photo,"
              f" {taps.count} to record and report it")
    page.wait_for_selector(f"#column-reported:not(.empty) #case-{case.id}")  # the board has refreshed its counts
    page.screenshot(path=artifact(f"ui-board-{page.viewport_name}.png"), full_page=True)
    card_in(watcher, "reported", case.id)

    # The grid lead cannot settle it in the grid and escalates it to the community.
    lead = open_as(browser, page, base, "lead", outside)
    lead.goto(f"{base}/board")  # the lead lands on their own work; the board is theirs too
    form = act(lead.locator(f"#case-{case.id}"), "上报上级")
    form.locator("textarea[name=reason]").fill("网格内无法解决，报社区。")
    form.locator("button[type=submit]").tap()
    # The answer swaps the card in place: still reported, now the community's, no escalate button for the lead.
    lead.locator(f"#cards-reported #case-{case.id} summary", has_text="上报上级").wait_for(state="detached")
    assert Case.get_by_id(case.id).level == "community"

    # The community office dispatches it from its queue to the department the category suggests.
    office = open_as(browser, page, base, "community", outside)
    assert office.url.endswith("/queue")
    form = act(office.locator(f"#queue-intake #case-{case.id}"), "派遣")
    assert form.locator("select[name=department] option:checked").inner_text() == "环卫所"
    form.locator("button[type=submit]").tap()
    office.wait_for_selector(f"#queue-intake #case-{case.id}", state="detached")
    card_in(watcher, "assigned", case.id)

    # The department rectifies it with an after-photo.
    department = open_as(browser, page, base, "handler", outside)
    form = act(department.locator(f"#queue-assigned #case-{case.id}"), "整改反馈")
    form.locator("textarea[name=note]").fill("已清运完毕。")
    form.locator("input[name=photos]").set_input_files([jpeg((20, 160, 60))])
    form.locator("button[type=submit]").tap()
    department.wait_for_selector(f"#queue-assigned #case-{case.id}", state="detached")
    assert Attachment.select().where((Attachment.case == case.id) & (Attachment.kind == "after")).count() == 1
    card_in(watcher, "rectified", case.id)

    # The member sees it come back on their board (no reload) and verifies it on site.
    card_in(page, "rectified", case.id)
    form = act(page.locator(f"#case-{case.id}"), "核查通过")
    form.locator("textarea[name=note]").fill("现场核查，已清理干净。")
    form.locator("button[type=submit]").tap()
    card_in(page, "verified", case.id)
    card_in(watcher, "verified", case.id)

    # The community office closes it (a patrol case needs no call-back: one tap).
    office.reload()
    office.locator(f"#queue-close #case-{case.id} button[data-event=close]").tap()
    office.wait_for_selector(f"#queue-close #case-{case.id}", state="detached")
    card_in(watcher, "closed", case.id)
    card_in(page, "closed", case.id)

    assert page.evaluate("window.stayed") is True
    assert watcher.evaluate("window.stayed") is True
    page.screenshot(path=artifact(f"ui-board-closed-{page.viewport_name}.png"), full_page=True)
    watcher.screenshot(path=artifact(f"ui-board-watched-{page.viewport_name}.png"), full_page=True)
    events = [row.event for row in CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq)]
    assert events == ["create", "report", "escalate", "dispatch", "rectify", "verify", "close"]
    assert Case.get_by_id(case.id).state == "closed"
    assert outside == []
