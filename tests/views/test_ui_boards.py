"""Boards: columns, cards, filters, paging, conditional polling, roll-ups and who may see what."""
import re
from datetime import timedelta

import pytest

from tests.factories import T0, new_case, peewee_queries
from workflows.models import Case
from workflows.service import fire, open_case

NOW = T0 + timedelta(hours=2)  # Monday 11:00
BOARD = {"HX-Request": "true", "HX-Target": "board"}


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


def card_ids(html, state=None):
    """The case ids of the cards on a page (or in one column), in order."""
    if state:
        html = html.split(f'id="column-{state}"', 1)[1].split('<section class="column', 1)[0]
    return [int(i) for i in re.findall(r'<article id="case-(\d+)"', html)]


def test_grid_board_has_a_column_per_state_and_cards_with_their_facts(login, app_world, clock):
    w = app_world
    found = new_case(w, building=w.b1)
    assigned = new_case(w, category=w.urgent)
    fire(assigned, "report", w.lead, T0)
    fire(assigned, "dispatch", w.community, T0, department=w.sanitation.id)
    fire(assigned, "rectify", w.handler, T0, note="done")
    fire(assigned, "rework", w.member, T0, reason="not clean")
    Case.update(suspended_at=T0).where(Case.id == assigned.id).execute()
    theirs = new_case(w, grid=w.g2, actor=w.member_g2)
    html = login("member").get("/grids/G1/board").get_data(as_text=True)
    assert 'id="board"' in html
    for state in ("found", "handled", "reported", "assigned", "rectified", "verified", "closed"):
        assert f'id="column-{state}"' in html
    assert card_ids(html, "found") == [found.id]
    # An emergency (紧急) is in the red lane, not its state's column (issue 19).
    assert card_ids(html, "emergency") == [assigned.id] and card_ids(html, "assigned") == []
    assert theirs.id not in card_ids(html)
    card = html.split(f'id="case-{assigned.id}"', 1)[1].split("</article>", 1)[0]
    for text in (assigned.number, "污水外溢", "楼道堆物", "环卫所", "返工×1", "挂起", "紧急", "时限 03-03 09:00"):
        assert text in card, text
    found_card = html.split(f'id="case-{found.id}"', 1)[1].split("</article>", 1)[0]
    assert "1号楼" in found_card and "挂起" not in found_card and "时限" in found_card
    assert 'class="button primary big" id="new-case"' in html


def test_deadline_colour_turns_yellow_then_red(login, app_world, clock):
    case = new_case(app_world)  # found: 24 hours, warning at 80%
    member = login("member")
    assert "edge-green" in member.get("/grids/G1/board").get_data(as_text=True)
    clock.set(case.warn_at)  # 19 hours later: a new sign-in (sessions end after 8 idle hours)
    member = login("member")
    assert f'id="case-{case.id}" class="case-card edge-yellow"' in member.get("/grids/G1/board").get_data(as_text=True)
    clock.set(case.deadline)
    assert f'id="case-{case.id}" class="case-card edge-red"' in member.get("/grids/G1/board").get_data(as_text=True)


