"""Open311 GeoReport v2: every JSON answer validates against the published schemas; XML says the same."""
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from app import open311 as open311_module
from tests.factories import T0, new_case
from tests.public_helpers import after_photo, drive_to_closed, make_public
from app.storage import ApiKey
from workflows.models import Attachment, Case, CaseEvent
from workflows.service import fire

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
ERRORS_SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}}}


def schema_folder():
    """The GeoReport v2 schemas kept with the tests (tests/open311/georeport-v2)."""
    return os.path.join(os.path.dirname(__file__), "..", "open311", "georeport-v2")


@pytest.fixture(scope="module")
def schemas():
    """A validator per schema file (and the swagger's RequestResponse), with date-time and uri formats checked."""
    folder = schema_folder()
    documents = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            documents[name] = json.load(handle)
    registry = Registry().with_resources(
        (name, Resource.from_contents(doc, default_specification=DRAFT7)) for name, doc in documents.items())
    response = {"type": "array", "items": documents["swagger.json"]["definitions"]["RequestResponse"]}

    def validator(schema):
        return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)

    out = {name: validator(doc) for name, doc in documents.items() if name != "swagger.json"}
    out["post"] = validator(response)
    out["errors"] = validator(ERRORS_SCHEMA)
    return out


def valid(schemas, name, document):
    """Assert the document validates; returns it."""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schemas[name].iter_errors(document)]
    assert not errors, errors
    return document


@pytest.fixture
def world(app_world):
    return make_public(app_world)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T0 + timedelta(days=1)


@pytest.fixture
def key(app, world, clock):
    """A freshly issued key (the secret)."""
    return open311_module.issue_api_key("12345 热线", world.admin, T0)[1]


def get_json(client, path, schemas, schema, status=200):
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json; charset=utf-8"
    return valid(schemas, schema, response.get_json())


def post(client, fmt="json", **data):
    return client.http.post(f"/open311/v2/requests.{fmt}", data=data)


def stored():
    """What a refused POST must not change."""
    return Case.select().count(), CaseEvent.select().count(), Attachment.select().count()


def test_the_format_checker_really_checks_timezones(schemas):
    """Guard: without rfc3339-validator, jsonschema would accept any date-time silently."""
    document = [{"service_request_id": "1", "status": "open", "service_code": "1",
                 "requested_datetime": "2026-03-02T09:00:00"}]
    assert list(schemas["requests.json"].iter_errors(document))
    document[0]["requested_datetime"] = "2026-03-02T09:00:00+08:00"
    assert not list(schemas["requests.json"].iter_errors(document))


def test_services_list_public_categories_with_string_codes(client, world, schemas):
    services = get_json(client, "/open311/v2/services.json", schemas, "services.json")
    for service in services:
        valid(schemas, "service.json", service)
    assert [s["service_code"] for s in services] == ["0101", "0204"]  # 0104 is not offered to the public
    assert services[0] == {"service_code": "0101", "service_name": "垃圾堆放", "description": "一般由环卫所办理。",
                           "metadata": False, "type": "realtime", "keywords": "市容环境", "group": "市容环境"}
    assert services[1]["metadata"] is True
    root = ET.fromstring(client.get("/open311/v2/services.xml").data)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["0101", "0204"]
    assert root.find("service/metadata").text == "false"


def test_service_definition_from_the_category_attributes(client, world, schemas):
    definition = get_json(client, "/open311/v2/services/0204.json", schemas, "service-definition.json")
    assert definition["attributes"][0]["code"] == "when" and definition["attributes"][0]["required"] is True
    assert definition["attributes"][0]["values"] == [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}]
    root = ET.fromstring(client.get("/open311/v2/services/0204.xml").data)
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == ["day", "night"]
    errors = get_json(client, "/open311/v2/services/0104.json", schemas, "errors", status=404)
    assert errors[0]["code"] == 404 and "0104" in errors[0]["description"]


def test_discovery(client, world):
    document = client.get("/open311/v2/discovery.json").get_json()
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert document["changeset"].endswith("+08:00")
    assert ET.fromstring(client.get("/open311/v2/discovery.xml").data).find("endpoints/endpoint/url").text


