"""Accountability (三次不到岗): the records a person has, and those a lead or office decides on."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, require
from app.db import now
from app.i18n import translate_error
from workflows import accountability
from workflows.errors import WorkflowError
from workflows.models import Accountability
from workflows.policy import visible_accountabilities

bp = Blueprint("accountability", __name__)


def _page(error=None, failed=None, status=200):
    """The list: one's own records first, then those of the grids one oversees."""
    records = list(visible_accountabilities(current_user).order_by(Accountability.month.desc(), Accountability.id))
    return render_template("accountability/index.html", records=records, measures=accountability.MEASURES,
                           error=error, failed=failed), status


@bp.get("/accountability")
@allows("accountability.view")
def index():
    """Open, confirmed and dismissed records the user may see."""
    return _page()


def load(record_id, action):
    """A record the user may act on (404 otherwise: no probing)."""
    return require(action, Accountability.get_or_none(Accountability.id == record_id))


@bp.post("/accountability/<id:record_id>/decide")
@allows("accountability.decide")
def decide(record_id):
    """Confirm with a measure, or dismiss with a reason."""
    record = load(record_id, "accountability.decide")
    dismiss = params.form.choice("outcome", ("confirm", "dismiss")) == "dismiss"
    measure = None if dismiss else params.form.choice("measure", tuple(accountability.MEASURES))
    try:
        accountability.decide(record, current_user, now(), measure=measure, dismiss=dismiss,
                              note=params.form.text("note", max_length=2000))
    except WorkflowError as exc:
        return _page(translate_error(exc), record.id, 400)
    flash(_("Decision recorded."))
    return redirect(url_for("accountability.index"), code=303)


@bp.post("/accountability/<id:record_id>/answer")
@allows("accountability.answer")
def answer(record_id):
    """The person's answer."""
    record = load(record_id, "accountability.answer")
    try:
        accountability.answer(record, current_user, now(), params.form.text("answer", max_length=2000))
    except WorkflowError as exc:
        return _page(translate_error(exc), record.id, 400)
    flash(_("Answer saved."))
    return redirect(url_for("accountability.index"), code=303)
