"""Administration: org units, users, departments and categories — create, edit, deactivate.

Nothing is deleted: a deactivated record keeps its history and leaves the pickers;
a deactivated user cannot sign in.
"""
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import params
from app.access import guard
from app.accounts import AccountError, check_password_rules, check_scope, password_fields, set_password
from app.db import now
from app.forms import CategoryForm, DepartmentForm, OrgUnitForm, UserForm, options
from workflows.vocabulary import ROLE_LABELS, URGENCY_LABELS
from workflows.machine import LEVEL_LABELS
from workflows.models import ORG_KINDS, Category, Department, OrgUnit, User

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 100
# The kind of parent each org kind hangs under.
PARENT_KIND = {"district": None, "street": "district", "community": "street", "grid": "community"}


class Refused(ValueError):
    """A form that passed its field checks but cannot be saved as it is; names the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


guard(bp, "admin")


def org_label(unit):
    """An org unit as a picker shows it: kind, name and code."""
    return f"{_(LEVEL_LABELS[unit.kind])} · {unit.name} ({unit.code})"


def org_choices(kinds, empty=True):
    """Active org units of the given kinds, for a select."""
    units = OrgUnit.select().where(OrgUnit.kind.in_(kinds) & OrgUnit.active).order_by(OrgUnit.kind, OrgUnit.code)
    ordered = sorted(units, key=lambda u: (ORG_KINDS.index(u.kind), u.code))
    return options(([("", "—")] if empty else []) + [(u.id, org_label(u)) for u in ordered])


def department_choices():
    """Active departments, for a select."""
    return options([("", "—")] + [(d.id, f"{d.name} ({d.code})")
                                  for d in Department.select().where(Department.active).order_by(Department.name)])


def keep_current(choices, obj_id, label):
    """Keep a deactivated current value selectable, so editing other fields does not drop it."""
    if obj_id is not None and obj_id not in {choice.value for choice in choices}:
        choices += options([(obj_id, label)])
    return choices


def new_code(form, model, obj):
    """The record's code: fixed once created (URLs, bookmarks and Open311 name things by it),
    unique when a record is made."""
    if obj is not None:
        return obj.code
    code = form.code.data.strip()
    if model.select().where(model.code == code).exists():
        raise Refused("code", _("This code is already used."))
    return code


def fix_code(form, obj):
    """An existing record's code is shown, not edited."""
    if obj is not None:
        del form.code
    return form


# ---- org units ----

def org_form(obj):
    """The org unit form; kind and parent are fixed once created (cases copy their ancestors)."""
    form = OrgUnitForm(obj=obj)
    form.parent.choices = keep_current(org_choices(("district", "street", "community")),
                                       obj.parent_id if obj else None, obj.parent.name if obj and obj.parent else "")
    if obj is not None:
        del form.kind
        del form.parent
    return fix_code(form, obj)


def org_save(form, obj):
    """Create or update an org unit."""
    fields = {"code": new_code(form, OrgUnit, obj), "name": form.name.data.strip(), "grid_type": form.grid_type.data,
              "households": form.households.data, "area_text": form.area_text.data or "",
              "sort_order": form.sort_order.data or 0}
    if obj is None:
        kind = form.kind.data
        parent = OrgUnit.get_or_none(OrgUnit.id == form.parent.data) if form.parent.data else None
        wanted = PARENT_KIND[kind]
        if (parent.kind if parent else None) != wanted:
            raise Refused("parent", _("A %(kind)s belongs to a %(parent)s.", kind=_(LEVEL_LABELS[kind]),
                                      parent=_(LEVEL_LABELS[wanted])) if wanted
                          else _("A district belongs to nothing above it."))
        return OrgUnit.create(kind=kind, parent=parent, **fields)
    OrgUnit.update(**fields).where(OrgUnit.id == obj.id).execute()
    return obj


# ---- users ----

def user_form(obj):
    """The user form; the username is fixed once created."""
    form = UserForm(obj=obj)
    form.org.choices = keep_current(org_choices(ORG_KINDS), obj.org_id if obj else None,
                                    obj.org.name if obj and obj.org else "")
    form.department.choices = keep_current(department_choices(), obj.department_id if obj else None,
                                           obj.department.name if obj and obj.department else "")
    if request.method == "GET" and obj is not None:
        form.org.data, form.department.data = obj.org_id, obj.department_id
    if obj is not None:
        del form.username
    return form


