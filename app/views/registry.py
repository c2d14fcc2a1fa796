"""The grid's registry (issue 17): the grid's 底数, buildings and rooms with who lives there, people
(masked; one field revealed with a reason, logged), organisations, things, search and the reveal log.

Who sees what is the policy's (registry.* actions, visible_registry); every write goes through
workflows.registry.service, which checks the policy again and records a dated change."""
import os
import tempfile
import zipfile
from datetime import timedelta

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from openpyxl.utils.exceptions import InvalidFileException
from flask_babel import gettext as _

from app import params
from app.access import allows, can, require, user
from app.db import now
from app.exports import xlsx_response
from app.i18n import translate_error
from app.registry_forms import (
    AckForm,
    BuildingForm,
    EditPersonForm,
    EndHeadForm,
    EndTagForm,
    HeadForm,
    HouseholdForm,
    ImportForm,
    LeaveForm,
    OrganisationForm,
    PersonForm,
    RevealForm,
    RoomForm,
    TagForm,
    ThingForm,
    UnitForm,
)
from app.forms import options
from workflows.errors import WorkflowError
from workflows.models import (
    Building,
    BuildingHead,
    Case,
    Household,
    Organisation,
    OrgUnit,
    Person,
    PersonTag,
    Room,
    Thing,
    Unit,
    User,
)
from workflows.policy import visible_grids, visible_registry, visible_reveals
from workflows.registry import (
    BUILDING_KIND_LABELS,
    CHANGE_LABELS,
    CONDITION_LABELS,
    FIELD_LABELS,
    ORG_KIND_LABELS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    ROOM_USE_LABELS,
    SEX_LABELS,
    STATUS_LABELS,
    TAGS,
    THING_KIND_LABELS,
    mask_id,
    mask_phone,
)
from workflows.registry import heads, queries, roundup, service, workbook
from workflows.models import RevealLog

bp = Blueprint("registry", __name__, url_prefix="/registry")
LABELS = {"building_kind": BUILDING_KIND_LABELS, "change": CHANGE_LABELS, "condition": CONDITION_LABELS,
          "field": FIELD_LABELS, "org_kind": ORG_KIND_LABELS, "relation": RELATION_LABELS,
          "residence": RESIDENCE_LABELS, "use": ROOM_USE_LABELS, "sex": SEX_LABELS, "status": STATUS_LABELS,
          "thing_kind": THING_KIND_LABELS}


@bp.app_template_global("registry_label")
def registry_label(kind, code):
    """A registry code's label, translated ('' for an unknown one)."""
    if kind == "tag":
        return _(TAGS[code][0]) if code in TAGS else code
    label = LABELS[kind].get(code)
    return _(label) if label else (code or "")


@bp.app_template_filter("mask_id")
def _mask_id(value):
    return mask_id(value)


@bp.app_template_filter("mask_tel")
def _mask_tel(value):
    return mask_phone(value)


# ---- loading objects in scope (404 outside it) ----


