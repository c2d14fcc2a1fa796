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
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from app.db import now
from app.storage import SESSION, SESSION_COLUMNS, LoginSession
from workflows import sql
from workflows.models import User

# A session's last_seen_at is written at most this often (a write per request is wasted work).
TOUCH_EVERY = timedelta(seconds=60)


class KeptKeySigner(TimestampSigner):
    """itsdangerous' TimestampSigner, its key derived from each secret once per process: the
    serializer makes a new signer for every cookie it reads or writes, and each would derive it again."""

    _keys = {}

    def derive_key(self, secret_key=None):
        secret = self.secret_keys[-1] if secret_key is None else secret_key
        kept = (secret, self.salt, self.key_derivation, self.digest_method)
        key = self._keys.get(kept)
        if key is None:
            key = self._keys[kept] = super().derive_key(secret)
        return key


class SignedCookie(SecureCookieSessionInterface):
    """Flask's signed cookie (it carries the token, the CSRF token and flash messages), its
    serializer made once per secret rather than on every request, and its signing key derived once."""

    def __init__(self):
        self._serializers = {}

    def open_session(self, app, request):
        """The session from the cookie (empty when its signature or age does not hold)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            return self.session_class(serializer.loads(value, max_age=max_age))
        except BadSignature:
            return self.session_class()

    def save_session(self, app, session, response):
        """As Flask does, but a session neither changed nor due for a refresh returns at once (most
        requests: Flask would first work out every cookie attribute it then does not use)."""
        if session.modified or (session and self.should_set_cookie(app, session)):
            return super().save_session(app, session, response)
        if session.accessed:
            response.vary.add("Cookie")
        return None

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        fallbacks = tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
        secret = (app.secret_key, fallbacks)
        serializer = self._serializers.get(secret)
        if serializer is None:
            # As Flask makes it (current key last), with the signer that keeps its derived keys.
            serializer = URLSafeTimedSerializer(
                [*fallbacks, app.secret_key], salt=self.salt, serializer=self.serializer, signer=KeptKeySigner,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method})
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


def lapse_reason(created_at, last_seen_at, user, at):
    """Why a live session may no longer be used (None if it may)."""
    idle, longest = timeouts()
    if not user.active:
        return "deactivated"
    if at - created_at > longest:
        return "expired"
    if at - last_seen_at > idle:
        return "idle"
    return None


def live(user_id, at):
    """The user's sessions still in use (not ended, not lapsed), most recently used first."""
    idle, longest = timeouts()
    return list(LoginSession.select().where(
        (LoginSession.user == user_id) & LoginSession.ended_at.is_null()
        & (LoginSession.last_seen_at >= at - idle) & (LoginSession.created_at >= at - longest))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))


_STAMPS = tuple(column.python_value for column in SESSION_COLUMNS)
_USER_FIELDS = User._meta.sorted_fields


def load(token):
    """The user of a live session token, or None (ending the session if it has lapsed)."""
    if not token:
        return None
    key = digest(token)
    # The session and its user in one indexed lookup (this runs on every signed-in request).
    rows = SESSION.rows(token_hash=key)
    if not rows:
        return None
    row = rows[0]
    session_id, ended_at, created_at, last_seen_at = (read(value) for read, value in zip(_STAMPS, row))
    if ended_at is not None:
        return None
    # Built from this request's row: nothing of a session or a user is kept between requests.
    user = sql.instance(User, _USER_FIELDS, row[len(_STAMPS):])
    at = now()
    reason = lapse_reason(created_at, last_seen_at, user, at)
    if reason:
        _end(LoginSession.id == session_id, at, reason)
        g.session_lapsed = reason
        return None
    if at - last_seen_at >= TOUCH_EVERY:
        LoginSession.update(last_seen_at=at).where(LoginSession.id == session_id).execute()
    user.session_token = token
    return user
