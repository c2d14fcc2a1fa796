"""The sweep: first notices, escalation one level up into the 通报, idempotent, concurrent, crash-safe."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest

import workflows.notices as notices_module
from tests.factories import T0, new_case
from workflows import notices
from workflows.clock import Clock
from workflows.db import db, is_sqlite, open_database
from workflows.models import Counter, Notice
from workflows.service import fire
from workflows.sweep import SweepResult, sweep

CLOCK = Clock()
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
NOTICE_DAY = datetime(2026, 3, 9, 9)  # Monday a week after T0: every step below is overdue
FIVE_DAYS_LATER = datetime(2026, 3, 16, 9)

# situation -> moves from a new case (member of grid G1), each an hour apart from T0.
MOVES = {
    "found": [],
    "handled": [("handle", "member", {"note": "n"})],
    "reported_grid": [("report", "member", {})],
    "reported_community": [("report", "lead", {})],
    "assigned": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"})],
    "rectified": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"}),
                  ("rectify", "handler", {"note": "n"})],
    "verified": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"}),
                 ("rectify", "handler", {"note": "n"}), ("verify", "member", {"note": "n"})],
}
# situation -> (level-1 addressee, level-2 addressee), by world attribute.
ADDRESSEES = {
    "found": ("g1", "c1"), "handled": ("g1", "c1"), "reported_grid": ("g1", "c1"),
    "reported_community": ("c1", "street"), "assigned": ("sanitation", "street"), "rectified": ("g1", "c1"),
    "verified": ("c1", "street"),
}


def build(world, situation):
    case = new_case(world, at=T0)
    at = T0
    for event, actor, data in MOVES[situation]:
        at += timedelta(hours=1)
        if "department" in data:
            data = {"department": getattr(world, data["department"]).id}
        fire(case, event, getattr(world, actor), at, clock=CLOCK, **data)
    return case


def addressee_of(notice):
    return notice.addressee_department_id or notice.addressee_org_id


def snapshot():
    """Every notice as (number, case, state, step, level, addressee, issued_at, reply_deadline), and the counters."""
    rows = sorted((n.number, n.case_id, n.state, n.step_started_at, n.level, n.addressee_org_id,
                   n.addressee_department_id, n.issued_at, n.reply_deadline) for n in Notice.select())
    counters = sorted(Counter.select().where(Counter.key.startswith("notice:")).tuples())
    return rows, counters


def test_first_notices_go_to_whoever_holds_the_step(world):
    cases = {situation: build(world, situation) for situation in MOVES}
    closed = build(world, "verified")
    fire(closed, "close", world.community, T0 + timedelta(hours=6), clock=CLOCK)
    fresh = new_case(world, at=NOTICE_DAY - timedelta(hours=1))  # found an hour ago: not overdue
    assert sweep(NOTICE_DAY, CLOCK) == SweepResult(first=len(MOVES), escalated=0)
    for situation, case in cases.items():
        notice = Notice.get(Notice.case == case.id)
        expected = getattr(world, ADDRESSEES[situation][0])
        assert addressee_of(notice) == expected.id, situation
        assert (notice.level, notice.state, notice.step_started_at, notice.deadline) == (
            1, case.state, case.step_started_at, case.deadline)
        assert (notice.issued_at, notice.status, notice.issuer_org_id) == (NOTICE_DAY, "pending", world.street.id)
        assert notice.reply_deadline == datetime(2026, 3, 10, 9)  # one working day
        assert notice.issued_by_id is None and not notice.manual
    numbers = [n.number for n in Notice.select().order_by(Notice.case)]
    assert numbers == [notices.format_number(2026, i) for i in range(1, len(MOVES) + 1)]
    assert numbers[0] == "督〔2026〕第0001号"
    assert not Notice.select().where(Notice.case.in_([closed.id, fresh.id])).exists()
    # Idempotent: the same moment, or any later one, issues nothing new for the same steps.
    assert sweep(NOTICE_DAY, CLOCK) == SweepResult(0, 0)
    assert sweep(NOTICE_DAY + timedelta(hours=3), CLOCK) == SweepResult(0, 0)


def test_escalation_after_five_working_days_goes_one_level_up_and_into_the_bulletin(world):
    cases = {situation: build(world, situation) for situation in MOVES}
    sweep(NOTICE_DAY, CLOCK)
    moved_on = cases["assigned"]
    fire(moved_on, "rectify", world.handler, NOTICE_DAY + timedelta(hours=2), clock=CLOCK, note="done late")
    assert sweep(FIVE_DAYS_LATER - timedelta(minutes=1), CLOCK) == SweepResult(first=1, escalated=0)
    assert sweep(FIVE_DAYS_LATER, CLOCK) == SweepResult(first=0, escalated=len(MOVES) - 1)
    for situation, case in cases.items():
        second = Notice.get_or_none((Notice.case == case.id) & (Notice.level == 2))
        if case is moved_on:
            assert second is None  # its overdue step ended; the new step has its own first notice
            continue
        assert addressee_of(second) == getattr(world, ADDRESSEES[situation][1]).id, situation
        assert second.addressee_department_id is None
        assert (second.step_started_at, second.issuer_org_id, second.issued_at) == (
            case.step_started_at, world.district.id, FIVE_DAYS_LATER)
    listed = notices.bulletin(world.supervisor, 2026, 3)
    assert [n.case_id for n in listed] == sorted(c.id for c in cases.values() if c is not moved_on)
    assert all(n.first.level == 1 and n.first.case_id == n.case_id for n in listed)
    assert notices.bulletin(world.other_supervisor, 2026, 3) == []
    assert notices.bulletin(world.supervisor, 2026, 4) == []
    assert sweep(FIVE_DAYS_LATER + timedelta(days=30), CLOCK).escalated == 1  # only the moved-on case's new step


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
        thread.join(60)
    return outcomes


def test_sweeps_started_at_the_same_moment_issue_each_notice_once(world):
    """Three sweeps at once, three rounds: first notices, the same moment again, then escalations."""
    for index in range(12):
        build(world, list(MOVES)[index % len(MOVES)])
    db.close()
    totals = []
    for moment in (NOTICE_DAY, NOTICE_DAY, FIVE_DAYS_LATER):
        outcomes = race([lambda m=moment: sweep(m, CLOCK) for _ in range(3)])
        assert all(isinstance(o, SweepResult) for o in outcomes), outcomes
        totals.append(sum(o.first + o.escalated for o in outcomes))
    assert totals == [12, 0, 12]
    assert_each_notice_once(24)


def assert_each_notice_once(count):
    assert Notice.select().count() == count
    assert sorted(n.sequence for n in Notice.select()) == list(range(1, count + 1))
    assert len({(n.case_id, n.level) for n in Notice.select()}) == count
    assert Counter.get_by_id("notice:2026").value == count


BLOCKED_INSERTS = """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO "notice"%%'"""


