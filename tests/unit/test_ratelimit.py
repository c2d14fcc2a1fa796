"""The per-address rate limiter: a sliding window kept in the database, exact across processes."""
import multiprocessing
from datetime import datetime, timedelta

from app.ratelimit import allow, attempt, take_back, wait
from workflows.db import bind, open_database
from app.storage import RateBucket

T = datetime(2026, 3, 2, 9, 0, 0)  # the start of a 60-second window (and of a 600-second one)


def test_allows_the_limit_then_refuses(bound_db):
    assert [allow("report:a", 3, 60, T + timedelta(seconds=i)) for i in range(5)] == [True, True, True, False, False]
    assert allow("report:b", 3, 60, T)  # another key has its own count


def test_the_previous_window_counts_as_it_slides_out(bound_db):
    for _ in range(4):
        allow("k", 4, 60, T + timedelta(seconds=30))
    # 15 s into the next window, 75% of the previous one still overlaps: 4 × 0.75 + 1 = 4 attempts.
    assert allow("k", 4, 60, T + timedelta(seconds=75)) is True
    assert allow("k", 4, 60, T + timedelta(seconds=76)) is False  # 4 × 0.73 + 2 > 4
    # 45 s in, only 25% overlaps: 4 × 0.25 + 3 = 4 (the refused attempt counted too).
    assert allow("k", 4, 60, T + timedelta(seconds=105)) is True
    assert allow("k", 4, 60, T + timedelta(seconds=106)) is False
    assert allow("k", 4, 60, T + timedelta(seconds=190)) is True  # two windows later: a fresh start


def test_expired_buckets_are_deleted(bound_db):
    allow("old", 5, 60, T)
    allow("new", 5, 60, T + timedelta(minutes=10))
    assert [b.key for b in RateBucket.select()] == ["new"]


def _hammer(url, attempts, results):
    """In a separate process: try `attempts` times at the same moment."""
    database = bind(open_database(url))
    database.connect()
    results.put(sum(allow("login:203.0.113.7", 15, 600, T) for _ in range(attempts)))
    database.close()


def test_the_count_is_shared_by_several_processes(bound_db, database_url):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_hammer, args=(database_url, 10, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    allowed = sum(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert allowed == 15
    assert RateBucket.get(RateBucket.key == "login:203.0.113.7").hits == 40


def test_a_refusal_says_how_long_to_wait_and_that_is_exactly_enough(bound_db):
    """After the wait a refused key gets in; a second sooner it would not (two keys with one history)."""
    for limit, window, spread in ((3, 60, (0, 10, 20, 30)), (4, 60, (30, 30, 30, 30, 70, 71)), (5, 600, (5,) * 9)):
        waits = {}
        for key in ("a", "b"):
            for offset in spread:
                waits[key] = wait(key, limit, window, T + timedelta(seconds=offset))
        assert waits["a"] == waits["b"] > 0
        then = T + timedelta(seconds=spread[-1] + waits["a"])
        assert wait("a", limit, window, then) == 0
        assert wait("b", limit, window, then - timedelta(seconds=1)) > 0
        RateBucket.delete().execute()


def test_attempt_counts_in_every_window_and_gives_the_longest_wait(bound_db):
    limits = ((2, 60), (3, 3600))
    assert [attempt("k", limits, T + timedelta(seconds=i)) for i in range(3)][:2] == [0, 0]
    later = T + timedelta(minutes=5)  # the minute window has slid past; the hour one has not
    assert attempt("k", limits, later) > 3000
    assert sum(b.hits for b in RateBucket.select().where(RateBucket.window == 3600)) == 4


def test_an_attempt_taken_back_does_not_count(bound_db):
    for i in range(5):
        assert attempt("login:a", ((2, 60),), T) == 0
        take_back("login:a", ((2, 60),), T)
    assert attempt("login:a", ((2, 60),), T) == 0 and attempt("login:a", ((2, 60),), T) == 0
    assert attempt("login:a", ((2, 60),), T) > 0
