"""The grid map (网格图谱): outline, buildings and open cases as SVG; boundaries in and out as GeoJSON."""
import json

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.access import allows, require
from app.db import now
from app.htmx import render
from app.i18n import translate_error
from workflows.errors import WorkflowError
from workflows.gridmap import boundary_feature, grid_drawing, parse_boundary, set_boundary
from workflows.models import OrgUnit

bp = Blueprint("gridmap", __name__)
UPLOAD_LIMIT = 512 * 1024


def load_grid(code, action="map.grid"):
    return require(action, OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid")))


def page(grid, error=None, status=200):
    return render("gridmap/show.html", grid=grid, drawing=grid_drawing(grid, now()), error=error), status


@bp.get("/grids/<code>/map")
@allows("map.grid")
def show(code):
    """The grid's map: its outline, its buildings, its open cases by their deadline light."""
    return page(load_grid(code))


@bp.get("/grids/<code>/boundary.geojson")
@allows("map.grid")
def boundary(code):
    """The grid's boundary as a GeoJSON Feature (404 when it has none)."""
    feature = boundary_feature(load_grid(code))
    if feature is None:
        return Response(json.dumps({"error": _("This grid has no boundary yet.")}, ensure_ascii=False), 404,
                        mimetype="application/json")
    return Response(json.dumps(feature, ensure_ascii=False), mimetype="application/geo+json",
                    headers={"Content-Disposition": f"attachment; filename={feature['properties']['code']}.geojson"})


@bp.post("/grids/<code>/boundary")
@allows("map.boundary")
def set_grid_boundary(code):
    """Replace the grid's boundary with an uploaded GeoJSON polygon; a refused file changes nothing."""
    grid = load_grid(code, "map.boundary")
    upload = request.files.get("geojson")
    if upload is None or not upload.filename:
        return page(grid, _("Choose a GeoJSON file."), 400)
    raw = upload.read(UPLOAD_LIMIT + 1)
    try:
        corners = parse_boundary(raw.decode("utf-8", "replace"))
    except WorkflowError as exc:
        return page(grid, translate_error(exc), 400)
    set_boundary(grid, corners)
    flash(_("Boundary saved: %(n)s corners.", n=len(corners)))
    return redirect(url_for("gridmap.show", code=grid.code), code=303)
