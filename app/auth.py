"""Signing in and out: argon2 passwords, a per-account lock-out, server-side sessions."""
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app import sessions
from app.access import allows, user
from app.db import now
from app.inputs import same_site_path
from app.ratelimit import attempt, take_back
from app.storage import RateBucket
from workflows.db import lock_for_update, write_transaction
from workflows.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = hasher.hash("not a real password")
# Long enough for any passphrase the account rules accept; bounds the hashing work per request.
PASSWORD_FIELD_MAX = 1024
# Failed sign-ins per address: (failures, seconds) for each window; LOGIN_ADDRESS_LIMITS overrides. Only
# failures count (a sign-in that succeeds takes its attempt back), so a whole office behind one address
# signs in at 08:30 whatever its size; the ceiling stops one address guessing across many accounts.
LOGIN_ADDRESS_LIMITS = ((100, 600), (1000, 86400))
# Failed sign-ins per username typed at one address; LOGIN_ACCOUNT_ADDRESS_LIMITS overrides. Unlike the
# account's own counter, a successful sign-in (from anywhere) does not reset it.
LOGIN_ACCOUNT_ADDRESS_LIMITS = ((10, 3600), (30, 86400))
# What the page says for an unknown username, a wrong password, a deactivated or a locked account alike,
# so that it never tells who has an account.
REFUSED = _l("Wrong username or password, or the account is deactivated or locked after too many failed "
             "sign-ins. Try again later, or ask an administrator.")
# What Flask-Login's login_user writes to the session beside the user's id: the address-and-browser
# hash its session protection compares and the "fresh" flag; with both features unused, neither is kept.
UNUSED_LOGIN_MARKS = ("_id", "_fresh")
# Where an account whose password an administrator set may go before it chooses its own.
BEFORE_OWN_PASSWORD = {"account.password", "auth.logout", "set_language", "static"}


def hash_password(password):
    """An argon2id hash of the password (no length cap: Chinese passphrases are long in bytes)."""
    return hasher.hash(password)


def check_password(user, password):
    """True if the password matches; rehashes when argon2's parameters have changed."""
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if hasher.check_needs_rehash(user.password_hash):
        User.update(password_hash=hasher.hash(password)).where(User.id == user.id).execute()
    return True


def lock_period(failures):
    """How long an account stays locked after `failures` failed sign-ins in a row (doubling, capped)."""
    config = current_app.config
    rounds = failures // int(config["LOGIN_MAX_FAILURES"])
    minutes = int(config["LOGIN_LOCK_MINUTES"]) * 2 ** (rounds - 1)
    return timedelta(minutes=min(minutes, 24 * 60))


def failure_counters(typed_name):
    """The (key, limits) a failed sign-in counts under: its address, and the username typed at that address."""
    address = request.remote_addr or "unknown"
    config = current_app.config
    return ((f"login:{address}", config.get("LOGIN_ADDRESS_LIMITS", LOGIN_ADDRESS_LIMITS)),
            (pair_key(typed_name, address), config.get("LOGIN_ACCOUNT_ADDRESS_LIMITS", LOGIN_ACCOUNT_ADDRESS_LIMITS)))


def pair_key(username, address=""):
    """The rate-limit key of a username at an address (without the address: the prefix of them all)."""
    return f"login-user:{username.casefold()[:64]}@{address}"


def count_failure(counters, at):
    """Count the attempt as a failure under each counter before any password is checked (so parallel
    guesses, in any number of processes, are all counted); True for each counter that refuses it."""
    return [attempt(key, limits, at) > 0 for key, limits in counters]


def take_back_failure(counters, at):
    """The sign-in succeeded: it never counts against the address or the username."""
    for key, limits in counters:
        take_back(key, limits, at)


def begin_attempt(user, at):
    """Count a sign-in attempt before the password is checked, so parallel guesses (from any
    number of server processes) are counted too; returns the lock's end if the account is locked."""
    with write_transaction():
        row = lock_for_update(User.select(User.id, User.failed_logins, User.locked_until)
                              .where(User.id == user.id)).get()
        if row.locked_until is not None and row.locked_until > at:
            return row.locked_until
        failures = row.failed_logins + 1
        locked = row.locked_until
        if failures % int(current_app.config["LOGIN_MAX_FAILURES"]) == 0:
            locked = at + lock_period(failures)
        User.update(failed_logins=failures, locked_until=locked).where(User.id == user.id).execute()
    return None


