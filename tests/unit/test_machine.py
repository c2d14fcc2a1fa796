"""The case machine, table-driven over (state, event, actor): no Flask involved.

The expectations below are written from the issue's table, independently of
workflows/policy.py, so a wrong rule fails here.
"""
from datetime import datetime, timedelta

import pytest
from playhouse.shortcuts import model_to_dict

from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.machine import EVENTS, FINAL, INITIAL, OPEN_STATES, STATES, TIME_LIMITS, URGENCY_STATES, mermaid
from workflows.models import Case, CaseEvent
from workflows.service import available_events, fire

CLOCK = Clock()
ACTORS = (
    "member", "member2", "lead", "member_g2", "lead_g2", "community", "community2", "street_disp",
    "district_disp", "other_street_disp", "handler", "police_handler", "supervisor", "other_supervisor", "admin",
)
VOIDERS = {"lead", "community", "street_disp", "district_disp"}

# setup name -> the moves (event, actor, data) that bring a fresh case into that situation.
SETUPS = {
    "found": [],
    "handled_by_member": [("handle", "member", {"note": "n"})],
    "handled_by_lead": [("handle", "lead", {"note": "n"})],
    "reported_grid": [("report", "member", {})],
    "reported_community": [("report", "lead", {})],
    "reported_street": [("report", "lead", {}), ("escalate", "community", {"reason": "r"})],
    "reported_district": [("report", "lead", {}), ("escalate", "community", {"reason": "r"}),
                          ("escalate", "street_disp", {"reason": "r"})],
    "assigned": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"})],
    "rectified": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"}),
                  ("rectify", "handler", {"note": "n"})],
    "verified": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"}),
                 ("rectify", "handler", {"note": "n"}), ("verify", "member", {"note": "n"})],
    "closed": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"}),
               ("rectify", "handler", {"note": "n"}), ("verify", "member", {"note": "n"}),
               ("close", "community", {})],
    "extension_requested": [("report", "lead", {}), ("dispatch", "community", {"department": "sanitation"}),
                            ("request_extension", "handler", {"requested_deadline": "2026-03-20T17:30",
                                                              "reason": "r"})],
    "suspension_requested": [("report", "lead", {}), ("request_suspension", "community", {"reason": "r"})],
    "suspended": [("report", "lead", {}), ("request_suspension", "community", {"reason": "r"}),
                  ("approve_suspension", "supervisor", {})],
}
# Dispatchers whose area contains the case (grid G1 of community C1), and who keeps its clock.
SCOPE_DISPATCHERS = {"community", "street_disp", "district_disp"}
CLOCK_KEEPERS = SCOPE_DISPATCHERS | {"supervisor"}
REPORTED_COMMUNITY = {"send_back": {"community"}, "escalate": {"community"}, "dispatch": {"community"},
                      "void": VOIDERS}
