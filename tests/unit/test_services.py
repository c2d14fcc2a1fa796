"""Services on a resident's behalf (代办): each step of the chain, returns and refusals, the clock and
lights, the notice and its objections, the kinds, the policy per role — every change a history row."""
from datetime import datetime, timedelta

import pytest

from tests.factories import T0
from tests.registry_world import make_registry
from workflows import policy, services
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Application, ApplicationEvent, Objection

CLOCK = Clock()
DOCS = ["身份证", "户口簿", "收入证明"]


@pytest.fixture
def svc(world):
    world.reg = make_registry({"g1": world.g1, "g2": world.g2})
    admin = world.admin
    world.full = services.save_kind(admin, T0, code="dibao", name="低保", documents=DOCS,
                                    steps=["accept", "review", "approve"], limits={"accept": 14}, notice_days=7)
    world.short = services.save_kind(admin, T0, code="card", name="残疾证代办", documents=["身份证"],
                                     steps=["accept"], limits={}, notice_days=0)
    return world


def new_app(w, kind=None, docs=DOCS, at=T0):
    return services.record(w.reg["g1"].head, kind or w.full, w.member, at, need="生活困难，申请低保", documents=docs,
                           clock=CLOCK)


def fire(app, event, actor, at, **kw):
    return services.fire(app, event, actor, at, clock=CLOCK, **kw)


def test_the_full_chain_with_notice_ends_granted_with_one_history_row_per_step(svc):
    w = svc
    app = new_app(w)
    assert app.state == "record" and len(app.code) == 16 and app.community_id == w.c1.id
    fire(app, "submit", w.member, T0 + timedelta(hours=1))
    assert app.state == "accept"
    fire(app, "approve", w.community, T0 + timedelta(hours=2))
    assert app.state == "review"
    fire(app, "approve", w.street_disp, T0 + timedelta(hours=3))
    assert app.state == "approve"
    fire(app, "approve", w.district_disp, T0 + timedelta(hours=4))
    assert app.state == "notice"
    assert app.notice_until == T0 + timedelta(hours=4, days=7)
    # The notice must run its days before the office of the last step concludes it.
    with pytest.raises(WorkflowError):
        fire(app, "conclude", w.district_disp, T0 + timedelta(days=2))
    with pytest.raises(WorkflowError):
        fire(app, "conclude", w.community, T0 + timedelta(days=8))
    fire(app, "conclude", w.district_disp, T0 + timedelta(days=8))
    assert app.state == "granted" and app.closed_at == T0 + timedelta(days=8)
    rows = services.history(app)
    assert [(r.event, r.to_state) for r in rows] == [
        ("create", "record"), ("submit", "accept"), ("approve", "review"), ("approve", "approve"),
        ("approve", "notice"), ("conclude", "granted")]
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[2].actor_id == w.community.id


def test_a_kind_with_one_step_and_no_notice_is_granted_by_the_community(svc):
    w = svc
    app = new_app(w, kind=w.short, docs=["身份证"])
    fire(app, "submit", w.member, T0)
    assert app.state == "accept"
    fire(app, "approve", w.community, T0 + timedelta(hours=1))
    assert app.state == "granted"


def test_return_for_more_documents_goes_back_to_the_grid_worker(svc):
    w = svc
    app = new_app(w)
    fire(app, "submit", w.member, T0)
    fire(app, "approve", w.community, T0 + timedelta(hours=1))
    with pytest.raises(WorkflowError) as error:
        fire(app, "send_back", w.street_disp, T0 + timedelta(hours=2))  # a reason is needed
    assert error.value.field == "reason"
    fire(app, "send_back", w.street_disp, T0 + timedelta(hours=2), reason="缺少近三个月收入证明")
    assert app.state == "record" and app.return_count == 1 and app.last_event == "send_back"
    row = services.history(app)[-1]
    assert row.reason == "缺少近三个月收入证明" and row.from_state == "review"
    fire(app, "submit", w.member, T0 + timedelta(hours=3))
    assert app.state == "accept"  # through the chain again, from the first office


def test_refusal_with_reason_is_final(svc):
    w = svc
    app = new_app(w)
    fire(app, "submit", w.member, T0)
    fire(app, "refuse", w.community, T0 + timedelta(hours=1), reason="家庭收入超过低保标准")
    assert app.state == "refused" and app.closed_at is not None
    assert services.available_events(app, w.community) == []
    with pytest.raises(WorkflowError):
        fire(app, "approve", w.community, T0 + timedelta(hours=2))
    assert services.history(app)[-1].reason == "家庭收入超过低保标准"


