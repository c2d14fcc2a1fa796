"""The domain's coercion of outside values (workflows/values.py): ids fit every id column, numbers
stay whole, dates stay in the kept range. No database, no Flask."""
from datetime import date, datetime

import pytest

from workflows.machine import parse_moment
from workflows.values import FIRST_DAY, ID_MAX, LAST_DAY, in_range, record_id, whole_number


@pytest.mark.parametrize("value, expected", [
    (1, 1), ("1", 1), (" 42 ", 42), (ID_MAX, ID_MAX), (str(ID_MAX), ID_MAX),
    (ID_MAX + 1, None), ("2147483648", None), ("99999999999999999999", None), ("9" * 3000, None),
    (0, None), ("0", None), ("-1", None), ("abc", None), ("", None), (None, None), ("1.5", None),
    ("1e3", None), ("١٢", None), ("²", None), (True, None), ("1\x00", None), ("0x10", None),
])
def test_record_id_takes_only_what_an_id_column_holds(value, expected):
    assert record_id(value) == expected


def test_whole_numbers_within_their_bounds():
    assert whole_number("-5") == -5 and whole_number("+7") == 7
    assert whole_number("101", 0, 100) is None and whole_number("100", 0, 100) == 100
    assert whole_number(-(2 ** 31)) == -(2 ** 31) and whole_number(-(2 ** 31) - 1) is None
    assert whole_number("9" * 19) is None  # never reaches int() with thousands of digits
    assert whole_number(" ") is None and whole_number(False) is None


def test_the_kept_dates():
    assert in_range(FIRST_DAY) and in_range(LAST_DAY) and in_range(datetime(2099, 12, 31, 23, 59))
    assert not in_range(date(1999, 12, 31)) and not in_range(date(2100, 1, 1))
    assert not in_range(date(9999, 12, 31)) and not in_range(date(1, 1, 1))


def test_a_requested_deadline_out_of_range_is_no_deadline():
    assert parse_moment("2026-03-10T17:30") == datetime(2026, 3, 10, 17, 30)
    for text in ("9999-12-31T23:59", "0001-01-01T00:00", "2026-13-01T00:00", "2026-03-10T17:30+08:00", "abc", ""):
        assert parse_moment(text) is None, text
    assert parse_moment(datetime(9999, 12, 31)) is None
