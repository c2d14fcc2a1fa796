"""Numbers people quote: 2026-000123 for cases, per-year counters for anything else."""
from workflows.models import Counter


def next_value(key):
    """Increment a named counter and return its new value; call inside a write transaction."""
    Counter.insert(key=key, value=0).on_conflict_ignore().execute()
    Counter.update(value=Counter.value + 1).where(Counter.key == key).execute()
    return Counter.get_by_id(key).value


def next_case_number(now):
    """The next case number of the year, e.g. 2026-000123."""
    return f"{now.year}-{next_value(f'case:{now.year}'):06d}"
