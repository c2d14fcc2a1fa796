"""Where each role lands, and the work queues of dispatchers and departments."""
import operator
from functools import reduce

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from app.access import allows
from app.db import now
from app.htmx import render
from app.cards import Cards, conditional, finish, poll_seconds
from app.views.boards import board_url_for
from workflows.models import Case, CasePart, User
from workflows.notices import emergency_cases
from workflows.policy import can, scope_column

bp = Blueprint("home", __name__)
QUEUE_LIMIT = 200


def landing(user):
    """The page a user works from: their work queue, else their own work, else their board, else
    administration, else (a building head) their buildings, else the cases."""
    if can(user, "queue"):
        return url_for("home.queue")
    if can(user, "work.mine"):
        return url_for("work.mine")
    if can(user, "admin"):
        return url_for("admin.index")
    if can(user, "registry.own_buildings"):
        return url_for("registry.index")
    return board_url_for(user) or url_for("cases.index")


@allows("account")
def home():
    """Each role lands where it works."""
    return redirect(landing(current_user))


def dispatcher_sections(user):
    """A grid office's decisions: cases reported to its level, on-the-spot work of grid leads
    to check (community), and verified cases to close (community and street)."""
    org = user.org
    here = scope_column(org.kind) == org.id
    sections = [("intake", Case.state == "reported", here & (Case.level == org.kind))]
    if org.kind == "community":
        lead_handled = Case.entered_by.in_(User.select(User.id).where(User.role == "lead"))
        sections.append(("check", Case.state == "handled", here & lead_handled))
    if org.kind in ("community", "street"):
        sections.append(("close", Case.state == "verified", here))
    return sections


def handler_sections(user):
    """A department's work: assigned cases, nearest deadline first; then its parts of cases handled jointly."""
    open_parts = CasePart.select(CasePart.case).where((CasePart.department == user.department_id)
                                                      & (CasePart.state == "open"))
    return [("assigned", Case.state == "assigned", Case.department == user.department_id),
            ("parts", Case.state == "assigned", Case.id.in_(open_parts))]


@bp.get("/queue")
@allows("queue")
def queue():
    """The work waiting for this dispatcher or department, nearest deadline first."""
    if current_user.department_id:
        sections = handler_sections(current_user)
    elif current_user.org_id:
        sections = dispatcher_sections(current_user)
    else:
        abort(403)
    at = now()
    waiting = reduce(operator.or_, [state & where for _name, state, where in sections])
    # The emergencies' banner is part of the page: its cases are part of the ETag.
    etag, last_modified, unchanged = conditional(current_user, lambda: waiting | emergency_cases(current_user), at)
    if unchanged is not None:
        return unchanged
    cards = Cards(current_user, at, view="queue")
    body = render("boards/queue.html", {"queue": "boards/_queue.html"}, view="queue",
                  sections=[(name, cards.page(state & where, 0, QUEUE_LIMIT)) for name, state, where in sections],
                  poll=poll_seconds(), board_url=board_url_for(current_user), etag=etag)
    return finish(body, etag, last_modified)


def init_app(app):
    """The start page lives at / under the endpoint name 'home'."""
    app.add_url_rule("/", "home", home)
    app.register_blueprint(bp)

