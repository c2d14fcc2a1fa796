"""Per-address limits on reading: the tracking pages (lookup, a report's page, its rating) and every
Open311 GET. Over the limit: 429 with Retry-After, a public page in Chinese saying when to retry, and
for Open311 the spec's error list in the format the URL asked for."""
import json
import re
import xml.etree.ElementTree as ET  # nosec B405 # parses our own answer in a test
from datetime import timedelta

import pytest

from app import open311 as open311_module
from app.views import public
from tests.conftest import TOKEN
from tests.factories import T0
from tests.public_helpers import make_public
from workflows.residents import record_report
from workflows.service import SystemActor

HERE, THERE = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def world(app, app_world):
    return make_public(app_world)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T0


@pytest.fixture
def code(world, clock):
    case = record_report(world.g1, SystemActor("resident", "居民"), T0, category=world.litter,
                         description="东门垃圾堆了三天", source="resident")
    return case.tracking_code


def visitor(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_tracking_pages_are_limited_per_address_with_a_page_that_says_when(app, world, clock, code):
    app.config["PUBLIC_TRACK_LIMITS"] = ((3, 600),)
    here = visitor(app, HERE)
    assert here.get(f"/track/{code}").status_code == 200
    assert here.get("/track?code=NOPE").status_code == 404  # a wrong code counts too: codes are not to be guessed
    assert here.get(f"/track/{code}").status_code == 200
    refused = here.get(f"/track/{code}")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 2 * 600  # a sliding window: the burst slides out over the next window
    html = refused.get_data(as_text=True)
    assert "请求过于频繁" in html and "请在" in html
    retry_at = clock.now + timedelta(seconds=wait)
    assert re.search(rf"{retry_at:%H:%M}", html), html
    assert 'href="/cases"' not in html and "pub-card" in html  # the public layout, no staff navigation
    token = TOKEN.search(here.get("/g/G1/report").get_data(as_text=True)).group(1)  # not a tracking page
    assert here.post(f"/track/{code}/rating", data={"rating": "satisfied", "csrf_token": token}).status_code == 429
    assert here.get(f"/track?code={code}").status_code == 429
    assert visitor(app, THERE).get(f"/track/{code}").status_code == 200  # another address is not affected
    assert here.get("/g/G1").status_code == 200  # the grid's sign is not a tracking page
    clock.now = clock.now + timedelta(seconds=wait + 600)  # nothing more was tried: both windows slid past
    assert here.get(f"/track/{code}").status_code == 200


def test_open311_reading_is_limited_per_address_in_its_own_error_format(app, world, clock, code):
    app.config["OPEN311_READ_LIMITS"] = ((2, 600),)
    here = visitor(app, HERE)
    assert here.get("/open311/v2/services.json").status_code == 200
    assert here.get("/open311/v2/requests.xml").status_code == 200
    as_json = here.get("/open311/v2/requests.json")
    assert as_json.status_code == 429 and as_json.content_type == "application/json; charset=utf-8"
    assert int(as_json.headers["Retry-After"]) > 0
    [error] = json.loads(as_json.data)
    assert error["code"] == 429 and "请求过多" in error["description"]
    as_xml = here.get("/open311/v2/services/0101.xml")
    assert as_xml.status_code == 429 and as_xml.content_type == "text/xml; charset=utf-8"
    root = ET.fromstring(as_xml.data)  # nosec B314 # our own answer
    assert root.tag == "errors" and root.find("error/code").text == "429"
    assert int(as_xml.headers["Retry-After"]) > 0
    for path in ("/open311/v2/discovery.json", "/open311/v2/requests/2026-000001.xml"):
        assert here.get(path).status_code == 429
    assert visitor(app, THERE).get("/open311/v2/services.json").status_code == 200


def test_posting_is_not_counted_as_reading(app, world, clock):
    app.config["OPEN311_READ_LIMITS"] = ((1, 600),)
    key = open311_module.issue_api_key("12345 热线", world.admin, T0)[1]
    here = visitor(app, HERE)
    for _ in range(3):
        response = here.post("/open311/v2/requests.json", data={
            "api_key": key, "service_code": world.litter.code, "lat": "30.2715", "long": "120.1523",
            "description": "东门垃圾成堆"})
        assert response.status_code == 200, response.get_data(as_text=True)


def test_the_built_in_limits_apply_without_configuration(app, world, clock, code, monkeypatch):
    assert "PUBLIC_TRACK_LIMITS" not in app.config and "OPEN311_READ_LIMITS" not in app.config
    assert min(n for n, _w in public.TRACK_LIMITS) >= 60 and min(n for n, _w in open311_module.READ_LIMITS) >= 60
    monkeypatch.setattr(public, "TRACK_LIMITS", ((1, 600),))
    monkeypatch.setattr(open311_module, "READ_LIMITS", ((1, 600),))
    here = visitor(app, HERE)
    assert [here.get(f"/track/{code}").status_code for _ in range(2)] == [200, 429]
    assert [here.get("/open311/v2/services.json").status_code for _ in range(2)] == [200, 429]