def test_post_creates_a_found_case_in_the_grid_containing_the_point(client, world, key, clock, schemas):
    response = post(client, api_key=key, service_code="0101", lat="30.2715", long="120.1523",
                    description="东门垃圾成堆", first_name="李", last_name="四", phone="13766667777",
                    email="li@example.com")
    assert response.status_code == 200, response.get_data(as_text=True)
    created = valid(schemas, "post", response.get_json())
    number = created[0]["service_request_id"]
    case = Case.get(Case.number == number)
    assert (case.state, case.grid_id, case.source, case.category_id) == ("found", world.g1.id, "api", world.litter.id)
    assert (case.reporter_name, case.reporter_phone, case.lat, case.lng) == ("李 四", "13766667777", 30.2715, 120.1523)
    assert case.tracking_code and f"/track/{case.tracking_code}" in created[0]["service_notice"]
    row = CaseEvent.get(CaseEvent.case == case.id)
    assert (row.event, row.actor_role, row.actor_name) == ("create", "api", "12345 热线")
    assert ApiKey.get().last_used_at == clock.now
    request = get_json(client, f"/open311/v2/requests/{number}.json", schemas, "requests.json")[0]
    valid(schemas, "request.json", request)
    assert request["status"] == "open" and request["service_code"] == "0101" and request["status_notes"] is None
    assert request["requested_datetime"] == clock.now.isoformat() + "+08:00"
    assert request["expected_datetime"] == case.deadline.isoformat() + "+08:00"
    assert request["agency_responsible"] == "一网格" and request["address"] == "一网格"
    text = json.dumps(request, ensure_ascii=False)
    assert "13766667777" not in text and "李" not in text and case.tracking_code not in text


def test_post_answers_in_xml(client, world, key):
    response = post(client, "xml", api_key=key, service_code="0101", address_id="G1")
    root = ET.fromstring(response.data)
    assert response.status_code == 200 and root.tag == "service_requests"
    assert Case.get(Case.number == root.findtext("request/service_request_id")).grid_id == world.g1.id


@pytest.mark.parametrize("place, grid, building", [
    ({"lat": "30.2900", "long": "120.2000"}, "g2", None),  # outside every polygon: the street's intake grid
    ({"address_string": "二网格 2号楼 门口"}, "g2", "b2"),
    ({"address_id": "G1/1号楼"}, "g1", "b1"),
    ({"address_id": "G3"}, "g3", None),
    ({"lat": "30.2745", "long": "120.1600", "address_string": "无关"}, "g3", None),
])
def test_where_a_post_lands(client, world, key, place, grid, building):
    response = post(client, api_key=key, service_code="0101", description="路面垃圾", **place)
    assert response.status_code == 200, response.get_data(as_text=True)
    case = Case.get(Case.number == response.get_json()[0]["service_request_id"])
    assert case.grid_id == getattr(world, grid).id
    assert case.building_id == (getattr(world, building).id if building else None)


def test_without_an_intake_grid_a_point_outside_is_refused(client, world, key):
    from workflows.models import StreetIntake

    StreetIntake.delete().execute()
    before = stored()
    response = post(client, api_key=key, service_code="0101", lat="31.0", long="121.0")
    assert response.status_code == 400 and "不在本服务的受理范围内" in response.get_json()[0]["description"]
    assert stored() == before


def test_description_loses_its_html(client, world, key):
    response = post(client, api_key=key, service_code="0101", address_id="G1",
                    description="<script>alert(1)</script><p>井盖<b>松动</b> &lt;危险&gt;</p>")
    case = Case.get(Case.number == response.get_json()[0]["service_request_id"])
    assert case.description == "井盖松动 <危险>"


def test_required_attributes_and_list_values(client, world, key, schemas):
    missing = post(client, api_key=key, service_code="0204", address_id="G1")
    assert missing.status_code == 400 and "attribute[when]" in valid(schemas, "errors", missing.get_json())[0]["description"]
    wrong = post(client, api_key=key, service_code="0204", address_id="G1", **{"attribute[when]": "noon"})
    assert wrong.status_code == 400
    assert Case.select().count() == 0
    good = post(client, api_key=key, service_code="0204", address_id="G1", description="违建",
                **{"attribute[when]": "night"})
    assert good.status_code == 200
    assert Case.get().description == "违建\n时段：夜间"


