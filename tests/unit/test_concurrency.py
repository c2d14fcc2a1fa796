"""Two writers on one case: exactly one change lands, the other is told it is stale."""
import sqlite3
import threading

import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.db import db, is_sqlite, write_transaction
from workflows.errors import WorkflowError
from workflows.models import Case, CaseEvent
from workflows.service import fire

CLOCK = Clock()


def race(jobs):
    """Run the jobs in threads released at the same moment; returns each one's outcome."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            outcomes[index] = job()
        except Exception as exc:  # noqa: BLE001 — the outcome is what we test
            outcomes[index] = exc
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_conflicting_writers_leave_exactly_one_change(world):
    """Member and lead act on the same version of twelve cases at once: one wins each time."""
    cases = [new_case(world) for _ in range(12)]
    db.close()
    for case in cases:
        version = case.version
        outcomes = race([
            lambda c=case: fire(Case.get_by_id(c.id), "report", world.member, T0, clock=CLOCK,
                                expected_version=version),
            lambda c=case: fire(Case.get_by_id(c.id), "handle", world.lead, T0, clock=CLOCK,
                                expected_version=version, note="done"),
        ])
        winners = [o for o in outcomes if isinstance(o, CaseEvent)]
        losers = [o for o in outcomes if isinstance(o, WorkflowError)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0].code == "stale"
        saved = Case.get_by_id(case.id)
        assert saved.version == 2
        assert saved.state == winners[0].to_state
        assert CaseEvent.select().where(CaseEvent.case == case.id).count() == 2


def test_many_writers_without_versions_never_see_a_locked_database(world):
    """Eight threads fire on eight cases at once; every accepted event is in the history."""
    cases = [new_case(world) for _ in range(8)]
    db.close()
    jobs = [lambda c=c: fire(Case.get_by_id(c.id), "report", world.member, T0, clock=CLOCK) for c in cases]
    jobs += [lambda c=c: fire(Case.get_by_id(c.id), "handle", world.lead, T0, clock=CLOCK, note="n") for c in cases]
    outcomes = race(jobs)
    for outcome in outcomes:
        assert isinstance(outcome, (CaseEvent, WorkflowError)), outcome
    accepted = [o for o in outcomes if isinstance(o, CaseEvent)]
    assert len(accepted) == len(cases)
    assert CaseEvent.select().where(CaseEvent.event.in_(["report", "handle"])).count() == len(cases)


def test_sqlite_write_transactions_begin_immediate(bound_db, tmp_path):
    """A transaction that has only read already holds the write lock (BEGIN IMMEDIATE)."""
    if not is_sqlite():
        pytest.skip("SQLite's locking only")
    other = sqlite3.connect(bound_db.database, timeout=0)
    with write_transaction():
        Case.select().count()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    other.close()
    pragmas = {name: bound_db.execute_sql(f"PRAGMA {name}").fetchone()[0]
               for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000}
