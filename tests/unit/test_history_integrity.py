"""The history is append-only in the database, and any change made around that shows in its hash chain."""
import importlib.util
import os

import pytest
from peewee import DatabaseError

from app.db import MIGRATIONS
from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.db import db, is_postgres
from workflows.history import verify_history
from workflows.models import Case, CaseEvent
from workflows.service import fire

CLOCK = Clock()


def guards():
    """The hand-written migration that installs the triggers, loaded as the runner loads it."""
    path = os.path.join(MIGRATIONS, "0002_history_guards.py")
    spec = importlib.util.spec_from_file_location("history_guards", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worked_case(world):
    """A case with four history rows: created, reported, dispatched, rectified."""
    case = new_case(world)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    fire(case, "dispatch", world.community, T0, clock=CLOCK, department=world.sanitation.id)
    fire(case, "rectify", world.handler, T0, clock=CLOCK, note="已清理")
    return case


def sql(text, *params):
    """Run raw SQL (with ? placeholders) as someone at the database prompt would."""
    return db.execute_sql(text.replace("?", db.param), params)


def test_the_database_refuses_to_change_a_history_row(world):
    case = worked_case(world)
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            CaseEvent.update(note="改过了").where(CaseEvent.case == case.id).execute()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            sql("UPDATE case_event SET hash = 'x' WHERE case_id = ?", case.id)
    assert CaseEvent.get(CaseEvent.case == case.id, CaseEvent.seq == 4).note == "已清理"


def test_the_database_refuses_to_delete_a_history_row(world):
    case = worked_case(world)
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            CaseEvent.delete().where(CaseEvent.case == case.id).execute()
    assert CaseEvent.select().where(CaseEvent.case == case.id).count() == 4


def test_an_intact_history_verifies(world):
    cases = [worked_case(world) for _ in range(3)]
    assert verify_history() == (3, 12, None)
    assert all(Case.get_by_id(c.id).version == 4 for c in cases)


@pytest.fixture
def unguarded(world):
    """The triggers dropped (as someone with the database owner's rights could); put back afterwards."""
    module = guards()
    module.down(None, db.obj)
    yield
    module.up(None, db.obj)


def test_a_changed_row_is_the_first_broken_link(world, unguarded):
    worked_case(world)
    second = worked_case(world)
    sql("UPDATE case_event SET note = '没有清理' WHERE case_id = ? AND seq = 4", second.id)
    _cases, _rows, broken = verify_history()
    assert (broken.case_id, broken.seq) == (second.id, 4)
    assert "changed" in broken.problem and second.number in str(broken)


def test_a_removed_row_is_found(world, unguarded):
    case = worked_case(world)
    sql("DELETE FROM case_event WHERE case_id = ? AND seq = 2", case.id)
    broken = verify_history()[2]
    assert (broken.case_id, broken.seq) == (case.id, 2) and "missing" in broken.problem


def test_a_rewritten_row_with_a_fresh_hash_still_breaks_the_chain(world, unguarded):
    """Recomputing one row's hash is not enough: the next row holds the old one."""
    from workflows.history import event_hash

    case = worked_case(world)
    row = CaseEvent.get(CaseEvent.case == case.id, CaseEvent.seq == 2)
    row.note = "伪造"
    forged = event_hash(case.id, row, row.prev_hash)
    sql("UPDATE case_event SET note = '伪造', hash = ? WHERE id = ?", forged, row.id)
    broken = verify_history()[2]
    assert (broken.case_id, broken.seq) == (case.id, 3) and "link" in broken.problem


def test_a_case_whose_state_its_history_does_not_explain_is_found(world):
    """The case table may change, but only with a history row that explains the change."""
    case = worked_case(world)
    Case.update(state="closed").where(Case.id == case.id).execute()
    broken = verify_history()[2]
    assert broken.case_id == case.id and "closed" in broken.problem


def test_an_illegal_step_in_the_history_is_found(world, unguarded):
    case = worked_case(world)
    sql("UPDATE case_event SET to_state = 'closed' WHERE case_id = ? AND seq = 4", case.id)
    # Re-hash the whole chain so only the step itself is wrong.
    from workflows.history import event_hash

    prev = ""
    for row in CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq):
        digest = event_hash(case.id, row, prev)
        sql("UPDATE case_event SET prev_hash = ?, hash = ? WHERE id = ?", prev, digest, row.id)
        prev = digest
    Case.update(state="closed").where(Case.id == case.id).execute()
    broken = verify_history()[2]
    assert (broken.case_id, broken.seq) == (case.id, 4) and "cannot lead to 'closed'" in broken.problem


def test_the_guards_are_in_the_migrated_schema(world):
    if is_postgres():
        names = {r[0] for r in sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'case_event'::regclass").fetchall()}
    else:
        names = {r[0] for r in sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
    assert {"case_event_no_update", "case_event_no_delete"} <= names
