"""Kept cards and pages (app/rendercache.py): reused only while what they show is unchanged,
never carrying one response's CSRF token or idempotency keys into another."""
import re
from datetime import timedelta

import pytest

from app.rendercache import CSRF_MARK, KEY_MARK
from tests.factories import T0, new_case
from workflows.models import Case, User
from workflows.service import fire

NOW = T0 + timedelta(hours=2)


@pytest.fixture
def clock(app):
    moment = {"now": NOW}
    app.extensions["gridcase_now"] = lambda: moment["now"]
    return moment


def card(html, case):
    return html.split(f'id="case-{case.id}"', 1)[1].split("</article>", 1)[0]


def keys(html):
    return re.findall(r'name="request_key" value="([^"]*)"', html)


def test_every_form_gets_a_fresh_key_and_the_sessions_token_on_every_load(login, app_world, clock):
    for _ in range(3):
        new_case(app_world)
    member = login("member")
    first = member.get("/grids/G1/board").get_data(as_text=True)
    second = member.get("/grids/G1/board").get_data(as_text=True)
    assert CSRF_MARK not in first + second and KEY_MARK not in first + second
    assert len(keys(first)) >= 6 and len(set(keys(first))) == len(keys(first))
    assert not set(keys(first)) & set(keys(second))
    # Flask-WTF signs the session's raw token with the second it renders it: compare the raw part.
    tokens = {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', first + second)}
    assert len(tokens) == 1  # the session's token, as Flask-WTF renders it within one session
    other = login("lead").get("/grids/G1/board").get_data(as_text=True)
    assert not {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', other)} & tokens


def test_a_card_changed_by_someone_else_is_shown_as_it_is_now(login, app_world, clock):
    w = app_world
    case = new_case(w)
    member = login("member")
    assert 'data-event="report"' in card(member.get("/grids/G1/board").get_data(as_text=True), case)
    fire(case, "report", w.lead, NOW)
    html = member.get("/grids/G1/board").get_data(as_text=True)
    assert 'data-state="reported"' in card(html, case)
    assert 'data-event="report"' not in card(html, case)


def test_a_card_follows_the_light_the_language_and_the_viewers_role(login, app_world, clock, app):
    w = app_world
    case = new_case(w)  # found: 24 hours, warning at 80%
    lead = login("lead")
    assert "edge-green" in card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    clock["now"] = Case.get_by_id(case.id).warn_at
    lead = login("lead")  # 19 hours later: a new sign-in (sessions end after 8 idle hours)
    assert "edge-yellow" in card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    lead.post("/lang", {"lang": "en", "next": "/grids/G1/board"}, token_from="/grids/G1/board")
    english = card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    assert "Report" in english and "上报" not in english
    # The lead becomes a member of the grid: the lead-only actions leave the card at once.
    assert 'data-event="void"' in english or 'summary class="button">Void' in english
    User.update(role="member").where(User.id == w.lead.id).execute()
    as_member = card(lead.get("/grids/G1/board").get_data(as_text=True), case)
    assert "Void" not in as_member


def test_kept_pages_are_per_address_and_a_flash_message_is_shown_once(login, app_world, clock):
    office = login("community")
    # Two empty grids of the community: the same aggregates and ETag, yet two different pages.
    first = office.get("/grids/G1/board")
    second = office.get("/grids/G2/board")
    assert first.headers["ETag"] == second.headers["ETag"]
    assert "一网格" in first.get_data(as_text=True) and "二网格" not in first.get_data(as_text=True)
    assert "二网格" in second.get_data(as_text=True) and "一网格" not in second.get_data(as_text=True)
    # A page carrying a flash message shows it once; the next load is the plain board.
    with office.http.session_transaction() as session:
        session["_flashes"] = [("message", "已保存")]
    assert "已保存" in office.get("/grids/G1/board").get_data(as_text=True)
    assert "已保存" not in office.get("/grids/G1/board").get_data(as_text=True)


def test_with_the_cache_off_every_card_is_rendered_and_the_pages_are_the_same(login, app_world, clock, app):
    case = new_case(app_world)
    member = login("member")
    kept = member.get("/grids/G1/board").get_data(as_text=True)
    app.extensions["render_cache"] = None
    fresh = member.get("/grids/G1/board").get_data(as_text=True)
    # Per-response values: idempotency keys, and CSRF tokens (signed with the second they were made).
    strip = lambda html: re.sub(r'name="(request_key|csrf_token)" value="[^"]*"|"X-CSRFToken": "[^"]*"', "",  # noqa: E731
                                html)
    assert strip(kept) == strip(fresh) and f'id="case-{case.id}"' in fresh
