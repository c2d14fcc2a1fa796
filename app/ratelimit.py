"""A per-key rate limiter kept in the database, so every server process shares one count.

`allow(key, limit, window_seconds, now)` records one attempt and says whether it is within
`limit` attempts per `window_seconds`. Keys are free text, e.g. "report:203.0.113.7" or
"login:203.0.113.7". The count is a sliding-window estimate over two fixed windows: the
current window's attempts plus the previous window's, weighted by how much of it still
overlaps the sliding window (Cloudflare's method). Every attempt counts, refused ones too,
so hammering keeps a key blocked. The increment is one atomic upsert: on SQLite the
write transaction is IMMEDIATE, on PostgreSQL the upserted row stays locked until commit.
"""
from datetime import datetime, timedelta

from workflows.db import write_transaction
from app.storage import RateBucket

EPOCH = datetime(2000, 1, 1)


def allow(key, limit, window_seconds, now):
    """Record an attempt by `key` at `now`; True if it is within `limit` per `window_seconds`."""
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
    overlap = (window - (elapsed - start)) / window
    return rows.get(start - window, 0) * overlap + rows[start] <= limit
