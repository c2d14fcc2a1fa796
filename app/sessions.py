"""Server-side sessions: a random token in the signed cookie, a LoginSession row that decides.

Flask's cookie session cannot be revoked on its own; here the cookie only carries a token and
the database says whether it is still live, so sign-out, deactivation, a password change and
the idle and absolute timeouts end a session everywhere at once, in every server process.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface

from app.db import now
from workflows.db import Prepared, slot
from app.storage import LoginSession
from workflows.models import User

# A session's last_seen_at is written at most this often (a write per request is wasted work).
TOUCH_EVERY = timedelta(seconds=60)


class SignedCookie(SecureCookieSessionInterface):
    """Flask's signed cookie (it carries the token, the CSRF token and flash messages), its
    serializer made once per secret rather than on every request."""

    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        secret = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(secret)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {secret: serializer}
        return serializer


def digest(token):
    """What the database keeps of a token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user, at):
    """Open a new session for the user (a fresh token each sign-in); returns the token."""
    token = secrets.token_urlsafe(32)
    LoginSession.create(
        token_hash=digest(token), user=user, created_at=at, last_seen_at=at,
        ip=(request.remote_addr or "")[:45], user_agent=(request.user_agent.string or "")[:200],
    )
    user.session_token = token
    return token


def end(token, at, reason):
    """End one session (sign-out)."""
    return _end(LoginSession.token_hash == digest(token), at, reason)


def end_all(user_id, at, reason, keep=None):
    """End every live session of a user, except the one whose token is `keep`."""
    condition = LoginSession.user == user_id
    if keep:
        condition &= LoginSession.token_hash != digest(keep)
    return _end(condition, at, reason)


def _end(condition, at, reason):
    """Mark the live sessions matching `condition` as ended; returns how many."""
    return (LoginSession.update(ended_at=at, end_reason=reason)
            .where(condition & LoginSession.ended_at.is_null()).execute())


def timeouts():
    """The configured idle and absolute session lifetimes."""
    config = current_app.config
    return (timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
            timedelta(hours=int(config["SESSION_MAX_HOURS"])))


def lapse_reason(record, user, at):
    """Why a live session may no longer be used (None if it may)."""
    idle, longest = timeouts()
    if not user.active:
        return "deactivated"
    if at - record.created_at > longest:
        return "expired"
    if at - record.last_seen_at > idle:
        return "idle"
    return None


def live(user_id, at):
    """The user's sessions still in use (not ended, not lapsed), most recently used first."""
    idle, longest = timeouts()
    return list(LoginSession.select().where(
        (LoginSession.user == user_id) & LoginSession.ended_at.is_null()
        & (LoginSession.last_seen_at >= at - idle) & (LoginSession.created_at >= at - longest))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))


# The session and its user in one indexed lookup (this runs on every signed-in request).
SESSION_LOOKUP = Prepared(lambda: LoginSession.select(LoginSession, User).join(User)
                          .where(LoginSession.token_hash == slot("token_hash")))


def load(token):
    """The user of a live session token, or None (ending the session if it has lapsed)."""
    if not token:
        return None
    found = SESSION_LOOKUP.objects(token_hash=digest(token))
    if not found or found[0].ended_at is not None:
        return None
    record = found[0]
    at = now()
    reason = lapse_reason(record, record.user, at)
    if reason:
        _end(LoginSession.id == record.id, at, reason)
        g.session_lapsed = reason
        return None
    if at - record.last_seen_at >= TOUCH_EVERY:
        LoginSession.update(last_seen_at=at).where(LoginSession.id == record.id).execute()
    user = record.user
    user.session_token = token
    return user
