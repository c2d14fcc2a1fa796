"""The signed-in user's own account: changing the password, the devices signed in, signing out everywhere, and
the profile photo the public sign shows (which an administrator may also set)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from app import sessions
from app.access import allows, require
from app.accounts import AccountError, set_password
from app.auth import PASSWORD_FIELD_MAX, check_password
from app.db import now
from app.i18n import translate_error
from app.uploads import UploadError, discard, process_photo
from workflows.errors import WorkflowError
from workflows.models import User
from workflows.people import set_portrait

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


@bp.post("/people/<id:user_id>/photo")
@allows("staff.photo")
def photo(user_id):
    """Set a profile photo (one's own, or anyone's for an administrator): re-encoded by app/uploads.py, size-limited."""
    person = require("staff.photo", User.get_or_none(User.id == user_id))
    back = url_for("account.password") if person.id == current_user.id else url_for(
        "admin.edit", name="users", obj_id=person.id)
    storage = request.files.get("photo")
    if storage is None or not storage.filename:
        return refused(_("Choose a photo first."), back)
    try:
        stored = process_photo(storage, kind="portrait")
    except UploadError as exc:
        return refused(_(exc.message, **exc.params), back)
    try:
        set_portrait(person, stored["path"], current_user, now())
    except WorkflowError as exc:
        discard([stored])
        return refused(translate_error(exc), back)
    flash(_("The photo has been saved; the public sign shows it."))
    return redirect(back, code=303)


def refused(message, back):
    """A refused photo: 400 with the reason and the way back; nothing stored."""
    return render_template("errors/error.html", code=400, message=message, back=back), 400
