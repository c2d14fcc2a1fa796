"""Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates) are removed
where text enters — every query string and form, the Open311 POST body too — and every Open311 XML feed
parses with a strict parser, even over text stored before the cleaning existed."""
import json
import xml.dom.minidom
import xml.etree.ElementTree as ET  # nosec B405 # parses our own answers in a test
from datetime import timedelta

import pytest

from app import open311 as open311_module
from tests.factories import T0, new_case, stop_clock
from tests.public_helpers import make_public
from workflows.models import Case, Category
from workflows.text import UNFIT, clean_text

UNFIT_SAMPLES = "\x01\x0b\ufffe\x00\x1f\uffff\ud800"


def test_clean_text_removes_only_what_xml_cannot_carry():
    assert clean_text("东门\x01垃圾\x0b成堆\ufffe\uffff\x00\x1f\ud83d") == "东门垃圾成堆"
    kept = "tab\there\nline\r\n网格 ✓ \x7f\x85 😀"
    assert clean_text(kept) == kept
    assert clean_text(None) is None and clean_text(3) == 3


def strict(body):
    """Parse with both standard parsers, no recovery: either raises on a character XML cannot carry."""
    xml.dom.minidom.parseString(body)
    return ET.fromstring(body)  # nosec B314 # our own answer


def every_feed(client, number, code):
    """Every Open311 XML resource, and the JSON ones, as a client would fetch them."""
    paths = ["/open311/v2/discovery.xml", "/open311/v2/services.xml", f"/open311/v2/services/{code}.xml",
             "/open311/v2/requests.xml", f"/open311/v2/requests/{number}.xml",
             f"/open311/v2/requests.xml?service_request_id={number}", "/open311/v2/requests/NOPE\x01.xml"]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        strict(response.data)
        json.loads(client.get(path.replace(".xml", ".json")).data)
    return [client.get(path).data for path in paths]


@pytest.fixture
def world(app, app_world):
    stop_clock(app, T0 + timedelta(days=1))
    return make_public(app_world)


def test_control_characters_sent_by_api_staff_and_admin_never_reach_a_feed(app, client, login, world):
    w = world
    key = open311_module.issue_api_key("12345 热线", w.admin, T0)[1]
    # Through the Open311 API.
    api = client.http.post("/open311/v2/requests.xml", data={
        "api_key": key, "service_code": w.litter.code, "lat": "30.2715", "long": "120.1523",
        "description": "东门\x01垃圾\x0b成堆\ufffe", "address_string": "东门\x01口",
        "first_name": "柯\x02", "attribute[x\x03]": "y"})
    assert api.status_code == 200, api.get_data(as_text=True)
    number = strict(api.data).find("request/service_request_id").text
    # Through the staff intake form.
    member = login("member")
    staff = member.post("/cases/new?grid=G1", {
        "category": w.litter.id, "title": "楼道\x01堆物", "description": "三楼\x0b楼道\ufffe堆满纸箱\uffff",
        "location_text": "1号楼\x1f", "source": "patrol", "intake_key": "k\x01" * 8,
    }, token_from="/cases/new?grid=G1")
    assert staff.status_code == 303, staff.get_data(as_text=True)
    # Through an administrator's form: category names are in the services feed.
    admin = login("admin")
    renamed = admin.post(f"/admin/categories/{w.litter.id}", {
        "code": w.litter.code, "name": "垃圾\x01堆放\ufffe", "parent": w.major.id, "urgency": "normal",
        "default_department": w.sanitation.id,
        "public": "y"}, token_from=f"/admin/categories/{w.litter.id}")
    assert renamed.status_code == 303, renamed.get_data(as_text=True)

    cases = [(c.title, c.description, c.location_text, c.reporter_name, c.intake_key or "") for c in Case.select()]
    assert len(cases) == 2
    assert not any(UNFIT.search(text) for row in cases for text in row), cases
    descriptions = {row[1] for row in cases}
    assert "三楼楼道堆满纸箱" in descriptions and any(text.startswith("东门垃圾成堆") for text in descriptions)
    assert Category.get_by_id(w.litter.id).name == "垃圾堆放"
    every_feed(client.http, number, w.litter.code)


def test_xml_feeds_parse_even_over_text_stored_before_cleaning(app, client, world):
    """Output escapes too: rows written around the request boundary (older data, a script) still parse."""
    w = world
    case = new_case(w, description="旧数据")
    Case.update(description="旧\x01数据\x0b" + "\ufffe", location_text="东\x02门").where(Case.id == case.id).execute()
    Category.update(name="垃圾\x01堆放").where(Category.id == w.litter.id).execute()
    bodies = every_feed(client.http, case.number, w.litter.code)
    request = strict(bodies[4]).find("request")
    assert request.find("description").text == "旧数据" and request.find("address").text.endswith("东门")
    assert strict(bodies[1]).find("service/service_name").text in {"垃圾堆放", "污水外溢", "违法建设"}
