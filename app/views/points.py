"""Points (积分): a community's month ledger, recording, corrections, publishing, quarters, the yearly top 50."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can, require
from app.db import now
from app.exports import xlsx_response
from app.i18n import translate_error
from workflows.errors import WorkflowError
from workflows.models import PERSON_KINDS, Building, Case, OrgUnit, PointEntry, PointPerson, PointRule, Visit
from workflows.points import (
    PERSON_LABELS,
    SECTION_LABELS,
    account_of,
    add_person,
    add_rule,
    grid_accounts,
    link_user,
    month_ledger,
    publish_month,
    quarter_summary,
    record_correction,
    record_service,
    record_tipoff,
    service_rules,
    tipoff_rule,
    unpublished_months,
    yearly_ranking,
)
from workflows.policy import point_communities, point_grids, visible_cases
from workflows.values import FIRST_DAY, LAST_DAY

bp = Blueprint("points", __name__)
TOP = 50


@bp.app_template_global("person_label")
def person_label(kind):
    """'Building head', 'Unit head', 'Volunteer' or 'Grid member', translated."""
    return _(PERSON_LABELS[kind]) if kind in PERSON_LABELS else kind


@bp.app_template_global("section_label")
def section_label(section):
    """The section of the points table, translated."""
    return _(SECTION_LABELS[section]) if section in SECTION_LABELS else section


def load_community(code):
    """A community whose points the user may see (404 otherwise)."""
    return require("points.view", OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "community")))


@bp.get("/points")
@allows("points.view")
def index():
    """The ledger of the user's (first) community for this month."""
    communities = point_communities(current_user)
    if not communities:
        abort(404)
    return redirect(url_for("points.month", code=communities[0].code, month=now().strftime("%Y-%m")))


@bp.get("/points/c/<code>/<ym:month>")
@allows("points.view")
def month(code, month):
    """A community's month: entries, per-person totals, pending tip-offs, publishing, recording."""
    return month_page(load_community(code), month)


def month_page(community, month_first, errors=None, form=None, failed=None, status=200):
    """Render the month ledger, with a failed form's message and input kept."""
    ledger = month_ledger(community, month_first)
    today = now().date()
    people = _recordable_people(community)
    case_ids = [c.entry.case_id for c in ledger.items + ledger.pending if c.entry.case_id]
    visible = {c.id: c for c in visible_cases(current_user, Case.select(Case.id, Case.number))
               .where(Case.id.in_(case_ids))} if case_ids else {}
    visit_ids = [c.entry.visit_id for c in ledger.items if c.entry.visit_id]
    visits = {v.id for v in Visit.select().where(Visit.id.in_(visit_ids)) if can("visit.view", v)} if visit_ids else set()
    previous, following = params.shift_month(month_first, -1), params.shift_month(month_first, 1)
    body = render_template(
        "points/month.html", community=community, ledger=ledger, month=month_first,
        communities=point_communities(current_user), people=people, rules=service_rules(), tipoff=tipoff_rule(),
        may_publish=can("points.publish", community),
        publishable=ledger.published is None and ledger.month.last < today,
        recorder=bool(people), visible_cases=visible, visible_visits=visits, previous=previous,
        following=following if following and following <= today else None, quarter=(month_first.month - 1) // 3 + 1,
        errors=errors or {}, form=form or {}, failed=failed, today=today,
    )
    return body, status


def _recordable_people(community):
    """The active people of this community the user may record points for."""
    grids = [g.id for g in point_grids(current_user) if g.parent_id == community.id]
    if not grids:
        return []
    return list(PointPerson.select().where(PointPerson.active & PointPerson.grid.in_(grids))
                .order_by(PointPerson.grid, PointPerson.name, PointPerson.id))


def _person(community):
    """The person named by the form, of this community (None if not)."""
    person = PointPerson.get_or_none(PointPerson.id == params.form.id("person", lenient=True))
    return person if person is not None and person.grid.parent_id == community.id else None


def _refused(community, exc, failed):
    """Back to the month the form was on, with the refusal shown and the input kept."""
    month_first = params.form.month("month", lenient=True) or now().date().replace(day=1)
    status = 403 if exc.code == "forbidden" else 400
    return month_page(community, month_first, {exc.field or "_": translate_error(exc)}, request.form, failed, status)