def user_save(form, obj):
    """Create or update a user: the role's scope checked, the password hashed with argon2."""
    role = form.role.data
    org = OrgUnit.get_or_none(OrgUnit.id == form.org.data) if form.org.data else None
    department = Department.get_or_none(Department.id == form.department.data) if form.department.data else None
    try:
        check_scope(role, org, department)
    except AccountError as exc:
        raise Refused("org" if role != "handler" else "department", str(exc)) from exc
    fields = {
        "name": form.name.data.strip(), "role": role,
        # A role without an org scope keeps none; only handlers have a department.
        "org": org if role not in ("handler", "admin") else None,
        "department": department if role == "handler" else None,
        "phone": form.phone.data or "", "publish_phone": form.publish_phone.data, "duties": form.duties.data or "",
    }
    password = form.password.data or ""
    if obj is None or password:
        # The user's own rules apply (length, commonness, not their names); they choose their own at sign-in.
        username = obj.username if obj is not None else form.username.data.strip()
        try:
            check_password_rules(password, username=username, name=fields["name"])
        except AccountError as exc:
            raise Refused("password", str(exc)) from exc
    if obj is None:
        username = form.username.data.strip()
        if User.select().where(User.username == username).exists():
            raise Refused("username", _("That username is taken."))
        return User.create(username=username, **fields,
                           **password_fields(password, username=username, name=fields["name"], by_admin=True))
    User.update(**fields).where(User.id == obj.id).execute()
    if password:
        yourself = obj.id == current_user.id
        set_password(User.get_by_id(obj.id), password, now(), by_admin=not yourself,
                     keep_session=current_user.session_token if yourself else None)
    return obj


# ---- departments ----

def department_form(obj):
    """The department form."""
    form = DepartmentForm(obj=obj)
    form.org.choices = keep_current(org_choices(("street", "district"), empty=False), obj.org_id if obj else None,
                                    obj.org.name if obj else "")
    if request.method == "GET" and obj is not None:
        form.org.data = obj.org_id
    return fix_code(form, obj)


def department_save(form, obj):
    """Create or update a department."""
    code = new_code(form, Department, obj)
    org = OrgUnit.get_or_none(OrgUnit.id == form.org.data) if form.org.data else None
    if org is None or org.kind not in ("street", "district"):
        raise Refused("org", _("A department serves a street or a district."))
    fields = {"code": code, "name": form.name.data.strip(), "org": org,
              "phone": form.phone.data or ""}
    if obj is None:
        return Department.create(**fields)
    Department.update(**fields).where(Department.id == obj.id).execute()
    return obj


# ---- categories ----

def category_form(obj):
    """The category form."""
    form = CategoryForm(obj=obj)
    majors = Category.select().where(Category.parent.is_null() & Category.active).order_by(Category.sort_order,
                                                                                          Category.code)
    form.parent.choices = keep_current(options([("", _("— none: this is a major category —"))]
                                               + [(c.id, f"{c.name} ({c.code})")
                                                  for c in majors if not obj or c.id != obj.id]),
                                       obj.parent_id if obj else None, obj.parent.name if obj and obj.parent else "")
    form.default_department.choices = keep_current(
        department_choices(), obj.default_department_id if obj else None,
        obj.default_department.name if obj and obj.default_department else "")
    if request.method == "GET" and obj is not None:
        form.parent.data, form.default_department.data = obj.parent_id, obj.default_department_id
    return fix_code(form, obj)


def category_save(form, obj):
    """Create or update a category; two levels only."""
    code = new_code(form, Category, obj)
    # The parent picker offers major categories only, so a category is at most one level down.
    parent = Category.get_or_none(Category.id == form.parent.data) if form.parent.data else None
    if parent is not None and obj is not None and Category.select().where(Category.parent == obj.id).exists():
        raise Refused("parent", _("This major category has minor ones and cannot move under another."))
    department = (Department.get_or_none(Department.id == form.default_department.data)
                  if form.default_department.data else None)
    fields = {"code": code, "name": form.name.data.strip(), "parent": parent,
              "default_department": department, "urgency": form.urgency.data, "public": form.public.data,
              "inspected_to": form.inspected_to.data,
              "sort_order": form.sort_order.data or 0}
    if obj is None:
        return Category.create(**fields)
    Category.update(**fields).where(Category.id == obj.id).execute()
    return obj


@dataclass(frozen=True)
class Entity:
    """One kind of record the administrator manages."""

    title: str
    model: type
    make_form: Callable
    save: Callable
    columns: tuple  # (label, obj -> text)
    order: tuple
    search: tuple  # fields matched by the list's search box


