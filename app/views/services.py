"""Services on a resident's behalf (居民事务代办): recording from a resident's page, the offices' queues
and decisions, the kinds an administrator configures, printable form and receipt — and, without
signing in, the public notice (公示) per community and street, objections to it, and tracking by code."""
import math
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from app import params
from app.access import allows, require, user
from app.db import now
from app.i18n import translate_error
from app.ratelimit import per_address
from app.residents import public_url
from workflows import policy, services
from workflows.errors import WorkflowError
from workflows.models import Application, OrgUnit, Person, ServiceKind
from workflows.residents import format_code

bp = Blueprint("services", __name__, url_prefix="/services")
LIST_LIMIT = 200
# Per address, as the cases' public tracking (app.views.public): generous, many residents share one address.
TRACK_LIMITS = ((120, 600), (1000, 86400))
OBJECTION_LIMITS = ((5, 600), (20, 86400))
PUBLIC = {"services.track_lookup", "services.track", "services.notice_board", "services.add_objection"}
EVENT_NAMES = tuple(services.EVENT_SPECS)


@bp.app_template_global("service_state")
def service_state(application_or_state):
    """The label of an application's state (or of a state), translated."""
    state = getattr(application_or_state, "state", application_or_state)
    if state == "record" and getattr(application_or_state, "last_event", None) == "send_back":
        return _("Returned for more documents")
    return _(services.STATES[state])


@bp.app_template_global("service_event")
def service_event(name):
    """The label of an event of the chain, translated ('create': recorded)."""
    if name == "create":
        return _("Recorded")
    return _(services.EVENT_SPECS[name].label)


