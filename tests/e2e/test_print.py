"""The printed supervision notice and the monthly 通报: Chromium renders them to A4 PDFs (kept under
test-artifacts/), and pypdf reads the pages back to check their size and that the Chinese text survived."""
import unicodedata
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, T0, new_case, stop_clock
from workflows.clock import Clock
from workflows.models import Notice
from workflows.service import fire
from workflows.sweep import sweep

CLOCK = Clock()
A4_POINTS = (595.28, 841.89)


@pytest.fixture
def escalated(app_world):
    """A dispatched case left overdue: its first notice, then the escalated one in March's 通报."""
    case = new_case(app_world, at=T0)
    fire(case, "report", app_world.lead, T0, clock=CLOCK)
    fire(case, "dispatch", app_world.community, T0, clock=CLOCK, department=app_world.sanitation.id)
    sweep(datetime(2026, 3, 9, 9), CLOCK)
    sweep(datetime(2026, 3, 16, 9), CLOCK)
    return case


@pytest.fixture
def tab(browser):
    """One landscape tablet page (the PDF does not depend on the viewport)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", has_touch=True)
    yield context.new_page()
    context.close()


def pdf_of(tab, url, path):
    """Print the page to an A4 PDF; returns its pages, read back."""
    tab.goto(url)
    tab.wait_for_load_state("networkidle")
    tab.emulate_media(media="print")
    tab.pdf(path=path, format="A4", prefer_css_page_size=True, print_background=True)
    return PdfReader(path).pages


def flat(text):
    """Text without the breaks and spaces a PDF puts between glyph runs, in NFKC: Noto CJK shares glyphs
    between ideographs and Kangxi radicals, and the PDF's ToUnicode map names some by the radical
    (⽉ U+2F49 for 月), which NFKC folds back."""
    return unicodedata.normalize("NFKC", "".join(text.split()))


def test_notice_and_bulletin_print_to_a4_with_chinese_intact(live_server, tab, escalated, artifact, app):
    stop_clock(app, datetime(2026, 3, 20, 10))
    outside = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    sign_in(tab, live_server.url, "supervisor", PASSWORD)
    first = Notice.get(Notice.level == 1)
    second = Notice.get(Notice.level == 2)
    for notice, name in ((first, "notice-first"), (second, "notice-escalated")):
        url = f"{live_server.url}/notices/{notice.id}/print"
        pages = pdf_of(tab, url, artifact(f"{name}.pdf"))
        assert len(pages) == 1, f"{name} spills over one A4 page"
        box = pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=1)
        text = flat(pages[0].extract_text())
        title = "升级督办通知单" if notice.level == 2 else "督办通知单"
        for expected in (title, notice.number, "环卫所" if notice.level == 1 else "街道", escalated.number,
                         "楼道堆物", "特此通知", "（盖章）", "2026年3月"):
            assert flat(expected) in text, (name, expected, text)
        assert "打印" not in text  # the toolbar is for the screen only
        tab.emulate_media(media="screen")
        tab.screenshot(path=artifact(f"{name}-screen.png"), full_page=True)
    pages = pdf_of(tab, f"{live_server.url}/bulletin/print?month=2026-03", artifact("bulletin-2026-03.pdf"))
    box = pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=1)
    text = flat("".join(page.extract_text() for page in pages))
    for expected in ("2026年3月超期事件通报", second.number, escalated.number, "环卫所", "通报批评"):
        assert flat(expected) in text, (expected, text)
    assert outside == []


def test_the_print_button_opens_the_print_dialog(live_server, tab, escalated):
    sign_in(tab, live_server.url, "supervisor", PASSWORD)
    notice = Notice.get(Notice.level == 1)
    tab.goto(f"{live_server.url}/notices/{notice.id}/print")
    tab.evaluate("window.print = () => { window.printed = true; }")
    tab.click("[data-print]")
    assert tab.evaluate("window.printed") is True
    assert tab.locator(".doc-title").inner_text().replace(" ", "") == "督办通知单"
    assert escalated.deadline < datetime(2026, 3, 9, 9) + timedelta(days=1)
