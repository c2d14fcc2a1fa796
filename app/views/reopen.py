"""Supervisors decide on residents' 不满意 ratings: reopen the case, or dismiss with a reason."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import guard, require
from app.db import now
from app.i18n import translate_error
from app.residents import RATING_LABELS
from workflows.errors import WorkflowError
from workflows.models import ReopenRequest
from workflows.residents import decide_reopen, pending_reopen_requests, rating_of
from workflows.service import available_events

bp = Blueprint("reopen", __name__)


guard(bp, "reopen.decide")


def render_requests(errors=None, status=200):
    """Pending requests in the supervisor's area, each with the actions open now."""
    at = now()
    pending = list(pending_reopen_requests(current_user))
    can_reopen = {item.id: "reopen" in available_events(item.case, current_user, at) for item in pending}
    return render_template("reopen/index.html", pending=pending, can_reopen=can_reopen, errors=errors or {},
                           rating_labels=RATING_LABELS), status


@bp.get("/supervision/reopen-requests")
def index():
    """The reopen requests waiting for this supervisor."""
    return render_requests()


@bp.post("/supervision/reopen-requests/<id:request_id>")
def decide(request_id):
    """Reopen the case (fires `reopen`) or dismiss the request; both need a reason."""
    item = ReopenRequest.get_or_none(ReopenRequest.id == request_id)
    require("supervisor", item.case if item is not None else None)
    action = request.form.get("action")
    if action not in ("reopen", "dismiss"):
        abort(400)
    try:
        decide_reopen(item, current_user, now(), reopen=action == "reopen", note=request.form.get("note"),
                      request_key=params.form.text("request_key", max_length=64) or None)
    except WorkflowError as exc:
        status = {"forbidden": 403, "duplicate": 409, "stale": 409}.get(exc.code, 400)
        return render_requests({item.id: translate_error(exc)}, status)
    flash(_("Case %(number)s reopened.", number=item.case.number) if action == "reopen"
          else _("Request on case %(number)s dismissed.", number=item.case.number))
    return redirect(url_for("reopen.index"), code=303)


@bp.app_context_processor
def rating_helpers():
    """Give the case page's rating panel the resident's rating and any reopen request."""
    return {"resident_rating_of": resident_rating_of}


def resident_rating_of(case):
    """(rating, label, reopen request) for a case, or None when no resident rated it."""
    rating = rating_of(case)
    if rating is None:
        return None
    request_row = ReopenRequest.get_or_none(ReopenRequest.rating == rating.id)
    return rating, RATING_LABELS.get(rating.rating, rating.rating), request_row
