"""A third-party Open311 client (`georeport` from PyPI, read-only) against a live server over plain HTTP."""
import requests
from georeport import GeoReport

from app.open311 import issue_api_key
from tests.factories import T0, stop_clock
from tests.public_helpers import make_public
from workflows.models import Attachment, Case, CaseEvent


def stored():
    return Case.select().count(), CaseEvent.select().count(), Attachment.select().count()


def test_georeport_reads_back_a_request_created_over_http(live_server, app_world):
    world = make_public(app_world)
    stop_clock(live_server.app, T0)
    key = issue_api_key("测试客户端", world.admin, T0)[1]
    endpoint = f"{live_server.url}/open311/v2"
    created = requests.post(f"{endpoint}/requests.json", data={
        "api_key": key, "service_code": "0101", "lat": "30.2715", "long": "120.1523",
        "description": "东门垃圾成堆", "phone": "13766667777"}, timeout=10)
    assert created.status_code == 200, created.text
    number = created.json()[0]["service_request_id"]

    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, output_format=fmt)
        services = client.get_service_list()
        assert [s["service_code"] for s in services] == ["0101", "0204"]
        assert client.get_service_definition("0204")["service_code"] == "0204"
        request = client.get_service_request(number)
        assert request["service_request_id"] == number and request["service_code"] == "0101"
        assert request["status"] == "open" and request["agency_responsible"] == "一网格"
        assert request["requested_datetime"] == "2026-03-02T09:00:00+08:00"
        listed = client.get_service_requests(service_request_id=number)
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict gives one element as a dict
        assert [r["service_request_id"] for r in listed] == [number]
        assert "13766667777" not in str(request)

    before = stored()
    base = {"api_key": key, "service_code": "0101", "lat": "30.2715", "long": "120.1523", "description": "垃圾"}
    for change, status in (({"api_key": "wrong"}, 403), ({"service_code": "9999"}, 404),
                           ({"lat": "", "long": ""}, 400), ({"description": "长" * 5000}, 400)):
        response = requests.post(f"{endpoint}/requests.json", data={**base, **change}, timeout=10)
        assert response.status_code == status
        assert response.json()[0]["code"] == status
    assert stored() == before
