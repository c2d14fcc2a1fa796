"""The grid map (网格图谱): a grid's outline, its buildings, things and open cases, drawn without tiles.

A grid's boundary is a polygon of [lng, lat] corners (OrgUnit.polygon, also used to place reports).
It comes in and goes out as GeoJSON. The map is projected onto a plane here (equirectangular,
longitudes scaled by the cosine of the grid's latitude — exact enough for a few hundred metres) and
drawn by the page as SVG, so it works with no network and no map library.
"""
import json
import math
from dataclasses import dataclass

from workflows.clock import light
from workflows.errors import INVALID, WorkflowError
from workflows.machine import N_
from workflows.models import Building, Case, OrgUnit, Thing

WIDTH = 1000  # the drawing's width in SVG units; its height follows the grid's shape
MARGIN = 0.08  # the share of the drawing left around the grid
MAX_CORNERS = 2000
MAX_BYTES = 512 * 1024


# ---- GeoJSON in and out -------------------------------------------------------------------------------


def boundary_feature(grid):
    """The grid's boundary as a GeoJSON Feature (a closed ring), or None if it has none."""
    ring = [list(corner) for corner in grid.polygon or ()]
    if len(ring) < 3:
        return None
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Feature", "properties": {"code": grid.code, "name": grid.name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def boundaries_collection(grids):
    """A FeatureCollection of the grids' boundaries (those that have one)."""
    features = [feature for feature in (boundary_feature(grid) for grid in grids) if feature is not None]
    return {"type": "FeatureCollection", "features": features}


def _refuse(message, **params):
    raise WorkflowError(INVALID, message, field="geojson", **params)


def parse_boundary(text):
    """The outer ring of a GeoJSON Polygon (a bare geometry, a Feature, or a FeatureCollection of one
    feature) as [[lng, lat], ...] without the closing corner; refuses anything else with a reason."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        _refuse(N_("The file is too large (at most %(n)s KB)."), n=MAX_BYTES // 1024)
    try:
        data = json.loads(text)
    except ValueError:
        _refuse(N_("This is not a GeoJSON file."))
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            _refuse(N_("Give exactly one polygon: the grid's boundary."))
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") != "Polygon" or not isinstance(data.get("coordinates"), list) \
            or not data["coordinates"]:
        _refuse(N_("Give exactly one polygon: the grid's boundary."))
    ring = data["coordinates"][0]
    if not isinstance(ring, list) or not 4 <= len(ring) <= MAX_CORNERS + 1:
        _refuse(N_("A boundary needs 3 to %(n)s corners."), n=MAX_CORNERS)
    corners = []
    for point in ring:
        if not isinstance(point, list) or len(point) < 2 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in point[:2]):
            _refuse(N_("Every corner is a pair of numbers: longitude, latitude."))
        lng, lat = float(point[0]), float(point[1])
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            _refuse(N_("Every corner is a pair of numbers: longitude, latitude."))
        corners.append([round(lng, 7), round(lat, 7)])
    if corners[0] == corners[-1]:
        corners.pop()
    if len(corners) < 3:
        _refuse(N_("A boundary needs 3 to %(n)s corners."), n=MAX_CORNERS)
    return corners


def set_boundary(grid, corners):
    """Save the grid's boundary (the locate rule places reports with it from now on)."""
    OrgUnit.update(polygon=corners).where(OrgUnit.id == grid.id).execute()


# ---- the drawing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dot:
    """Something drawn as a point: x, y in the drawing, what it is, and the object."""

    x: float
    y: float
    kind: str  # building | case | thing
    light: str
    obj: object


@dataclass(frozen=True)
class Drawing:
    """The grid projected: the outline's SVG points, the dots, and the drawing's size."""

    width: int
    height: int
    outline: str
    dots: tuple
    unplaced: int  # open cases with no position (listed, not drawn)


class Projection:
    """lng/lat → x/y in a drawing WIDTH wide, the box of `points` fitted inside the margins."""

    def __init__(self, points):
        lngs, lats = [p[0] for p in points], [p[1] for p in points]
        self.west, self.east, self.south, self.north = min(lngs), max(lngs), min(lats), max(lats)
        self.scale_x = math.cos(math.radians((self.south + self.north) / 2))
        span_x = max((self.east - self.west) * self.scale_x, 1e-9)
        span_y = max(self.north - self.south, 1e-9)
        inner = WIDTH * (1 - 2 * MARGIN)
        self.unit = inner / max(span_x, span_y * 0.75)  # a tall grid is drawn no taller than 3/4 of its width
        self.pad = WIDTH * MARGIN
        self.height = round(span_y * self.unit + 2 * self.pad)

    def __call__(self, lng, lat):
        return (round(self.pad + (lng - self.west) * self.scale_x * self.unit, 1),
                round(self.pad + (self.north - lat) * self.unit, 1))

    def contains(self, lng, lat):
        return self.west <= lng <= self.east and self.south <= lat <= self.north


def outline_points(polygon, project):
    """SVG `points` of a polygon."""
    return " ".join(f"{x},{y}" for x, y in (project(lng, lat) for lng, lat in polygon))


def grid_drawing(grid, now):
    """The grid's outline, its buildings, its things (部件) and its open cases (coloured by their
    deadline light) as a Drawing; None if the grid has no boundary."""
    polygon = grid.polygon or []
    if len(polygon) < 3:
        return None
    project = Projection(polygon)
    dots = []
    buildings = Building.select().where((Building.grid == grid.id) & Building.lat.is_null(False)
                                        & Building.lng.is_null(False)).order_by(Building.sort_order, Building.id)
    for building in buildings:
        if project.contains(building.lng, building.lat):
            dots.append(Dot(*project(building.lng, building.lat), "building", "none", building))
    things = Thing.select().where((Thing.grid == grid.id) & Thing.active & Thing.lat.is_null(False)
                                  & Thing.lng.is_null(False)).order_by(Thing.id)
    for thing in things:
        if project.contains(thing.lng, thing.lat):
            dots.append(Dot(*project(thing.lng, thing.lat), "thing", "none", thing))
    open_cases = list(Case.select().where((Case.grid == grid.id) & Case.closed_at.is_null()).order_by(Case.id))
    unplaced = 0
    for case in open_cases:
        if case.lat is None or case.lng is None or not project.contains(case.lng, case.lat):
            unplaced += 1
            continue
        dots.append(Dot(*project(case.lng, case.lat), "case", light(now, case.warn_at, case.deadline) or "none",
                        case))
    return Drawing(WIDTH, project.height, outline_points(polygon, project), tuple(dots), unplaced)


def outline_drawing(grid):
    """Only the grid's outline (the public sign's), or None."""
    polygon = grid.polygon or []
    if len(polygon) < 3:
        return None
    project = Projection(polygon)
    return Drawing(WIDTH, project.height, outline_points(polygon, project), (), 0)