@pytest.mark.parametrize("change, status, words", [
    ({"api_key": "not-a-key"}, 403, "api_key 无效"),
    ({"api_key": ""}, 403, "api_key 无效"),
    ({"service_code": "9999"}, 404, "未知的 service_code"),
    ({"service_code": "0104"}, 404, "未知的 service_code"),  # a category not offered to the public
    ({"service_code": ""}, 400, "缺少 service_code"),
    ({"lat": "", "long": "", "address_id": ""}, 400, "缺少位置"),
    ({"long": ""}, 400, "lat 和 long 须同时提供"),
    ({"lat": "north"}, 400, "lat 和 long 须同时提供"),
    ({"description": "长" * 5000}, 400, "description 太长（最多 4000 个字符）"),
    ({"jurisdiction_id": "S9"}, 404, "未知的 jurisdiction_id"),
])
def test_refused_posts_store_nothing(client, world, key, schemas, change, status, words):
    data = {"api_key": key, "service_code": "0101", "lat": "30.2715", "long": "120.1523", "description": "垃圾"}
    data.update(change)
    before = stored()
    response = post(client, **data)
    assert response.status_code == status
    body = valid(schemas, "errors", response.get_json())
    assert body[0]["code"] == status and words in body[0]["description"]
    assert stored() == before
    xml = post(client, "xml", **data)
    assert xml.status_code == status and ET.fromstring(xml.data).findtext("error/code") == str(status)


def test_a_revoked_key_opens_nothing(client, world, key, clock):
    ApiKey.update(revoked_at=clock.now).execute()
    assert post(client, api_key=key, service_code="0101", address_id="G1").status_code == 403
    assert Case.select().count() == 0


def test_posts_are_rate_limited_per_key(client, world, key, app):
    app.config["OPEN311_POST_LIMIT"] = (1, 3600)
    assert post(client, api_key=key, service_code="0101", address_id="G1").status_code == 200
    refused = post(client, api_key=key, service_code="0101", address_id="G1")
    assert refused.status_code == 429 and "请求过多" in refused.get_json()[0]["description"]
    assert Case.select().count() == 1


def test_a_closed_request_reports_its_result(client, world, key, app, schemas):
    number = post(client, api_key=key, service_code="0101", address_id="G1", description="垃圾").get_json()[0][
        "service_request_id"]
    case = Case.get(Case.number == number)
    drive_to_closed(world, case, T0 + timedelta(days=1), steps=3)
    request = get_json(client, f"/open311/v2/requests/{number}.json", schemas, "requests.json")[0]
    assert request["agency_responsible"] == "环卫所" and request["status_notes"] is None
    assert "13800001111" not in json.dumps(request)  # the dispatch instructions stay internal
    fire(case, "rectify", world.handler, T0 + timedelta(days=1, hours=1), attachments=[after_photo(app)],
         note="已清运，联系电话 13800001111")
    fire(case, "verify", world.member, T0 + timedelta(days=1, hours=2), note="核查到位")
    fire(case, "close", world.community, T0 + timedelta(days=1, hours=3), callback="satisfied", note="已销号")
    request = get_json(client, f"/open311/v2/requests/{number}.json", schemas, "requests.json")[0]
    case = Case.get_by_id(case.id)
    assert request["status"] == "closed" and request["status_notes"] == "已销号"
    assert request["updated_datetime"] == case.closed_at.isoformat() + "+08:00"
    assert request["expected_datetime"] is None
    assert request["media_url"].startswith("http://localhost/photos/")
    notes = get_json(client, f"/open311/v2/requests.json?service_request_id={number}", schemas, "requests.json")
    assert notes[0]["status_notes"] == "已销号"
    fire(case, "reopen", world.supervisor, T0 + timedelta(days=2), reason="群众不满意")
    request = get_json(client, f"/open311/v2/requests/{number}.json", schemas, "requests.json")[0]
    assert request["status"] == "open" and request["status_notes"] == "群众不满意"


def test_rectify_notes_are_masked(client, world, key, app, schemas):
    number = post(client, api_key=key, service_code="0101", address_id="G1").get_json()[0]["service_request_id"]
    case = drive_to_closed(world, Case.get(Case.number == number), T0 + timedelta(days=1), steps=3)
    fire(case, "rectify", world.handler, T0 + timedelta(days=1, hours=1), note="已清运，联系电话 138-0000-1111")
    request = get_json(client, f"/open311/v2/requests/{number}.json", schemas, "requests.json")[0]
    assert request["status_notes"] == "已清运，联系电话 ***"


