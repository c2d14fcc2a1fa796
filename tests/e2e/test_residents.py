"""A resident in a real browser: the poster's QR code, a report with a photo, tracking through
dispatch and closing (the staff's steps fired directly), and the rating; the poster prints on A4."""
from datetime import timedelta

import pypdfium2
import zxingcpp
from PIL import Image

from tests.factories import T0, stop_clock
from tests.public_helpers import after_photo, drive_to_closed, make_public
from workflows.models import Case, ReopenRequest, ResidentRating
from workflows.service import fire

A4_POINTS = (595, 842)


def decode_poster(page, artifact):
    """Print the poster to PDF as a person would, then read its QR code back from the rendered page."""
    pdf = page.pdf(path=artifact(f"poster-{page.viewport_name}.pdf"), format="A4", print_background=True,
                   prefer_css_page_size=True)
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 1
        # The paper is the one chosen when printing (Chromium's A4 is 8.27 × 11.7 in): within a point of A4.
        assert all(abs(side - a4) <= 1 for side, a4 in zip(document[0].get_size(), A4_POINTS))
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    image.save(artifact(f"poster-{page.viewport_name}.png"))
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


def test_resident_reports_from_the_poster_follows_the_case_and_rates_it(live_server, page, app_world, artifact,
                                                                        tmp_path):
    world = make_public(app_world)
    clock = stop_clock(live_server.app, T0)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.goto(f"{live_server.url}/g/G1/poster")
    page.wait_for_load_state("load")  # the QR image has loaded
    assert page.locator(".poster-qr img").evaluate("img => img.naturalWidth") > 0
    decoded = decode_poster(page, artifact)
    assert decoded == [f"{live_server.url}/g/G1/report"]
    report_url = decoded[0]  # the resident follows what the camera read

    photo = tmp_path / "rubbish.jpg"
    Image.new("RGB", (640, 480), (120, 90, 40)).save(photo, "JPEG")
    page.goto(report_url)
    page.select_option("select[name=category]", label="垃圾堆放")
    page.fill("textarea[name=description]", "东门车棚旁垃圾堆了三天")
    page.select_option("select[name=place]", label="1号楼1单元")
    page.fill("input[name=phone]", "13912345678")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button.pub-primary")
    page.wait_for_url("**/track/**")
    assert "已受理，网格员正在核实处理" in page.inner_text("#status")
    code = page.url.rsplit("/", 1)[1]
    case = Case.get(Case.tracking_code == code)
    assert (case.state, case.source, case.grid_id) == ("found", "resident", world.g1.id)
    assert len(list(case.attachments)) == 1

    drive_to_closed(world, case, T0, steps=3)  # reported, escalated, dispatched to 环卫所
    page.reload()
    assert page.inner_text("#status") == "责任单位正在办理"
    assert page.inner_text("#unit") == "环卫所"
    assert "派交责任单位办理" in page.inner_text("#steps")

    fire(case, "rectify", world.handler, T0 + timedelta(hours=1), attachments=[after_photo(live_server.app)],
         note="已清运完毕，现场恢复整洁。")
    fire(case, "verify", world.member, T0 + timedelta(hours=2), note="经现场核查，整改到位。")
    fire(case, "close", world.community, T0 + timedelta(hours=3), callback="basically_satisfied", note="予以销号。")
    clock.advance(hours=4)
    page.reload()
    assert page.inner_text("#status") == "已办结"
    assert "予以销号。" in page.inner_text("#result")
    assert page.evaluate("document.querySelector('#result img').naturalWidth") > 0
    body = page.inner_text("body")
    assert "13912345678" not in body and "handler" not in body and "community" not in body
    page.screenshot(path=artifact(f"track-closed-{page.viewport_name}.png"), full_page=True)

    page.click("label.pub-choice:has-text('不满意')")
    page.fill("textarea[name=comment]", "垃圾又堆起来了")
    page.click("#rating button.pub-primary")
    page.wait_for_selector(".pub-flash")
    assert "督导组将复核此事件" in page.inner_text(".pub-flashes")
    assert page.inner_text(".pub-rated") == "您的评价：不满意"
    assert ResidentRating.get(ResidentRating.case == case.id).rating == "dissatisfied"
    assert ReopenRequest.get(ReopenRequest.case == case.id).status == "pending"
    assert outside == []


def test_public_sign_is_usable_on_a_tablet(live_server, page, app_world, artifact):
    make_public(app_world)
    page.goto(f"{live_server.url}/g/G1")
    page.wait_for_load_state("load")
    assert page.locator(".pub-qr-small").evaluate("img => img.naturalWidth") > 0
    button = page.locator("a.pub-primary").bounding_box()
    assert button["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifact(f"sign-{page.viewport_name}.png"), full_page=True)
    page.click("a.pub-primary")
    page.wait_for_url("**/g/G1/report")
    assert page.locator("input[name=website]").is_visible() is False or page.evaluate(
        "document.querySelector('input[name=website]').getBoundingClientRect().right < 0")
    for selector in ("select[name=category]", "textarea[name=description]", "button.pub-primary"):
        assert page.locator(selector).bounding_box()["height"] >= 44, selector
