"""Administrators issue and revoke Open311 API keys, and choose each street's intake grid."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import guard
from app.db import now
from app.open311 import issue_api_key, revoke_api_key
from app.storage import ApiKey
from workflows.models import OrgUnit, StreetIntake

bp = Blueprint("apikeys", __name__)
NAME_LIMIT = 60


guard(bp, "admin")


def render_keys(new_secret=None, new_key=None, error=None, status=200):
    """The keys page: every key (newest first), the issue form and the intake grids."""
    keys = list(ApiKey.select().order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    streets = list(OrgUnit.select().where((OrgUnit.kind == "street") & OrgUnit.active).order_by(OrgUnit.code))
    grids = {}
    for grid in OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active).order_by(OrgUnit.code):
        street_id = grid.parent.parent_id
        grids.setdefault(street_id, []).append(grid)
    intake = {row.street_id: row.grid_id for row in StreetIntake.select()}
    return render_template("apikeys/index.html", keys=keys, new_secret=new_secret, new_key=new_key, error=error,
                           streets=streets, grids=grids, intake=intake), status


@bp.get("/admin/api-keys")
def index():
    """The API keys and intake grids."""
    return render_keys()


@bp.post("/admin/api-keys")
def issue():
    """Issue a key for a named client; the key is shown on this response only."""
    name = (request.form.get("name") or "").strip()
    if not name or len(name) > NAME_LIMIT:
        return render_keys(error=_("Name the client the key is for (at most %(n)s characters).", n=NAME_LIMIT),
                           status=400)
    key, secret = issue_api_key(name, current_user, now())
    return render_keys(new_secret=secret, new_key=key, status=201)


@bp.post("/admin/api-keys/<id:key_id>/revoke")
def revoke(key_id):
    """Revoke a key at once."""
    key = ApiKey.get_or_none(ApiKey.id == key_id)
    if key is None:
        abort(404)
    revoke_api_key(key, current_user, now())
    flash(_("The key “%(name)s” was revoked.", name=key.name))
    return redirect(url_for("apikeys.index"), code=303)


@bp.post("/admin/api-keys/intake")
def set_intake():
    """Choose the grid where a street's reports from outside every grid polygon arrive."""
    street_id, grid_id = params.form.id("street", lenient=True), params.form.id("grid", lenient=True)
    street = OrgUnit.get_or_none((OrgUnit.id == street_id) & (OrgUnit.kind == "street"))
    grid = OrgUnit.get_or_none((OrgUnit.id == grid_id) & (OrgUnit.kind == "grid"))
    if street is None or grid is None or grid.parent.parent_id != street.id:
        return render_keys(error=_("Choose a grid of this street."), status=400)
    StreetIntake.insert(street=street.id, grid=grid.id).on_conflict(
        conflict_target=[StreetIntake.street], update={StreetIntake.grid: grid.id}).execute()
    flash(_("Reports from outside every grid in %(street)s now arrive in %(grid)s.", street=street.name,
            grid=grid.name))
    return redirect(url_for("apikeys.index"), code=303)
