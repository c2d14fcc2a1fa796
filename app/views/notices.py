"""Supervision notices: the list in scope, one notice with its actions, print pages, the monthly 通报."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can, require
from app.db import now
from app.htmx import render
from app.i18n import translate_error
from workflows import notices
from workflows.errors import WorkflowError
from workflows.models import Case, Notice
from workflows.policy import addressed_notices, visible_notices
from workflows.service import current_clock

bp = Blueprint("notices", __name__)
PAGE_SIZE = 50


def load_notice(notice_id):
    """The notice, if it exists and the user may see it (404 otherwise: no probing)."""
    return require("notice.view", Notice.get_or_none(Notice.id == notice_id))


@bp.app_template_global()
def case_notices(case):
    """The notices of a case, oldest first (for the case page's panel)."""
    return list(Notice.select().where(Notice.case == case.id).order_by(Notice.issued_at, Notice.level))


@bp.app_template_global()
def may_issue_notice(case):
    """Whether the signed-in user may issue a notice on this case by hand."""
    return can("case.issue_notice", case) and notices.next_level(case) is not None


@bp.app_template_global()
def notice_light(notice):
    """The notice's light (green/yellow/red) while it waits for an answer."""
    return notices.notice_light(notice, now())


@bp.app_template_global()
def notice_status_label(status):
    """The status as people read it."""
    return _(notices.STATUSES[status])


@bp.app_template_global()
def notice_level_label(level):
    """The level as people read it."""
    return _(notices.LEVELS[level])


bp.add_app_template_global(notices.addressee_name, "notice_addressee")


@bp.get("/notices")
@allows("notice.view")
def index():
    """The notices in the user's scope (or addressed to them), newest first, filtered by status."""
    page = params.args.page()
    status = request.args.get("status")
    mine = request.args.get("mine") == "1"
    query = visible_notices(current_user, notices.listing())
    if status in notices.STATUSES:
        query = query.where(Notice.status == status)
    if mine:
        query = addressed_notices(current_user, query)
    rows = list(query.order_by(Notice.issued_at.desc(), Notice.id.desc()).paginate(page, PAGE_SIZE))
    return render("notices/index.html", {"notice-list": "notices/_list.html"}, notices=rows, page=page,
                  page_size=PAGE_SIZE, status=status, mine=mine, statuses=notices.STATUSES)


@bp.get("/notices/<id:notice_id>")
@allows("notice.view")
def show(notice_id):
    """One notice: its facts, the answer, its history and the actions open to this user."""
    return render_notice(load_notice(notice_id))


def render_notice(notice, error=None, kept=None, status=200):
    """The notice page, with a failed action's message and text kept."""
    body = render("notices/show.html", {"notice-actions": "notices/_actions.html"}, notice=notice,
                  actions=notices.allowed_actions(current_user, notice), history=notices.history(notice),
                  labels=notices.ACTION_LABELS, error=error, kept=kept or {})
    return body, status


@bp.post("/notices/<id:notice_id>/<action>")
@allows("notice.view")
def act(notice_id, action):
    """Sign for, reply to or conclude a notice."""
    notice = load_notice(notice_id)
    if action not in notices.ACTIONS:
        abort(404)
    try:
        notices.act(notice, action, current_user, now(), note=request.form.get("note", ""))
    except WorkflowError as exc:
        status = {"forbidden": 403, "stale": 409}.get(exc.code, 400)
        return render_notice(Notice.get_by_id(notice.id), translate_error(exc), request.form, status)
    flash(_("%(action)s: done.", action=_(notices.ACTION_LABELS[action])))
    return redirect(url_for("notices.show", notice_id=notice.id), code=303)


@bp.post("/cases/<id:case_id>/notices")
@allows("case.issue_notice")
def issue(case_id):
    """A supervisor issues a notice on a case by hand."""
    case = require("case.view", Case.get_or_none(Case.id == case_id))
    if not can("case.issue_notice", case):
        abort(403)
    try:
        notice = notices.issue_by_hand(case, current_user, now(), current_clock(), request.form.get("demand", ""))
    except WorkflowError as exc:
        flash(translate_error(exc))
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    flash(_("Notice %(number)s issued.", number=notice.number))
    return redirect(url_for("notices.show", notice_id=notice.id), code=303)


@bp.get("/notices/<id:notice_id>/print")
@allows("notice.view")
def print_notice(notice_id):
    """The notice as an A4 official document."""
    notice = load_notice(notice_id)
    first = notices.first_notice(notice) if notice.level == 2 else None
    return render("notices/print.html", notice=notice, first=first)


def _month():
    """(year, month) asked for (?month=2026-03), else the current one's."""
    first = params.args.month("month", now().date().replace(day=1))
    return first.year, first.month


@bp.get("/bulletin")
@allows("notice.view")
def bulletin():
    """The month's 通报: the escalated notices in the user's scope."""
    year, month = _month()
    previous, following = (params.shift_month(date(year, month, 1), step) for step in (-1, 1))
    return render("notices/bulletin.html", rows=notices.bulletin(current_user, year, month), year=year, month=month,
                  previous=previous and f"{previous:%Y-%m}", following=following and f"{following:%Y-%m}")


@bp.get("/bulletin/print")
@allows("notice.view")
def print_bulletin():
    """The month's 通报 as an A4 document."""
    year, month = _month()
    return render("notices/bulletin_print.html", rows=notices.bulletin(current_user, year, month), year=year,
                  month=month, issuer=_issuer_name())


def _issuer_name():
    """The office that publishes the 通报: the user's street or district (blank for admins)."""
    org = getattr(current_user, "org", None)
    return org.name if org is not None else ""
