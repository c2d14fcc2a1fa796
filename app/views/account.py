"""The signed-in user's own account: changing the password, the devices signed in, signing out everywhere."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from app import sessions
from app.access import allows
from app.accounts import AccountError, set_password
from app.auth import PASSWORD_FIELD_MAX, check_password
from app.db import now

bp = Blueprint("account", __name__)


class PasswordForm(FlaskForm):
    """Current password, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_FIELD_MAX)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=PASSWORD_FIELD_MAX)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=PASSWORD_FIELD_MAX)])


@bp.route("/account/password", methods=["GET", "POST"])
@allows("account")
def password():
    """Change one's own password; every other signed-in device is signed out."""
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        if not check_password(current_user, form.current.data):
            error = _("The current password is wrong.")
        elif form.new.data != form.confirm.data:
            error = _("The two new passwords differ.")
        else:
            try:
                set_password(current_user, form.new.data, now(), keep_session=current_user.session_token)
            except AccountError as exc:
                error = str(exc)
            else:
                flash(_("Your password has been changed. Other devices have been signed out."))
                return redirect(url_for("home"), code=303)
    elif form.is_submitted():
        error = _("Fill in every field.")
    return render_template("auth/password.html", form=form, error=error, devices=sessions.live(current_user.id, now()),
                           this_device=sessions.digest(current_user.session_token)), 200 if error is None else 400
