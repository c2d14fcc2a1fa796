"""Typed values from a request: URL converters and query/form parsers, each with its range.

The one place that decides what an id, a page, a number, a date, a month, a moment, a period or a
choice taken from a request may be (issue 15: bad input never gives a 500). Python's ints and
dates are wider than the database's and the calendar's; a value outside its range never reaches
a query or date arithmetic:

- in a URL path, a converter simply does not match: 404.
  `<id:case_id>` 1 … 2**31 - 1, `<ymd:day>` a date, `<ym:month>` a month (as its first day),
  `<year:year>`, `<quarter:quarter>`;
- in a query string or a form, `args` / `form` / `values` parse by name and raise BadParameter,
  which the app answers with 400 and a message in the user's language (the error page, or the
  message fragment for htmx), and the Open311 blueprint in its own error format. A parser
  given `lenient=True` answers None for a bad value instead, for a form that shows its own
  message beside the field;
- a NUL character in the path is refused (400) before any view runs: no database stores it in
  text (PostgreSQL raises). Query strings and forms never hold one: the request boundary
  (app/inputs.py) removes it with the other control characters XML cannot carry.

Dates are kept within workflows.values.FIRST_DAY … LAST_DAY (2000 … 2099), ids within ID_MAX:
the domain refuses the same ranges on its side.
"""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, ValidationError

from workflows.stats import PERIOD_KINDS, custom, month, quarter, year
from workflows.values import FIRST_DAY, ID_MAX, LAST_DAY, in_range, record_id, whole_number

PAGE_MAX = 100_000  # pages of a list (×50 rows: far past any list)
OFFSET_MAX = 1_000_000
N_ = str  # a msgid, translated when the message is shown


class BadParameter(BadRequest):
    """A request value that is malformed or out of range; answered with 400 and `text()`."""

    def __init__(self, field, message, **params):
        super().__init__()
        self.field = field
        self.message = message  # a msgid with %(name)s-style placeholders
        self.params = {"name": field, **params}

    def text(self):
        """The message in the request's language."""
        return gettext(self.message, **self.params)

    def __str__(self):
        return f"{self.field}: {self.message % self.params}"


# ---- parsing one text ----

MESSAGES = {
    "id": N_("“%(name)s” does not name a record."),
    "number": N_("“%(name)s” must be a whole number from %(low)s to %(high)s."),
    "date": N_("“%(name)s” must be a date from %(first)s to %(last)s, written as YYYY-MM-DD."),
    "month": N_("“%(name)s” must be a month from %(first)s to %(last)s, written as YYYY-MM."),
    "quarter": N_("“%(name)s” must be a quarter from %(first)s to %(last)s, written as YYYY-Qn."),
    "moment": N_("“%(name)s” must be a date and time from %(first)s to %(last)s, such as 2026-03-02T09:00."),
    "choice": N_("“%(name)s” must be one of: %(choices)s."),
    "text": N_("“%(name)s” is longer than %(n)s characters."),
    "nul": N_("The request contains a character that cannot be stored (NUL)."),
    "order": N_("The period ends (%(last)s) before it starts (%(first)s)."),
    "span": N_("A period may span at most %(n)s days."),
}
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# ISO 8601 as browsers and other systems send it: date, T or space, hh:mm[:ss[.fff]], an optional offset.
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?", re.ASCII)


def refuse(kind, name, **params):
    """Raise the BadParameter of this kind of value."""
    raise BadParameter(name, MESSAGES[kind], **params)


def parse_id(text, name):
    """An id (1 … ID_MAX)."""
    number = record_id(text)
    if number is None:
        refuse("id", name)
    return number


def parse_number(text, name, low, high):
    """A whole number within [low, high]."""
    number = whole_number(text, low, high)
    if number is None:
        refuse("number", name, low=low, high=high)
    return number


def parse_date(text, name, first=FIRST_DAY, last=LAST_DAY):
    """A YYYY-MM-DD date within [first, last]."""
    try:
        day = date.fromisoformat(text) if _DAY.fullmatch(text or "") else None
    except ValueError:
        day = None
    if day is None or not first <= day <= last:
        refuse("date", name, first=first.isoformat(), last=last.isoformat())
    return day


