"""Counters behind the per-address rate limiter (app/ratelimit.py), shared by every server process."""
from peewee import BigIntegerField, CharField, IntegerField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel


class RateBucket(BaseModel):
    """How many attempts `key` made in one fixed window of `window` seconds starting at `start`."""

    key = CharField(max_length=200)
    window = IntegerField()
    # Seconds since the limiter's epoch at which this window starts.
    start = BigIntegerField()
    hits = IntegerField(default=0)
    # After this moment the bucket cannot affect any decision and may be deleted.
    expires_at = DateTimeField(index=True)

    class Meta:
        indexes = ((("key", "window", "start"), True),)