# Who gives an open case to a person: the grid's lead and every dispatcher whose area holds it.
GIVERS = {"lead"} | SCOPE_DISPATCHERS
# setup -> event -> the actors allowed (everyone else is refused).
ALLOWED = {
    "found": {"handle": {"member", "member2", "lead"}, "report": {"member", "member2", "lead"}, "void": VOIDERS},
    "handled_by_member": {"verify": {"lead"}},
    "handled_by_lead": {"verify": {"community"}},
    "reported_grid": {"send_back": {"lead"}, "escalate": {"lead"}, "void": VOIDERS,
                      "request_suspension": SCOPE_DISPATCHERS},
    "reported_community": {**REPORTED_COMMUNITY, "request_suspension": SCOPE_DISPATCHERS},
    "reported_street": {"send_back": {"street_disp"}, "escalate": {"street_disp"}, "dispatch": {"street_disp"},
                        "void": VOIDERS, "request_suspension": SCOPE_DISPATCHERS},
    "reported_district": {"send_back": {"district_disp"}, "dispatch": {"district_disp"}, "void": VOIDERS,
                          "request_suspension": SCOPE_DISPATCHERS},
    "assigned": {"decline": {"handler"}, "rectify": {"handler"}, "request_extension": {"handler"},
                 "transfer": {"handler"},
                 "request_suspension": SCOPE_DISPATCHERS},
    "extension_requested": {"decline": {"handler"}, "rectify": {"handler"}, "transfer": {"handler"},
                            "request_suspension": SCOPE_DISPATCHERS,
                            "approve_extension": {"community", "supervisor"},
                            "deny_extension": {"community", "supervisor"}},
    "suspension_requested": {**REPORTED_COMMUNITY, "approve_suspension": {"supervisor"},
                             "deny_suspension": {"supervisor"}},
    "suspended": {**REPORTED_COMMUNITY, "resume": CLOCK_KEEPERS},
    "rectified": {"verify": {"member", "member2", "lead"}, "rework": {"member", "member2", "lead"}},
    "verified": {"close": {"community", "street_disp"}},
    "closed": {"reopen": {"supervisor"}},
}
for _setup, _allowed in ALLOWED.items():
    if _setup != "closed":
        _allowed["give"] = GIVERS
DATA = {
    "handle": {"note": "已清理"}, "report": {}, "send_back": {"reason": "信息不全"}, "escalate": {"reason": "需协调"},
    "dispatch": {"department": "sanitation"}, "decline": {"reason": "非本部门"}, "rectify": {"note": "已整改"},
    "verify": {"note": "已核查"}, "rework": {"reason": "不到位"}, "close": {}, "reopen": {"reason": "群众不满意"},
    "void": {"void_kind": "invalid", "reason": "不属实"},
    "request_extension": {"requested_deadline": "2026-03-27T17:30", "reason": "需要采购材料"},
    "approve_extension": {}, "deny_extension": {"reason": "时限内可以完成"},
    "request_suspension": {"reason": "等待法院裁定"}, "approve_suspension": {}, "deny_suspension": {"reason": "不符合挂起条件"},
    "resume": {},
    "give": {"holder": "member", "instructions": "今天下午到现场"},
    # An inspector's routing: only whoever recorded the case on an inspection (tests/unit/test_inspectors.py);
    # every case here was recorded by a grid member, so nobody may.
    "take_on": {}, "pass_to_grid": {},
    "transfer": {"department": "police", "reason": "属派出所职责"},
    # Joint handling: only a co-department with an open part (tests/unit/test_joint.py); none here.
    "record_part": {"note": "已配合清理"}, "explain_part": {"reason": "本部门无需处置"},
}
# The level after each event, where it changes (else unchanged).
LEVEL_AFTER = {
    ("report", "member"): "grid", ("report", "member2"): "grid", ("report", "lead"): "community",
    ("send_back", None): "grid",
}
NEXT_LEVEL = {"grid": "community", "community": "street", "street": "district"}


def resolve(w, data):
    """Replace department codes and people's names with the world's ids."""
    out = dict(data)
    if "department" in out:
        out["department"] = getattr(w, out["department"]).id
    if "holder" in out:
        out["holder"] = getattr(w, out["holder"]).id
    return out


def build(w, setup, start=T0):
    """A fresh case moved into `setup`; each move an hour after the previous one."""
    case = new_case(w, at=start)
    at = start
    for event, actor, data in SETUPS[setup]:
        at += timedelta(hours=1)
        fire(case, event, getattr(w, actor), at, clock=CLOCK, **resolve(w, data))
    return case, at


def snapshot(case):
    """Everything an event could change about a case."""
    row = Case.get_by_id(case.id)
    return model_to_dict(row, recurse=False), CaseEvent.select().where(CaseEvent.case == case.id).count()


