"""Visit points in the browser's place (issue 18): a lead or community office links a person to a sign-in
account of the grid on the people page (bad ids, another grid's account and an account already linked
answer 400 in Chinese and change nothing), then a visit recorded through the visit form shows up as a
ledger line that links back to the visit."""
from datetime import datetime

import pytest

from app.seed import seed_rules
from tests.registry_world import make_registry
from workflows.models import PointEntry, PointPerson, PointPersonLink, Visit
from workflows.points import add_person

MARCH_20 = datetime(2026, 3, 20, 9, 0)
PEOPLE = "/points/people"


@pytest.fixture
def w(app, app_world, clock):
    """The points table, the registry of grids 1 and 2, a volunteer of each grid; the clock on 20 March."""
    clock.set(MARCH_20)
    seed_rules()
    app_world.registry = make_registry({"g1": app_world.g1, "g2": app_world.g2})
    app_world.household = app_world.registry["g1"].household
    app_world.zhang = add_person(app_world.lead, MARCH_20, name="张网格员", kind="member", grid=app_world.g1)
    app_world.other = add_person(app_world.lead_g2, MARCH_20, name="二网格志愿者", kind="volunteer",
                                 grid=app_world.g2)
    return app_world


def link(client, person, user):
    return client.post(PEOPLE, {"person": str(person), "user": str(user)}, token_from=PEOPLE)


def unchanged(w):
    return (PointPerson.get_by_id(w.zhang.id).user_id is None and PointPerson.get_by_id(w.other.id).user_id is None
            and PointPersonLink.select().count() == 0)


def test_the_people_page_offers_the_grids_accounts(w, login):
    page = login("lead").get(PEOPLE).get_data(as_text=True)
    assert "关联账号" in page and "登录账号" in page
    assert f'<option value="{w.member.id}"' in page and f'<option value="{w.member2.id}"' in page
    assert f'<option value="{w.member_g2.id}"' not in page  # another grid's account is never offered
    assert login("member").get(PEOPLE).status_code == 403


def test_bad_link_requests_answer_400_in_chinese_and_change_nothing(w, login):
    lead = login("lead")
    assert link(lead, "abc", w.member.id).status_code == 400
    assert link(lead, w.zhang.id, "abc").status_code == 400
    assert link(lead, w.zhang.id, "99999999999").status_code == 400
    unknown = link(lead, w.zhang.id, 999999)
    assert unknown.status_code == 400 and "请选择本人所在网格的登录账号" in unknown.get_data(as_text=True)
    assert link(lead, w.other.id, w.member_g2.id).status_code == 404  # a person of another grid: not the lead's
    community = login("community")  # records for both grids: sees both, but may not cross them
    crossed = link(community, w.zhang.id, w.member_g2.id)
    assert crossed.status_code == 400 and "请选择本人所在网格的登录账号" in crossed.get_data(as_text=True)
    office = link(community, w.zhang.id, w.community.id)
    assert office.status_code == 400
    assert unchanged(w)
    assert link(lead, w.zhang.id, w.member.id).status_code == 303
    volunteer = add_person(w.lead, MARCH_20, name="王志愿", kind="volunteer", grid=w.g1)
    taken = link(lead, volunteer.id, w.member.id)
    assert taken.status_code == 400 and "该账号已关联张网格员" in taken.get_data(as_text=True)
    assert PointPerson.get_by_id(volunteer.id).user_id is None and PointPersonLink.select().count() == 1


def test_adding_a_person_with_an_account(w, login):
    lead = login("lead")
    added = lead.post(PEOPLE, {"grid": str(w.g1.id), "name": "李网格员", "kind": "member", "building": "",
                               "phone": "", "user": str(w.member2.id)}, token_from=PEOPLE)
    assert added.status_code == 303
    li = PointPerson.get(PointPerson.name == "李网格员")
    assert li.user_id == w.member2.id and PointPersonLink.get().person_id == li.id
    crossed = lead.post(PEOPLE, {"grid": str(w.g1.id), "name": "越界", "kind": "member", "building": "",
                                 "phone": "", "user": str(w.member_g2.id)}, token_from=PEOPLE)
    assert crossed.status_code == 400 and "请选择本人所在网格的登录账号" in crossed.get_data(as_text=True)
    assert not PointPerson.select().where(PointPerson.name == "越界").exists()