def test_without_the_lock_the_unique_constraint_still_refuses_duplicates(world, monkeypatch, database_url):
    """Three sweeps read the numbering together with no lock; the first to insert holds its transaction
    open until the other two are blocked inserting the same notices. The constraint refuses them;
    they look again and find nothing left to issue."""
    if is_sqlite():
        pytest.skip("SQLite's BEGIN IMMEDIATE lets one writer in at a time: there is nothing to interleave")
    monkeypatch.setattr(notices_module, "lock_for_update", lambda query: query)
    read_numbers, insert_first, calls = notices_module._numbers_base, notices_module.insert_first, []
    barrier, local, first = threading.Barrier(3), threading.local(), threading.Lock()

    def numbers_together(year):
        base = read_numbers(year)
        if not getattr(local, "read", False):
            local.read = True
            barrier.wait(timeout=20)  # every sweep has read the same numbering before anyone inserts
        return base

    def insert_then_hold(issue, where):
        calls.append(issue.now)
        count = insert_first(issue, where)
        if first.acquire(blocking=False):
            wait_for_blocked_inserts(2)
        return count

    monkeypatch.setattr(notices_module, "_numbers_base", numbers_together)
    monkeypatch.setattr(notices_module, "insert_first", insert_then_hold)

    def wait_for_blocked_inserts(count):
        watcher = open_database(database_url)
        try:
            for _ in range(400):
                if watcher.execute_sql(BLOCKED_INSERTS).fetchone()[0] >= count:
                    return
                time.sleep(0.05)
            raise AssertionError("the other sweeps never blocked on the notices being inserted")
        finally:
            watcher.close()

    for index in range(12):
        build(world, list(MOVES)[index % len(MOVES)])
    # The year's counter row exists already (inserting it would make the sweeps queue behind each other).
    Counter.create(key="notice:2026", value=0)
    db.close()
    outcomes = race([lambda: sweep(NOTICE_DAY, CLOCK) for _ in range(3)])
    assert all(isinstance(o, SweepResult) for o in outcomes), outcomes
    assert sorted(o.first for o in outcomes) == [0, 0, 12]
    assert len(calls) == 5  # three first tries, and the two refused sweeps once more
    assert_each_notice_once(12)