def _back(community, day):
    """303 to the month of this date."""
    return redirect(url_for("points.month", code=community.code, month=day.strftime("%Y-%m")), code=303)


@bp.post("/points/c/<code>/services")
@allows("points.view")
def add_service(code):
    """Record a service a person gave (with its date and evidence)."""
    community = load_community(code)
    day = params.form.date("day", lenient=True)
    rule = PointRule.get_or_none(PointRule.id == params.form.id("rule", lenient=True))
    try:
        entry = record_service(current_user, _person(community), rule, day, now(), request.form.get("evidence"))
    except WorkflowError as exc:
        return _refused(community, exc, "service")
    flash(_("Recorded: %(name)s, %(n)s points.", name=entry.person.name, n=entry.points))
    return _back(community, entry.day)


@bp.post("/points/c/<code>/tipoffs")
@allows("points.view")
def add_tipoff(code):
    """Record a tip-off and the case it produced; it counts once the case is verified."""
    community = load_community(code)
    case = Case.get_or_none(Case.number == (request.form.get("case") or "").strip())
    try:
        entry = record_tipoff(current_user, _person(community), case, now(), request.form.get("evidence"))
    except WorkflowError as exc:
        return _refused(community, exc, "tipoff")
    flash(_("Tip-off recorded for %(name)s: it counts once case %(number)s is verified.", name=entry.person.name,
            number=case.number))
    return _back(community, entry.day)


@bp.post("/points/entries/<id:entry_id>/corrections")
@allows("points.view")
def correct(entry_id):
    """Correct an entry with a new signed entry counted this month."""
    original = PointEntry.get_or_none(PointEntry.id == entry_id)
    require("points.view", original.community if original is not None else None)
    try:
        fix = record_correction(current_user, original, request.form.get("points"), request.form.get("reason"),
                                now())
    except WorkflowError as exc:
        return _refused(original.community, exc, f"correct-{original.id}")
    flash(_("Correction recorded: %(n)s points for %(name)s.", n=fix.points, name=fix.person.name))
    return _back(original.community, fix.day)


@bp.post("/points/c/<code>/<ym:month>/publish")
@allows("points.view")
def publish(code, month):
    """Publish (公示) the month: from now on it is locked."""
    community = load_community(code)
    month_first = month
    try:
        publish_month(current_user, community, month_first, now())
    except WorkflowError as exc:
        status = 403 if exc.code == "forbidden" else 400
        return month_page(community, month_first, {"publish": translate_error(exc)}, status=status)
    flash(_("The points of %(month)s are published and locked.", month=f"{month_first:%Y-%m}"))
    return _back(community, month_first)


@bp.get("/points/c/<code>/quarters/<year:year>/<quarter:quarter>")
@allows("points.view")
def quarter(code, year, quarter):
    """The quarter's sums per person, month by month, with the running totals."""
    community = load_community(code)
    months, published, rows = quarter_summary(community, year, quarter)
    return render_template("points/quarter.html", community=community, year=year, quarter=quarter, months=months,
                           published=published, rows=rows, communities=point_communities(current_user))


def _year():
    """The year asked for (this year by default)."""
    return params.args.number("year", now().year, FIRST_DAY.year, LAST_DAY.year)


@bp.get("/points/ranking")
@allows("points.view")
def ranking():
    """The yearly ranking over the user's communities: the top 50."""
    year = _year()
    communities = point_communities(current_user)
    rows = yearly_ranking(communities, year, TOP)
    pending = {}
    for community, month_first in unpublished_months(communities, year, now().date()):
        pending.setdefault(community.name, []).append(month_first.strftime("%Y-%m"))
    return render_template("points/ranking.html", year=year, rows=rows, top=TOP, unpublished=list(pending.items()))


@bp.get("/points/ranking.xlsx")
@allows("points.view")
def ranking_xlsx():
    """The yearly top 50 as an Excel workbook (every text written as text, never as a formula)."""
    year = _year()
    rows = yearly_ranking(point_communities(current_user), year, TOP)
    headers = [_("Rank"), _("Full name"), _("Role"), _("Community"), _("Grid"), _("Points this year"),
               _("Total points")]
    lines = ([row.rank, row.person.name, person_label(row.person.kind), row.person.grid.parent.name,
              row.person.grid.name, row.points, row.cumulative] for row in rows)
    caption = _("Points ranking %(year)s (top %(n)s)", year=year, n=TOP)
    return xlsx_response(f"points-{year}-top{TOP}.xlsx", [(str(year), headers, lines, caption)])