def test_submit_needs_every_document_and_documents_can_be_saved_on_the_way(svc):
    w = svc
    app = new_app(w, docs=["身份证"])
    before = ApplicationEvent.select().count()
    with pytest.raises(WorkflowError) as error:
        fire(app, "submit", w.member, T0)
    assert "户口簿" in error.value.params["names"]
    assert ApplicationEvent.select().count() == before and Application.get_by_id(app.id).state == "record"
    fire(app, "documents", w.member, T0, documents=["户口簿", "身份证"])
    assert app.documents == ["身份证", "户口簿"] and app.state == "record"
    fire(app, "submit", w.member, T0, documents=DOCS)
    assert app.state == "accept"
    with pytest.raises(WorkflowError):
        new_app(w, docs=["结婚证"])  # not on the kind's checklist


@pytest.mark.parametrize("actor_name, allowed", [
    ("member", False), ("lead", False), ("community", True), ("community2", False), ("street_disp", False),
    ("district_disp", False), ("supervisor", False), ("admin", False), ("handler", False)])
def test_only_the_community_office_of_the_application_accepts(svc, actor_name, allowed):
    w = svc
    app = new_app(w)
    fire(app, "submit", w.member, T0)
    actor = getattr(w, actor_name)
    assert (services.available_events(app, actor) != []) is allowed
    if not allowed:
        with pytest.raises(WorkflowError):
            fire(app, "approve", actor, T0)
        assert Application.get_by_id(app.id).state == "accept"


def test_only_the_grid_team_records_for_residents_of_their_grid(svc):
    w = svc
    person = w.reg["g1"].head
    for actor in (w.member_g2, w.community, w.admin, w.supervisor):
        with pytest.raises(WorkflowError):
            services.record(person, w.full, actor, T0, need="申请", documents=[], clock=CLOCK)
    assert policy.can(w.lead, "service.record", person)
    assert not policy.can(w.member_g2, "service.record", person)


def test_visibility_per_role(svc):
    w = svc
    app = new_app(w)
    seen = {name: policy.can(getattr(w, name), "service.view", app) for name in (
        "member", "member_g2", "community", "community2", "street_disp", "other_street_disp", "district_disp",
        "supervisor", "other_supervisor", "admin", "handler")}
    assert seen == {"member": True, "member_g2": False, "community": True, "community2": False,
                    "street_disp": True, "other_street_disp": False, "district_disp": True, "supervisor": True,
                    "other_supervisor": False, "admin": True, "handler": False}
    for name, expected in seen.items():
        listed = policy.visible_applications(getattr(w, name), Application.select()).where(Application.id == app.id)
        assert listed.exists() is expected, name


def test_each_step_is_stamped_on_the_working_clock_with_lights(svc):
    w = svc
    friday = datetime(2026, 3, 6, 16, 0)
    app = new_app(w, at=friday)
    # 21 working hours (3 days of 7) from Friday 16:00: Wednesday 16:00 (the weekend does not count).
    assert app.deadline == datetime(2026, 3, 11, 16, 0)
    fire(app, "submit", w.member, friday)
    # The kind's own limit for acceptance: 14 working hours → Tuesday 16:00.
    assert app.deadline == datetime(2026, 3, 10, 16, 0)
    assert services.light_of(app, friday) == "green"
    assert services.light_of(app, app.warn_at) == "yellow"
    assert services.light_of(app, app.deadline) == "red"
    assert services.is_overdue(app, app.deadline) and not services.is_overdue(app, friday)
    # A finished application has no light.
    fire(app, "refuse", w.community, friday, reason="不符合条件")
    assert services.light_of(app, friday + timedelta(days=30)) is None
    assert app.deadline is None


