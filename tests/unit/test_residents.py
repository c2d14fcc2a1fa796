"""Residents' domain: grid lookup, tracking codes, what is public, ratings and reopen decisions."""
from datetime import timedelta

import pytest

from tests.factories import T0, new_case
from tests.public_helpers import drive_to_closed, make_public
from workflows.errors import WorkflowError
from workflows.locate import contains, grid_at, grid_named_in, intake_grid
from workflows.models import CaseEvent, ReopenRequest, ResidentRating
from workflows.residents import (
    TRACKING_ALPHABET,
    case_by_code,
    decide_reopen,
    mask_contacts,
    new_tracking_code,
    public_note,
    rate,
    record_report,
    summary,
)


@pytest.fixture
def pworld(world):
    return make_public(world)


def test_point_in_polygon_handles_concave_shapes():
    # An L shape: the notch at the top right is outside.
    ell = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]
    assert contains(ell, 0.5, 0.5) and contains(ell, 1.5, 0.5) and contains(ell, 0.5, 1.5)
    assert not contains(ell, 1.5, 1.5) and not contains(ell, 3, 0.5) and not contains(ell, -0.1, 1)


def test_grids_are_found_by_point_and_by_name(pworld):
    assert grid_at(30.2715, 120.1523).id == pworld.g1.id
    assert grid_at(30.2715, 120.1570).id == pworld.g2.id
    assert grid_at(30.30, 120.20) is None
    assert grid_named_in("在二网格东门").id == pworld.g2.id
    assert grid_named_in("G3 北侧").id == pworld.g3.id
    assert grid_named_in("不知道哪里") is None
    assert intake_grid().id == pworld.g2.id and intake_grid(pworld.other_street) is None


def test_tracking_codes_are_random_strings_of_the_alphabet(pworld):
    codes = {new_tracking_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 16 and set(c) <= set(TRACKING_ALPHABET) for c in codes)
    case = record_report(pworld.g1, pworld.resident, T0, category=pworld.litter, description="楼道堆物", source="resident")
    assert case_by_code(case.tracking_code.lower()).id == case.id
    assert case_by_code("x") is None


def test_reports_only_in_public_categories(pworld):
    with pytest.raises(WorkflowError):
        record_report(pworld.g1, pworld.resident, T0, category=pworld.urgent, description="污水", source="resident")


def test_summary_and_masking():
    assert summary("\n  路灯不亮\n第二行", "路灯损坏") == "路灯不亮"
    assert summary("", "路灯损坏") == "路灯损坏"
    assert len(summary("很" * 50, "x")) == 30
    assert mask_contacts("请拨 138 0000 1111 或 0571-88001234，门牌 12 号") == "请拨 *** 或 ***，门牌 12 号"


def test_only_public_events_give_the_public_note(pworld):
    case = drive_to_closed(pworld, new_case(pworld), T0, steps=3)
    assert public_note(case) is None  # report, escalate and dispatch notes are internal
    events = list(CaseEvent.select().where(CaseEvent.case == case.id))
    assert [e.event for e in events] == ["create", "report", "escalate", "dispatch"]


def closed_case(pworld, at=T0):
    case = record_report(pworld.g1, pworld.resident, at, category=pworld.litter, description="垃圾", source="resident")
    return drive_to_closed(pworld, case, at)


def test_one_rating_per_case_and_dissatisfied_asks_for_a_reopen(pworld):
    case = closed_case(pworld)
    rate(case, "dissatisfied", "没解决", T0 + timedelta(days=1))
    assert ReopenRequest.get().status == "pending"
    with pytest.raises(WorkflowError) as refused:
        rate(case, "satisfied", "", T0 + timedelta(days=1))
    assert refused.value.code == "duplicate"
    assert ResidentRating.select().count() == 1 and ReopenRequest.select().count() == 1


def test_supervisor_decisions(pworld):
    case = closed_case(pworld)
    rate(case, "dissatisfied", "", T0 + timedelta(days=1))
    request = ReopenRequest.get()
    with pytest.raises(WorkflowError):
        decide_reopen(request, pworld.other_supervisor, T0 + timedelta(days=2), reopen=True, note="x")
    # Past the 30-day window the machine refuses the reopen, and the request stays pending.
    with pytest.raises(WorkflowError):
        decide_reopen(request, pworld.supervisor, T0 + timedelta(days=40), reopen=True, note="重办")
    assert ReopenRequest.get_by_id(request.id).status == "pending"
    decided = decide_reopen(request, pworld.supervisor, T0 + timedelta(days=2), reopen=True, note="重办")
    assert decided.status == "reopened" and decided.decided_by_id == pworld.supervisor.id
    last = CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq.desc()).first()
    assert (last.event, last.to_state, last.note) == ("reopen", "reported", "重办")
    with pytest.raises(WorkflowError) as again:
        decide_reopen(request, pworld.supervisor, T0 + timedelta(days=2), reopen=False, note="x")
    assert again.value.code == "duplicate"
