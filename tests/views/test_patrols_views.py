"""Patrol pages: start, tick, end on the tablet; coverage, missed list and rules for those who check."""
from datetime import datetime

import pytest

from app.seed import seed_rules
from workflows.models import Patrol, PatrolBuilding, PatrolRule
from workflows.patrols import end_patrol, start_patrol
from tests.factories import stop_clock

FRIDAY = datetime(2026, 3, 6, 16, 30)  # late on a Friday afternoon: today's light is yellow


@pytest.fixture
def w(app, app_world):
    """The small world with the seed's rules and the app's clock fixed at FRIDAY."""
    seed_rules()
    stop_clock(app, FRIDAY)
    return app_world


def patrolled(user, *days):
    """Ended patrols of March 2026 on these days."""
    for day in days:
        p = start_patrol(user, datetime(2026, 3, day, 9, 0))
        end_patrol(p, user, datetime(2026, 3, day, 9, 45))


def test_a_member_starts_ticks_and_ends_a_patrol(login, w):
    member = login("member")
    page = member.get("/patrols").get_data(as_text=True)
    assert "开始巡查" in page and "巡查要求：每天1次" in page
    response = member.post("/patrols/start", {"lat": "30.2741", "lng": "120.1551", "accuracy": "15"},
                           token_from="/patrols")
    assert response.status_code == 303
    patrol = Patrol.get()
    assert (patrol.user_id, patrol.grid_id, patrol.started_at, patrol.start_lat) == (w.member.id, w.g1.id, FRIDAY,
                                                                                       30.2741)
    page = member.get("/patrols").get_data(as_text=True)
    assert 'href="/cases/new?grid=G1"' in page and "新建事件" in page and "结束巡查" in page
    tick = member.post(f"/patrols/{patrol.id}/buildings/{w.b1.id}", {"checked": "1"}, token_from="/patrols",
                       headers={"HX-Request": "true", "HX-Target": "patrol-buildings"})
    assert tick.status_code == 200
    fragment = tick.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="patrol-buildings">') and 'aria-pressed="true"' in fragment
    assert "<html" not in fragment
    assert PatrolBuilding.select().where(PatrolBuilding.patrol == patrol.id).count() == 1
    ended = member.post(f"/patrols/{patrol.id}/end", {"note": "一切正常"}, token_from="/patrols")
    assert ended.status_code == 303
    assert Patrol.get_by_id(patrol.id).ended_at == FRIDAY and Patrol.get_by_id(patrol.id).note == "一切正常"
    again = member.post(f"/patrols/{patrol.id}/end", {}, token_from="/patrols", follow_redirects=True)
    assert "本次巡查已经结束" in again.get_data(as_text=True)


def test_patrol_actions_are_refused_to_others(login, w, client):
    patrol = start_patrol(w.member, FRIDAY)
    other = login("member2")
    assert other.post(f"/patrols/{patrol.id}/end", {}, token_from="/patrols").status_code == 404
    assert other.post(f"/patrols/{patrol.id}/buildings/{w.b1.id}", {"checked": "1"},
                      token_from="/patrols").status_code == 404
    assert login("lead_g2").get(f"/patrols/{patrol.id}").status_code == 404
    assert login("lead").get(f"/patrols/{patrol.id}").status_code == 200
    assert login("handler").get("/patrols").status_code == 403
    assert login("community").post("/patrols/start", {}, token_from="/cases").status_code == 403
    member = login("member")
    assert member.http.post(f"/patrols/{patrol.id}/end", data={}).status_code == 400  # no CSRF token
    bad = member.post("/patrols/start", {"lat": "999", "lng": "1"}, token_from="/patrols", follow_redirects=True)
    assert Patrol.select().count() == 1 and Patrol.get().ended_at is None
    assert "平板上报的位置无效" in bad.get_data(as_text=True)
    assert client.get("/patrols/coverage").status_code == 302  # signed out: to the sign-in page