ENTITIES = {
    "orgs": Entity(
        _l("Org units"), OrgUnit, org_form, org_save,
        ((_l("Code"), lambda o: o.code), (_l("Name"), lambda o: o.name),
         (_l("Kind"), lambda o: _(LEVEL_LABELS[o.kind])), (_l("Belongs to"), lambda o: o.parent.name if o.parent else "")),
        (OrgUnit.code,), (OrgUnit.code, OrgUnit.name)),
    "users": Entity(
        _l("Users"), User, user_form, user_save,
        ((_l("Username"), lambda u: u.username), (_l("Name"), lambda u: u.name),
         (_l("Role"), lambda u: _(ROLE_LABELS[u.role])),
         (_l("Scope"), lambda u: u.org.name if u.org else (u.department.name if u.department else ""))),
        (User.username,), (User.username, User.name)),
    "departments": Entity(
        _l("Departments"), Department, department_form, department_save,
        ((_l("Code"), lambda d: d.code), (_l("Name"), lambda d: d.name), (_l("Serves"), lambda d: d.org.name),
         (_l("Phone"), lambda d: d.phone)),
        (Department.name,), (Department.code, Department.name)),
    "categories": Entity(
        _l("Categories"), Category, category_form, category_save,
        ((_l("Code"), lambda c: c.code), (_l("Name"), lambda c: c.name),
         (_l("Major category"), lambda c: c.parent.name if c.parent else ""),
         (_l("Urgency"), lambda c: _(URGENCY_LABELS[c.urgency]) if c.urgency in URGENCY_LABELS else c.urgency),
         (_l("Default department"), lambda c: c.default_department.name if c.default_department else "")),
        (Category.code,), (Category.code, Category.name)),
}


def entity_or_404(name):
    """The entity named in the URL."""
    if name not in ENTITIES:
        abort(404)
    return ENTITIES[name]


@bp.get("/")
def index():
    """What the administrator manages, with counts."""
    counts = {name: (e.model.select().where(e.model.active).count(), e.model.select().count())
              for name, e in ENTITIES.items()}
    return render_template("admin/index.html", entities=ENTITIES, counts=counts)


@bp.get("/<name>")
def listing(name):
    """The records of one kind; inactive ones on request."""
    entity = entity_or_404(name)
    page = params.args.page()
    q = (request.args.get("q") or "").strip()[:60]
    show_inactive = request.args.get("inactive") == "1"
    query = entity.model.select()
    if not show_inactive:
        query = query.where(entity.model.active)
    if q:
        match = None
        for field in entity.search:
            match = field.contains(q) if match is None else match | field.contains(q)
        query = query.where(match)
    rows = list(query.order_by(*entity.order).paginate(page, PAGE_SIZE))
    return render_template("admin/list.html", name=name, entity=entity, rows=rows, page=page, q=q,
                           show_inactive=show_inactive, page_size=PAGE_SIZE)


@bp.route("/<name>/new", methods=["GET", "POST"])
def create(name):
    """A new record."""
    return edit_form(name, None)


@bp.route("/<name>/<id:obj_id>", methods=["GET", "POST"])
def edit(name, obj_id):
    """Edit a record."""
    entity = entity_or_404(name)
    obj = entity.model.get_or_none(entity.model.id == obj_id)
    if obj is None:
        abort(404)
    return edit_form(name, obj)


def edit_form(name, obj):
    """Show the form, or save it and go back to the list; refusals keep what was typed."""
    entity = entity_or_404(name)
    form = entity.make_form(obj)
    status = 200
    if form.validate_on_submit():
        try:
            saved = entity.save(form, obj)
        except Refused as exc:
            getattr(form, exc.field).errors = [exc.message]
        else:
            flash(_("Saved: %(name)s.", name=saved.name))
            return redirect(url_for("admin.listing", name=name), code=303)
    if request.method == "POST":
        status = 400
    return render_template("admin/form.html", name=name, entity=entity, form=form, obj=obj), status


@bp.post("/<name>/<id:obj_id>/active")
def set_active(name, obj_id):
    """Deactivate (or reactivate) a record; history stays."""
    entity = entity_or_404(name)
    obj = entity.model.get_or_none(entity.model.id == obj_id)
    if obj is None:
        abort(404)
    active = request.form.get("active") == "1"
    if entity.model is User and obj.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."))
        return redirect(url_for("admin.edit", name=name, obj_id=obj.id), code=303)
    entity.model.update(active=active).where(entity.model.id == obj.id).execute()
    flash(_("%(name)s is active again.", name=obj.name) if active else _("%(name)s is deactivated.", name=obj.name))
    return redirect(url_for("admin.listing", name=name), code=303)