@bp.route("/points/people", methods=["GET", "POST"])
@allows("points.record_in")
def people():
    """The people who earn points in the grids the user records for; add one, or link one to an account."""
    grids = point_grids(current_user)
    if not grids:
        abort(403)
    errors, status = {}, 200
    if request.method == "POST" and "person" in request.form:
        return _link(grids)
    if request.method == "POST":
        grid_id, building_id = params.form.id("grid", lenient=True), params.form.id("building", lenient=True)
        grid = next((g for g in grids if g.id == grid_id), None)
        building = Building.get_or_none(Building.id == building_id) if request.form.get("building") else None
        try:
            person = add_person(current_user, now(), name=request.form.get("name"), kind=request.form.get("kind"),
                                grid=grid, building=building, phone=request.form.get("phone", ""),
                                user=_account())
        except WorkflowError as exc:
            errors, status = {exc.field or "_": translate_error(exc)}, (403 if exc.code == "forbidden" else 400)
        else:
            flash(_("%(name)s added.", name=person.name))
            return redirect(url_for("points.people"), code=303)
    return people_page(grids, errors, request.form if errors else {}, status=status)


def people_page(grids, errors=None, form=None, failed=None, status=200):
    """The people page, with a refused form's message."""
    listed = list(PointPerson.select().where(PointPerson.grid.in_([g.id for g in grids]))
                  .order_by(PointPerson.grid, PointPerson.name))
    buildings = list(Building.select().where(Building.grid.in_([g.id for g in grids]))
                     .order_by(Building.grid, Building.sort_order, Building.id))
    accounts = grid_accounts([g.id for g in grids])
    return render_template("points/people.html", grids=grids, listed=listed, buildings=buildings,
                           kinds=PERSON_KINDS, accounts=accounts, grid_names={g.id: g.name for g in grids},
                           errors=errors or {}, form=form or {},
                           failed=failed), status


def _account():
    """The sign-in account the form names (None for none); a malformed or unknown id is a 400."""
    return account_of(params.form.id("user"))


def _link(grids):
    """Link a person (of a grid the user records for) to a sign-in account of that grid, or unlink."""
    person = require("points.record", PointPerson.get_or_none(PointPerson.id == params.form.id("person")))
    try:
        linked = link_user(current_user, now(), person, _account())
    except WorkflowError as exc:
        status = 403 if exc.code == "forbidden" else 400
        return people_page(grids, {exc.field or "_": translate_error(exc)}, request.form, "link", status)
    if linked.user_id:
        flash(_("%(name)s is linked to the account %(account)s: their household visits earn points.",
                name=linked.name, account=linked.user.name))
    else:
        flash(_("%(name)s is no longer linked to an account.", name=linked.name))
    return redirect(url_for("points.people"), code=303)


@bp.route("/points/rules", methods=["GET", "POST"])
@allows("points.view")
def rules():
    """The points table (the street office adds its own items)."""
    errors, status = {}, 200
    if request.method == "POST":
        try:
            rule = add_rule(current_user, name=request.form.get("name"), points=request.form.get("points"))
        except WorkflowError as exc:
            errors, status = {exc.field or "_": translate_error(exc)}, (403 if exc.code == "forbidden" else 400)
        else:
            flash(_("Item added: %(name)s, %(n)s points.", name=rule.name, n=rule.points))
            return redirect(url_for("points.rules"), code=303)
    table = list(PointRule.select().where(PointRule.active).order_by(PointRule.sort_order, PointRule.id))
    return render_template("points/rules.html", table=table, errors=errors, form=request.form if errors else {},
                           editable=can("points.rules"), community=_first_community()), status


def _first_community():
    """The user's first community (for the way back to a ledger), or None."""
    communities = point_communities(current_user)
    return communities[0] if communities else None


@bp.app_template_global("ledger_url")
def ledger_url(community, day):
    """The month ledger of a community containing this date."""
    return url_for("points.month", code=community.code, month=day.strftime("%Y-%m"))
