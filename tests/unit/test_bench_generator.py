"""The benchmark generator's two ways (fire, bulk) write the same case and history rows."""
from collections import Counter as Tally
from datetime import datetime, timedelta

import pytest

from app.db import migrate
from bench.generate import (
    Planner, World, bench_clock, build_world, bulk_plans, fire_plans, layout_for, previous_month,
)
from tests.factories import password_hash
from workflows.db import bind, db, open_database
from workflows.history import verify_history
from workflows.machine import OPEN_STATES

NOW = datetime(2026, 3, 10, 15, 7, 23)  # a Tuesday afternoon
SEED = 11


def plans(planner, world):
    """A few dozen cases of every kind the profiles make: open (some overdue), recently closed, a month's."""
    grids = list(world.grids.values())
    start, end = previous_month(NOW)
    out = [planner.open_plan(grids[i % len(grids)], state, overdue=i % 3 == 0)
           for i, state in enumerate(OPEN_STATES * 4)]
    out += [planner.closed_plan(grids[i % len(grids)], timedelta(days=7)) for i in range(8)]
    out += [planner.month_plan(grids[i % len(grids)], start, end) for i in range(24)]
    # One voided case whatever the draws above (they vary with what the world holds): the sample covers void.
    out.append(planner.backward(*planner.draw(grids[0], "voided"), planner.after(NOW - timedelta(days=1))))
    return out


def load(tmp_path, way):
    """A database filled one way; returns its case and history rows, ids aside, and the counters."""
    path = tmp_path / f"{way}.db"
    database = bind(open_database(f"sqlite:///{path}"))
    try:
        migrate(database)
        with db.atomic():
            build_world(layout_for("test"), NOW, password_hash())
        world, clock = World.load(), bench_clock()
        made = plans(Planner(world, clock, NOW, SEED), world)
        if way == "fire":
            fire_plans(made, clock)
        else:
            bulk_plans(database, made, clock)
        cases = database.execute_sql('SELECT * FROM "case" ORDER BY number').fetchall()
        events = database.execute_sql(
            'SELECT c.number, e.* FROM case_event e JOIN "case" c ON c.id = e.case_id ORDER BY c.number, e.seq'
        ).fetchall()
        states = {s for (s,) in database.execute_sql('SELECT DISTINCT state FROM "case"').fetchall()}
        names = Tally(dict(database.execute_sql("SELECT event, COUNT(*) FROM case_event GROUP BY event").fetchall()))
        counters = database.execute_sql("SELECT * FROM counter ORDER BY key").fetchall()
        checked = verify_history()
        schema = database.execute_sql("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        problems = database.execute_sql("PRAGMA foreign_key_check").fetchall()
    finally:
        database.close()
    # Ids aside: drop the case id, and the history row's id and case id (the number stands for it).
    return {
        "cases": [row[1:] for row in cases],
        "events": [row[:1] + row[3:] for row in events],
        "counters": counters, "checked": checked, "schema": schema, "fk": problems, "n": len(made),
        "states": states, "names": names,
    }


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same plans played through fire and in bulk."""
    tmp = tmp_path_factory.mktemp("bench")
    return load(tmp, "fire"), load(tmp, "bulk")


def test_same_cases(both):
    fired, bulk = both
    assert len(fired["cases"]) == fired["n"] > 50
    assert bulk["cases"] == fired["cases"]


def test_same_history_rows_and_hashes(both):
    fired, bulk = both
    assert bulk["events"] == fired["events"]
    assert bulk["counters"] == fired["counters"]


def test_history_verifies_and_schema_is_init_dbs(both):
    fired, bulk = both
    cases, rows, problem = bulk["checked"]
    assert problem is None and cases == bulk["n"] and rows == len(bulk["events"])
    assert bulk["schema"] == fired["schema"]
    assert bulk["fk"] == []


def test_the_sample_covers_the_loop(both):
    """Every state, long and short histories, and the detours (send back, decline, rework, void)."""
    fired, _bulk = both
    events = fired["names"]
    for name in ("create", "handle", "report", "escalate", "dispatch", "rectify", "verify", "close", "void",
                 "send_back", "decline", "rework"):
        assert events[name] > 0, name
    assert fired["states"] == {"found", "handled", "reported", "assigned", "rectified", "verified", "closed"}


def test_the_sweeps_baseline_statement_issues_the_same_notices(tmp_path):
    """bench.inproc measures the sweep against one INSERT … SELECT: it must write the very same rows."""
    from bench.inproc import hand_sql_notices
    from workflows.sweep import sweep

    database = bind(open_database(f"sqlite:///{tmp_path / 'sweep.db'}"))
    try:
        migrate(database)
        with db.atomic():
            build_world(layout_for("test"), NOW, password_hash())
        world, clock = World.load(), bench_clock()
        planner = Planner(world, clock, NOW, SEED)
        grids = list(world.grids.values())
        bulk_plans(database, [planner.open_plan(grids[i % len(grids)], state, overdue=i % 2 == 0)
                              for i, state in enumerate(OPEN_STATES * 5)], clock)
        issued = {}
        for name, work in (("sweep", lambda: sweep(NOW, clock).first), ("sql", lambda: hand_sql_notices(NOW, clock))):
            with db.atomic() as transaction:
                count = work()
                issued[name] = (count, database.execute_sql("SELECT * FROM notice ORDER BY id").fetchall())
                transaction.rollback()
    finally:
        database.close()
    assert issued["sweep"][0] == 15
    assert issued["sql"] == issued["sweep"]