KILLER = """
import os, signal, sys
from datetime import datetime
from workflows.db import bind, open_database
from workflows import notices
from workflows.clock import Clock
from workflows.sweep import sweep

bind(open_database(sys.argv[1]))
original = notices.insert_escalations

def then_die(*args, **kwargs):
    original(*args, **kwargs)   # both kinds of notice are written, nothing is committed yet
    print("inserted", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

notices.insert_escalations = then_die
sweep(datetime.fromisoformat(sys.argv[2]), Clock())
"""


def test_a_sweep_killed_half_way_leaves_nothing_and_a_rerun_matches_one_whole_run(world, database_url):
    for situation in MOVES:
        build(world, situation)
    sweep(NOTICE_DAY, CLOCK)
    for situation in ("found", "assigned", "verified"):
        build(world, situation)  # new overdue cases: first notices are due as well as escalations
    before = snapshot()
    # What one uninterrupted sweep writes, measured and rolled back.
    with db.atomic() as transaction:
        assert sweep(FIVE_DAYS_LATER, CLOCK) == SweepResult(first=3, escalated=len(MOVES))
        whole = snapshot()
        transaction.rollback()
    assert snapshot() == before
    db.close()
    env = dict(os.environ, PYTHONPATH=os.path.abspath(ROOT))
    killed = subprocess.run([sys.executable, "-c", KILLER, database_url, FIVE_DAYS_LATER.isoformat()],
                            capture_output=True, text=True, env=env, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "inserted" in killed.stdout
    assert snapshot() == before  # no half-issued notice
    assert sweep(FIVE_DAYS_LATER, CLOCK) == SweepResult(first=3, escalated=len(MOVES))
    assert snapshot() == whole


def test_numbers_written_by_the_database_match_format_number_past_9999(world):
    old = build(world, "found")
    Notice.create(case=old, year=2026, sequence=9998, number=notices.format_number(2026, 9998), state="closed",
                  step_started_at=T0, level=1, issuer_org=world.street, issued_at=T0, issued_by_name="",
                  reply_deadline=T0, reply_warn_at=T0)
    build(world, "found")
    build(world, "assigned")
    assert sweep(NOTICE_DAY, CLOCK).first == 3
    numbers = [n.number for n in Notice.select().where(Notice.sequence > 9998).order_by(Notice.sequence)]
    assert numbers == [notices.format_number(2026, s) for s in (9999, 10000, 10001)] == [
        "督〔2026〕第9999号", "督〔2026〕第10000号", "督〔2026〕第10001号"]
