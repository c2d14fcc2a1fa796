"""Reporter contacts: only those who call the resident back or follow the case up see them."""
import pytest

from tests.factories import new_case
from workflows.policy import can

SEES = {"member", "member2", "lead", "community", "street_disp", "district_disp"}
MASKED = {"member_g2", "lead_g2", "member_g4", "community2", "other_street_disp", "handler", "police_handler",
          "env_handler", "supervisor", "other_supervisor", "admin"}


@pytest.mark.parametrize("username", sorted(SEES | MASKED))
def test_who_sees_the_reporters_contact(world, username):
    case = new_case(world, source="resident", reporter_name="王大妈", reporter_phone="13812340000",
                    department=world.sanitation)
    user = getattr(world, username)
    assert can(user, "case.contact", case) is (username in SEES)
    if can(user, "case.contact", case):
        assert can(user, "case.view", case)  # never wider than seeing the case


def test_nobody_without_a_role_sees_it(world):
    assert can(world.resident, "case.contact", new_case(world)) is False
