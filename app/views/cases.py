"""Cases: the list a user may see, one case's page, and the one write route for state."""
import io

import segno
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app import params
from app.access import allows, require
from app.db import now
from app.event_fields import Choices, data_fields, form_fields, form_value, takes_photos
from app.htmx import render
from app.i18n import translate_error
from app.uploads import UploadError, discard, process_photos
from app.cards import Cards, load_card
from workflows import sql
from workflows.clock import light
from workflows.errors import STALE, WorkflowError
from workflows.machine import EVENT_SPECS
from workflows.models import Attachment, Case, CaseEvent, Category, OrgUnit
from workflows.policy import can, visible_cases
from workflows.registry import queries as registry_queries
from workflows.service import available_events, fire

bp = Blueprint("cases", __name__)
PAGE_SIZE = 50
# Where a card form was sent from: a board column (the card moves) or a queue (it stays put).
CARD_VIEWS = ("board", "queue")
STATUS = {"forbidden": 403, "stale": 409, "duplicate": 409}


def load_case(case_id):
    """The case, if it exists and the user may see it (404 otherwise: no probing)."""
    return require("case.view", sql.CASE_BY_ID.first(id=case_id))


@bp.get("/cases")
@allows("case.view")
def index():
    """The cases in the user's scope, nearest deadline first."""
    page = params.args.page()
    query = (
        visible_cases(current_user, Case.select(Case, Category, OrgUnit))
        .join(Category, on=Case.category == Category.id)
        .switch(Case)
        .join(OrgUnit, on=Case.grid == OrgUnit.id)
        .order_by(Case.deadline.asc(nulls="LAST"), Case.id.desc())
    )
    state = request.args.get("state")
    if state:
        query = query.where(Case.state == state)
    cases = list(query.paginate(page, PAGE_SIZE))
    return render("cases/index.html", {"case-list": "cases/_list.html"}, cases=cases, page=page,
                  page_size=PAGE_SIZE, state=state)


@bp.get("/cases/<id:case_id>")
@allows("case.view")
def show(case_id):
    """One case: its fields, photos, timeline and the actions open to this user."""
    return render_case(load_case(case_id))


def render_case(case, errors=None, form=None, event=None, status=200):
    """The case page (or its actions region), with a failed form's message and input kept."""
    events = list(
        CaseEvent.select(CaseEvent).where(CaseEvent.case == case.id).order_by(CaseEvent.seq)
    )
    photos = list(Attachment.select().where(Attachment.case == case.id).order_by(Attachment.id))
    actions = available_events(case, current_user, now())
    body = render(
        "cases/show.html",
        {"case-actions": "cases/_actions.html"},
        case=case, history=events, photos=photos, actions=actions, choices=Choices(),
        form_fields=form_fields, errors=errors or {}, form=form or {}, failed_event=event,
        before=[p for p in photos if p.kind != "after"], after=[p for p in photos if p.kind == "after"],
        links=registry_queries.links_of(current_user, case),
    )
    return body, status


def card_view():
    """The card context of an htmx event form, or None for the case page's plain forms."""
    view = request.form.get("view")
    return view if view in CARD_VIEWS and request.htmx else None


def card_answer(case_id, view, *, moved, message=None, event=None, errors=None, kept=None, status=200, case=None):
    """The card as it is now: moved into its column on a board, or re-rendered in place.

    `case` is the card as the event just saved it (loaded with what a card shows); without it
    the card is loaded again. A case the viewer may no longer see (a declined case leaves the
    department) answers with nothing, which removes the card.
    """
    if case is None:
        case = load_card(current_user, case_id)
    elif not can(current_user, "case.view", case):
        case = None
    cards = Cards(current_user, now(), view=view)
    if case is None:
        body = ""
    else:
        if message or errors or event:
            card = Markup(render_template(  # nosec B704 # autoescaped template output, not escaped twice
                "boards/_card.html", case=case, cards=cards, view=view, message=message, failed_event=event,
                errors=errors or {}, kept=kept or {}))
        else:
            # The card as everyone who polls will see it next: kept for their boards too.
            colour = light(cards.at, case.warn_at, case.deadline)
            card = cards.render([(case.id, case.version, colour, case.entered_by_id)], {case.id: case})[0]
        body = moved_card(case.state, card) if moved and view == "board" else card
    response = make_response(body, status)
    if moved and status == 200:
        # Boards and queues refresh (counts, order) once the card has settled.
        response.headers["HX-Trigger-After-Settle"] = "board-changed"
    return response


