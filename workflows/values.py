"""Values from outside (forms, imports, other systems) as the domain takes them: ids that fit every
id column, whole numbers, and the range of dates the system keeps.

Python's ints and dates are wider than the database's and the calendar's: an id past 2**31 - 1
overflows PostgreSQL's integer columns (SQLite's past 2**63), and `date(9999, 12, 31) + timedelta(1)`
raises. A value outside these ranges is refused here, where it enters, and never reaches a query or
date arithmetic. The web layer's parsers (app/params.py) use the same bounds.
"""
import re
from datetime import date, datetime

# PostgreSQL's serial ids are int4: every id column holds 1 … 2**31 - 1.
ID_MAX = 2 ** 31 - 1
# The dates the system keeps and accepts: wide for any real record, far from the calendar's edges.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")


def whole_number(value, low=-ID_MAX - 1, high=ID_MAX):
    """An int from an int or its decimal text (surrounding spaces allowed) within [low, high], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not _WHOLE.fullmatch(text):
            return None
        number = int(text)
    return number if low <= number <= high else None


def record_id(value):
    """An id (1 … ID_MAX) from an int or its text, else None: an id no column can hold names no record."""
    return whole_number(value, 1, ID_MAX)


def in_range(day):
    """True if the date (or a datetime's date) lies within FIRST_DAY … LAST_DAY."""
    if isinstance(day, datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


def calendar_date(value):
    """A date from a date, a datetime (its day) or YYYY-MM-DD text, else None. The caller checks the range
    its field allows (a birth date may lie before FIRST_DAY)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
