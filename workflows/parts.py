"""Joint handling (联办): a lead department and co-departments, each co-department recording its part.

Parts are written only by the one write path (workflows.service.fire), in the event's transaction:
`dispatch` with co-departments adds open parts; `record_part` and `explain_part` settle the actor's
department's part. The lead's `rectify` waits until no part is open (workflows.machine.parts_settled).
"""
from workflows.models import CasePart, Department

PART_EVENTS = {"record_part": "done", "explain_part": "explained"}


def open_part(case, department_id):
    """The department's part of the case still to be recorded, or None."""
    if department_id is None:
        return None
    return CasePart.get_or_none((CasePart.case == case.id) & (CasePart.department == department_id)
                                & (CasePart.state == "open"))


def has_part(case, department_id):
    """The department has (or had) a part in the case."""
    return department_id is not None and CasePart.select().where(
        (CasePart.case == case.id) & (CasePart.department == department_id)).exists()


def open_parts(case):
    """How many parts of the case are neither done nor explained."""
    return CasePart.select().where((CasePart.case == case.id) & (CasePart.state == "open")).count()


def parts_of(case):
    """The case's parts with their departments, in the order they were added."""
    return list(CasePart.select(CasePart, Department).join(Department)
                .where(CasePart.case == case.id).order_by(CasePart.added_at, CasePart.id))


def write(case, event, data, record, actor, now):
    """The parts an event adds or settles (called by the service after the history row, same transaction)."""
    if event == "dispatch":
        rows = [{"case": case.id, "department": department, "added_at": now, "state": "open"}
                for department in data.get("co_departments", ())]
        if rows:
            # A department already in the case (a re-dispatch) keeps its part as it is.
            CasePart.insert_many(rows).on_conflict_ignore().execute()
    elif event in PART_EVENTS:
        state = PART_EVENTS[event]
        text = {"result" if state == "done" else "explained": data.get("note") or data.get("reason", "")}
        CasePart.update(state=state, event=record.id, settled_at=now, **text).where(
            (CasePart.case == case.id) & (CasePart.department == actor.department_id)
            & (CasePart.state == "open")).execute()