def test_every_state_event_actor_combination(world):
    """Allowed moves succeed with the right row and deadline; all others are refused and change nothing."""
    events = [spec.name for spec in EVENTS]
    checked = 0
    for setup, allowed in ALLOWED.items():
        shared, at = build(world, setup)
        at += timedelta(hours=1)
        for event in events:
            for actor_name in ACTORS:
                actor = getattr(world, actor_name)
                data = resolve(world, DATA[event])
                if actor_name in allowed.get(event, ()):
                    case, last = build(world, setup)
                    assert event in available_events(case, actor, last + timedelta(hours=1))
                    check_allowed(world, case, event, actor_name, actor, last + timedelta(hours=1), data)
                else:
                    assert event not in available_events(shared, actor, at), (setup, event, actor_name)
                    before = snapshot(shared)
                    with pytest.raises(WorkflowError) as refused:
                        fire(shared, event, actor, at, clock=CLOCK, **data)
                    assert refused.value.message, "a refusal carries a reason"
                    assert snapshot(shared) == before, (setup, event, actor_name)
                checked += 1
    assert checked == len(ALLOWED) * len(events) * len(ACTORS)


def check_allowed(w, case, event, actor_name, actor, at, data):
    """Fire an allowed event and check the state, level, history row and new deadline."""
    before_level, before_version, from_state = case.level, case.version, case.state
    before_deadline = case.deadline
    row = fire(case, event, actor, at, clock=CLOCK, **data)
    spec = next(s for s in EVENTS if s.name == event)
    saved = Case.get_by_id(case.id)
    to_state = spec.dest or from_state  # an internal event keeps the state
    assert saved.state == to_state
    assert saved.version == before_version + 1
    assert (row.seq, row.event, row.from_state, row.to_state, row.actor_id, row.at) == (
        saved.version, event, from_state, to_state, actor.id, at)
    assert CaseEvent.select().where(CaseEvent.case == case.id).count() == saved.version
    expected_level = LEVEL_AFTER.get((event, actor_name), LEVEL_AFTER.get((event, None), before_level))
    if event == "escalate":
        expected_level = NEXT_LEVEL[before_level]
    assert saved.level == expected_level
    if spec.dest is None:
        check_internal(case, event, row, saved, before_deadline, at)
    elif spec.dest == FINAL:
        assert saved.deadline is None and saved.closed_at == at
    else:
        key = (spec.dest, saved.urgency if spec.dest in URGENCY_STATES else None)
        assert saved.deadline == CLOCK.deadline(at, TIME_LIMITS[key])
        assert saved.warn_at == CLOCK.warn_at(at, TIME_LIMITS[key])
        assert saved.step_started_at == at
    assert row.deadline == saved.deadline
    if event == "dispatch":
        assert saved.department_id == w.sanitation.id and row.department_id == w.sanitation.id
    if event == "decline":
        assert saved.department_id is None and row.department_id == w.sanitation.id
    if event == "rework":
        assert saved.rework_count == 1
    if event == "transfer":  # the clock continues (TRANSFER_CLOCK's default): check_internal kept the deadline
        assert saved.department_id == w.police.id and row.department_id == w.police.id
        assert row.data["from_department"] == w.sanitation.id and row.data["clock"] == "continue"


def check_internal(case, event, row, saved, before_deadline, at):
    """An internal event keeps the step; only the clock events move its deadline."""
    assert saved.step_started_at == case.step_started_at
    assert row.prev_deadline == before_deadline and row.deadline == saved.deadline
    if event == "approve_extension":
        assert saved.deadline == datetime(2026, 3, 20, 17, 30)
    elif event == "approve_suspension":
        assert saved.suspended_at == at and saved.deadline is None and saved.warn_at is None
    elif event == "resume":
        assert saved.suspended_at is None and saved.deadline is not None
    else:
        assert saved.deadline == before_deadline


