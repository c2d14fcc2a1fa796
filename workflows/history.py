"""The history's tamper evidence: each row hashes its content and the previous row's hash."""
import hashlib
import json
from dataclasses import dataclass
from itertools import groupby

HASHED_FIELDS = (
    "seq", "event", "from_state", "to_state", "actor_id", "actor_name", "actor_role", "at",
    "note", "data", "level", "department_id", "prev_deadline", "deadline", "request_key",
)


def _plain(value):
    """A JSON-stable form of a column value."""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return value


def event_hash(case_id, row, prev_hash):
    """SHA-256 over the case id, the hashed columns of `row` and the previous row's hash."""
    content = {name: _plain(getattr(row, name)) for name in HASHED_FIELDS}
    content["case_id"] = case_id
    content["prev_hash"] = prev_hash
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place where a case's history fails to check out."""

    case_id: int
    number: str
    seq: int
    problem: str

    def __str__(self):
        return f"case {self.number} (id {self.case_id}), history row {self.seq}: {self.problem}"


def explain_row(row, previous_state):
    """Why this row is not a legal step from `previous_state` (None if it is)."""
    from workflows.machine import EVENT_SPECS, INITIAL

    if previous_state is None:
        if (row.event, row.from_state, row.to_state) != ("create", None, INITIAL):
            return f"the first row must record the case's creation, found {row.event!r}"
        return None
    spec = EVENT_SPECS.get(row.event)
    if spec is None:
        return f"unknown event {row.event!r}"
    if row.from_state != previous_state:
        return f"starts from {row.from_state!r} but the previous row left the case {previous_state!r}"
    if row.from_state not in spec.sources:
        return f"{row.event!r} cannot be fired from {row.from_state!r}"
    if row.to_state != (spec.dest or row.from_state):
        return f"{row.event!r} cannot lead to {row.to_state!r}"
    return None


def check_case(case_id, number, state, version, rows):
    """Check one case's rows (in seq order): numbering, hash chain, legal steps, final state."""
    prev_hash, previous_state, count = "", None, 0
    for count, row in enumerate(rows, 1):
        if row.seq != count:
            return Break(case_id, number, count, f"row {count} is missing (found {row.seq} next)")
        if row.prev_hash != prev_hash:
            return Break(case_id, number, row.seq, "the link to the previous row is broken")
        if event_hash(case_id, row, row.prev_hash) != row.hash:
            return Break(case_id, number, row.seq, "the row was changed after it was written")
        problem = explain_row(row, previous_state)
        if problem:
            return Break(case_id, number, row.seq, problem)
        prev_hash, previous_state = row.hash, row.to_state
    if count == 0:
        return Break(case_id, number, 0, "the case has no history")
    if count != version:
        return Break(case_id, number, count, f"the case's version is {version} but it has {count} history rows")
    if previous_state != state:
        return Break(case_id, number, count, f"the case is {state!r} but its history leaves it {previous_state!r}")
    return None


def verify_history():
    """Check every case's history; returns (cases checked, rows checked, the first Break or None)."""
    from workflows.models import Case, CaseEvent

    cases = Case.select(Case.id, Case.number, Case.state, Case.version).order_by(Case.id).tuples().iterator()
    rows = CaseEvent.select().order_by(CaseEvent.case, CaseEvent.seq).iterator()
    grouped = groupby(rows, key=lambda row: row.case_id)
    pending = next(grouped, None)
    checked = total_rows = 0
    for case_id, number, state, version in cases:
        if pending is not None and pending[0] < case_id:
            # History rows of a case that does not exist (the foreign key forbids this).
            return checked, total_rows, Break(pending[0], "?", 0, "history rows without their case")
        own = list(pending[1]) if pending is not None and pending[0] == case_id else []
        if own:
            pending = next(grouped, None)
        problem = check_case(case_id, number, state, version, own)
        if problem:
            return checked, total_rows, problem
        checked += 1
        total_rows += len(own)
    if pending is not None:
        return checked, total_rows, Break(pending[0], "?", 0, "history rows without their case")
    return checked, total_rows, None


# ---- reading a case's history ------------------------------------------------------------------


def last_event(case_id, event):
    """The case's latest history row of this event, or None."""
    from workflows.models import CaseEvent

    return (CaseEvent.select().where((CaseEvent.case == case_id) & (CaseEvent.event == event))
            .order_by(CaseEvent.seq.desc()).first())


def pending_request(case_id, request, kinds):
    """The latest row among `kinds` if it is a `request` (nothing has answered or ended it since), else None."""
    from workflows.models import CaseEvent

    last = (CaseEvent.select().where((CaseEvent.case == case_id) & CaseEvent.event.in_(kinds))
            .order_by(CaseEvent.seq.desc()).first())
    return last if last is not None and last.event == request else None
