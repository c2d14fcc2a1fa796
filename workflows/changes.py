"""How many changes the cases of an org unit or a department have seen: a board's cheap "anything new?".

The one write path (workflows.service) counts every case it creates or changes against the case's
grid, community, street and district and the departments it leaves and enters, in the same
transaction as the change. These counts only grow, so the sum over a board's scope changes exactly
when a case the board may show was written: a board keeps its aggregate (app/views/boards.py)
while that sum is the same. They live in the `counter` table (keys `changes:org:<id>`,
`changes:dept:<id>`); a unit whose cases never changed through the write path has no row (0).
"""
from workflows import sql

# The scope keys of a board (app/views/boards.py SCOPE_COLUMNS) that name an org unit.
ORG_KEYS = ("grid", "community", "street", "district")


def key(scope_key, unit_id):
    """The counter of one org unit (grid, community …) or department."""
    return f"changes:{'dept' if scope_key == 'department' else 'org'}:{unit_id}"


def count(case, department_before=None):
    """Count one change of `case` (call inside its write transaction, after the change)."""
    keys = [key(name, getattr(case, f"{name}_id")) for name in ORG_KEYS]
    keys += sorted({key("department", d) for d in (department_before, case.department_id) if d is not None})
    sql.bump(len(keys)).changed(**{f"k{i}": k for i, k in enumerate(keys)})


def mark(scope):
    """The sum of the counters of a board's scope ({"grid": id, "department": id …})."""
    keys = [key(name, scope[name]) for name in sorted(scope)]
    return sql.counter_sum(len(keys)).rows(**{f"k{i}": k for i, k in enumerate(keys)})[0][0]
