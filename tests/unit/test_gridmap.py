"""The grid map: boundaries in and out as GeoJSON, and the drawing's points."""
import json
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from workflows.errors import WorkflowError
from workflows.gridmap import boundary_feature, grid_drawing, outline_drawing, parse_boundary, set_boundary
from workflows.models import Building, OrgUnit, Thing

RING = [[120.15, 30.27], [120.154, 30.27], [120.154, 30.273], [120.15, 30.273]]


def test_a_boundary_goes_out_and_comes_back_the_same(world):
    set_boundary(world.g1, RING)
    grid = OrgUnit.get_by_id(world.g1.id)
    feature = boundary_feature(grid)
    assert feature["geometry"]["coordinates"][0][0] == feature["geometry"]["coordinates"][0][-1]  # closed ring
    assert feature["properties"] == {"code": "G1", "name": "一网格"}
    assert parse_boundary(json.dumps(feature)) == RING
    assert parse_boundary(json.dumps({"type": "FeatureCollection", "features": [feature]})) == RING
    assert parse_boundary(json.dumps(feature["geometry"])) == RING


@pytest.mark.parametrize("text", [
    "not json", "[]", '{"type": "Point", "coordinates": [120, 30]}',
    json.dumps({"type": "Polygon", "coordinates": [[[120, 30], [121, 30], [120, 30]]]}),  # two corners
    json.dumps({"type": "Polygon", "coordinates": [[[120, 30], [121, 30], [121, 91], [120, 30]]]}),  # latitude 91
    json.dumps({"type": "Polygon", "coordinates": [[[120, 30], ["a", 30], [121, 31], [120, 30]]]}),
    json.dumps({"type": "Polygon", "coordinates": [[[120, 30], [1e400, 30], [121, 31], [120, 30]]]}),
    json.dumps({"type": "FeatureCollection", "features": []}),
    json.dumps({"type": "Polygon", "coordinates": [[[120 + i / 1e4, 30] for i in range(2100)]]}),
])
def test_anything_but_one_sensible_polygon_is_refused(text):
    with pytest.raises(WorkflowError) as refused:
        parse_boundary(text)
    assert refused.value.field == "geojson"


def test_the_drawing_places_buildings_and_open_cases_by_their_light(world):
    set_boundary(world.g1, RING)
    Building.update(lat=30.2715, lng=120.152).where(Building.id == world.b1.id).execute()
    hydrant = Thing.create(grid=world.g1, code="XF-001", kind="hydrant", lat=30.2712, lng=120.1515, created_at=T0)
    Thing.create(grid=world.g1, code="XF-002", kind="hydrant", lat=30.2712, lng=120.1515, created_at=T0, active=False)
    inside = new_case(world, lat=30.272, lng=120.153)
    new_case(world)  # no position: counted, not drawn
    new_case(world, lat=31.0, lng=121.0)  # outside the grid: counted, not drawn
    grid = OrgUnit.get_by_id(world.g1.id)
    drawing = grid_drawing(grid, T0 + timedelta(hours=23))  # found cases turn yellow at 80% of 24 hours
    kinds = {(dot.kind, dot.obj.id): dot for dot in drawing.dots}
    assert set(kinds) == {("building", world.b1.id), ("case", inside.id), ("thing", hydrant.id)}
    dot = kinds[("case", inside.id)]
    assert dot.light == "yellow"
    assert 0 < dot.x < drawing.width and 0 < dot.y < drawing.height
    building = kinds[("building", world.b1.id)]
    assert building.x < dot.x and building.y > dot.y  # west and south of the case: left of and below it
    assert drawing.unplaced == 2
    assert drawing.outline.count(",") == 4
    assert outline_drawing(grid).dots == ()
    assert grid_drawing(OrgUnit.get_by_id(world.g2.id), T0) is None  # no boundary yet