def test_coverage_for_lead_and_supervisor_with_lights(login, w):
    patrolled(w.member, 2, 3, 4, 5, 6)
    patrolled(w.member2, 2, 4, 5)
    lead_page = login("lead").get("/patrols/coverage").get_data(as_text=True)
    assert 'id="coverage-G1"' in lead_page and 'id="coverage-G2"' not in lead_page
    assert f'id="coverage-user-{w.member.id}" data-light="green"' in lead_page
    assert f'id="coverage-user-{w.member2.id}" data-light="red"' in lead_page  # Tuesday missed, today due
    assert "已巡查1次" in lead_page and "漏巡1次" in lead_page
    summary = lead_page.split('id="today-summary"')[1].split("</p>")[0]
    assert "正常1人" in summary and "临近截止1人" in summary and "漏巡0次" in summary
    supervisor = login("supervisor")
    page = supervisor.get("/patrols/coverage").get_data(as_text=True)
    assert all(f'id="coverage-{code}"' in page for code in ("G1", "G2", "G3")) and "coverage-G4" not in page
    behind = supervisor.get("/patrols/coverage?show=day").get_data(as_text=True)
    assert f"coverage-user-{w.member.id}" not in behind and f"coverage-user-{w.member2.id}" in behind
    fragment = supervisor.get("/patrols/coverage?show=day", headers={"HX-Request": "true", "HX-Target": "coverage"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="coverage">')
    for outsider in ("member", "handler"):
        assert login(outsider).get("/patrols/coverage").status_code == 403


def test_missed_list_per_month(login, w):
    patrolled(w.member, 2, 4, 5)
    page = login("community").get("/patrols/missed?month=2026-03").get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    member_rows = [r for r in rows.split("<tr>") if f">{w.member.name} <" in r]
    assert [r.split("<td>")[1].split("</td>")[0][:10] for r in member_rows] == ["2026-03-03"]
    assert "2026-03-06" not in rows  # Friday is not over yet
    assert login("community").get("/patrols/missed?month=2026-13").status_code == 400
    elsewhere = login("other_supervisor").get("/patrols/missed?month=2026-03").get_data(as_text=True)
    assert "四网格" in elsewhere and "一网格" not in elsewhere  # each office sees its own grids only


def test_rules_page_admin_edits_others_read(login, w):
    rule = PatrolRule.get(PatrolRule.role == "member", PatrolRule.grid_type == "")
    lead = login("lead")
    assert "每天" in lead.get("/patrols/rules").get_data(as_text=True)
    assert lead.post("/patrols/rules", {"rule_id": rule.id, "role": "member", "period": "week", "times": "1"},
                     token_from="/patrols/rules").status_code == 403
    admin = login("admin")
    bad = admin.post("/patrols/rules", {"rule_id": rule.id, "role": "member", "period": "week", "times": "0"},
                     token_from="/patrols/rules")
    assert bad.status_code == 400 and "1到31之间的整数" in bad.get_data(as_text=True)
    ok = admin.post("/patrols/rules", {"rule_id": rule.id, "role": "member", "period": "week", "times": "2"},
                    token_from="/patrols/rules")
    assert ok.status_code == 303
    assert (PatrolRule.get_by_id(rule.id).period, PatrolRule.get_by_id(rule.id).times) == ("week", 2)


def test_navigation_by_role(login, w):
    member_nav = login("member").get("/patrols").get_data(as_text=True)
    assert 'href="/patrols"' in member_nav and 'href="/patrols/coverage"' not in member_nav
    lead_nav = login("lead").get("/patrols").get_data(as_text=True)
    assert 'href="/patrols/coverage"' in lead_nav and 'href="/worklog"' in lead_nav and 'href="/points"' in lead_nav
    handler_nav = login("handler").get("/cases").get_data(as_text=True)
    assert 'href="/patrols' not in handler_nav and 'href="/points"' not in handler_nav


def test_case_page_names_the_patrol(login, w):
    from tests.factories import new_case

    patrol = start_patrol(w.member, FRIDAY)
    case = new_case(w, patrol=patrol)
    page = login("lead").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "在巡查中登记" in page and f'href="/patrols/{patrol.id}"' in page
