"""Where a case stands on its card: the holder's name, loading only the unit that holds it.

A card is rendered after every event; standing() used to read the case's grid, community, street
and district to pick one, each a query of its own (three extra queries per event answered)."""
from types import SimpleNamespace

import pytest

from app.templating import LEVELS, standing


class OneUnitCase:
    """A case whose units may be read only at `allowed` (reading another fails the test)."""

    def __init__(self, state, level, allowed, **fields):
        self.state, self.level, self._allowed = state, level, allowed
        self.department_id = fields.get("department_id")
        self.department = fields.get("department")

    def __getattr__(self, name):
        if name in LEVELS:
            if name != self._allowed:
                raise AssertionError(f"standing() read the case's {name}")
            return SimpleNamespace(name=f"{name} unit")
        raise AttributeError(name)


@pytest.mark.parametrize("level", LEVELS)
def test_a_reported_case_names_the_unit_at_its_level(level):
    what, holder = standing(OneUnitCase("reported", level, level))
    assert holder == f"{level} unit" and what


def test_a_verified_case_names_its_level_or_its_community():
    assert standing(OneUnitCase("verified", "street", "street"))[1] == "street unit"
    assert standing(OneUnitCase("verified", None, "community"))[1] == "community unit"


def test_a_dispatched_case_names_its_department_and_a_closed_one_nothing():
    department = SimpleNamespace(name="环卫所")
    assert standing(OneUnitCase("assigned", None, None, department_id=3, department=department))[1] == "环卫所"
    assert standing(OneUnitCase("found", None, "grid"))[1] == "grid unit"
    assert standing(OneUnitCase("closed", None, None)) is None