class LoginForm(FlaskForm):
    """The sign-in form."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_FIELD_MAX)])


@login_manager.user_loader
def load_user(token):
    """The user of a live server-side session."""
    return sessions.load(token)


@login_manager.unauthorized_handler
def unauthorized():
    """Send the user to sign in (a whole-page redirect for htmx), saying why if the session lapsed."""
    reason = g.get("session_lapsed")
    flash(_("Your session has ended. Please sign in again.") if reason else _("Please sign in to continue."))
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if request.htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        at = now()
        typed = form.username.data.strip()
        counters = failure_counters(typed)
        address_refused, pair_refused = count_failure(counters, at)
        if address_refused:
            # Refused before any account is touched: no password is checked, no account counter grows.
            current_app.logger.warning("sign-in refused, too many failures from %s", request.remote_addr)
            error, status = _("Too many sign-in attempts from this network. Wait a few minutes and try again, "
                              "or ask an administrator for help."), 429
        else:
            user = User.get_or_none(User.username == typed)
            reason = refusal(user, typed, form.password.data, at, pair_refused)
            if reason is None:
                take_back_failure(counters, at)
                signed_in(user, at)
                return redirect(_safe_next(request.args.get("next")), code=303)
            # The reason goes to the log only: outside, every refusal looks alike.
            error, status = str(REFUSED), 400
    elif request.method == "POST":
        error, status = _("Enter your username and password."), 400
    return render_template("auth/login.html", form=form, error=error), status


def refusal(user, typed_name, password, at, pair_refused=False):
    """Why this sign-in is refused (a word for the log), or None when the user may sign in.

    Every refusal looks the same from outside (one message, one status) and costs the same: one
    argon2 verification, against a dummy hash where no real one may be checked.
    """
    if pair_refused:
        reason = "too many failures for this username from this address"
    else:
        locked_until = begin_attempt(user, at) if user is not None else None
        reason = "account locked" if locked_until is not None else None
    if reason is not None:
        check_password(None, password)
        current_app.logger.warning("sign-in refused, %s: %r from %s", reason, typed_name[:64], request.remote_addr)
        return reason
    if check_password(user, password) and user.active:
        return None
    current_app.logger.warning("sign-in failed: %r from %s", typed_name[:64], request.remote_addr)
    return "failed"


def signed_in(user, at):
    """Start a fresh session: nothing from before sign-in (a planted cookie, its CSRF token) survives."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    sessions.start(user, at)
    login_user(user)
    # Flask-Login's marks for the session protection and "fresh" sign-ins this app turns off (see
    # init_app): nothing reads them, and every request would carry and check 150 bytes of them.
    for unused in UNUSED_LOGIN_MARKS:
        session.pop(unused, None)
    User.update(last_login_at=at, failed_logins=0, locked_until=None).where(User.id == user.id).execute()
    current_app.logger.info("signed in: %s from %s", user.username, request.remote_addr)


@bp.post("/logout")
@allows("account")
def logout():
    """Sign out this device, or every device with `everywhere`; the session's CSRF token dies too."""
    at = now()
    if request.form.get("everywhere"):
        sessions.end_all(current_user.id, at, "everywhere")
    else:
        sessions.end(current_user.session_token, at, "signout")
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    response = redirect(url_for("auth.login"), code=303)
    # A shared tablet keeps nothing of the signed-out user's pages.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _safe_next(target):
    """Only same-site paths are followed after sign-in."""
    return same_site_path(target, url_for("home"))


def own_password_first():
    """An account given its password by an administrator sees only the password page until it
    chooses its own (signing out and the language switch still work)."""
    if request.endpoint in BEFORE_OWN_PASSWORD:
        return None  # first: a static file never loads the session
    signed_in = user()
    if signed_in is None or not signed_in.must_change_password:
        return None
    target = url_for("account.password")
    if request.htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def unlock_username(username):
    """Lift the per-address failure counts of a username too (an administrator's unlock)."""
    RateBucket.delete().where(RateBucket.key.startswith(pair_key(username))).execute()


def init_app(app):
    """Install Flask-Login."""
    app.session_interface = sessions.SignedCookie()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # None: a tablet whose IP changes on a mobile network stays signed in, and nothing here asks for
    # a "fresh" sign-in (Flask-Login's "basic" mode would only mark the session not fresh). Flask-Login
    # still writes its marks at sign-in (signed_in drops them) and hashes address and browser on each
    # request before it reads this setting.
    login_manager.session_protection = None
    app.register_blueprint(bp)
    app.before_request(own_password_first)