def test_deadlines_per_urgency_and_rework_restarts_the_clock(world):
    """Assigned limits follow the category's urgency; rework starts a fresh assigned step."""
    at = T0
    for category, limit in ((world.urgent, TIME_LIMITS[("assigned", "urgent")]),
                            (world.litter, TIME_LIMITS[("assigned", "normal")]),
                            (world.complex, TIME_LIMITS[("assigned", "complex")])):
        case = new_case(world, category=category, at=at)
        fire(case, "report", world.lead, at, clock=CLOCK)
        fire(case, "dispatch", world.community, at, clock=CLOCK, department=world.sanitation.id)
        assert case.deadline == CLOCK.deadline(at, limit)
    fire(case, "rectify", world.handler, at + timedelta(days=1), clock=CLOCK, note="done")
    rework_at = at + timedelta(days=2)
    fire(case, "rework", world.member, rework_at, clock=CLOCK, reason="not done")
    assert case.deadline == CLOCK.deadline(rework_at, TIME_LIMITS[("assigned", "complex")])
    assert case.rework_count == 1


def test_found_and_reported_limits(world):
    """found: 24 natural hours; reported: 4 working hours, restarted at every level."""
    case = new_case(world, at=T0)
    assert case.deadline == T0 + timedelta(hours=24)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    assert case.deadline == T0.replace(hour=15)  # 09:00 + 3h to 12:00, + 1h after lunch
    later = T0.replace(hour=16)
    fire(case, "escalate", world.community, later, clock=CLOCK, reason="up")
    assert case.deadline == (T0 + timedelta(days=1)).replace(hour=11)  # 1.5h today, 2.5h from 08:30


def test_reopen_only_within_30_days(world):
    """A supervisor reopens a case closed 30 days ago, not one closed 31 days ago."""
    case, closed_at = build(world, "closed")
    assert "reopen" in available_events(case, world.supervisor, closed_at + timedelta(days=30))
    assert "reopen" not in available_events(case, world.supervisor, closed_at + timedelta(days=31))
    with pytest.raises(WorkflowError):
        fire(case, "reopen", world.supervisor, closed_at + timedelta(days=31), clock=CLOCK, reason="r")
    fire(case, "reopen", world.supervisor, closed_at + timedelta(days=30), clock=CLOCK, reason="r")
    assert case.state == "reported" and case.closed_at is None


def test_district_cannot_escalate(world):
    """Escalation stops at the district."""
    case, at = build(world, "reported_district")
    with pytest.raises(WorkflowError) as refused:
        fire(case, "escalate", world.district_disp, at, clock=CLOCK, reason="r")
    assert "top level" in refused.value.message


def test_close_needs_callback_when_a_resident_raised_it(world):
    """Closing a resident's case needs the call-back result, and only a listed one."""
    case = new_case(world, actor=world.resident, source="resident", reporter_phone="13800000000")
    at = T0
    for event, actor, data in SETUPS["verified"]:
        at += timedelta(hours=1)
        fire(case, event, getattr(world, actor), at, clock=CLOCK, **resolve(world, data))
    for data in ({}, {"callback": "happy"}):
        with pytest.raises(WorkflowError):
            fire(case, "close", world.community, at, clock=CLOCK, **data)
    row = fire(case, "close", world.community, at, clock=CLOCK, callback="basically_satisfied")
    assert row.data == {"callback": "basically_satisfied"}


def test_void_as_duplicate_links_the_original(world):
    """A duplicate names an existing case of the street; the link is kept."""
    original = new_case(world)
    case = new_case(world)
    with pytest.raises(WorkflowError):
        fire(case, "void", world.lead, T0, clock=CLOCK, void_kind="duplicate", reason="dup")
    with pytest.raises(WorkflowError):
        fire(case, "void", world.lead, T0, clock=CLOCK, void_kind="duplicate", reason="dup", duplicate_of=case.number)
    fire(case, "void", world.lead, T0, clock=CLOCK, void_kind="duplicate", reason="dup", duplicate_of=original.number)
    assert Case.get_by_id(case.id).duplicate_of_id == original.id
    assert case.resolution == "voided"


