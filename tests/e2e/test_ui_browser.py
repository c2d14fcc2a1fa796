"""In the browser: refused intake keeps what was typed, a stale card says so, polls are
conditional, search stays in the URL, and the interface switches language."""
import io
import os

from PIL import Image

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from workflows.models import Attachment, Case, CaseEvent
from workflows.service import open_case


def upload(name, data):
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 0, 0)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_refused_intake_says_why_in_chinese_keeps_the_input_and_stores_nothing(live_server, page, app, app_world):
    base = live_server.url
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/cases/new" in r.url else None)
    sign_in(page, base, "member", PASSWORD)
    page.goto(f"{base}/cases/new?grid=G1")
    page.fill("input[name=title]", "东门垃圾堆放")
    page.fill("textarea[name=description]", "两天未清运，气味很大")

    # An empty required field: the category.
    page.click("#submit-case")
    page.wait_for_selector("#category .error")
    assert "请选择事件类别" in page.inner_text("#category .error")
    assert page.input_value("input[name=title]") == "东门垃圾堆放"
    assert page.input_value("textarea[name=description]") == "两天未清运，气味很大"

    # A file that is not a photo: refused by the server.
    page.locator("#category .chip", has_text="垃圾堆放").first.click()
    page.set_input_files("input[name=photos]", [upload("scan.jpg", b"%PDF-1.4 this is not a photo")])
    page.click("#submit-case")
    page.wait_for_selector(".photo-error:not([hidden])")
    assert "“scan.jpg”不是照片" in page.inner_text(".photo-error")
    assert page.input_value("input[name=title]") == "东门垃圾堆放"
    assert page.locator("#category input[type=radio]:checked").count() == 1

    # A photo over 10 MB: refused on the tablet before anything is sent.
    sent = len(posts)
    page.set_input_files("input[name=photos]", [upload("huge.jpg", b"\xff\xd8" + b"\0" * (10 * 1024 * 1024))])
    assert "“huge.jpg”超过10 MB" in page.inner_text(".photo-error")
    page.click("#submit-case")
    page.wait_for_timeout(300)
    assert len(posts) == sent and "/cases/new" in page.url
    assert page.input_value("input[name=title]") == "东门垃圾堆放"

    assert Case.select().count() == 0 and Attachment.select().count() == 0
    folder = app.config["UPLOAD_FOLDER"]
    assert not os.path.exists(folder) or os.listdir(folder) == []

    # Put right, it goes through.
    page.set_input_files("input[name=photos]", [upload("ok.jpg", jpeg())])
    page.click("#submit-case")
    page.wait_for_url(f"{base}/grids/G1/board")
    assert Case.get().title == "东门垃圾堆放" and Attachment.select().count() == 1


def test_a_stale_card_shows_the_case_as_it_is_now(live_server, page, browser, app, app_world):
    app.config["BOARD_POLL_SECONDS"] = 600  # no refresh: the member acts on what they loaded
    w = app_world
    case = open_case(w.g1, w.member, _now(app), category=w.litter, title="楼道堆物")
    base = live_server.url
    sign_in(page, base, "member", PASSWORD)
    page.goto(f"{base}/board")
    page.wait_for_selector(f"#cards-found #case-{case.id}")

    other = browser.new_context(viewport=page.viewport_size, locale="zh-CN", has_touch=True).new_page()
    sign_in(other, base, "member2", PASSWORD)
    other.goto(f"{base}/board")
    other.click(f"#case-{case.id} button[data-event=report]")
    other.wait_for_selector(f"#cards-reported #case-{case.id}")

    card = page.locator(f"#case-{case.id}")
    action = card.locator("details.card-action").filter(has=page.locator("summary", has_text="现场处置"))
    action.locator("summary").click()
    action.locator("textarea[name=note]").fill("已清理")
    action.locator("button[type=submit]").click()
    page.wait_for_selector(f"#cards-reported #case-{case.id} .banner")
    assert "已被他人更新" in page.inner_text(f"#case-{case.id} .banner")
    assert page.locator(f"#cards-found #case-{case.id}").count() == 0
    assert [e.event for e in CaseEvent.select().where(CaseEvent.case == case.id)] == ["create", "report"]


def _now(app):
    """The live app's clock, read the way its views read it."""
    return app.extensions["gridcase_now"]()


def test_polls_are_conditional_and_search_stays_in_the_url(live_server, page, app, app_world):
    app.config["BOARD_POLL_SECONDS"] = 1
    w = app_world
    open_case(w.g1, w.member, _now(app), category=w.litter, title="东门垃圾")
    other = open_case(w.g1, w.member, _now(app), category=w.urgent, title="西门污水")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/board" in r.url else None)
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/board")
    page.evaluate("window.stayed = true")
    page.wait_for_timeout(3500)
    assert 304 in statuses

    page.fill("input[name=q]", "东门")
    page.wait_for_selector(f"#case-{other.id}", state="detached")
    assert "q=%E4%B8%9C%E9%97%A8" in page.url or "q=东门" in page.url
    assert page.evaluate("window.stayed") is True
    page.reload()
    assert page.locator(f"#case-{other.id}").count() == 0 and page.input_value("input[name=q]") == "东门"


def test_the_interface_switches_between_chinese_and_english(live_server, page, app_world):
    sign_in(page, live_server.url, "member", PASSWORD)
    page.goto(f"{live_server.url}/board")
    assert page.inner_text("#new-case") == "新建事件"
    page.click("button[value=en]")
    page.wait_for_selector("text=New case")
    assert page.inner_text("#column-found h2").startswith("Found")
    page.click("button[value=zh_CN]")
    page.wait_for_selector("text=新建事件")
