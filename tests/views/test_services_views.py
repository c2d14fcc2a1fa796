"""The 代办 pages: recording from a resident's page, each office's queue and decisions, scope per role,
the kinds page, print pages, and the public side — notice board privacy, objections, tracking by code,
no 5xx on bad input."""
from datetime import timedelta

import pytest

from tests.factories import T0
from tests.registry_world import make_registry
from workflows import services
from workflows.clock import Clock
from workflows.models import Application, ApplicationEvent, Objection, ServiceKind

CLOCK = Clock()
DOCS = ["身份证", "户口簿"]
ROLE_USERS = ("member", "lead", "member_g2", "community", "community2", "street_disp", "other_street_disp",
              "district_disp", "supervisor", "other_supervisor", "handler", "admin")
SEES_G1 = {"member", "lead", "community", "street_disp", "district_disp", "supervisor", "admin"}


@pytest.fixture
def svc(app, app_world, clock):
    w = app_world
    clock.set(T0)
    w.reg = make_registry({"g1": w.g1, "g2": w.g2})
    w.kind = services.save_kind(w.admin, T0, code="dibao", name="低保", documents=DOCS,
                                steps=["accept", "review", "approve"], limits={}, notice_days=7)
    w.clock = clock
    return w


@pytest.fixture
def login(login):
    """Signed-in clients whose forms carry the token of a page they may open."""

    def make(username):
        client = login(username)
        plain = client.post
        client.post = lambda path, data=None, **kw: plain(path, data, token_from="/account/password", **kw)
        return client

    return make


def recorded(w, docs=DOCS):
    return services.record(w.reg["g1"].head, w.kind, w.member, T0, need="申请低保", documents=docs, clock=CLOCK)


def advance(w, app, *steps):
    for event, actor in steps:
        services.fire(app, event, actor, T0, clock=CLOCK)
    return app


def in_notice(w):
    app = recorded(w)
    return advance(w, app, ("submit", w.member), ("approve", w.community), ("approve", w.street_disp),
                   ("approve", w.district_disp))


def test_grid_worker_records_from_the_person_page_and_gets_a_receipt(svc, login):
    w = svc
    client = login("member")
    person = w.reg["g1"].head
    page = client.get(f"/registry/people/{person.id}").get_data(as_text=True)
    assert f"/services/people/{person.id}/new" in page
    choose = client.get(f"/services/people/{person.id}/new").get_data(as_text=True)
    assert "低保" in choose
    form = client.get(f"/services/people/{person.id}/new?kind={w.kind.id}").get_data(as_text=True)
    assert "户口簿" in form
    response = client.post(f"/services/people/{person.id}/new",
                           {"kind": w.kind.id, "need": "生活困难", "documents": ["身份证"]})
    assert response.status_code == 303
    app = Application.get()
    assert app.documents == ["身份证"] and app.state == "record" and app.recorded_by_id == w.member.id
    assert ApplicationEvent.get().event == "create"
    receipt = client.get(f"/services/{app.id}/receipt").get_data(as_text=True)
    assert app.code[:4] in receipt and f"/services/track/{app.code}" in receipt
    assert client.get(f"/services/{app.id}/form").status_code == 200
    assert f"/services/{app.id}\"" in client.get(f"/registry/people/{person.id}").get_data(as_text=True)
    # An empty need is refused with a message, nothing saved.
    bad = client.post(f"/services/people/{person.id}/new", {"kind": w.kind.id, "need": ""})
    assert bad.status_code == 400 and Application.select().count() == 1
    # Another grid's member has no link and no form.
    other = login("member_g2")
    assert other.get(f"/services/people/{person.id}/new").status_code in (403, 404)


