"""The new-case form on a phone: thumbnails right after the photos are chosen, each removable before
sending; the category asked for in the browser next to the chips; the send button within reach."""
import io
from datetime import datetime

from PIL import Image

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from workflows.models import Attachment, Case


def jpeg(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return {"name": f"{colour[0]}.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_photos_show_as_thumbnails_and_can_be_taken_out_before_sending(live_server, browser, app_world, clock, artifact):
    clock.set(datetime(2026, 3, 3, 9))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/cases/new" in r.url else None)
    try:
        base = live_server.url
        sign_in(page, base, "member", PASSWORD)
        page.goto(f"{base}/cases/new?grid=G1")
        page.fill("input[name=title]", "东门垃圾堆放")
        page.set_input_files("input[name=photos]", [jpeg((200, 0, 0)), jpeg((0, 200, 0)), jpeg((0, 0, 200))])
        thumbs = page.locator(".thumbs[data-for=photos] .thumb")
        assert thumbs.count() == 3
        page.wait_for_function("[...document.querySelectorAll('.thumb img')].every(i => i.complete && i.naturalWidth > 0)")
        remove = page.locator(".thumbs[data-for=photos] .thumb-remove").nth(1)
        box = remove.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        page.screenshot(path=artifact("phone-new-case-thumbnails.png"), full_page=True)
        remove.click()
        assert thumbs.count() == 2
        assert page.evaluate("document.querySelector('input[name=photos]').files.length") == 2
        assert page.get_attribute(".thumb:nth-child(2) img", "alt") == "0.jpg"

        # No category: said next to the chips, nothing sent, what was typed still there.
        page.click("#submit-case")
        assert "请选择事件类别" in page.inner_text("#category .error")
        assert posts == [] and page.input_value("input[name=title]") == "东门垃圾堆放"
        assert page.locator(".thumb").count() == 2

        # The send button stays on the screen while the form scrolls, above the bottom bar.
        page.evaluate("window.scrollTo(0, 0)")
        button = page.locator("#submit-case").bounding_box()
        bar = page.locator(".mainbar").bounding_box()
        assert button["y"] + button["height"] <= bar["y"] and button["y"] > 0

        page.locator("#category .chip", has_text="垃圾堆放").first.click()
        assert page.locator("#category .error").count() == 0
        page.click("#submit-case")
        page.wait_for_url(f"{base}/grids/G1/board")
        assert Case.get().title == "东门垃圾堆放" and Attachment.select().count() == 2
    finally:
        context.close()