def test_dispatch_only_to_a_department_serving_the_area(world):
    """A department of another street is refused; the district's is accepted."""
    case, at = build(world, "reported_community")
    with pytest.raises(WorkflowError) as refused:
        fire(case, "dispatch", world.community, at, clock=CLOCK, department=world.far_dept.id)
    assert refused.value.field == "department"
    fire(case, "dispatch", world.community, at, clock=CLOCK, department=world.district_env.id)
    assert case.department_id == world.district_env.id


def test_stale_version_is_refused(world):
    """Two people act on the same version: the second is told the case changed, nothing applies twice."""
    case = new_case(world)
    seen = case.version
    fire(case, "report", world.member, T0, clock=CLOCK, expected_version=seen)
    other = Case.get_by_id(case.id)
    before = snapshot(other)
    with pytest.raises(WorkflowError) as refused:
        fire(other, "handle", world.member2, T0, clock=CLOCK, expected_version=seen, note="n")
    assert refused.value.code == "stale"
    assert snapshot(other) == before


def test_failed_step_rolls_back_completely(world, monkeypatch):
    """If writing the history row fails after the case row was updated, neither is saved."""
    import workflows.service as service

    case = new_case(world)
    before = snapshot(case)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_append_event", broken)
    with pytest.raises(RuntimeError):
        fire(case, "report", world.member, T0, clock=CLOCK)
    assert snapshot(case) == before
    assert case.state == "found"


def test_request_key_makes_a_retry_harmless(world):
    """The same form submitted twice records one event."""
    case = new_case(world)
    first = fire(case, "report", world.member, T0, clock=CLOCK, request_key="k-1")
    again = fire(case, "report", world.member, T0, clock=CLOCK, request_key="k-1")
    assert first.id == again.id
    assert CaseEvent.select().where(CaseEvent.case == case.id).count() == 2


def test_history_rows_are_chained(world):
    """Each history row's prev_hash is the previous row's hash."""
    case, _ = build(world, "closed")
    rows = list(CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == ""
    for previous, row in zip(rows, rows[1:]):
        assert row.prev_hash == previous.hash


def _graph():
    """state -> states reachable in one event."""
    graph = {state: set() for state in STATES}
    for spec in EVENTS:
        for source in spec.sources:
            graph[source].add(spec.dest or source)
    return graph


def _reachable(graph, start):
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_is_reachable():
    assert _reachable(_graph(), INITIAL) == set(STATES)


def test_every_state_can_reach_closed():
    graph = _graph()
    for state in STATES:
        assert FINAL in _reachable(graph, state), state


def test_every_open_state_has_a_time_limit():
    for state in OPEN_STATES:
        for urgency in ("urgent", "normal", "complex"):
            key = (state, urgency if state in URGENCY_STATES else None)
            assert key in TIME_LIMITS, key
    assert not any(state == FINAL for state, _ in TIME_LIMITS)


def test_diagram_lists_every_state_and_event():
    """The generated Mermaid diagram names every state and every event."""
    text = mermaid()
    for state in STATES:
        assert f"{state}" in text
    for spec in EVENTS:
        for source in spec.sources:
            if spec.dest is None:
                # transitions draws one self-loop per state, listing its internal events.
                loop = next(line for line in text.splitlines() if line.strip().startswith(f"{source} --> {source}:"))
                assert f"{spec.name} [internal]" in loop
            else:
                # transitions draws one edge per (source, dest), listing its events with " | ".
                edge = next(line for line in text.splitlines() if line.strip().startswith(f"{source} --> {spec.dest}:"))
                assert spec.name in edge.split(":", 1)[1].replace("|", " ").split(), edge


def test_docs_diagram_is_current():
    """docs/workflow.md carries the diagram the code generates (regenerate with `flask --app app workflow-doc`)."""
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "workflow.md")
    with open(path, encoding="utf-8") as handle:
        assert mermaid().strip() in handle.read()
