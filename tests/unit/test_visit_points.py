"""Visit points (issue 18): a household visit recorded by an account linked to someone who earns points
adds the visit item to the ledger in the same transaction — once per visit, once per household a day,
never in a published month, never for an inactive item — and linking is checked and kept as history."""
from datetime import date, datetime

import pytest

from app.seed import seed_rules
from tests.registry_world import AT, id_number, make_registry
from workflows.errors import WorkflowError
from workflows.models import PointEntry, PointPerson, PointPersonLink, PointRule, Visit
from workflows.points import (
    add_person,
    balances,
    link_user,
    month_ledger,
    publish_month,
    quarter_summary,
    record_correction,
    visit_rule,
    yearly_ranking,
)
from workflows.registry.service import add_household, save_person
from workflows.visits import record_visit

APRIL_2 = datetime(2026, 4, 2, 10, 0)
END = date(2030, 12, 31)


@pytest.fixture
def w(world):
    """The points table; households A and B of grid 1 (and grid 2's); the member of grid 1 linked to a
    person who earns points."""
    seed_rules()
    world.registry = make_registry({"g1": world.g1, "g2": world.g2})
    world.a = world.registry["g1"].household
    world.b = add_household(world.lead, AT, world.registry["g1"].room, number="B")
    save_person(world.lead, AT, world.b, name="平常户", id_number=id_number(date(1970, 2, 3), 901), sex="male")
    world.zhang = add_person(world.lead, AT, name="张网格员", kind="member", grid=world.g1, user=world.member)
    world.rule = PointRule.get(PointRule.code == "V01")
    return world


def visit(w, household=None, at=APRIL_2, actor=None, now=None):
    return record_visit(actor or w.member, now or at, household or w.a, found="老人在家，身体尚可", at=at)


def test_the_seeded_visit_item_is_active_and_worth_one_point(w):
    assert visit_rule() == w.rule
    assert (w.rule.kind, w.rule.points, w.rule.name, w.rule.section, w.rule.active) == (
        "visit", 1, "入户走访", "governance", True)


def test_a_linked_members_visit_earns_the_item_and_counts_everywhere(w):
    made = visit(w)
    entry = PointEntry.get()
    assert (entry.person_id, entry.visit_id, entry.rule_id, entry.points, entry.day) == (
        w.zhang.id, made.id, w.rule.id, 1, date(2026, 4, 2))
    assert (entry.grid_id, entry.community_id, entry.recorded_by_id, entry.recorded_at) == (
        w.g1.id, w.c1.id, w.member.id, APRIL_2)
    assert str(made.id) in entry.evidence
    ledger = month_ledger(w.c1, date(2026, 4, 1))
    assert [c.entry.id for c in ledger.items] == [entry.id]
    assert ledger.items[0].entry.rule.section == "governance"
    assert [(t.person.id, t.points, t.cumulative) for t in ledger.totals] == [(w.zhang.id, 1, 1)]
    months, _published, rows = quarter_summary(w.c1, 2026, 2)
    assert [(r.person.id, r.points, r.months) for r in rows] == [(w.zhang.id, 1, {date(2026, 4, 1): 1})]
    assert [(r.person.id, r.points) for r in yearly_ranking([w.c1], 2026)] == [(w.zhang.id, 1)]
    assert balances([w.c1.id], END) == {w.zhang.id: 1}


def test_unlinked_recorders_earn_nothing_and_their_visits_are_still_recorded(w):
    visit(w, actor=w.member2)
    visit(w, actor=w.lead, household=w.b)
    assert Visit.select().count() == 2 and PointEntry.select().count() == 0
    # Unlinking stops the points; the visit itself is unaffected.
    link_user(w.lead, APRIL_2, w.zhang, None)
    visit(w)
    assert Visit.select().count() == 3 and PointEntry.select().count() == 0


def test_an_inactive_person_earns_nothing(w):
    PointPerson.update(active=False).where(PointPerson.id == w.zhang.id).execute()
    visit(w)
    assert Visit.select().count() == 1 and PointEntry.select().count() == 0


def test_a_published_month_gets_no_visit_points_but_the_visit_is_recorded(w):
    publish_month(w.community, w.c1, date(2026, 3, 1), APRIL_2)
    late = visit(w, at=datetime(2026, 3, 30, 15), now=APRIL_2)  # a March visit typed in on 2 April
    assert Visit.get_by_id(late.id).household_id == w.a.id
    assert PointEntry.select().count() == 0
    visit(w, at=APRIL_2)  # April is open
    assert [e.day for e in PointEntry.select()] == [date(2026, 4, 2)]