def test_public_notice_lists_masked_entries_for_its_days_and_takes_objections(svc):
    w = svc
    app = new_app(w)
    for event, actor in (("submit", w.member), ("approve", w.community), ("approve", w.street_disp),
                         ("approve", w.district_disp)):
        fire(app, event, actor, T0)
    assert [a.id for a in services.notice_list(w.c1, T0 + timedelta(days=1))] == [app.id]
    assert [a.id for a in services.notice_list(w.street, T0 + timedelta(days=1))] == [app.id]
    assert services.notice_list(w.c2, T0 + timedelta(days=1)) == []
    assert services.notice_list(w.c1, T0 + timedelta(days=7)) == []  # the days have run
    services.object_to(app, T0 + timedelta(days=1), text="申请人有营业收入", contact="邻居")
    assert Objection.select().where(Objection.application == app.id).count() == 1
    with pytest.raises(WorkflowError):
        services.object_to(app, T0 + timedelta(days=8), text="过期的异议")
    with pytest.raises(WorkflowError):
        services.object_to(app, T0 + timedelta(days=1), text="")
    # After an objection the office may still refuse during the notice.
    fire(app, "refuse", w.district_disp, T0 + timedelta(days=2), reason="经核实有经营收入")
    assert app.state == "refused"


def test_mask_name():
    assert services.mask_name("张三明") == "张*明"
    assert services.mask_name("李四") == "李*"
    assert services.mask_name("欧阳锋华") == "欧**华"
    assert services.mask_name("") == ""


def test_tracking_code_lookup(svc):
    app = new_app(svc)
    spaced = "-".join(app.code[i:i + 4] for i in range(0, 16, 4)).lower()
    assert services.by_code(spaced).id == app.id
    assert services.by_code("nope") is None


def test_kinds_are_configured_by_administrators_within_ranges(svc):
    w = svc
    with pytest.raises(WorkflowError):
        services.save_kind(w.community, T0, code="x", name="x", documents=[], steps=["accept"], limits={},
                           notice_days=0)
    for bad in ({"steps": []}, {"notice_days": 31}, {"limits": {"accept": 0}}, {"code": "坏 code"},
                {"code": "dibao"}):
        fields = {"code": "new", "name": "新事项", "documents": [], "steps": ["review"], "limits": {},
                  "notice_days": 0, **bad}
        with pytest.raises(WorkflowError):
            services.save_kind(w.admin, T0, **fields)
    kind = services.save_kind(w.admin, T0, w.short, code="card", name="残疾证", documents=["身份证", "照片"],
                              steps=["accept", "review"], limits={"review": 10}, notice_days=3)
    assert kind.steps == ["accept", "review"] and services.chain(kind) == ["record", "accept", "review", "notice"]


def test_the_machine_is_the_table(svc):
    assert set(services.STEP_ACTIONS.values()) <= set(policy.ACTIONS)
    for name in ("submit", "approve", "send_back", "refuse", "conclude"):
        assert name in services.MACHINE.events
    assert services.OPEN_STATES == ("record", "accept", "review", "approve", "notice")
    # Every open step but the notice has a working-hour limit; the notice has its days.
    for state in services.OPEN_STATES:
        assert (services.step_limit(svc.full, state) is None) == (state == "notice")


def test_the_sweep_reminds_the_office_of_an_overdue_step_once_and_closes_it_when_the_step_moves(svc):
    """催办: one reminder per overdue step, to the office whose step it is; none before the deadline; a second
    sweep issues nothing; acting on the step closes it; the next step overdue gets its own."""
    from workflows.models import ServiceNotice
    from workflows.sweep import sweep

    w = svc
    friday = datetime(2026, 3, 6, 16, 0)
    app = new_app(w, at=friday)
    fire(app, "submit", w.member, friday)  # accept: due Tuesday 16:00 at the community
    assert services.sweep(app.deadline - timedelta(minutes=1)) == 0
    assert services.sweep(app.deadline) == 1
    assert services.sweep(app.deadline + timedelta(hours=3)) == 0  # once per step
    (first,) = services.reminders(app)
    assert (first.state, first.addressee_id, first.deadline, first.closed_at) == ("accept", w.c1.id, app.deadline, None)
    late = app.deadline + timedelta(hours=5)
    fire(app, "approve", w.community, late)
    assert services.reminders(app)[0].closed_at == late
    # The street's step, overdue in its turn: the case sweep issues its reminder too.
    result = sweep(app.deadline, CLOCK)
    assert result.services == 1
    assert [(n.state, n.addressee_id, n.closed_at) for n in services.reminders(app)] == [
        ("accept", w.c1.id, late), ("review", w.street.id, None)]
    # A finished application is never reminded of.
    refused_at = app.deadline + timedelta(hours=1)
    fire(app, "refuse", w.street_disp, refused_at, reason="材料不实")
    assert services.reminders(app)[1].closed_at == refused_at
    assert services.sweep(late + timedelta(days=60)) == 0
    assert ServiceNotice.select().count() == 2