def test_each_office_decides_from_its_queue_and_return_and_refusal_need_reasons(svc, login):
    w = svc
    app = advance(w, recorded(w), ("submit", w.member))
    community = login("community")
    assert f"/services/{app.id}" in community.get("/services").get_data(as_text=True)
    page = community.get(f"/services/{app.id}").get_data(as_text=True)
    assert 'data-event="approve"' in page and 'data-event="send_back"' in page and 'data-event="refuse"' in page
    # The street office sees it but may not decide at the community's step.
    street = login("street_disp")
    assert 'data-event="approve"' not in street.get(f"/services/{app.id}").get_data(as_text=True)
    refused = street.post(f"/services/{app.id}/events/approve", {"version": app.version})
    assert refused.status_code == 403 and Application.get_by_id(app.id).state == "accept"
    no_reason = community.post(f"/services/{app.id}/events/send_back", {"version": app.version, "reason": ""})
    assert no_reason.status_code == 400 and Application.get_by_id(app.id).state == "accept"
    back = community.post(f"/services/{app.id}/events/send_back", {"version": app.version, "reason": "缺户口簿复印件"})
    assert back.status_code == 303
    app = Application.get_by_id(app.id)
    assert app.state == "record" and app.return_count == 1
    assert "缺户口簿复印件" in login("member").get(f"/services/{app.id}").get_data(as_text=True)
    # The grid worker submits again; a stale version is refused.
    member = login("member")
    assert member.post(f"/services/{app.id}/events/submit", {"version": 1, "documents": DOCS}).status_code == 409
    assert member.post(f"/services/{app.id}/events/submit",
                       {"version": app.version, "documents": DOCS}).status_code == 303
    app = Application.get_by_id(app.id)
    assert community.post(f"/services/{app.id}/events/refuse",
                          {"version": app.version, "reason": "收入超标"}).status_code == 303
    assert Application.get_by_id(app.id).state == "refused"
    assert ApplicationEvent.select().where(ApplicationEvent.application == app.id).count() == 5


@pytest.mark.parametrize("username", ROLE_USERS)
def test_scope_per_role(svc, login, username):
    w = svc
    app = recorded(w)
    client = login(username)
    response = client.get(f"/services/{app.id}")
    listing = client.get("/services")
    if username in SEES_G1:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert w.reg["g1"].head.id_number not in html and w.reg["g1"].head.phone not in html
        assert f"/services/{app.id}\"" in listing.get_data(as_text=True)
    else:
        assert response.status_code in (403, 404)
        assert listing.status_code == 403 or f"/services/{app.id}\"" not in listing.get_data(as_text=True)


def test_overdue_list_shows_applications_past_their_step_deadline(svc, login):
    w = svc
    app = advance(w, recorded(w), ("submit", w.member))
    community = login("community")
    assert f"/services/{app.id}\"" not in community.get("/services/overdue").get_data(as_text=True)
    w.clock.set(app.deadline + timedelta(minutes=1))
    html = login("community").get("/services/overdue").get_data(as_text=True)  # a new session at the new time
    assert f"/services/{app.id}\"" in html and 'data-light="red"' in html
    assert f"/services/{app.id}\"" not in login("community2").get("/services/overdue").get_data(as_text=True)


