"""The history's tamper evidence: each row hashes its content and the previous row's hash."""
import hashlib
import json

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