def test_a_linked_members_visit_through_the_form_is_a_ledger_line(w, login, clock):
    lead = login("lead")
    response = link(lead, w.zhang.id, w.member.id)
    assert response.status_code == 303
    assert PointPerson.get_by_id(w.zhang.id).user_id == w.member.id
    assert "张网格员已关联账号member" in lead.get(PEOPLE).get_data(as_text=True)

    member = login("member")
    h = w.household
    recorded = member.post(f"/households/{h.id}/visits", {"kind": "routine", "found": "老人在家，身体尚可",
                                                          "needs": ""}, token_from=f"/households/{h.id}/visits/new")
    assert recorded.status_code == 303, recorded.get_data(as_text=True)
    visit = Visit.get()
    shown = member.get(recorded.headers["Location"]).get_data(as_text=True)
    assert "积分：张网格员 +1分（入户走访）" in shown
    entry = PointEntry.get()
    assert (entry.visit_id, entry.person_id, entry.points, entry.recorded_by_id) == (
        visit.id, w.zhang.id, 1, w.member.id)

    # The same household again the same day: the visit is recorded, no second point, no flash.
    again = member.post(f"/households/{h.id}/visits", {"kind": "followup", "found": "送去助餐券", "needs": ""},
                        token_from=f"/households/{h.id}/visits/new")
    assert again.status_code == 303 and Visit.select().count() == 2 and PointEntry.select().count() == 1
    assert "入户走访）" not in member.get(again.headers["Location"]).get_data(as_text=True)

    ledger = lead.get("/points/c/C1/2026-03").get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in ledger and "入户走访" in ledger
    assert f'href="/visits/{visit.id}"' in ledger and f"入户走访 #{visit.id}" in ledger
    assert "随走访记录自动登记" in ledger
    # The member sees the line too (their own community's ledger), and the quarter counts it.
    assert f"入户走访 #{visit.id}" in member.get("/points/c/C1/2026-03").get_data(as_text=True)
    quarter = lead.get("/points/c/C1/quarters/2026/1").get_data(as_text=True)
    assert "张网格员" in quarter
    rules = lead.get("/points/rules").get_data(as_text=True)
    assert "入户走访" in rules and "同一户每天只计一次" in rules


def test_unlinking_stops_the_points(w, login):
    lead = login("lead")
    assert link(lead, w.zhang.id, w.member.id).status_code == 303
    unlinked = link(lead, w.zhang.id, "")
    assert unlinked.status_code == 303 and PointPerson.get_by_id(w.zhang.id).user_id is None
    assert [r.user_id for r in PointPersonLink.select().order_by(PointPersonLink.id)] == [w.member.id, None]
    member = login("member")
    h = w.household
    assert member.post(f"/households/{h.id}/visits", {"kind": "routine", "found": "在家", "needs": ""},
                       token_from=f"/households/{h.id}/visits/new").status_code == 303
    assert Visit.select().count() == 1 and PointEntry.select().count() == 0


def test_the_demos_members_earn_visit_points(app):
    """The demo links each grid's member to their points person: a visit they record earns the item."""
    from app.auth import hash_password
    from app.seed import seed_demo
    from workflows.models import Household, User
    from workflows.visits import record_visit

    now = datetime(2026, 11, 27, 16, 40)
    seed_demo(now, hash_password("demo password"), cases=60)
    members = list(User.select().where((User.role == "member") & User.active))
    linked = {p.user_id for p in PointPerson.select().where(PointPerson.kind == "member")}
    assert linked and linked <= {m.id for m in members}
    member = User.get_by_id(min(linked))
    household = Household.select().where((Household.grid == member.org_id) & Household.active).first()
    before = PointEntry.select().count()
    made = record_visit(member, now, household, found="演示走访")
    assert PointEntry.select().count() == before + 1 and PointEntry.get(PointEntry.visit == made.id).points == 1
