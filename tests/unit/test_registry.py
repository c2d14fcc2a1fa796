"""The registry's domain: ID checksum, masks, the write path (moves, deaths, tags recorded, never
deleted; history readable), and the policy per role (scope, reveal, sensitive tags)."""
from datetime import date, datetime

import pytest

from tests.registry_world import AT, id_number, make_registry
from workflows import policy
from workflows.errors import WorkflowError
from workflows.models import Person, PersonTag, RegistryChange, RevealLog
from workflows.registry import check_digit, id_problem, mask_id, mask_phone
from workflows.registry.queries import grid_counts, history, person_tags, search
from workflows.registry.service import move_out, record_death, remove_tag, reveal, save_person

LATER = datetime(2026, 3, 10, 9, 0)


def test_check_digit_follows_gb_11643():
    # The standard's own example: 11010519491231002X.
    assert check_digit("11010519491231002") == "X"
    assert id_problem("11010519491231002X") is None
    assert id_problem("110105194912310021") == "The ID number's check digit is wrong."
    assert id_problem("1101051949123100") is not None
    first = "11010520261301001"  # month 13
    assert id_problem(first + check_digit(first)) == "The ID number holds no valid birth date."


def test_masks():
    assert mask_id("110101199001011234") == "110101********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


@pytest.fixture
def reg(world):
    world.registry = make_registry({"g1": world.g1, "g2": world.g2})
    return world


def test_move_out_death_and_tag_removal_are_dated_rows_never_deletes(reg):
    r = reg.registry["g1"]
    move_out(reg.lead, LATER, r.head, on=date(2026, 3, 9), reason="搬往外区", to="杭州")
    tag = PersonTag.get((PersonTag.person == r.other.id) & (PersonTag.tag == "correction"))
    with pytest.raises(WorkflowError):  # a grid lead may not end a sensitive tag
        remove_tag(reg.lead, LATER, tag, on=date(2026, 3, 9), reason="期满")
    remove_tag(reg.community, LATER, tag, on=date(2026, 3, 9), reason="矫正期满")
    record_death(reg.community, LATER, r.other, on=date(2026, 3, 10), reason="家属告知")
    head, other = Person.get_by_id(r.head.id), Person.get_by_id(r.other.id)
    assert (head.status, head.moved_out) == ("moved_out", date(2026, 3, 9))
    assert (other.status, other.deceased_on) == ("deceased", date(2026, 3, 10))
    assert PersonTag.select().where(PersonTag.person.in_([head.id, other.id])).count() == 2  # nothing deleted
    kinds = [(c.kind, c.reason, c.author_id) for c in history(reg.community, person=head)]
    assert kinds[0] == ("moved_out", "搬往外区", reg.lead.id)
    assert [c.kind for c in history(reg.community, person=other)][:2] == ["deceased", "tag_removed"]
    # The lead reads the history without the sensitive tag's rows.
    assert "tag_removed" not in [c.kind for c in history(reg.lead, person=other)]
    assert [c.kind for c in history(reg.lead, room=r.room)].count("moved_out") == 1
    with pytest.raises(WorkflowError):
        move_out(reg.lead, LATER, head, on=date(2026, 3, 9), reason="again")
    with pytest.raises(WorkflowError):  # a reason is required
        move_out(reg.lead, LATER, r.head.__class__.get_by_id(r.head.id), on=date(2026, 3, 9), reason="")


def test_entry_refuses_a_bad_checksum_and_a_duplicate(reg):
    r = reg.registry["g1"]
    bad = id_number(date(1990, 1, 1), 7)[:-1] + ("0" if id_number(date(1990, 1, 1), 7)[-1] != "0" else "1")
    with pytest.raises(WorkflowError) as error:
        save_person(reg.member, AT, r.household, name="甲", id_number=bad, sex="male")
    assert error.value.field == "id_number"
    with pytest.raises(WorkflowError) as error:
        save_person(reg.member, AT, r.household, name="乙", id_number=r.head.id_number, sex="male")
    assert error.value.code == "duplicate"
    with pytest.raises(WorkflowError):  # another grid's household
        save_person(reg.member, AT, reg.registry["g2"].household, name="丙", id_number=id_number(date(1990, 1, 1), 8),
                    sex="male")


ROLE_EXPECTATIONS = {
    # username: (view g1, edit g1, reveal g1, sensitive g1, reveal log c1)
    "member": (True, True, True, False, False),
    "lead": (True, True, True, False, False),
    "member_g2": (False, False, False, False, False),
    "community": (True, True, True, True, True),
    "community2": (False, False, False, False, False),
    "street_disp": (True, False, False, True, True),
    "district_disp": (True, False, False, True, True),
    "other_street_disp": (False, False, False, False, False),
    "supervisor": (True, False, False, True, True),
    "other_supervisor": (False, False, False, False, False),
    "handler": (False, False, False, False, False),
    "admin": (True, True, False, True, True),
}


