"""Signing in and out: Flask-Login sessions over argon2 password hashes."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.db import now
from workflows.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = hasher.hash("not a real password")


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


class LoginForm(FlaskForm):
    """The sign-in form."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


@login_manager.user_loader
def load_user(user_id):
    """The signed-in user, if still active."""
    try:
        user = User.get_or_none(User.id == int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = User.get_or_none(User.username == form.username.data.strip())
        if check_password(user, form.password.data) and user.active:
            login_user(user)
            User.update(last_login_at=now()).where(User.id == user.id).execute()
            return redirect(_safe_next(request.args.get("next")), code=303)
        error = _("Wrong username or password, or the account is deactivated.")
    elif request.method == "POST":
        error = _("Enter your username and password.")
    status = 200 if error is None else 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out."""
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"), code=303)


def _safe_next(target):
    """Only same-site paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home")


def init_app(app):
    """Install Flask-Login."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    # "basic": a tablet whose IP changes on a mobile network stays signed in.
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
