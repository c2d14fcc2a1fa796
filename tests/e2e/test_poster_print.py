"""The grid's poster in Chromium's print: one sheet that fills A4 and A3 alike (no empty middle), the staff with
photo, name, duty and phone, and a QR code that still reads. PDFs and renders go to test-artifacts/."""
import os

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from workflows.models import User

PAPER_POINTS = {"A4": (596, 843), "A3": (843, 1191)}  # as Chromium rounds them (A4 is 595.28 × 841.89 pt)


@pytest.fixture
def staffed_grid(app, app_world):
    """G1's member and lead publish their duties and phones; the member has a photo."""
    w = app_world
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    Image.new("RGB", (240, 300), (30, 90, 160)).save(os.path.join(folder, "portrait.jpg"), "JPEG")
    User.update(photo="portrait.jpg", duties="负责一网格巡查、矛盾调解", phone="13800001111", publish_phone=True,
                name="王网格").where(User.id == w.member.id).execute()
    User.update(duties="统筹一网格事件研判", phone="13800002222", publish_phone=True, name="李组长").where(
        User.id == w.lead.id).execute()
    return w


def blank_bands(image):
    """The longest run of blank rows inside the sheet's frame, as a share of the page height; and where the
    lowest inked row is (a share of the height)."""
    grey = image.convert("L")
    width, height = grey.size
    inner = grey.crop((int(width * .1), 0, int(width * .9), height))
    pixels = inner.load()
    inked = [any(pixels[x, y] < 200 for x in range(0, inner.width, 2)) for y in range(height)]
    first, last = inked.index(True), height - 1 - inked[::-1].index(True)
    longest = run = 0
    for y in range(first, last + 1):
        run = 0 if inked[y] else run + 1
        longest = max(longest, run)
    frame = grey.crop((0, 0, int(width * .05), height)).load()
    lowest = max(y for y in range(height) if any(frame[x, y] < 200 for x in range(int(width * .05))))
    return longest / height, lowest / height


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_the_poster_fills_its_page_in_print(live_server, browser, staffed_grid, artifact, paper):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/g/G1/poster")
        page.wait_for_load_state("networkidle")
        people = page.inner_text(".poster-people")
        assert "王网格" in people and "负责一网格巡查" in people and "13800001111" in people
        assert page.locator(".poster-people img.pub-avatar").evaluate("img => img.naturalWidth") == 240
        pdf = page.pdf(path=artifact(f"poster-{paper}.pdf"), format=paper, print_background=True)
    finally:
        context.close()
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 1
        assert tuple(round(side) for side in document[0].get_size()) == PAPER_POINTS[paper]
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    image.save(artifact(f"poster-{paper}.png"))
    gap, lowest = blank_bands(image)
    assert gap < 0.10, f"an empty band of {gap:.0%} of the page"
    assert lowest > 0.93, f"the sheet ends at {lowest:.0%} of the page"
    assert [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode][0].endswith(
        "/g/G1/report")