def test_get_filters_and_limits(client, world, schemas, clock, monkeypatch):
    cases = [new_case(world, at=T0 - timedelta(days=days), source="resident") for days in (0, 10, 100)]
    other = new_case(world, at=T0, category=world.complex)
    private = new_case(world, at=T0, category=world.urgent)
    drive_to_closed(world, cases[1], T0)

    def numbers(query):
        found = get_json(client, f"/open311/v2/requests.json{query}", schemas, "requests.json")
        return [r["service_request_id"] for r in found]

    assert numbers("") == [other.number, cases[0].number, cases[1].number]  # the last 90 days, newest first
    assert private.number not in numbers("")
    assert numbers("?service_code=0204") == [other.number]
    assert numbers("?service_code=0101,0204&status=closed") == [cases[1].number]
    assert numbers("?status=open") == [other.number, cases[0].number]
    assert numbers("?start_date=2025-11-01T00:00:00%2B08:00&end_date=2025-11-30T00:00:00%2B08:00") == [cases[2].number]
    assert numbers("?end_date=2025-11-30T00:00:00Z") == [cases[2].number]
    assert numbers(f"?service_request_id={cases[2].number},{private.number}&status=open") == [cases[2].number]
    for query, words in (("?start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z", "不能超过 90 天"),
                         ("?start_date=yesterday", "“start_date” 必须是 2000-01-01 到 2099-12-31 之间的日期和时间"),
                         ("?start_date=9999-12-31", "“start_date” 必须是 2000-01-01 到 2099-12-31 之间的日期和时间"),
                         ("?start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z", "早于"),
                         ("?status=pending", "只能是 open 或 closed")):
        errors = get_json(client, f"/open311/v2/requests.json{query}", schemas, "errors", status=400)
        assert words in errors[0]["description"]
    monkeypatch.setattr(open311_module, "MAX_RESULTS", 2)
    assert numbers("") == [other.number, cases[0].number]
    assert get_json(client, f"/open311/v2/requests/{private.number}.json", schemas, "errors", status=404)
    xml = ET.fromstring(client.get("/open311/v2/requests.xml?status=closed").data)
    assert [r.findtext("service_request_id") for r in xml.findall("request")] == [cases[1].number]
    assert xml.find("request/expected_datetime").text is None


def test_admins_issue_and_revoke_keys_and_only_a_hash_is_kept(login, client, world):
    admin = login("admin")
    page = admin.post("/admin/api-keys", {"name": "城市平台"}, token_from="/admin/api-keys")
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    secret = html.split('id="new-secret">', 1)[1].split("<", 1)[0]
    stored_key = ApiKey.get(ApiKey.name == "城市平台")
    assert secret.startswith("gc_") and len(secret) > 40
    assert stored_key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(ApiKey.select().dicts()), default=str)
    assert post(client, api_key=secret, service_code="0101", address_id="G1").status_code == 200
    listing = admin.get("/admin/api-keys").get_data(as_text=True)
    assert secret not in listing and stored_key.prefix in listing
    assert admin.post(f"/admin/api-keys/{stored_key.id}/revoke", {}, token_from="/admin/api-keys").status_code == 303
    assert ApiKey.get_by_id(stored_key.id).revoked_at is not None
    assert post(client, api_key=secret, service_code="0101", address_id="G1").status_code == 403
    assert admin.post("/admin/api-keys", {"name": ""}, token_from="/admin/api-keys").status_code == 400
    assert login("supervisor").post(f"/admin/api-keys/{stored_key.id}/revoke", {},
                                    token_from="/cases").status_code == 403


def test_admins_choose_the_intake_grid(login, world):
    from workflows.models import StreetIntake

    admin = login("admin")
    assert admin.post("/admin/api-keys/intake", {"street": world.street.id, "grid": world.g3.id},
                      token_from="/admin/api-keys").status_code == 303
    assert StreetIntake.get(StreetIntake.street == world.street.id).grid_id == world.g3.id
    refused = admin.post("/admin/api-keys/intake", {"street": world.street.id, "grid": world.g4.id},
                         token_from="/admin/api-keys")
    assert refused.status_code == 400
    assert StreetIntake.get(StreetIntake.street == world.street.id).grid_id == world.g3.id


def test_the_cli_issues_a_key_that_works(app, client, world):
    result = app.test_cli_runner().invoke(args=["issue-api-key", "城市大脑"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert ApiKey.get(ApiKey.name == "城市大脑").key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert post(client, api_key=secret, service_code="0101", address_id="G1").status_code == 200