def test_columns_show_fifty_by_deadline_and_load_the_rest_on_demand(login, app_world, clock):
    cases = [new_case(app_world, at=T0 - timedelta(minutes=i)) for i in range(53)]
    by_deadline = [c.id for c in sorted(cases, key=lambda c: (c.deadline, c.id))]
    member = login("member")
    html = member.get("/grids/G1/board").get_data(as_text=True)
    assert card_ids(html, "found") == by_deadline[:50]
    more = re.search(r'id="more-found" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    rest = member.get(more, headers={"HX-Request": "true", "HX-Target": "more-found"}).get_data(as_text=True)
    assert card_ids(rest) == by_deadline[50:]
    assert "more-found" not in rest and "<html" not in rest


def test_closed_column_shows_the_last_seven_days(login, app_world, clock):
    w = app_world
    old = new_case(w, at=NOW - timedelta(days=9))
    fire(old, "void", w.lead, NOW - timedelta(days=8), void_kind="invalid", reason="不属实")
    recent = new_case(w, at=NOW - timedelta(days=3))
    fire(recent, "void", w.lead, NOW - timedelta(days=2), void_kind="invalid", reason="不属实")
    html = login("member").get("/grids/G1/board").get_data(as_text=True)
    assert card_ids(html, "closed") == [recent.id]


def test_filters_narrow_the_board_and_stay_in_the_url(login, app_world, clock):
    w = app_world
    litter = open_case(w.g1, w.member, T0, category=w.litter, title="东门垃圾", description="")
    sewage = open_case(w.g1, w.member, T0 - timedelta(days=2), category=w.urgent, title="污水", description="东门外")
    building = open_case(w.g1, w.member, NOW, category=w.complex, title="违建", urgency="complex")
    member = login("member")

    def ids(query):
        return set(card_ids(member.get("/grids/G1/board?" + query, headers=BOARD).get_data(as_text=True)))

    assert ids(f"category={w.urgent.id}") == {sewage.id}
    assert ids(f"category={w.major.id}") == {litter.id, sewage.id, building.id}
    assert ids("urgency=complex") == {building.id}
    assert ids("overdue=1") == {sewage.id}
    assert ids("q=东门") == {litter.id, sewage.id}
    assert ids("q=" + building.number) == {building.id}
    page = member.get("/grids/G1/board?q=东门&urgency=urgent").get_data(as_text=True)
    assert 'name="q" value="东门"' in page and '<option value="urgent" selected' in page
    assert 'hx-push-url="true"' in page


def test_an_unchanged_board_answers_304_without_reading_its_cases(login, app_world, clock, caplog):
    case = new_case(app_world)
    member = login("member")
    first, queries = peewee_queries(caplog, lambda: member.get("/grids/G1/board", headers=BOARD))
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["Last-Modified"] == "Mon, 02 Mar 2026 01:00:00 GMT"  # T0, Beijing time
    assert any(q.startswith("('SELECT COUNT(") for q in queries)  # the aggregate, worked out once
    again, queries = peewee_queries(caplog, lambda: member.get("/grids/G1/board", headers={**BOARD, "If-None-Match": etag}))
    assert again.status_code == 304 and again.data == b""
    # The session and its user, the grid, the grid's change count — no query on cases.
    assert not [q for q in queries if '"case"' in q] and len(queries) <= 3, queries
    assert [q for q in queries if '"counter"' in q and "SUM(" in q]
    fire(case, "report", app_world.member, NOW)
    changed = member.get("/grids/G1/board", headers={**BOARD, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert card_ids(changed.get_data(as_text=True), "reported") == [case.id]


def test_a_kept_aggregate_is_the_one_the_cases_give(login, app, app_world, clock):
    """The ETag of a poll answered from the kept aggregate equals the one worked out from the cases."""
    w = app_world
    cases = [new_case(w, at=T0 + timedelta(minutes=i)) for i in range(4)]
    member = login("member")
    steps = [lambda: fire(cases[0], "report", w.member, NOW), lambda: fire(cases[1], "handle", w.member, NOW,
             note="当场处置"), lambda: open_case(w.g1, w.member, NOW, category=w.litter, title="又一件"),
             lambda: fire(cases[2], "void", w.lead, NOW, void_kind="invalid", reason="不属实")]
    for step in [lambda: None, *steps]:
        step()
        kept = member.get("/grids/G1/board", headers=BOARD).headers["ETag"]
        assert member.get("/grids/G1/board", headers=BOARD).headers["ETag"] == kept  # answered from the kept one
        app.extensions["board_stamps"].clear()
        assert member.get("/grids/G1/board", headers=BOARD).headers["ETag"] == kept  # worked out again


def test_every_write_counts_against_the_cases_units_and_departments(app_world):
    from workflows import changes

    w = app_world
    case = new_case(w)
    units = {"grid": case.grid_id, "community": case.community_id, "street": case.street_id,
             "district": case.district_id}
    before = {name: changes.mark({name: unit}) for name, unit in units.items()}
    assert all(before.values())  # opening the case counted
    fire(case, "report", w.lead, NOW)  # a lead's report goes to the community
    fire(case, "dispatch", w.community, NOW, department=w.sanitation.id)
    assert {name: changes.mark({name: unit}) for name, unit in units.items()} == {n: v + 2 for n, v in before.items()}
    assert changes.mark({"department": w.sanitation.id}) == 1
    fire(case, "decline", w.handler, NOW, reason="不归我们管")  # leaving the department counts too
    assert changes.mark({"department": w.sanitation.id}) == 2
    assert changes.mark({"grid": case.grid_id, "department": w.sanitation.id}) == before["grid"] + 3 + 2
    assert changes.mark({"department": w.police.id}) == 0


def test_a_closed_case_leaves_a_polled_board_seven_days_after_it_closed(login, app_world, clock):
    w = app_world
    case = new_case(w, at=NOW - timedelta(days=8))
    closed_at = NOW - timedelta(days=7) + timedelta(hours=1)  # it leaves the board an hour from now, today
    fire(case, "void", w.lead, closed_at, void_kind="invalid", reason="不属实")
    member = login("member")
    first = member.get("/grids/G1/board", headers=BOARD)
    assert card_ids(first.get_data(as_text=True), "closed") == [case.id]
    poll = {**BOARD, "If-None-Match": first.headers["ETag"]}
    clock.set(NOW + timedelta(minutes=59))
    assert member.get("/grids/G1/board", headers=poll).status_code == 304
    clock.set(NOW + timedelta(minutes=61))
    gone = member.get("/grids/G1/board", headers=poll)
    assert gone.status_code == 200 and card_ids(gone.get_data(as_text=True), "closed") == []


def test_the_etag_changes_when_a_light_turns_without_any_write(login, app_world, clock):
    case = new_case(app_world)
    fire(case, "report", app_world.member, T0)  # four working hours: the warning point is today
    member = login("member")
    etag = member.get("/grids/G1/board", headers=BOARD).headers["ETag"]
    clock.set(case.warn_at - timedelta(minutes=1))
    assert member.get("/grids/G1/board", headers={**BOARD, "If-None-Match": etag}).status_code == 304
    clock.set(case.warn_at + timedelta(minutes=1))
    turned = member.get("/grids/G1/board", headers={**BOARD, "If-None-Match": etag})
    assert turned.status_code == 200 and "edge-yellow" in turned.get_data(as_text=True)


def test_the_board_fragment_is_only_the_board(login, app_world, clock):
    new_case(app_world)
    html = login("member").get("/grids/G1/board", headers=BOARD).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="board"') and "<html" not in html
    assert 'hx-trigger="every 30s, board-changed from:body"' in html


def test_cards_offer_only_the_viewers_actions(login, app_world, clock):
    w = app_world
    case = new_case(w)
    member_html = login("member").get("/grids/G1/board").get_data(as_text=True)
    lead_html = login("lead").get("/grids/G1/board").get_data(as_text=True)
    street_html = login("street_disp").get("/grids/G1/board").get_data(as_text=True)
    assert f"/cases/{case.id}/events/report" in member_html and f"/cases/{case.id}/events/handle" in member_html
    assert f"/cases/{case.id}/events/void" not in member_html
    assert f"/cases/{case.id}/events/void" in lead_html
    assert f"/cases/{case.id}/events/report" not in street_html
    # Report needs nothing: one tap. Handle needs a note: an inline form.
    assert 'data-event="report"' in member_html
    assert re.search(r'<details class="card-action"\s*>\s*<summary class="button">现场处置', member_html)


def test_closing_a_residents_case_asks_for_the_call_back_on_the_card(login, app_world, clock):
    w = app_world
    patrol = new_case(w)
    resident = open_case(w.g1, w.resident, T0, category=w.litter, title="居民反映", source="resident")
    for case in (patrol, resident):
        fire(case, "report", w.lead, T0)
        fire(case, "dispatch", w.community, T0, department=w.sanitation.id)
        fire(case, "rectify", w.handler, T0, note="ok")
        fire(case, "verify", w.member, T0, note="ok")
    html = login("community").get("/grids/G1/board").get_data(as_text=True)
    patrol_card = html.split(f'id="case-{patrol.id}"', 1)[1].split("</article>", 1)[0]
    resident_card = html.split(f'id="case-{resident.id}"', 1)[1].split("</article>", 1)[0]
    assert 'data-event="close"' in patrol_card
    assert 'name="callback"' in resident_card and 'data-event="close"' not in resident_card


@pytest.mark.parametrize("username, path, status", [
    ("member", "/grids/G2/board", 404),
    ("member", "/grids/G1/board", 200),
    ("handler", "/grids/G1/board", 403),
    ("community2", "/grids/G1/board", 404),
    ("community", "/grids/G1/board", 200),
    ("supervisor", "/grids/G1/board", 200),
    ("other_supervisor", "/grids/G1/board", 404),
    ("admin", "/grids/G1/board", 200),
    ("member", "/communities/C1/board", 403),
    ("community", "/communities/C1/board", 200),
    ("community", "/communities/C2/board", 404),
    ("community", "/streets/S1/board", 404),
    ("street_disp", "/streets/S1/board", 200),
    ("street_disp", "/communities/C1/board", 200),
    ("other_street_disp", "/streets/S1/board", 404),
    ("district_disp", "/districts/D1/board", 200),
    ("supervisor", "/streets/C1/board", 404),
    ("handler", "/departments/sanitation/board", 200),
    ("police_handler", "/departments/sanitation/board", 404),
    ("member", "/departments/sanitation/board", 403),
    ("street_disp", "/departments/sanitation/board", 200),
    ("other_street_disp", "/departments/sanitation/board", 404),
    ("handler", "/departments/sanitation/board?grid=G1", 200),
    ("member", "/grids/G2/board?column=found&offset=50", 404),
])
def test_every_board_and_fragment_checks_role_and_scope(login, app_world, clock, username, path, status):
    client = login(username)
    assert client.get(path).status_code == status
    assert client.get(path, headers=BOARD).status_code == status


def test_community_rollup_counts_per_grid_and_state(login, app_world, clock):
    w = app_world
    new_case(w)
    late = new_case(w, at=T0 - timedelta(days=3))
    fire(late, "report", w.member, T0 - timedelta(days=3))  # last Friday: four working hours long gone
    new_case(w, grid=w.g2, actor=w.member_g2)
    new_case(w, grid=w.g3, actor=w.community2)  # another community: not on this board
    html = login("community").get("/communities/C1/board").get_data(as_text=True)
    lane_g1 = html.split('id="lane-%d"' % w.g1.id, 1)[1].split("</tr>", 1)[0]
    lane_g2 = html.split('id="lane-%d"' % w.g2.id, 1)[1].split("</tr>", 1)[0]
    cells_g1 = re.findall(r"<td>(.*?)</td>", lane_g1, re.S)
    assert cells_g1[0].split("<")[1].endswith("1") and "light-red" in cells_g1[2]  # found 1, reported 1 overdue
    assert 'href="/grids/G1/board"' in lane_g1
    assert re.findall(r"<td>(.*?)</td>", lane_g2, re.S)[0].startswith('<a class="cell" href="/grids/G2/board">1')
    assert 'id="lane-%d"' % w.g3.id not in html
    totals = re.findall(r"<td>(\d+)</td>", html.split("<tfoot>", 1)[1])
    assert totals[:3] == ["2", "0", "1"]


def test_street_rollup_by_department_and_department_rollup_by_grid(login, app_world, clock):
    w = app_world
    case = new_case(w)
    fire(case, "report", w.lead, T0)
    fire(case, "dispatch", w.community, T0, department=w.sanitation.id)
    waiting = new_case(w)
    html = login("street_disp").get("/streets/S1/board?lanes=department").get_data(as_text=True)
    assert 'id="lane-%d"' % w.sanitation.id in html and 'href="/departments/sanitation/board"' in html
    unassigned = html.split('id="lane-none"', 1)[1].split("</tr>", 1)[0]
    assert "尚未派遣" in unassigned and re.findall(r"<td>(.*?)</td>", unassigned, re.S)[0] == '<a class="cell">1</a>'
    assert waiting.department_id is None
    dept = login("handler").get("/departments/sanitation/board").get_data(as_text=True)
    assert 'id="lane-%d"' % w.g1.id in dept and 'href="/departments/sanitation/board?grid=G1"' in dept
    cards = login("handler").get("/departments/sanitation/board?grid=G1").get_data(as_text=True)
    assert card_ids(cards, "assigned") == [case.id]
    assert f"/cases/{case.id}/events/rectify" in cards