def load_grid(code, action="registry.view"):
    return require(action, OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid")))


def load(model, obj_id, action="registry.view"):
    return require(action, model.get_or_none(model.id == obj_id))


def apply_error(form, error):
    """A domain refusal shown beside its field (or above the form)."""
    message = translate_error(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        form.form_errors.append(message)


def form_page(form, title, back, status=200, **context):
    """The one page every registry form uses."""
    return render_template("registry/form.html", form=form, title=title, back=back, **context), status


def save(form, write, done, title, back):
    """Validate the form, write through the domain, redirect to `done(result)`; else the form again (400)."""
    if form.validate_on_submit():
        try:
            result = write()
        except WorkflowError as error:
            if error.code == "forbidden":
                abort(404)
            apply_error(form, error)
        else:
            return redirect(done(result), 303)
        return form_page(form, title, back, 400)
    return form_page(form, title, back, 400 if form.is_submitted() else 200)


# ---- reading ----


@bp.get("")
@allows("registry.view")
def index():
    """The grids whose registry the user reads (one grid: straight to it); a building or unit head's own
    buildings."""
    if can("registry.own_buildings"):
        buildings = list(visible_registry(user(), Building, Building.select())
                         .order_by(Building.sort_order, Building.name))
        return render_template("registry/index.html", grids=[], buildings=buildings)
    grids = list(visible_grids(user()))
    if len(grids) == 1:
        return redirect(url_for("registry.grid", code=grids[0].code))
    return render_template("registry/index.html", grids=grids)


@bp.get("/grids/<code>")
@allows("registry.view")
def grid(code):
    """The grid's 底数 and its buildings, organisations and things."""
    unit = load_grid(code)
    buildings = list(Building.select().where(Building.grid == unit.id).order_by(Building.sort_order, Building.name))
    organisations = list(Organisation.select().where(Organisation.grid == unit.id).order_by(Organisation.name))
    things = list(Thing.select().where(Thing.grid == unit.id).order_by(Thing.code))
    return render_template("registry/grid.html", grid=unit, counts=queries.grid_counts(user(), unit),
                           buildings=buildings, organisations=organisations, things=things)


@bp.get("/search")
@allows("registry.view")
def search():
    """People by name, ID tail, phone tail or address (masked)."""
    text = params.args.text("q", max_length=40)
    return render_template("registry/search.html", q=text, people=queries.search(user(), text))


@bp.get("/buildings/<id:building_id>")
@allows("registry.view")
def building(building_id):
    """A building's rooms and who lives there."""
    item = load(Building, building_id)
    return render_template("registry/building.html", building=item, rooms=queries.building_rooms(user(), item),
                           units=list(Unit.select().where(Unit.building == item.id).order_by(Unit.name)),
                           unit_form=UnitForm(), cases=queries.cases_of(user(), building=item),
                           changes=queries.history(user(), building=item))


@bp.get("/rooms/<id:room_id>")
@allows("registry.view")
def room(room_id):
    """A room: its use, households and their members, its history and cases."""
    item = load(Room, room_id)
    households = list(Household.select().where(Household.room == item.id).order_by(Household.id))
    return render_template("registry/room.html", room=item, households=households,
                           household_form=HouseholdForm(), changes=queries.history(user(), room=item),
                           cases=queries.cases_of(user(), room=item))


def person_page(item, revealed=None, reveal_form=None, status=200):
    """The person page (masked unless a field was just revealed)."""
    tag_form = TagForm(formdata=None)
    tag_form.tag.choices = options((code, _(label)) for code, (label, sensitive, _days) in TAGS.items()
                                   if not sensitive or can("registry.sensitive", item))
    response = make_response(render_template(
        "registry/person.html", person=item, revealed=revealed or {}, reveal_form=reveal_form or RevealForm(),
        tags=queries.person_tags(user(), item, current=False), tag_form=tag_form, end_form=EndTagForm(formdata=None),
        leave_form=LeaveForm(formdata=None), changes=queries.history(user(), person=item),
        cases=queries.cases_of(user(), person=item)), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/people/<id:person_id>")
@allows("registry.view")
def person(person_id):
    """A person, masked: tags the user may see, history and cases."""
    return person_page(load(Person, person_id))


@bp.post("/people/<id:person_id>/reveal")
@allows("registry.reveal")
def reveal(person_id):
    """Unmask one field of one person, for a reason; logged. The value is shown on this answer only."""
    item = load(Person, person_id, "registry.reveal")
    form = RevealForm()
    if not form.validate_on_submit():
        return person_page(item, reveal_form=form, status=400)
    value = service.reveal(user(), now(), item, form.field.data, form.reason.data)
    return person_page(item, revealed={form.field.data: value})


@bp.get("/reveals")
@allows("registry.reveal_log")
def reveals():
    """Who revealed whose details, when and why (the community office reads it)."""
    rows = list(visible_reveals(user()).order_by(RevealLog.at.desc(), RevealLog.id.desc()).limit(500))
    return render_template("registry/reveals.html", rows=rows)


@bp.get("/organisations/<id:organisation_id>")
@allows("registry.view")
def organisation(organisation_id):
    item = load(Organisation, organisation_id)
    return render_template("registry/organisation.html", item=item, cases=queries.cases_of(user(), organisation=item),
                           changes=queries.history(user(), organisation=item))


@bp.get("/things/<id:thing_id>")
@allows("registry.view")
def thing(thing_id):
    item = load(Thing, thing_id)
    return render_template("registry/thing.html", item=item, cases=queries.cases_of(user(), thing=item),
                           changes=queries.history(user(), thing=item))


# ---- writing ----

EDIT = "registry.edit"


@bp.route("/grids/<code>/buildings/new", methods=("GET", "POST"))
@allows(EDIT)
def new_building(code):
    unit = load_grid(code, EDIT)
    form = BuildingForm()
    return save(form, lambda: service.save_building(user(), now(), unit, **fields(form, BuildingForm)),
                lambda b: url_for("registry.building", building_id=b.id), _("New building"),
                url_for("registry.grid", code=unit.code))


@bp.route("/buildings/<id:building_id>/edit", methods=("GET", "POST"))
@allows(EDIT)
def edit_building(building_id):
    item = load(Building, building_id, EDIT)
    form = BuildingForm(obj=item)
    return save(form, lambda: service.save_building(user(), now(), item.grid, item, **fields(form, BuildingForm)),
                lambda b: url_for("registry.building", building_id=b.id), _("Edit building"),
                url_for("registry.building", building_id=item.id))


@bp.post("/buildings/<id:building_id>/units")
@allows(EDIT)
def new_unit(building_id):
    item = load(Building, building_id, EDIT)
    form = UnitForm()
    return save(form, lambda: service.add_unit(user(), now(), item, name=form.name.data),
                lambda u: url_for("registry.building", building_id=item.id), _("New unit"),
                url_for("registry.building", building_id=item.id))


@bp.route("/units/<id:unit_id>/rooms/new", methods=("GET", "POST"))
@allows(EDIT)
def new_room(unit_id):
    unit = Unit.get_or_none(Unit.id == unit_id)
    require(EDIT, unit.building if unit is not None else None)
    form = RoomForm()
    return save(form, lambda: service.save_room(user(), now(), unit, **fields(form, RoomForm)),
                lambda r: url_for("registry.room", room_id=r.id), _("New room") + f" · {unit}",
                url_for("registry.building", building_id=unit.building_id))


@bp.route("/rooms/<id:room_id>/edit", methods=("GET", "POST"))
@allows(EDIT)
def edit_room(room_id):
    item = load(Room, room_id, EDIT)
    form = RoomForm(obj=item)
    keep_masked(form.landlord_phone, item.landlord_phone)
    return save(form, lambda: service.save_room(user(), now(), item.unit, item, **kept(fields(form, RoomForm), item,
                                                                                      "landlord_phone")),
                lambda r: url_for("registry.room", room_id=r.id), _("Edit room"),
                url_for("registry.room", room_id=item.id))


@bp.post("/rooms/<id:room_id>/households")
@allows(EDIT)
def new_household(room_id):
    item = load(Room, room_id, EDIT)
    form = HouseholdForm()
    return save(form, lambda: service.add_household(user(), now(), item, number=form.number.data),
                lambda h: url_for("registry.new_person", household_id=h.id), _("New household"),
                url_for("registry.room", room_id=item.id))


@bp.route("/households/<id:household_id>/people/new", methods=("GET", "POST"))
@allows(EDIT)
def new_person(household_id):
    household = load(Household, household_id, EDIT)
    form = PersonForm()
    return save(form, lambda: service.save_person(user(), now(), household, **fields(form, PersonForm)),
                lambda p: url_for("registry.person", person_id=p.id), _("New resident"),
                url_for("registry.room", room_id=household.room_id))


@bp.route("/people/<id:person_id>/edit", methods=("GET", "POST"))
@allows(EDIT)
def edit_person(person_id):
    """Correct a person's details; the ID number and phone are never put in the form (masked beside it):
    left blank they stay as they are."""
    item = load(Person, person_id, EDIT)
    form = EditPersonForm(obj=item)
    if not form.is_submitted():
        form.id_number.data, form.phone.data = "", ""
    form.id_number.render_kw = {"placeholder": mask_id(item.id_number)}
    form.phone.render_kw = {"placeholder": mask_phone(item.phone)}

    def write():
        values = fields(form, PersonForm)
        values["id_number"] = values["id_number"] or item.id_number
        values["phone"] = values["phone"] or item.phone
        return service.save_person(user(), now(), item.household, item, **values)

    return save(form, write, lambda p: url_for("registry.person", person_id=p.id), _("Edit resident"),
                url_for("registry.person", person_id=item.id))


@bp.post("/people/<id:person_id>/leave")
@allows(EDIT)
def leave(person_id):
    """Moved out or died: dated, with a reason."""
    item = load(Person, person_id, EDIT)
    form = LeaveForm()

    def write():
        if form.kind.data == "deceased":
            return service.record_death(user(), now(), item, on=form.on.data, reason=form.reason.data)
        return service.move_out(user(), now(), item, on=form.on.data, reason=form.reason.data, to=form.to.data)

    return save(form, write, lambda p: url_for("registry.person", person_id=p.id), _("Moved out or died"),
                url_for("registry.person", person_id=item.id))


@bp.post("/people/<id:person_id>/tags")
@allows(EDIT)
def add_tag(person_id):
    item = load(Person, person_id, EDIT)
    form = TagForm()
    form.tag.choices = options((code, code) for code, (_label, sensitive, _d) in TAGS.items()
                               if not sensitive or can("registry.sensitive", item))
    return save(form, lambda: service.add_tag(user(), now(), item, tag=form.tag.data, on=form.on.data,
                                              reason=form.reason.data),
                lambda t: url_for("registry.person", person_id=item.id), _("Add a group"),
                url_for("registry.person", person_id=item.id))


@bp.post("/tags/<id:tag_id>/end")
@allows(EDIT)
def end_tag(tag_id):
    """Remove a tag: dated, with a reason; a sensitive tag is not even found by those who may not see it."""
    row = PersonTag.get_or_none(PersonTag.id == tag_id)
    if row is None or (row.sensitive and not can("registry.sensitive", row.person)):
        abort(404)
    require(EDIT, row.person)
    form = EndTagForm()
    return save(form, lambda: service.remove_tag(user(), now(), row, on=form.on.data, reason=form.reason.data),
                lambda t: url_for("registry.person", person_id=row.person_id), _("Remove a group"),
                url_for("registry.person", person_id=row.person_id))


@bp.route("/grids/<code>/organisations/new", methods=("GET", "POST"))
@allows(EDIT)
def new_organisation(code):
    unit = load_grid(code, EDIT)
    form = OrganisationForm()
    return save(form, lambda: service.save_organisation(user(), now(), unit, **fields(form, OrganisationForm)),
                lambda o: url_for("registry.organisation", organisation_id=o.id), _("New organisation"),
                url_for("registry.grid", code=unit.code))


@bp.route("/organisations/<id:organisation_id>/edit", methods=("GET", "POST"))
@allows(EDIT)
def edit_organisation(organisation_id):
    item = load(Organisation, organisation_id, EDIT)
    form = OrganisationForm(obj=item)
    keep_masked(form.contact_phone, item.contact_phone)
    return save(form, lambda: service.save_organisation(user(), now(), item.grid, item,
                                                        **kept(fields(form, OrganisationForm), item, "contact_phone")),
                lambda o: url_for("registry.organisation", organisation_id=o.id), _("Edit organisation"),
                url_for("registry.organisation", organisation_id=item.id))


@bp.route("/grids/<code>/things/new", methods=("GET", "POST"))
@allows(EDIT)
def new_thing(code):
    unit = load_grid(code, EDIT)
    form = ThingForm()
    return save(form, lambda: service.save_thing(user(), now(), unit, **fields(form, ThingForm)),
                lambda t: url_for("registry.thing", thing_id=t.id), _("New thing"),
                url_for("registry.grid", code=unit.code))


@bp.route("/things/<id:thing_id>/edit", methods=("GET", "POST"))
@allows(EDIT)
def edit_thing(thing_id):
    item = load(Thing, thing_id, EDIT)
    form = ThingForm(obj=item)
    return save(form, lambda: service.save_thing(user(), now(), item.grid, item, **fields(form, ThingForm)),
                lambda t: url_for("registry.thing", thing_id=t.id), _("Edit thing"),
                url_for("registry.thing", thing_id=item.id))


# ---- the weekly round-up ----


@bp.get("/grids/<code>/week")
@allows("registry.view")
def week(code):
    """What changed in the grid's registry in a week (printable), and its acknowledgement."""
    unit = load_grid(code)
    monday = roundup.monday_of(params.args.date("week", now().date()))
    return render_template("registry/week.html", grid=unit, monday=monday, sunday=monday + timedelta(days=6),
                           groups=roundup.week_changes(user(), unit, monday),
                           ack=roundup.acknowledgement(unit, monday), ack_form=AckForm(),
                           previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7) if monday + timedelta(days=7) <= now().date() else None)


@bp.post("/grids/<code>/week/<ymd:monday>/ack")
@allows("registry.roundup_ack")
def acknowledge_week(code, monday):
    """The community's specialist acknowledges the week's round-up."""
    unit = load_grid(code, "registry.roundup_ack")
    form = AckForm()
    if form.validate_on_submit():
        roundup.acknowledge(user(), now(), unit, monday, form.note.data)
    else:
        abort(400)
    return redirect(url_for("registry.week", code=unit.code, week=monday.isoformat()), 303)


# ---- Excel: template, upload, errors, export ----

ERRORS_SHOWN = 1000


@bp.get("/import")
@allows("registry.import")
def import_page():
    """Download the template, upload a filled one."""
    return render_template("registry/import.html", form=ImportForm(), problems=None, counts=None)


@bp.get("/import/template.xlsx")
@allows("registry.import")
def import_template():
    return xlsx_response("registry-template.xlsx", workbook.template_sheets())


@bp.post("/import")
@allows("registry.import")
def import_upload():
    """Check every row of the uploaded workbook; import all rows or none; refused cells listed."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("registry/import.html", form=form, problems=None, counts=None), 400
    with tempfile.TemporaryDirectory(prefix="gridcase-import-") as scratch:
        path = os.path.join(scratch, "upload.xlsx")
        form.file.data.save(path)
        try:
            problems, counts = workbook.import_file(path, user(), now())
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
            form.file.errors = [_("This is not an Excel workbook (.xlsx) made from the template.")]
            return render_template("registry/import.html", form=form, problems=None, counts=None), 400
    if problems:
        return render_template("registry/import.html", form=ImportForm(), problems=problems[:ERRORS_SHOWN],
                               total=len(problems), counts=None), 400
    return render_template("registry/import.html", form=ImportForm(), problems=None, counts=counts)


@bp.post("/import/errors.xlsx")
@allows("registry.import")
def import_errors():
    """The refused cells the page lists, as a workbook (sent back from the page: nothing is stored)."""
    columns = [request.form.getlist(name)[:ERRORS_SHOWN] for name in ("sheet", "row", "column", "message")]
    problems = [workbook.Problem(*(str(v)[:200] for v in values)) for values in zip(*columns)]
    return xlsx_response("registry-errors.xlsx", workbook.problem_sheets(problems))


@bp.get("/grids/<code>/export.xlsx")
@allows("registry.view")
def export(code):
    """The grid's registry in the template's shape, masked (a reveal is one field of one person, logged)."""
    unit = load_grid(code)
    return xlsx_response(f"registry-{unit.code}.xlsx", workbook.export_sheets(user(), [unit]))


def keep_masked(field, value):
    """A phone never goes into an edit form: the field starts blank with the masked number as its hint."""
    if request.method == "GET":
        field.data = ""
    field.render_kw = {"placeholder": mask_phone(value)}


def kept(values, item, name):
    """A phone left blank in an edit form stays as it was."""
    values[name] = values[name] or getattr(item, name)
    return values


def fields(form, cls):
    """The form's values by name (the fields of `cls`, without the CSRF token)."""
    return {f.name: f.data for f in form if f.name != "csrf_token" and hasattr(cls, f.name)}


# ---- building heads and unit heads (楼栋长、单元长) ----


def head_form(grid, submitted=True):
    """The roster's form, its choices from the grid: each building and each of its units; free accounts.
    `submitted`: filled from this request's form (else blank, as beside a refused end of a duty)."""
    form = HeadForm() if submitted else HeadForm(formdata=None)
    places = []
    for building in Building.select().where(Building.grid == grid.id).order_by(Building.sort_order, Building.name):
        places.append((f"b{building.id}", _("%(building)s (whole building)", building=building.name)))
        for unit in Unit.select().where(Unit.building == building.id).order_by(Unit.name):
            places.append((f"u{unit.id}", f"{building.name} {unit.name}"))
    form.place.choices = options(places)
    form.user.choices = [("", _("None (does not sign in)"))] + [
        (str(account.id), f"{account.name} ({account.username})") for account in heads.accounts_free(grid)]
    return form


def roster_page(grid, form=None, status=200):
    """The grid's roster: current heads, ended duties, and the form for whoever keeps the registry."""
    return render_template("registry/heads.html", grid=grid, current=list(heads.roster(grid)),
                           ended=list(heads.roster(grid, current=False)), form=form or head_form(grid, submitted=False),
                           end_form=EndHeadForm(formdata=None)), status


@bp.get("/grids/<code>/heads")
@allows("registry.heads")
def roster(code):
    """The building and unit heads of a grid (花名册); phones masked."""
    return roster_page(load_grid(code, "registry.heads"))


@bp.post("/grids/<code>/heads/new")
@allows(EDIT)
def add_head(code):
    """Put a building or unit head on the roster."""
    grid = load_grid(code, EDIT)
    form = head_form(grid)
    if form.validate_on_submit():
        kind, number = form.place.data[0], int(form.place.data[1:])
        unit = Unit.get_or_none(Unit.id == number) if kind == "u" else None
        building = unit.building if unit is not None else Building.get_or_none(Building.id == number)
        account = User.get_or_none(User.id == int(form.user.data)) if form.user.data else None
        try:
            heads.add_head(user(), now(), grid, building=building, unit=unit, name=form.name.data,
                           phone=form.phone.data, user=account, started_on=form.started_on.data)
        except WorkflowError as error:
            apply_error(form, error)
        else:
            return redirect(url_for("registry.roster", code=grid.code), 303)
    return roster_page(grid, form, 400)


@bp.post("/heads/<id:head_id>/end")
@allows(EDIT)
def end_head(head_id):
    """End a duty with its date and reason."""
    head = require(EDIT, BuildingHead.get_or_none(BuildingHead.id == head_id))
    form = EndHeadForm()
    if form.validate_on_submit():
        try:
            heads.end_head(user(), now(), head, on=form.on.data, reason=form.reason.data)
        except WorkflowError as error:
            apply_error(form, error)
        else:
            return redirect(url_for("registry.roster", code=head.grid.code), 303)
    grid = head.grid
    return render_template("registry/heads.html", grid=grid, current=list(heads.roster(grid)),
                           ended=list(heads.roster(grid, current=False)), form=head_form(grid, submitted=False),
                           end_form=form, ending=head.id), 400


@bp.get("/grids/<code>/heads/print")
@allows("registry.heads")
def roster_print(code):
    """The roster as an A4 page to print (phones masked)."""
    grid = load_grid(code, "registry.heads")
    return render_template("registry/heads_print.html", grid=grid, current=list(heads.roster(grid)),
                           printed_at=now())


@bp.get("/grids/<code>/heads.xlsx")
@allows("registry.heads")
def roster_export(code):
    """The roster as a workbook (phones masked)."""
    grid = load_grid(code, "registry.heads")
    headers = [_("Building"), _("Unit"), _("Name"), _("Phone"), _("Signs in"), _("Since")]
    rows = ([h.building.name, h.unit.name if h.unit_id else _("Whole building"), h.name, mask_phone(h.phone),
             _("Yes") if h.user_id else _("No"), h.started_on.isoformat()] for h in heads.roster(grid))
    return xlsx_response(f"heads-{grid.code}.xlsx",
                         [(_("Building and unit heads"), headers, rows, f"{grid.name} {_('Building and unit heads')}")])


# ---- a case's registry records (a case points at a room, person, organisation or thing) ----

LINKABLE = {"room": Room, "person": Person, "organisation": Organisation, "thing": Thing}


def case_links_page(case, text="", error=None, status=200):
    """The case's linked records, a search of its grid's registry, each result with a button to link it."""
    return render_template("registry/case_links.html", case=case, q=text, links=queries.links_of(user(), case),
                           found=queries.link_candidates(user(), case, text), error=error), status


@bp.get("/cases/<id:case_id>/links")
@allows("case.link")
def case_links(case_id):
    """Find what in the case's grid it is about: a person, a room, an organisation, a thing."""
    case = require("case.link", Case.get_or_none(Case.id == case_id))
    return case_links_page(case, params.args.text("q", max_length=40).strip())


@bp.post("/cases/<id:case_id>/links")
@allows("case.link")
def link_case(case_id):
    """Point the case at one record (its page then lists the case); linking twice keeps one link."""
    case = require("case.link", Case.get_or_none(Case.id == case_id))
    kind = params.form.choice("kind", LINKABLE)
    target = params.form.id("target")
    text = params.form.text("q", max_length=40).strip()
    model = LINKABLE.get(kind)
    record = model.get_or_none(model.id == target) if model is not None and target is not None else None
    if record is None or not can(EDIT, record):
        return case_links_page(case, text, _("Choose a record of this case's grid from the list."), 400)
    try:
        service.link_case(user(), now(), case, kind, record)
    except WorkflowError as error:
        return case_links_page(case, text, translate_error(error), 400)
    return redirect(url_for("registry.case_links", case_id=case.id, q=text or None), 303)