@pytest.mark.parametrize("username", sorted(ROLE_EXPECTATIONS))
def test_policy_per_role(reg, username):
    user = getattr(reg, username)
    person = reg.registry["g1"].other
    got = (policy.can(user, "registry.view", person), policy.can(user, "registry.edit", person),
           policy.can(user, "registry.reveal", person), policy.can(user, "registry.sensitive", person),
           policy.can(user, "registry.reveal_log", reg.c1))
    assert got == ROLE_EXPECTATIONS[username]
    seen = {p.id for p in policy.visible_registry(user, Person)}
    assert (person.id in seen) == ROLE_EXPECTATIONS[username][0]
    # Sensitive tags: never in the tags, counts or search for those who may not see them.
    tags = [t.tag for t in person_tags(user, person)]
    assert ("correction" in tags) == (policy.sees_sensitive_tags(user))
    counted = dict(grid_counts(user, reg.g1)["tags"])
    assert ("correction" in counted) == policy.sees_sensitive_tags(user)
    found = {p.id for p in search(user, person.name)}
    assert (person.id in found) == ROLE_EXPECTATIONS[username][0]


def test_reveal_is_logged_and_refused_out_of_scope(reg):
    person = reg.registry["g1"].head
    assert reveal(reg.member, AT, person, "phone", "上门走访联系") == person.phone
    row = RevealLog.get()
    assert (row.user_id, row.person_id, row.field, row.reason, row.at) == (reg.member.id, person.id, "phone",
                                                                            "上门走访联系", AT)
    for user, reason in ((reg.member_g2, "x"), (reg.supervisor, "x"), (reg.handler, "x"), (reg.member, "")):
        with pytest.raises(WorkflowError):
            reveal(user, AT, person, "id_number", reason)
    assert RevealLog.select().count() == 1
    assert {r.id for r in policy.visible_reveals(reg.community)} == {row.id}
    assert list(policy.visible_reveals(reg.community2)) == []
    assert list(policy.visible_reveals(reg.lead)) == []


def test_search_by_tails_and_address(reg):
    person = reg.registry["g1"].head
    assert [p.id for p in search(reg.member, person.id_number[-4:])] == [person.id]
    assert [p.id for p in search(reg.member, person.phone[-4:])] == [person.id]
    assert person.id in {p.id for p in search(reg.member, reg.registry["g1"].building.name)}
    assert search(reg.member_g2, person.id_number[-4:]) == []
    assert RegistryChange.select().count() > 0


def test_a_case_points_at_registry_objects_of_its_grid_and_their_pages_list_it(reg):
    from tests.factories import new_case
    from workflows.registry.queries import cases_of
    from workflows.registry.service import link_case

    r = reg.registry["g1"]
    case = new_case(reg, grid=reg.g1, building=r.building)
    for kind, obj in (("person", r.head), ("room", r.room), ("organisation", r.org), ("thing", r.thing)):
        link_case(reg.member, AT, case, kind, obj)
        link_case(reg.member, AT, case, kind, obj)  # twice: one link
        assert [c.id for c in cases_of(reg.member, **{kind: obj})] == [case.id]
        assert cases_of(reg.handler, **{kind: obj}) == []  # listed only to those who may see the case
    assert [c.id for c in cases_of(reg.member, building=r.building)] == [case.id]
    with pytest.raises(WorkflowError):  # another grid's person
        link_case(reg.community, AT, case, "person", reg.registry["g2"].head)
    with pytest.raises(WorkflowError):  # out of the member's grid
        link_case(reg.member_g2, AT, case, "person", r.head)


def test_the_weekly_round_up_lists_the_week_and_only_the_community_office_acknowledges_it(reg):
    from workflows.models import RegistryRoundup
    from workflows.registry.roundup import acknowledge, monday_of, week_changes

    r = reg.registry["g1"]
    move_out(reg.lead, LATER, r.head, on=date(2026, 3, 9), reason="搬走")
    tag = PersonTag.get((PersonTag.person == r.other.id) & (PersonTag.tag == "correction"))
    remove_tag(reg.community, LATER, tag, on=date(2026, 3, 10), reason="期满")
    monday = monday_of(date(2026, 3, 11))
    assert monday == date(2026, 3, 9)
    assert [k for k, _rows in week_changes(reg.community, reg.g1, monday)] == ["moved_out", "tag_removed"]
    assert [k for k, _rows in week_changes(reg.lead, reg.g1, monday)] == ["moved_out"]  # no sensitive rows
    assert week_changes(reg.lead, reg.g1, date(2026, 3, 16)) == []
    for user in (reg.lead, reg.community2, reg.street_disp, reg.supervisor, reg.admin):
        with pytest.raises(WorkflowError):
            acknowledge(user, LATER, reg.g1, monday)
    acknowledge(reg.community, LATER, reg.g1, monday, "已阅")
    with pytest.raises(WorkflowError):  # once
        acknowledge(reg.community, LATER, reg.g1, monday)
    with pytest.raises(WorkflowError):  # a week not begun
        acknowledge(reg.community, LATER, reg.g1, date(2026, 3, 16))
    assert RegistryRoundup.get().note == "已阅"
