"""Which grid a reported place lies in: a point in a grid's polygon, or a grid named in an address."""
from workflows.models import OrgUnit, StreetIntake


def contains(polygon, lng, lat):
    """True if the point lies inside the polygon [[lng, lat], ...] (even-odd ray casting).

    Grids are a few hundred metres across, so planar geometry on degrees is exact enough;
    a point on an edge may fall on either side, which matters nowhere since grids tile.
    """
    inside = False
    count = len(polygon)
    for index in range(count):
        x1, y1 = polygon[index]
        x2, y2 = polygon[index - 1]
        if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def active_grids():
    """Active grids, in a stable order."""
    return OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active).order_by(OrgUnit.code)


def grid_at(lat, lng):
    """The active grid whose polygon contains the point, or None."""
    for grid in active_grids().where(OrgUnit.polygon.is_null(False)):
        if len(grid.polygon or ()) >= 3 and contains(grid.polygon, lng, lat):
            return grid
    return None


def grid_named_in(text):
    """The active grid whose code or name the text mentions (the longest match), or None."""
    text = (text or "").strip()
    if not text:
        return None
    found = [grid for grid in active_grids() if grid.code in text or grid.name in text]
    return max(found, key=lambda grid: len(grid.name), default=None)


def intake_grid(street=None):
    """The grid a street receives unplaced reports in: the named street's, else the only one set."""
    query = StreetIntake.select().join(OrgUnit, on=StreetIntake.grid == OrgUnit.id).where(OrgUnit.active)
    if street is not None:
        query = query.where(StreetIntake.street == street)
    rows = list(query.limit(2))
    return rows[0].grid if len(rows) == 1 else None