def test_one_visit_point_per_household_a_day(w):
    visit(w, at=datetime(2026, 4, 2, 9))
    visit(w, at=datetime(2026, 4, 2, 16))  # the same household again the same day: work, not points
    visit(w, household=w.b, at=datetime(2026, 4, 2, 17))  # another household the same day earns
    visit(w, at=datetime(2026, 4, 3, 9), now=datetime(2026, 4, 3, 9))  # the next day earns again
    assert Visit.select().count() == 4
    assert sorted((e.day, e.visit.household_id) for e in PointEntry.select()) == [
        (date(2026, 4, 2), w.a.id), (date(2026, 4, 2), w.b.id), (date(2026, 4, 3), w.a.id)]
    assert balances([w.c1.id], END) == {w.zhang.id: 3}


def test_the_same_household_visited_by_two_linked_people_earns_each_once(w):
    li = add_person(w.lead, AT, name="李网格员", kind="member", grid=w.g1, user=w.member2)
    visit(w)
    visit(w, actor=w.member2)
    assert balances([w.c1.id], END) == {w.zhang.id: 1, li.id: 1}


def test_an_inactive_item_earns_nothing_and_a_changed_item_earns_its_points(w):
    PointRule.update(active=False).where(PointRule.id == w.rule.id).execute()
    visit(w)
    assert PointEntry.select().count() == 0
    PointRule.update(active=True, points=2).where(PointRule.id == w.rule.id).execute()
    visit(w, household=w.b)
    assert [e.points for e in PointEntry.select()] == [2]


def test_a_visit_point_is_corrected_like_any_entry(w):
    visit(w)
    entry = PointEntry.get()
    fix = record_correction(w.lead, entry, -1, "同一户当天重复走访，冲减", datetime(2026, 4, 5, 9))
    assert (fix.corrects_id, fix.rule_id, fix.visit_id, fix.points) == (entry.id, w.rule.id, None, -1)
    assert balances([w.c1.id], END) == {w.zhang.id: 0}
    assert [c.id for c in month_ledger(w.c1, date(2026, 4, 1)).corrected[entry.id]] == [fix.id]


def test_the_visit_and_its_points_are_one_transaction(w, monkeypatch):
    def broken(**fields):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PointEntry, "create", broken)
    with pytest.raises(RuntimeError):
        visit(w)
    assert Visit.select().count() == 0


def test_linking_checks_the_account_and_keeps_history(w):
    # Accounts of another grid, of the community office, of another street: refused, nothing changed.
    for account in (w.member_g2, w.community, w.member_g4):
        with pytest.raises(WorkflowError) as refused:
            link_user(w.lead, APRIL_2, w.zhang, account)
        assert (refused.value.code, refused.value.field) == ("invalid", "user")
    w.member2.active = False
    w.member2.save()
    with pytest.raises(WorkflowError):
        link_user(w.lead, APRIL_2, w.zhang, w.member2)
    # An account already linked to another active person.
    volunteer = add_person(w.lead, AT, name="王志愿", kind="volunteer", grid=w.g1)
    with pytest.raises(WorkflowError) as taken:
        link_user(w.lead, APRIL_2, volunteer, w.member)
    assert taken.value.code == "duplicate" and taken.value.params == {"name": "张网格员"}
    with pytest.raises(WorkflowError) as taken_on_add:
        add_person(w.lead, AT, name="重名", kind="volunteer", grid=w.g1, user=w.member)
    assert taken_on_add.value.code == "duplicate"
    # Only who records points for the grid may link.
    for outsider in (w.lead_g2, w.member, w.community2):
        with pytest.raises(WorkflowError) as forbidden:
            link_user(outsider, APRIL_2, volunteer, w.lead)
        assert forbidden.value.code == "forbidden"
    assert PointPerson.get_by_id(volunteer.id).user_id is None
    assert PointPerson.get_by_id(w.zhang.id).user_id == w.member.id
    # Move the member's account from 张 to the volunteer: unlink, link; every change is a row.
    link_user(w.community, APRIL_2, w.zhang, None)
    link_user(w.community, APRIL_2, volunteer, w.member)
    link_user(w.community, APRIL_2, volunteer, w.member)  # no change, no row
    rows = [(r.person_id, r.user_id, r.previous_id, r.changed_by_id)
            for r in PointPersonLink.select().order_by(PointPersonLink.id)]
    assert rows == [(w.zhang.id, w.member.id, None, w.lead.id), (w.zhang.id, None, w.member.id, w.community.id),
                    (volunteer.id, w.member.id, None, w.community.id)]
    visit(w)
    assert [e.person_id for e in PointEntry.select()] == [volunteer.id]
    # An account of a person who left may be linked again.
    PointPerson.update(active=False).where(PointPerson.id == volunteer.id).execute()
    link_user(w.lead, APRIL_2, w.zhang, w.member)
    assert PointPerson.get_by_id(w.zhang.id).user_id == w.member.id