def test_public_notice_masks_names_and_shows_no_id_or_phone(svc, client):
    w = svc
    app = in_notice(w)
    person = w.reg["g1"].head
    for code in ("C1", "S1"):
        response = client.get(f"/services/notices/{code}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert services.mask_name(person.name) in html and f'data-entry="{app.id}"' in html
        for secret in (person.name, person.id_number, person.phone, person.id_number[-4:], app.need, app.code):
            assert secret not in html, secret
    assert f'data-entry="{app.id}"' not in client.get("/services/notices/C2").get_data(as_text=True)
    assert client.get("/services/notices/G1").status_code == 404  # grids have no notice board
    w.clock.set(app.notice_until)
    assert f'data-entry="{app.id}"' not in client.get("/services/notices/C1").get_data(as_text=True)


def test_objections_are_recorded_rate_limited_and_shown_to_the_office(svc, client, login, app):
    w = svc
    application = in_notice(w)
    url = f"/services/notices/C1/{application.id}/objections"
    assert client.post(url, {"text": "", "contact": ""}).status_code == 400
    assert client.post(url, {"text": "申请人家中有车辆", "contact": "13800001111"}).status_code == 303
    assert Objection.select().count() == 1
    assert client.post(f"/services/notices/C2/{application.id}/objections", {"text": "别处的异议"}).status_code == 404
    page = login("district_disp").get(f"/services/{application.id}").get_data(as_text=True)
    assert "申请人家中有车辆" in page and "13800001111" not in page and 'data-event="refuse"' in page
    app.config["SERVICE_OBJECTION_LIMITS"] = ((1, 600),)
    assert client.post(url, {"text": "第二条异议内容"}).status_code == 429
    assert Objection.select().count() == 1


def test_tracking_by_code_shows_steps_and_reasons_but_no_personal_data(svc, client):
    w = svc
    app = advance(w, recorded(w), ("submit", w.member))
    services.fire(app, "send_back", w.community, T0, clock=CLOCK, reason="请补充收入证明，电话13912345678")
    spaced = "-".join(app.code[i:i + 4] for i in range(0, 16, 4))
    assert client.get(f"/services/track?code={spaced}").status_code == 303
    html = client.get(f"/services/track/{app.code}").get_data(as_text=True)
    person = w.reg["g1"].head
    assert "请补充收入证明" in html and "13912345678" not in html
    for secret in (person.name, person.id_number, person.phone):
        assert secret not in html
    assert client.get("/services/track/NOPE").status_code == 404
    assert client.get("/services/track?code=ZZZZ").status_code == 404


def test_admin_configures_kinds_and_others_may_not(svc, login):
    admin = login("admin")
    assert admin.get("/services/kinds").status_code == 200
    response = admin.post("/services/kinds", {"code": "relief", "name": "临时救助", "documents": "身份证\n申请书",
                                              "step_accept": "1", "step_review": "1", "limit_accept": "7",
                                              "notice_days": "5", "active": "1"})
    assert response.status_code == 303
    kind = ServiceKind.get(ServiceKind.code == "relief")
    assert kind.documents == ["身份证", "申请书"] and kind.steps == ["accept", "review"] and kind.limits == {"accept": 7}
    bad = admin.post(f"/services/kinds/{kind.id}", {"code": "relief", "name": "临时救助", "notice_days": "5"})
    assert bad.status_code == 400 and ServiceKind.get_by_id(kind.id).steps == ["accept", "review"]
    assert admin.post(f"/services/kinds/{kind.id}", {"code": "relief", "name": "临时救助", "notice_days": "99",
                                                      "step_accept": "1"}).status_code == 400
    assert login("community").get("/services/kinds").status_code == 403


@pytest.mark.parametrize("url", [
    "/services?state=nope", "/services/track?code=" + "网" * 3000, "/services/track/%E7%BD%91",
    "/services/notices/%00", "/services/people/99999999999/new", "/services/99999999999",
    "/services/people/1/new?kind=abc", "/services/people/1/new?kind=99999999999999"])
def test_bad_input_never_gives_a_5xx(svc, login, url):
    response = login("member").get(url)
    assert response.status_code < 500


def test_bad_posts_never_give_a_5xx_and_change_nothing(svc, login, client):
    w = svc
    app = advance(w, recorded(w), ("submit", w.member))
    community = login("community")
    before = ApplicationEvent.select().count()
    for data in ({"version": "abc"}, {"version": "99999999999999999999"}, {"version": "1", "reason": "网" * 3000}):
        assert community.post(f"/services/{app.id}/events/refuse", data).status_code == 400
    assert community.post(f"/services/{app.id}/events/nope", {"version": "1"}).status_code == 404
    assert client.post("/services/notices/C1/99999999999/objections", {"text": "x"}).status_code == 404
    assert ApplicationEvent.select().count() == before
