"""The web layer's own tables: sign-in sessions, rate-limit counters and Open311 API keys.

They serve the web layer's doors (who is signed in, how often an address may try, which outside
system may post) and are read and written only by `app/`; the case domain (`workflows/`) never
sees them. Their schema shares the one migration history in `app/migrations/` with the domain's
tables: ALL_MODELS below is every table, for the schema tools.
"""
from peewee import BigIntegerField, CharField, ForeignKeyField, IntegerField, sort_models

from workflows.db import DateTimeField
from workflows.models import MODELS, User
from workflows.models.base import BaseModel


class LoginSession(BaseModel):
    """One sign-in on one device. Ending it (sign-out, deactivation, timeout) ends the cookie's power."""

    # SHA-256 of the token in the cookie: a copy of this table opens no session.
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="login_sessions", on_delete="CASCADE")
    created_at = DateTimeField()
    last_seen_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    # signout, everywhere, idle, expired, deactivated, password
    end_reason = CharField(max_length=16, null=True)
    # Kept as the sign-in record an auditor asks for: where and on what it happened.
    ip = CharField(max_length=45, default="")
    user_agent = CharField(max_length=200, default="")

    class Meta:
        indexes = ((("user", "ended_at"), False),)


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


class ApiKey(BaseModel):
    """An Open311 client's key. Only its SHA-256 is kept: the key itself is shown once, when issued."""

    name = CharField(max_length=60)
    # The first characters of the key, so admins can tell keys apart without the secret.
    prefix = CharField(max_length=16)
    key_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField()
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(User, null=True, backref="revoked_api_keys", on_delete="RESTRICT")

    @property
    def active(self):
        """A revoked key opens nothing."""
        return self.revoked_at is None


WEB_MODELS = [LoginSession, RateBucket, ApiKey]
ALL_MODELS = sort_models(MODELS + WEB_MODELS)
