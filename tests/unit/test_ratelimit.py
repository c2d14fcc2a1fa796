"""The per-address rate limiter: a sliding window kept in the database, exact across processes."""
import multiprocessing
from datetime import datetime, timedelta

from app.ratelimit import allow
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
