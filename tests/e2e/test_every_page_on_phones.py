"""Every role's main pages at a narrow phone (360×740), a phone (390×844), a tablet (768×1024) and a laptop
(1280×800): no console error, no sideways scroll, a header and navigation that leave the phone's screen to the
work, and action targets a thumb can hit. Screenshots go to test-artifacts/phones/."""
import os
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import PASSWORD
from workflows.clock import Clock
from workflows.models import Notice
from workflows.service import fire, open_case
from workflows.sweep import sweep

SIZES = {"narrow": (360, 740), "phone": (390, 844), "tablet": (768, 1024), "laptop": (1280, 800)}
PHONES = ("narrow", "phone")
ROLES = ("member", "lead", "community", "handler", "supervisor", "admin")
LONG_TITLE = "东门小区三号楼北侧绿化带旁长期堆放建筑垃圾和废旧家具，居民多次反映影响通行并存在消防隐患"

# What a thumb hits, and the box that counts for it (a check box's label, when it has one).
TARGETS_JS = """() => {
  const selector = 'button, .button, input[type=submit], summary, .chip, .mainbar a, .nav a, label.check, select,'
    + ' input[type=checkbox], input[type=radio], input[type=text], input[type=search], input[type=date], input:not([type])';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) box = el.closest('label') || el;
    const r = box.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.closest('.mermaid, .chart, [data-chart]')) continue;
    if (Math.round(r.width) < 44 || Math.round(r.height) < 44) {
      small.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.innerText || el.name || '').trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return small;
}"""

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
        wide.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(r.right)}`);
      }
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""

CHROME_JS = """() => {
  const bar = document.querySelector('.topbar');
  if (!bar) return {top: 0, bottom: 0};  // the residents' pages have no staff header
  const top = bar.getBoundingClientRect();
  const tabs = document.querySelector('.mainbar');
  let bottom = 0;
  if (tabs) {
    const r = tabs.getBoundingClientRect();
    bottom = r.top >= top.bottom ? r.height : 0;
  }
  return {top: top.bottom, bottom};
}"""


@pytest.fixture
def busy_world(app_world, clock):
    """Cases in the states each role acts on, one with a long title; the app's clock stopped at a weekday."""
    w = app_world
    at = datetime(2026, 3, 3, 9)
    found = open_case(w.g1, w.member, at, category=w.litter, title=LONG_TITLE)
    reported = open_case(w.g1, w.member, at, category=w.litter, title="楼道堆物")
    fire(reported, "report", w.member, at)
    assigned = open_case(w.g1, w.member, at, category=w.litter, title="垃圾满溢")
    fire(assigned, "report", w.lead, at)
    fire(assigned, "dispatch", w.community, at, department=w.sanitation.id, instructions="请两日内清运并反馈照片")
    # A week later the sweep has issued notices for what is overdue: the notice pages have rows.
    later = datetime(2026, 3, 10, 9)
    sweep(later, Clock())
    clock.set(later + timedelta(hours=1))
    return {"found": found, "reported": reported, "assigned": assigned}


# Pages a role reaches from its board rather than from the menu.
EXTRA = {
    "handler": ["/departments/sanitation/board?grid=G1"],
    "community": ["/grids/G1/board", "/departments/sanitation/board"],
    "lead": ["/g/G1"],
    "admin": ["/admin/users"],
}


def pages_of(page, base, case_id, role):
    """The role's destinations as its navigation lists them, the case page and the sign-in page's home."""
    page.goto(f"{base}/")
    hrefs = page.eval_on_selector_all(".mainbar a, .nav a", "links => links.map(a => a.getAttribute('href'))")
    extra = [f"/cases/{case_id}", "/account/password"] + EXTRA.get(role, [])
    return list(dict.fromkeys(["/"] + hrefs + extra))


def check_page(page, base, path, size, role, errors):
    """Load one page and return what is wrong with it."""
    errors.clear()
    response = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    problems = []
    if response is None or response.status >= 400:
        return [f"{path}: status {response.status if response else None}"]
    if errors:
        problems.append(f"{path}: console {errors[:3]}")
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow["scroll"] > overflow["width"] + 1:
        problems.append(f"{path}: scrolls sideways {overflow}")
    if size in PHONES:
        chrome = page.evaluate(CHROME_JS)
        if chrome["top"] + chrome["bottom"] > 0.25 * SIZES[size][1]:
            problems.append(f"{path}: header and navigation take {chrome}")
    small = page.evaluate(TARGETS_JS)
    if small:
        problems.append(f"{path}: targets under 44 px {small[:6]}")
    folder = os.path.join(ARTIFACTS, "phones")
    os.makedirs(folder, exist_ok=True)
    name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
    page.screenshot(path=os.path.join(folder, f"{size}-{role}-{name}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("role", ROLES)
def test_every_main_page_fits_the_screen(live_server, browser, busy_world, size, role):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        base = live_server.url
        assert Notice.select().count() > 0
        sign_in(page, base, role, PASSWORD)
        problems = []
        for path in pages_of(page, base, busy_world["assigned"].id, role):
            problems += check_page(page, base, path, size, role, errors)
        assert problems == []
    finally:
        context.close()


def test_on_a_phone_the_header_is_one_line_and_the_menu_holds_the_rest(live_server, browser, busy_world):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        base = live_server.url
        sign_in(page, base, "community", PASSWORD)
        header = page.locator(".topbar").bounding_box()
        assert header["height"] <= 57
        assert page.locator(".mainbar a").all_inner_texts() == ["看板", "待办", "新建事件", "事件"]
        bar = page.locator(".mainbar").bounding_box()
        assert bar["y"] + bar["height"] == 740  # at the bottom, within reach of a thumb
        assert not page.locator(".menu-panel").is_visible()
        page.locator("details.menu > summary").tap()
        assert page.locator(".menu-panel a", has_text="督办").is_visible()
        assert page.locator("form[action='/logout'] button").is_visible()
        page.touchscreen.tap(3, 400)  # beside the panel, which covers nearly the whole width
        assert not page.locator(".menu-panel").is_visible()
    finally:
        context.close()


def test_long_titles_take_two_lines_on_a_card_and_whole_on_the_case_page(live_server, browser, busy_world):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        base = live_server.url
        sign_in(page, base, "member", PASSWORD)
        page.goto(f"{base}/board")
        found = busy_world["found"]
        title = page.locator(f"#case-{found.id} .card-title")
        lines = title.evaluate("el => Math.round(el.clientHeight / parseFloat(getComputedStyle(el).lineHeight))")
        assert lines == 2 and title.evaluate("el => el.scrollHeight > el.clientHeight")
        page.goto(f"{base}/cases/{found.id}")
        assert LONG_TITLE in page.inner_text("h1")
    finally:
        context.close()
