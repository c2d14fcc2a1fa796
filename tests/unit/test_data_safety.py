"""Several processes fire conflicting events at the same cases at the same moment.

Every accepted event is in the history, no case ends in a state its history does not
explain, a double-submitted form records one event, and no "database is locked" (or any
error other than a clear refusal) reaches a caller. Runs on SQLite and on PostgreSQL.
"""
import multiprocessing
import random
import uuid
from datetime import timedelta

from tests.factories import T0, new_case
from workflows.db import db
from workflows.history import verify_history
from workflows.models import CaseEvent

PROCESSES = 4
CASES = 4
CONTENDED_ROUNDS = 16
BLIND_FIRES = 12
ACTORS = ("member", "member2", "lead", "community", "street_disp", "handler", "supervisor")
# What each event needs to be accepted (a dispatch goes to the case street's sanitation team).
DATA = {
    "handle": {"note": "现场处置"}, "report": {}, "send_back": {"reason": "退回"}, "escalate": {"reason": "上报上级"},
    "decline": {"reason": "非本部门职责"}, "rectify": {"note": "已整改"}, "verify": {"note": "核查通过"},
    "rework": {"reason": "整改不到位"}, "close": {"note": "结案"}, "void": {"void_kind": "invalid", "reason": "无效"},
    "reopen": {"reason": "群众反映未解决"},
    "request_extension": {"requested_deadline": "2027-12-31T17:00", "reason": "需要更多时间"},
    "deny_extension": {"reason": "理由不充分"}, "request_suspension": {"reason": "等待法院判决"},
    "deny_suspension": {"reason": "不符合挂起条件"},
}


def _pick(case, users, rng, now):
    """A (user, event) some user may fire on the case as it is now, or None."""
    from workflows.service import available_events

    for name in rng.sample(ACTORS, len(ACTORS)):
        events = available_events(case, users[name], now)
        if events:
            return users[name], rng.choice(events)
    return None


def _fire(case, user, event, now, department, **kw):
    """Fire and describe the outcome as plain data."""
    from workflows.errors import WorkflowError
    from workflows.service import fire

    data = dict(DATA.get(event, {}))
    if event == "dispatch":
        data["department"] = department
    if event == "give":  # to a member of the case's grid
        from workflows.models import User

        data["holder"] = User.get(User.username == "member2").id
    try:
        row = fire(case, event, user, now, **kw, **data)
    except WorkflowError as exc:
        return {"outcome": exc.code}
    except Exception as exc:  # noqa: BLE001 — anything but a refusal is what this test hunts
        return {"outcome": "unexpected", "error": repr(exc)}
    return {"outcome": "accepted", "case": row.case_id, "seq": row.seq, "event": row.event, "hash": row.hash,
            "key": row.request_key}


def worker(url, case_ids, department, barrier, results, seed):
    """One server process: contended rounds (same case, same version, same moment), double taps, blind fires."""
    from workflows.clock import Clock
    from workflows.db import bind, open_database
    from workflows.models import Case, User

    bind(open_database(url))
    rng = random.Random(seed)
    clock = Clock()
    users = {u.username: u for u in User.select()}
    out = []
    for round_ in range(CONTENDED_ROUNDS):
        now = T0 + timedelta(minutes=round_)
        case = Case.get_by_id(case_ids[round_ % len(case_ids)])
        choice = _pick(case, users, rng, now)
        db.close()
        barrier.wait(60)
        if choice is None:
            out.append({"round": round_, "outcome": "idle"})
            continue
        result = _fire(case, *choice, now, department, clock=clock, expected_version=case.version,
                       request_key=uuid.uuid4().hex)
        out.append({"round": round_, **result})
        db.close()
    # A double tap: every process sends the same form (same version, same request key) at once.
    barrier.wait(60)
    case = Case.get_by_id(case_ids[0])
    now = T0 + timedelta(hours=1)
    choice = _pick(case, users, random.Random(f"tap{case.version}"), now)
    db.close()
    barrier.wait(60)
    if choice is not None:
        result = _fire(case, *choice, now, department, clock=clock, expected_version=case.version,
                       request_key=f"tap-{case.id}-{case.version}")
        out.append({"round": "tap", **result})
    for n in range(BLIND_FIRES):
        now = T0 + timedelta(hours=2, minutes=n)
        case = Case.get_by_id(rng.choice(case_ids))
        choice = _pick(case, users, rng, now)
        if choice is not None:
            out.append({"round": "blind", **_fire(case, *choice, now, department, clock=clock)})
        db.close()
    results.put(out)


def test_processes_firing_conflicting_events_leave_a_history_that_explains_every_case(world, database_url):
    case_ids = [new_case(world).id for _ in range(CASES)]
    db.close()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=worker, args=(database_url, case_ids, world.sanitation.id, barrier, results, seed))
               for seed in range(PROCESSES)]
    for process in workers:
        process.start()
    outcomes = [item for _ in workers for item in results.get(timeout=300)]
    for process in workers:
        process.join(30)
        assert process.exitcode == 0

    unexpected = [o for o in outcomes if o["outcome"] == "unexpected"]
    assert unexpected == []
    accepted = [o for o in outcomes if o["outcome"] == "accepted"]
    # Contended rounds: everyone acted on the same version at once, so exactly one change landed.
    for round_ in range(CONTENDED_ROUNDS):
        fired = [o for o in outcomes if o["round"] == round_ and o["outcome"] != "idle"]
        if fired:
            assert sum(o["outcome"] == "accepted" for o in fired) == 1, fired
            assert all(o["outcome"] in ("accepted", "stale") for o in fired), fired
    # The double tap recorded one event, and every tap got that event back (none was told it failed).
    taps = [o for o in outcomes if o["round"] == "tap"]
    assert taps and all(o["outcome"] == "accepted" for o in taps), taps
    assert len({(o["case"], o["seq"]) for o in taps}) == 1
    assert CaseEvent.select().where(CaseEvent.request_key == taps[0]["key"]).count() == 1
    # Every accepted event is in the history, exactly as returned; nothing else is.
    recorded = {(e.case_id, e.seq): (e.event, e.hash) for e in CaseEvent.select()}
    landed = {(o["case"], o["seq"]): (o["event"], o["hash"]) for o in accepted}
    assert all(recorded[key] == value for key, value in landed.items())
    assert len(recorded) == CASES + len(landed)
    # Each case's state, version and hash chain are explained by its history.
    assert verify_history() == (CASES, len(recorded), None)
    print(f"{len(outcomes)} attempts by {PROCESSES} processes: {len(landed)} events accepted, "
          f"{sum(o['outcome'] == 'stale' for o in outcomes)} refused as stale, "
          f"{sum(o['outcome'] not in ('accepted', 'stale', 'idle') for o in outcomes)} other refusals")
