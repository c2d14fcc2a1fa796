"""Idempotency keys are bound to who used them and for what: the same person retrying the same action
gets the first result; a key borrowed by someone else, or sent with another action or case, is
refused as used — never answered as if it had worked."""
import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.errors import DUPLICATE, WorkflowError
from workflows.models import Case, CaseEvent
from workflows.service import SystemActor, fire, open_case

CLOCK = Clock()


def snapshot():
    """What a refused request must leave as it was."""
    return (list(Case.select(Case.id, Case.state, Case.version).tuples().order_by(Case.id)),
            CaseEvent.select().count())


def test_the_same_person_retrying_the_same_action_gets_the_first_result(world):
    case = new_case(world)
    first = fire(case, "report", world.member, T0, clock=CLOCK, request_key="k-1")
    again = fire(Case.get_by_id(case.id), "report", world.member, T0, clock=CLOCK, request_key="k-1")
    assert again.id == first.id and CaseEvent.select().count() == 2


@pytest.mark.parametrize("who, event, other_case", [
    ("member2", "report", False),  # a colleague of the same grid, the same action: still not theirs
    ("lead", "handle", False),
    ("member", "handle", False),  # the same person, another action
    ("member", "report", True),  # the same person and action, another case
])
def test_a_key_used_by_another_person_action_or_case_is_refused_as_such(world, who, event, other_case):
    case = new_case(world)
    fire(case, "report", world.member, T0, clock=CLOCK, request_key="k-1")
    target = new_case(world) if other_case else Case.get_by_id(case.id)
    before = snapshot()
    with pytest.raises(WorkflowError) as refused:
        fire(target, event, getattr(world, who), T0, clock=CLOCK, request_key="k-1",
             note="现场已处理" if event == "handle" else "")
    assert refused.value.code == DUPLICATE and "already used" in refused.value.message
    assert snapshot() == before


def test_a_persons_key_sent_by_a_system_actor_is_refused(world):
    case = new_case(world)
    fire(case, "report", world.member, T0, clock=CLOCK, request_key="k-9")
    before = snapshot()
    with pytest.raises(WorkflowError) as refused:
        fire(Case.get_by_id(case.id), "report", SystemActor("api", "12345热线"), T0, clock=CLOCK, request_key="k-9")
    assert refused.value.code == DUPLICATE and snapshot() == before


def test_an_intake_key_returns_the_case_to_its_recorder_only(world):
    first = new_case(world, intake_key="i-1")
    assert new_case(world, intake_key="i-1").id == first.id  # a double tap
    before = snapshot()
    for actor, grid in ((world.member2, world.g1), (world.lead_g2, world.g2), (world.member, world.g2)):
        with pytest.raises(WorkflowError) as refused:
            open_case(grid, actor, T0, category=world.litter, title="楼道堆物", intake_key="i-1")
        assert refused.value.code == DUPLICATE
    assert snapshot() == before
