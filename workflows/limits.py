"""Time limits as data: per state (and per urgency where it matters), versioned by the moment they apply from.

An admin's change is a new row effective from when it is saved, so it governs steps
entered after it and never touches a deadline already stamped. Without rows the built-in
limits of workflows.machine apply.
"""
from workflows import sql
from workflows.clock import UNITS, Limit
from workflows.db import write_transaction
from workflows.machine import EMERGENCY, OPEN_STATES, TIME_LIMITS, URGENCY_STATES, default_limit, limit_key
from workflows.models import URGENCIES, TimeLimit, User


def urgency_key(state, urgency):
    """The urgency a state's limit depends on ("" when it does not; an emergency's own limit where it has one)."""
    return limit_key(state, urgency)[1] or ""


def limit_at(state, urgency, at=None):
    """The limit of a step of `state` entered at `at` (None: the newest limit)."""
    values = {"state": state, "urgency": urgency_key(state, urgency)}
    rows = sql.LIMIT_NOW.rows(**values) if at is None else sql.LIMIT_AT.rows(at=at, **values)
    if not rows:
        return default_limit(state, urgency)
    return Limit(rows[0][0], rows[0][1])


def step_limit(case):
    """The limit that governs the case's current step (the one in force when it started)."""
    return limit_at(case.state, case.urgency, case.step_started_at)


def keys():
    """Every (state, urgency) that has a limit, in the machine's order."""
    out = []
    for state in OPEN_STATES:
        if state in URGENCY_STATES:
            out.extend((state, urgency) for urgency in URGENCIES)
        else:
            out.append((state, ""))
            if (state, EMERGENCY) in TIME_LIMITS:
                out.append((state, EMERGENCY))
    return out


def current_limits():
    """[(state, urgency, Limit)] as in force now."""
    return [(state, urgency, limit_at(state, urgency or None)) for state, urgency in keys()]


def set_limit(state, urgency, amount, unit, user, now):
    """Change a step's limit from now on; raises ValueError for an unknown step or a bad limit."""
    if (state, urgency) not in keys():
        raise ValueError("unknown step")
    if unit not in UNITS:
        raise ValueError("unknown unit")
    limit = Limit(float(amount), unit)
    if limit.amount <= 0:
        raise ValueError("a time limit must be positive")
    with write_transaction():
        TimeLimit.insert(state=state, urgency=urgency, amount=limit.amount, unit=unit, effective_from=now,
                         created_by=user.id if isinstance(user, User) else None, created_at=now).on_conflict(
            conflict_target=[TimeLimit.state, TimeLimit.urgency, TimeLimit.effective_from],
            update={TimeLimit.amount: limit.amount, TimeLimit.unit: unit},
        ).execute()
    return limit


def seed_limits(effective_from, now):
    """Write the built-in limits as the table's first rows (once)."""
    if TimeLimit.select().exists():
        return 0
    rows = [
        {"state": state, "urgency": urgency or "", "amount": limit.amount, "unit": limit.unit,
         "effective_from": effective_from, "created_at": now}
        for (state, urgency), limit in TIME_LIMITS.items()
    ]
    TimeLimit.insert_many(rows).execute()
    return len(rows)


def history():
    """Every limit row, newest first (the audit of changes)."""
    return list(TimeLimit.select().order_by(TimeLimit.effective_from.desc(), TimeLimit.id.desc()))
