"""What each role must read on a phone: the dispatcher's instructions for the department, where a reported
case stands and who holds it, the department's own columns, rework rounds on the timeline, and a board
shown one column at a time with a switcher."""
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from workflows.models import Case
from workflows.service import fire, open_case

AT = datetime(2026, 3, 3, 9)
TOLD = "请两日内清运并反馈照片"


@pytest.fixture
def phone(browser):
    """A phone held upright (390×844)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def dispatched(app_world, clock):
    """A case reported by the lead and dispatched to sanitation with instructions."""
    w = app_world
    clock.set(AT + timedelta(hours=1))
    case = open_case(w.g1, w.member, AT, category=w.litter, title="垃圾满溢")
    fire(case, "report", w.lead, AT)
    fire(case, "dispatch", w.community, AT, department=w.sanitation.id, instructions=TOLD)
    return case


def test_the_department_reads_the_instructions_on_its_queue_card_and_the_case_page(live_server, phone, dispatched):
    base = live_server.url
    sign_in(phone, base, "handler", PASSWORD)
    phone.goto(f"{base}/queue")
    card = phone.locator(f"#case-{dispatched.id}")
    assert "交办要求" in card.locator(".instructions").inner_text()
    assert TOLD in card.locator(".instructions").inner_text()
    assert card.locator(".instructions").is_visible()
    phone.goto(f"{base}/cases/{dispatched.id}")
    box = phone.locator("#instructions")
    assert TOLD in box.inner_text() and "交办要求" in box.inner_text()
    # Prominent: above the fold of the phone, before the facts.
    assert box.bounding_box()["y"] < 844 / 2
    assert "待部门整改" in phone.inner_text("#standing") and "环卫所" in phone.inner_text("#standing")


def test_after_a_report_the_card_and_the_case_say_who_decides_now(live_server, phone, app_world, clock):
    w = app_world
    clock.set(AT + timedelta(hours=1))
    case = open_case(w.g1, w.member, AT, category=w.litter, title="楼道堆物")
    base = live_server.url
    sign_in(phone, base, "member", PASSWORD)
    phone.goto(f"{base}/board")
    phone.click(f"#case-{case.id} button[data-event=report]")
    # The card moves to the reported column (not the one shown on the phone).
    phone.wait_for_selector(f"#case-{case.id}[data-state=reported]", state="attached")
    standing = phone.locator(f"#case-{case.id} .standing").text_content()
    assert "待网格长研判" in standing and "一网格" in standing
    phone.goto(f"{base}/cases/{case.id}")
    assert "待网格长研判" in phone.inner_text("#standing")

    # The lead passes it up: the community decides now.
    fire(Case.get_by_id(case.id), "escalate", w.lead, AT + timedelta(hours=1), reason="需社区协调")
    phone.reload()
    standing = phone.inner_text("#standing")
    assert "待社区研判" in standing and "一社区" in standing


def test_the_department_board_has_only_the_columns_a_department_acts_on(live_server, phone, app_world, dispatched):
    w = app_world
    again = open_case(w.g1, w.member, AT, category=w.litter, title="返工的案件")
    fire(again, "report", w.lead, AT)
    fire(again, "dispatch", w.community, AT, department=w.sanitation.id)
    fire(again, "rectify", w.handler, AT, note="已清运")
    fire(again, "rework", w.member, AT, reason="仍有残留")
    base = live_server.url
    sign_in(phone, base, "handler", PASSWORD)
    phone.goto(f"{base}/departments/sanitation/board?grid=G1")
    names = phone.eval_on_selector_all("#board .column", "cols => cols.map(c => c.id)")
    assert names == ["column-assigned", "column-rework", "column-rectified"]
    assert phone.locator(f"#column-assigned #case-{dispatched.id}").count() == 1
    assert phone.locator(f"#column-rework #case-{again.id}").count() == 1

    # One column at a time on the phone, picked from a switcher that shows the counts.
    switcher = phone.locator(".column-switcher button")
    assert [" ".join(text.split()) for text in switcher.all_inner_texts()] == ["已派遣 1", "返工 1", "已整改 0"]
    assert phone.locator("#column-assigned").is_visible() and not phone.locator("#column-rework").is_visible()
    phone.click(".column-switcher button[data-column=rework]")
    assert phone.locator("#column-rework").is_visible() and not phone.locator("#column-assigned").is_visible()
    assert phone.get_attribute(".column-switcher button[data-column=rework]", "aria-pressed") == "true"


def test_rework_rounds_are_grouped_on_the_timeline_with_their_reasons(live_server, phone, app_world, dispatched):
    w = app_world
    case = dispatched
    for reason in ("仍有残留", "照片不清楚"):
        fire(case, "rectify", w.handler, AT, note="已清运")
        fire(case, "rework", w.member, AT, reason=reason)
    base = live_server.url
    sign_in(phone, base, "handler", PASSWORD)
    phone.goto(f"{base}/cases/{case.id}")
    assert phone.locator(".timeline .round").count() == 2
    first, second = phone.inner_text("#round-1"), phone.inner_text("#round-2")
    assert "第1轮返工" in first and "仍有残留" in first and "照片不清楚" not in first
    assert "第2轮返工" in second and "照片不清楚" in second
    # The first round holds the rectification sent back; the second starts with its own rework.
    assert phone.locator("#round-1 li").count() == 2 and phone.locator("#round-2 li").count() == 1


def test_the_work_log_reads_as_a_list_of_days_with_the_week_summary_folded(live_server, phone, app_world, clock, artifact):
    w = app_world
    clock.set(AT + timedelta(hours=1))
    case = open_case(w.g1, w.member, AT, category=w.litter, title="楼道堆物")
    fire(case, "report", w.member, AT)
    base = live_server.url
    sign_in(phone, base, "member", PASSWORD)
    phone.goto(f"{base}/worklog")
    assert not phone.locator("#week thead").is_visible()
    day = phone.locator("#day-2026-03-03")
    box = day.bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    assert "03-03" in day.inner_text()
    labels = day.evaluate("tr => [...tr.cells].map(c => getComputedStyle(c, '::before').content).join(' ')")
    assert "上报" in labels and "巡查" in labels
    summary = phone.locator("#week-summary")
    assert summary.get_attribute("open") is None
    phone.locator("#week-summary > summary").tap()
    assert summary.get_attribute("open") is not None
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=artifact("phone-worklog.png"), full_page=True)
