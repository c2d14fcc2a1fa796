"""A per-key rate limiter kept in the database, so every server process shares one count.

`allow(key, limit, window_seconds, now)` records one attempt and says whether it is within
`limit` attempts per `window_seconds`. Keys are free text, e.g. "report:203.0.113.7" or
"login:203.0.113.7". The count is a sliding-window estimate over two fixed windows: the
current window's attempts plus the previous window's, weighted by how much of it still
overlaps the sliding window (Cloudflare's method). Every attempt counts, refused ones too,
so hammering keeps a key blocked. The increment is one atomic upsert: on SQLite the
write transaction is IMMEDIATE, on PostgreSQL the upserted row stays locked until commit.

`wait` and `attempt` say how long a refused key must wait (the Retry-After of a 429), and
`take_back` removes an attempt that turned out not to count (a successful sign-in).
"""
import math
from datetime import datetime, timedelta

from flask import request

from workflows.db import write_transaction
from app.storage import RateBucket

EPOCH = datetime(2000, 1, 1)


def allow(key, limit, window_seconds, now):
    """Record an attempt by `key` at `now`; True if it is within `limit` per `window_seconds`."""
    return wait(key, limit, window_seconds, now) == 0


def wait(key, limit, window_seconds, now):
    """Record an attempt by `key` at `now`; 0 if it is within `limit` per `window_seconds`, else
    how many seconds (at least 1) must pass, without further attempts, before one would be."""
    window = int(window_seconds)
    elapsed = int((now - EPOCH).total_seconds())
    start = elapsed - elapsed % window
    with write_transaction():
        RateBucket.delete().where(RateBucket.expires_at < now).execute()
        (RateBucket
         .insert(key=key, window=window, start=start, hits=1, expires_at=EPOCH + timedelta(seconds=start + 2 * window))
         .on_conflict(conflict_target=[RateBucket.key, RateBucket.window, RateBucket.start],
                      update={RateBucket.hits: RateBucket.hits + 1})
         .execute())
        rows = dict(
            RateBucket.select(RateBucket.start, RateBucket.hits)
            .where((RateBucket.key == key) & (RateBucket.window == window)
                   & RateBucket.start.in_([start, start - window]))
            .tuples()
        )
    previous, current, into = rows.get(start - window, 0), rows[start], elapsed - start
    if previous * (window - into) / window + current <= limit:
        return 0
    return _until_free(previous, current, into, window, limit)


def _until_free(previous, current, into, window, limit):
    """Seconds until one more attempt fits: previous × overlap + current + 1 ≤ limit, the overlap
    shrinking as the window slides on; in the next window `current` becomes the previous one."""
    if current + 1 <= limit:
        # Still in this window: wait until enough of the previous window has slid out.
        at = window * (1 - (limit - current - 1) / previous)
        return max(1, math.ceil(at - into))
    # In the next window, where this window's attempts are the ones sliding out.
    at = window * (1 - (limit - 1) / current) if current else 0
    return max(1, math.ceil(window - into + max(at, 0)))


def attempt(key, limits, now):
    """Record an attempt under each (limit, seconds) window; 0 if every window allows it, else the
    longest wait in seconds. Every window records it, even when an earlier one refuses."""
    return max([wait(key, int(limit), int(window), now) for limit, window in limits], default=0)


def take_back(key, limits, now):
    """Remove an attempt recorded at `now` under these windows (it turned out not to count: a
    sign-in that succeeded). Counting first and taking back after keeps parallel attempts exact."""
    elapsed = int((now - EPOCH).total_seconds())
    with write_transaction():
        for _limit, window in limits:
            window = int(window)
            (RateBucket.update(hits=RateBucket.hits - 1)
             .where((RateBucket.key == key) & (RateBucket.window == window)
                    & (RateBucket.start == elapsed - elapsed % window) & (RateBucket.hits > 0))
             .execute())


def per_address(prefix, limits, now):
    """Record a request from this request's address under `prefix`; 0 if within every limit, else
    the seconds to wait (the address is the one ProxyFix settled on: TRUSTED_PROXIES decides)."""
    return attempt(f"{prefix}:{request.remote_addr or 'unknown'}", limits, now)
