"""Server-side sign-in sessions: the cookie carries a random token, the database decides if it is live."""
from peewee import CharField, ForeignKeyField

from workflows.db import DateTimeField
from workflows.models.base import BaseModel
from workflows.models.org import User


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
