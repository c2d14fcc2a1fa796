"""The demo database: built through the machine, all or nothing, kept on a second run."""
import os

import pytest
from peewee import fn

from app.seed_joint import DEMO_CASES
from workflows import assess
from workflows.clock import Clock
from workflows.models import AssessEntry, AssessScheme, Case, CaseEvent, OrgUnit, User


@pytest.fixture
def sqlite_app(tmp_path):
    from app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
                       "SECRET_KEY": "t", "UPLOAD_FOLDER": str(tmp_path / "uploads")})


def test_demo_db_is_built_through_the_machine_and_kept(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["demo-db", "--cases", "60"])
    assert result.exit_code == 0, result.output
    assert os.path.exists(tmp_path / "demo.db") and not os.path.exists(tmp_path / "demo.db.building")
    assert OrgUnit.select().where(OrgUnit.kind == "grid").count() == 12
    assert OrgUnit.select().where(OrgUnit.kind == "community").count() == 3
    roles = {"member", "lead", "dispatcher", "handler", "supervisor", "admin", "building_head"}
    assert {u.role for u in User.select()} == roles
    # The simulated cases, and issue 19's showcase (inspections' finds, a joint case, a transfer).
    assert Case.select().count() == 60 + DEMO_CASES
    # Every case's version equals its history length: nothing was written around fire().
    counts = dict(CaseEvent.select(CaseEvent.case, fn.COUNT(CaseEvent.id)).group_by(CaseEvent.case).tuples())
    for case in Case.select():
        assert counts[case.id] == case.version
    assert len({c.state for c in Case.select()}) >= 5
    # The street's 1000-point scheme of this year: every automatic measure, every kind of item, and the
    # finished quarters scored by the grid leads and reviewed by the street.
    scheme = AssessScheme.get()
    items = assess.items(scheme)
    assert assess.scored_total(scheme) == 1000 and set(assess.METRICS) <= {i.metric for i in items}
    assert {i.kind for i in items} == {"auto", "manual", "deduction", "veto"}
    at = max(c.created_at for c in Case.select())
    finished = sum(1 for q in assess.QUARTERS if (scheme.year, 3 * q) < (at.year, at.month))
    assert AssessEntry.select().where(AssessEntry.stage == "review").count() == finished * (12 * 2 + 1)
    assert len(assess.compute(scheme, at, Clock())["rows"]) == 12
    again = runner.invoke(args=["demo-db", "--cases", "60"])
    assert again.exit_code == 0 and "keeping" in again.output
    assert Case.select().count() == 60 + DEMO_CASES


def test_interrupted_build_leaves_no_database(sqlite_app, tmp_path, monkeypatch):
    import app.seed

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(app.seed.CaseSimulator, "record", crash)
    result = sqlite_app.test_cli_runner().invoke(args=["demo-db", "--cases", "5"])
    assert result.exit_code != 0
    assert not os.path.exists(tmp_path / "demo.db")


def test_seed_demo_refuses_a_database_with_data(app, app_world):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "1"])
    assert result.exit_code != 0 and "already has data" in result.output