def parse_month(text, name, first=FIRST_DAY, last=LAST_DAY):
    """A YYYY-MM month within [first, last], as its first day."""
    found = _MONTH.fullmatch(text)
    day = None
    if found and 1 <= int(found.group(2)) <= 12:
        day = date(int(found.group(1)), int(found.group(2)), 1)
    if day is None or not first.replace(day=1) <= day <= last:
        refuse("month", name, first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
    return day


def parse_moment(text, name, zone=None):
    """An ISO date-time (a date alone is its midnight) within the date range, as naive local time.
    One with an offset is converted to `zone` (the configured time zone when None)."""
    moment = None
    if _MOMENT.fullmatch(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
    # Checked before any conversion: an offset moves a moment by at most a day, far from the calendar's edges.
    if moment is None or not in_range(moment):
        refuse("moment", name, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    if moment.tzinfo is not None:
        zone = zone or ZoneInfo(current_app.config["TIMEZONE"])
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment


def parse_choice(text, name, choices):
    """One of `choices`."""
    if text not in choices:
        refuse("choice", name, choices=", ".join(str(c) for c in choices))
    return text


def parse_period(kind, value, first, last, today, max_days=None):
    """A statistics period (workflows.stats.Period) from its kind and value: YYYY-MM, YYYY-Qn, YYYY or
    two dates in order (and at most `max_days` apart); the current month when nothing is asked."""
    kind = parse_choice(kind, "kind", PERIOD_KINDS) if kind else "month"
    if kind == "month":
        day = parse_month(value, "month") if value else today.replace(day=1)
        return month(day.year, day.month)
    if kind == "quarter":
        if not value:
            return quarter(today.year, (today.month - 1) // 3 + 1)
        found = _QUARTER.fullmatch(value)
        if not found or not FIRST_DAY.year <= int(found.group(1)) <= LAST_DAY.year:
            refuse("quarter", "quarter", first=f"{FIRST_DAY.year}-Q1", last=f"{LAST_DAY.year}-Q4")
        return quarter(int(found.group(1)), int(found.group(2)))
    if kind == "year":
        return year(parse_number(value, "year", FIRST_DAY.year, LAST_DAY.year) if value else today.year)
    start, end = parse_dates(first, last, max_days=max_days, required=True)
    return custom(start, end)


def parse_dates(first_text, last_text, first_name="first", last_name="last", max_days=None, required=False):
    """(first, last) dates of a range, either open when not `required`; refused out of order or too long."""
    first = parse_date(first_text, first_name) if first_text or required else None
    last = parse_date(last_text, last_name) if last_text or required else None
    if first and last:
        if last < first:
            refuse("order", last_name, first=first.isoformat(), last=last.isoformat())
        if max_days is not None and (last - first).days + 1 > max_days:
            refuse("span", last_name, n=max_days)
    return first, last


# ---- by name, from the request ----


class Values:
    """Typed values of one part of the request (its query string, its form, or both), by name.

    A missing or blank value gives the default; a malformed or out-of-range one raises
    BadParameter (400), or gives None with `lenient=True`.
    """

    def __init__(self, part):
        self._part = part  # () -> the MultiDict to read

    def raw(self, name):
        """The value as sent, stripped; None when missing or blank."""
        value = self._part().get(name)
        value = value.strip() if isinstance(value, str) else value
        return value or None

    def _parse(self, name, default, lenient, parse, *args):
        text = self.raw(name)
        if text is None:
            return default
        try:
            return parse(text, name, *args)
        except BadParameter:
            if lenient:
                return None
            raise

    def id(self, name, default=None, lenient=False):
        """An id (1 … 2**31 - 1)."""
        return self._parse(name, default, lenient, parse_id)

    def number(self, name, default=None, low=0, high=ID_MAX, lenient=False):
        """A whole number within [low, high]."""
        return self._parse(name, default, lenient, parse_number, low, high)

    def page(self, name="page"):
        """A page of a list (1 … PAGE_MAX), the first by default."""
        return self.number(name, 1, 1, PAGE_MAX)

    def offset(self, name="offset"):
        """How many rows to skip (0 … OFFSET_MAX), none by default."""
        return self.number(name, 0, 0, OFFSET_MAX)

    def date(self, name, default=None, first=FIRST_DAY, last=LAST_DAY, lenient=False):
        """A YYYY-MM-DD date."""
        return self._parse(name, default, lenient, parse_date, first, last)

    def month(self, name="month", default=None, lenient=False):
        """A YYYY-MM month, as its first day."""
        return self._parse(name, default, lenient, parse_month)

    def moment(self, name, default=None, lenient=False):
        """An ISO date-time, as naive local time."""
        return self._parse(name, default, lenient, parse_moment)

    def choice(self, name, choices, default=None, lenient=False):
        """One of `choices` (a value outside them is refused, never guessed)."""
        return self._parse(name, default, lenient, parse_choice, tuple(choices))

    def text(self, name, default="", max_length=None):
        """Text as sent (NUL is refused for every request); longer than `max_length` is refused."""
        value = self._part().get(name)
        if value is None:
            return default
        if max_length is not None and len(value) > max_length:
            refuse("text", name, n=max_length)
        return value

    def dates(self, first="first", last="last", max_days=None):
        """(first, last) of a date range, either end open; in order, and at most `max_days` long."""
        return parse_dates(self.raw(first), self.raw(last), first, last, max_days)

    def period(self, today, max_days=3 * 366):
        """A statistics period: ?kind=month&month=YYYY-MM, quarter=YYYY-Qn, year=YYYY or
        custom&first=…&last=… (at most `max_days`); the current month when none is asked."""
        kind = self.raw("kind")
        value = self.raw(kind) if kind in ("month", "quarter", "year") else None
        return parse_period(kind, value, self.raw("first"), self.raw("last"), today, max_days)


args = Values(lambda: request.args)
form = Values(lambda: request.form)
values = Values(lambda: request.values)


def shift_month(first_day, step):
    """The first day of the month `step` months away, or None outside the date range."""
    year_, month_ = divmod(first_day.year * 12 + first_day.month - 1 + step, 12)
    return date(year_, month_ + 1, 1) if FIRST_DAY.year <= year_ <= LAST_DAY.year else None


# ---- in the URL ----


class IdConverter(BaseConverter):
    """<id:name>: a record id, 1 … 2**31 - 1 (longer digit strings do not even match)."""

    regex = r"[0-9]{1,10}"
    weight = 50

    def to_python(self, value):
        number = record_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))


class YearConverter(BaseConverter):
    """<year:name>: a year of the date range."""

    regex = r"[0-9]{4}"
    weight = 50

    def to_python(self, value):
        if not FIRST_DAY.year <= int(value) <= LAST_DAY.year:
            raise ValidationError()
        return int(value)

    def to_url(self, value):
        return str(int(value))


class QuarterConverter(BaseConverter):
    """<quarter:name>: 1 … 4."""

    regex = r"[1-4]"
    weight = 50

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))


class DayConverter(BaseConverter):
    """<ymd:name>: a YYYY-MM-DD date of the date range, as a date."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value):
        try:
            return parse_date(value, "day")
        except BadParameter:
            raise ValidationError() from None

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)


class MonthConverter(BaseConverter):
    """<ym:name>: a YYYY-MM month of the date range, as its first day."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value):
        try:
            return parse_month(value, "month")
        except BadParameter:
            raise ValidationError() from None

    def to_url(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else str(value)


CONVERTERS = {"id": IdConverter, "year": YearConverter, "quarter": QuarterConverter, "ymd": DayConverter,
              "ym": MonthConverter}


def refuse_nul():
    """Refuse a request whose path carries NUL, before any view reads it."""
    if "\x00" in request.path:
        refuse("nul", "")


def init_app(app):
    """Register the converters (before any blueprint adds its rules), the NUL check and the 400 answer."""
    app.url_map.converters.update(CONVERTERS)
    app.before_request(refuse_nul)

    @app.errorhandler(BadParameter)
    def bad_parameter(error):
        from app.views import error_page

        return error_page(400, error.text())

