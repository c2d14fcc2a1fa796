"""The hand-off forms (申报单 · 交办单 · 反馈单) print to one A4 page each in Chromium, with the red header,
the dispatcher's instructions, the photos and a QR code; a form whose step has not happened is 404."""
from datetime import timedelta

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_print import flat, pdf_of, tab  # noqa: F401  (the tab fixture)
from tests.factories import PASSWORD, T0, new_case, stop_clock
from workflows.clock import Clock
from workflows.service import fire

CLOCK = Clock()
A4 = (595, 842)  # points


@pytest.fixture
def rectified(app, app_world):
    stop_clock(app, T0 + timedelta(hours=6))
    case = new_case(app_world)
    fire(case, "report", app_world.lead, T0 + timedelta(hours=1), clock=CLOCK)
    fire(case, "dispatch", app_world.community, T0 + timedelta(hours=2), clock=CLOCK,
         department=app_world.sanitation.id, instructions="务必在周三前清运完毕，清运后拍照反馈")
    fire(case, "rectify", app_world.handler, T0 + timedelta(hours=5), clock=CLOCK, note="已清运垃圾并冲洗地面")
    return case


def test_each_hand_off_form_prints_to_one_a4_page(live_server, tab, rectified, artifact):  # noqa: F811
    sign_in(tab, live_server.url, "handler", PASSWORD)
    tab.goto(f"{live_server.url}/cases/{rectified.id}")
    for label in ("打印申报单", "打印交办单", "打印反馈单"):
        assert tab.locator(".handoff-links a", has_text=label).count() == 1
    expected = {"report": "网格事件申报单", "assignment": "务必在周三前清运完毕", "feedback": "已清运垃圾并冲洗地面"}
    for kind, words in expected.items():
        pages = pdf_of(tab, f"{live_server.url}/cases/{rectified.id}/forms/{kind}", artifact(f"handoff-{kind}.pdf"))
        assert len(pages) == 1
        width, height = (round(float(v)) for v in pages[0].mediabox.upper_right)
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1
        text = flat(pages[0].extract_text())
        assert flat(words) in text and rectified.number in text
        assert tab.locator(".handoff-qr svg").count() == 1
    tab.emulate_media(media="screen")
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto(f"{live_server.url}/cases/{rectified.id}/forms/assignment")
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.screenshot(path=artifact("handoff-assignment-phone.png"), full_page=True)


def test_a_form_waits_for_its_step(live_server, tab, app, app_world):  # noqa: F811
    stop_clock(app, T0 + timedelta(hours=1))
    case = new_case(app_world)
    sign_in(tab, live_server.url, "member", PASSWORD)
    assert tab.goto(f"{live_server.url}/cases/{case.id}/forms/report").status == 200
    assert tab.goto(f"{live_server.url}/cases/{case.id}/forms/assignment").status == 404
    assert tab.goto(f"{live_server.url}/cases/{case.id}/forms/feedback").status == 404
    assert tab.goto(f"{live_server.url}/cases/{case.id}/forms/other").status == 404