# A card after an action on a board: out of its old place (the empty answer removes it), into the
# top of the column of its state (htmx's out-of-band swap).
MOVED = Markup('<div hx-swap-oob="afterbegin:#cards-{}">{}</div>')


def moved_card(state, card):
    """The answer that moves a card to the top of its state's column."""
    return MOVED.format(state, card)


@bp.post("/cases/<id:case_id>/events/<event>")
@allows("case.view")
def fire_event(case_id, event):
    """Fire one event with the form's data; the version guards against acting on a stale page."""
    view = card_view()
    # A card's form gets the card back: its case is loaded with what a card shows, once.
    case = load_card(current_user, case_id) if view else load_case(case_id)
    if case is None or event not in EVENT_SPECS:
        abort(404)
    data = {name: form_value(request.form, event, name) for name in data_fields(event)}
    version = params.form.number("version")
    request_key = params.form.text("request_key", max_length=64) or None
    try:
        photos = process_photos(request.files.getlist("photos"), kind="after") if takes_photos(event) else []
    except UploadError as exc:
        message = _(exc.message) % exc.params if exc.params else _(exc.message)
        if view:
            return card_answer(case.id, view, moved=False, event=event, errors={"photos": message},
                               kept=request.form, status=400)
        return render_case(case, {"photos": message}, request.form, event, status=400)
    try:
        fire(case, event, current_user, now(), expected_version=version,
             request_key=request_key, attachments=photos, **data)
    except WorkflowError as exc:
        discard(photos)
        status = STATUS.get(exc.code, 400)
        if view and exc.code == STALE:
            return card_answer(case.id, view, moved=True, message=translate_error(exc), status=status)
        if view:
            return card_answer(case.id, view, moved=False, event=event, errors={exc.field or "_": translate_error(exc)},
                               kept=request.form, status=status)
        return render_case(Case.get_by_id(case.id), {exc.field or "_": translate_error(exc)}, request.form, event,
                           status=status)
    if view:
        return card_answer(case.id, view, moved=True, case=case)
    flash(_("%(action)s: done.", action=_(EVENT_SPECS[event].label)))
    return redirect(url_for("cases.show", case_id=case.id), code=303)


# The hand-off forms (申报单 · 交办单 · 反馈单): kind -> (the event it prints, the photos it shows).
HANDOFF_FORMS = {"report": (None, "before"), "assignment": ("dispatch", "before"), "feedback": ("rectify", "after")}


@bp.get("/cases/<id:case_id>/forms/<any(report, assignment, feedback):kind>")
@allows("case.view")
def handoff_form(case_id, kind):
    """An A4 hand-off form of the case: the report (its facts as recorded and reported), the assignment
    (the department and the dispatcher's instructions) or the feedback (what the department did), with
    its photos and a QR code that opens the case page. 404 until the step it prints has happened."""
    case = load_case(case_id)
    event, photo_kind = HANDOFF_FORMS[kind]
    step = None
    if event is not None:
        step = (CaseEvent.select().where((CaseEvent.case == case.id) & (CaseEvent.event == event))
                .order_by(CaseEvent.seq.desc()).first())
        if step is None:
            abort(404)
    reported = (CaseEvent.select().where((CaseEvent.case == case.id) & (CaseEvent.event.in_(("create", "report"))))
                .order_by(CaseEvent.seq))
    photos = list(Attachment.select().where((Attachment.case == case.id) & (Attachment.kind == photo_kind))
                  .order_by(Attachment.id).limit(4))
    buffer = io.BytesIO()
    segno.make(url_for("cases.show", case_id=case.id, _external=True), error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return render_template("cases/handoff_form.html", case=case, kind=kind, step=step, reported=list(reported),
                           photos=photos, qr=Markup(buffer.getvalue().decode()))  # nosec B704 # segno's own SVG