@bp.before_request
def limit_public():
    """The public pages answer a bounded number of requests per address (429 with Retry-After over it)."""
    if request.endpoint not in PUBLIC:
        return None
    at = now()
    wait = per_address("svc-track", current_app.config.get("SERVICE_TRACK_LIMITS", TRACK_LIMITS), at)
    if not wait:
        return None
    response = make_response(render_template("public/too_many.html", minutes=math.ceil(wait / 60),
                                             time=format_datetime(at + timedelta(seconds=wait), "HH:mm",
                                                                  rebase=False)), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def load(application_id, action="service.view"):
    """The application, if the user may take `action` on it (else 404)."""
    return require(action, Application.get_or_none(Application.id == application_id))


def rows(query):
    """Applications with what the lists show, as (application, light)."""
    at = now()
    return [(a, services.light_of(a, at)) for a in query.limit(LIST_LIMIT)]


def listing():
    """The applications this user may see, with their kind and resident loaded."""
    query = (Application.select(Application, ServiceKind, Person)
             .join(ServiceKind, on=Application.kind == ServiceKind.id)
             .switch(Application).join(Person, on=Application.person == Person.id))
    return policy.visible_applications(user(), query)


def waiting_on(actor, query):
    """Of `query`, the open applications whose current step this actor acts at (nearest deadline first)."""
    out = [a for a in query.where(Application.state.in_(services.OPEN_STATES)).order_by(Application.deadline)
           if services.available_events(a, actor)]
    return out[:LIST_LIMIT]


# ---- staff: lists ----


@bp.get("")
@allows("service.view")
def index():
    """The queue of what waits on this user, then every application in their area (newest first)."""
    at = now()
    mine = [(a, services.light_of(a, at)) for a in waiting_on(user(), listing())]
    state = params.args.choice("state", services.STATES)
    query = listing()
    if state:
        query = query.where(Application.state == state)
    return render_template("services/index.html", mine=mine, all=rows(query.order_by(Application.id.desc())),
                           state=state, states=services.STATES)


@bp.get("/overdue")
@allows("service.view")
def overdue():
    """Open applications in this user's area past their step's deadline, the longest overdue first."""
    query = listing().where(Application.state.in_(services.OPEN_STATES) & Application.deadline.is_null(False)
                            & (Application.deadline <= now())).order_by(Application.deadline)
    return render_template("services/overdue.html", all=rows(query))


# ---- staff: one application ----


@bp.get("/<id:application_id>")
@allows("service.view")
def show(application_id):
    """An application: facts, documents, the step's clock and light, objections, history and the
    decisions this user may take now."""
    application = load(application_id)
    response = make_response(render_template(
        "services/show.html", a=application, light=services.light_of(application, now()),
        events=services.available_events(application, user()), history=services.history(application),
        objections=services.objections(application), chain=services.chain(application.kind),
        code=format_code(application.code), reminders=services.reminders(application)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<id:application_id>/events/<event>")
@allows("service.view")
def fire_event(application_id, event):
    """Take one step: save documents, submit, approve, return, refuse or conclude the notice."""
    application = load(application_id)
    if event not in EVENT_NAMES:
        abort(404)
    version = params.form.number("version", low=1)
    reason = params.form.text("reason", max_length=services.TEXT_LIMIT)
    documents = None
    if event in ("documents", "submit"):
        documents = [d for d in request.form.getlist("documents") if len(d) <= services.DOCUMENT_LIMIT][:50]
    services.fire(application, event, user(), now(), expected_version=version, reason=reason, documents=documents)
    flash(_("Done: %(event)s.", event=service_event(event)))
    return redirect(url_for("services.show", application_id=application.id), code=303)


@bp.get("/<id:application_id>/form")
@allows("service.view")
def print_form(application_id):
    """The application form, printable on A4, for the resident to sign."""
    application = load(application_id)
    return render_template("services/print_form.html", a=application, code=format_code(application.code),
                           chain=services.chain(application.kind))


@bp.get("/<id:application_id>/receipt")
@allows("service.view")
def receipt(application_id):
    """The receipt given to the resident: the tracking code and where to follow the application."""
    application = load(application_id)
    return render_template("services/receipt.html", a=application, code=format_code(application.code),
                           track_url=public_url("services.track", code=application.code))


# ---- staff: recording from a resident's page ----


@bp.route("/people/<id:person_id>/new", methods=("GET", "POST"))
@allows("service.record")
def new(person_id):
    """Record an application for a resident of the user's grid: choose the kind, then the need and
    the documents received (掌握信息)."""
    person = require("service.record", Person.get_or_none(Person.id == person_id))
    kinds = list(ServiceKind.select().where(ServiceKind.active).order_by(ServiceKind.name))
    kind_id = params.values.id("kind")
    kind = next((k for k in kinds if k.id == kind_id), None)
    if kind_id is not None and kind is None:
        raise params.BadParameter("kind", params.MESSAGES["id"])
    if request.method == "GET" or kind is None:
        return render_template("services/new.html", person=person, kinds=kinds, kind=kind, errors={}, form={})
    need = params.form.text("need", max_length=services.NEED_LIMIT)
    documents = [d for d in request.form.getlist("documents") if len(d) <= services.DOCUMENT_LIMIT][:50]
    try:
        application = services.record(person, kind, user(), now(), need=need, documents=documents)
    except WorkflowError as exc:
        return render_template("services/new.html", person=person, kinds=kinds, kind=kind,
                               errors={exc.field or "_": translate_error(exc)},
                               form={"need": need, "documents": documents}), 400
    flash(_("Recorded. Give the resident the receipt with the tracking code."))
    return redirect(url_for("services.show", application_id=application.id), code=303)


# ---- administration: kinds ----


@bp.get("/kinds")
@allows("service.configure")
def kinds():
    """The kinds of service and a form for a new one."""
    return kinds_page()


def kinds_page(errors=None, form=None, status=200):
    """The kinds page, with a form's messages and what was typed kept."""
    return render_template("services/kinds.html", kinds=list(ServiceKind.select().order_by(ServiceKind.code)),
                           errors=errors or {}, form=form, steps=services.OFFICE_STEPS,
                           limit_steps=tuple(services.STEP_ACTIONS), defaults=services.DEFAULT_LIMITS,
                           max_days=services.MAX_NOTICE_DAYS, max_hours=services.MAX_LIMIT_HOURS), status


def kind_fields():
    """A kind's fields from the form (ranges checked; the domain checks the rest)."""
    limits = {step: params.form.number(f"limit_{step}", low=1, high=services.MAX_LIMIT_HOURS)
              for step in services.STEP_ACTIONS}
    return {
        "code": params.form.text("code", max_length=32),
        "name": params.form.text("name", max_length=60),
        "documents": params.form.text("documents", max_length=2000).splitlines(),
        "steps": [step for step in services.OFFICE_STEPS if params.form.raw(f"step_{step}")],
        "limits": limits,
        "notice_days": params.form.number("notice_days", 0, low=0, high=services.MAX_NOTICE_DAYS),
        "active": params.form.raw("active") is not None,
    }


@bp.post("/kinds")
@allows("service.configure")
def create_kind():
    """Add a kind of service."""
    fields = kind_fields()
    try:
        services.save_kind(user(), now(), **fields)
    except WorkflowError as exc:
        return kinds_page({exc.field or "_": translate_error(exc)}, fields, 400)
    flash(_("Saved."))
    return redirect(url_for("services.kinds"), code=303)


@bp.route("/kinds/<id:kind_id>", methods=("GET", "POST"))
@allows("service.configure")
def edit_kind(kind_id):
    """Change a kind: from now on (deadlines already stamped stay)."""
    kind = ServiceKind.get_or_none(ServiceKind.id == kind_id)
    if kind is None:
        abort(404)
    if request.method == "GET":
        return render_template("services/kind.html", kind=kind, errors={}, form=None, steps=services.OFFICE_STEPS,
                               limit_steps=tuple(services.STEP_ACTIONS), defaults=services.DEFAULT_LIMITS)
    fields = kind_fields()
    try:
        services.save_kind(user(), now(), kind, **fields)
    except WorkflowError as exc:
        return render_template("services/kind.html", kind=kind, errors={exc.field or "_": translate_error(exc)},
                               form=fields, steps=services.OFFICE_STEPS, limit_steps=tuple(services.STEP_ACTIONS),
                               defaults=services.DEFAULT_LIMITS), 400
    flash(_("Saved."))
    return redirect(url_for("services.kinds"), code=303)


# ---- public: the notice board, objections, tracking ----


def notice_unit(code):
    """The active community or street with this code, or None."""
    return OrgUnit.get_or_none((OrgUnit.code == code) & OrgUnit.kind.in_(("community", "street")) & OrgUnit.active)


def notice_page(unit, errors=None, status=200, objected=None):
    """The public notice of a community or street: masked names, for the configured days."""
    return render_template("services/notice_board.html", unit=unit, entries=services.notice_list(unit, now()),
                           mask=services.mask_name, errors=errors or {}, objected=objected), status


@bp.get("/notices/<code>")
def notice_board(code):
    """The public notice (公示) of a community or street."""
    unit = notice_unit(code)
    if unit is None:
        return render_template("public/error.html", message=_("This page does not exist.")), 404
    return notice_page(unit)


@bp.post("/notices/<code>/<id:application_id>/objections")
def add_objection(code, application_id):
    """A member of the public objects to an entry of the notice (rate-limited per address)."""
    unit = notice_unit(code)
    application = Application.get_or_none(Application.id == application_id)
    field = {"community": "community_id", "street": "street_id"}
    if unit is None or application is None or getattr(application, field[unit.kind]) != unit.id \
            or not services.in_notice(application, now()):
        return render_template("public/error.html", message=_("This entry is not in public notice.")), 404
    text = request.form.get("text", "")
    contact = request.form.get("contact", "")
    at = now()
    if per_address("svc-objection", current_app.config.get("SERVICE_OBJECTION_LIMITS", OBJECTION_LIMITS), at):
        return notice_page(unit, {application.id: _("Too many attempts from this network. Please try again later.")},
                           429)
    if request.form.get("website"):
        return notice_page(unit, {application.id: _("The form was not accepted because it looked automated. "
                                                    "Please reload the page and try again.")}, 400)
    try:
        services.object_to(application, at, text=text[:services.OBJECTION_LIMIT + 1], contact=contact[:61])
    except WorkflowError as exc:
        return notice_page(unit, {application.id: translate_error(exc)}, 400)
    flash(_("Thank you. Your objection was recorded and will be shown to the office deciding."))
    return redirect(url_for("services.notice_board", code=unit.code), code=303)


@bp.get("/track")
def track_lookup():
    """Look up an application by its tracking code."""
    code = params.args.text("code", max_length=64).strip()
    if code:
        application = services.by_code(code)
        if application is not None:
            return redirect(url_for("services.track", code=application.code), code=303)
        return lookup_page(code)
    return lookup_page("", status=200)


def lookup_page(code, status=404):
    """The public tracking-code lookup of applications; with a code, the message that none has it."""
    error = _("No application has this tracking code. Check the code and try again.") if code else None
    return render_template("public/lookup.html", code=code, error=error, heading=_("Follow an application"),
                           lookup_url=url_for("services.track_lookup")), status


@bp.get("/track/<code>")
def track(code):
    """An application's progress in plain words, for the resident (masked name, no numbers)."""
    application = services.by_code(code)
    if application is None:
        return lookup_page(code[:64])
    response = make_response(render_template(
        "services/track.html", a=application, code=format_code(application.code),
        name=services.mask_name(application.person.name), steps=services.public_steps(application)))
    response.headers["Cache-Control"] = "no-store"
    return response
