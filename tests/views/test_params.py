"""app/params.py: the URL converters and the query/form parsers — their ranges, their refusals
(400 with a message in the user's language; 404 for a path), and the Open311 error format."""
import os
import re
from datetime import date, datetime

import pytest
from werkzeug.exceptions import NotFound

from app import params
from app.params import BadParameter
from workflows.models import WorkLogNote
from workflows.values import ID_MAX
from tests.factories import stop_clock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def match(app, path, method="GET"):
    """(endpoint, arguments) the URL map gives a path."""
    return app.url_map.bind("localhost").match(path, method=method)


@pytest.mark.parametrize("path, expected", [
    ("/cases/1", {"case_id": 1}),
    (f"/cases/{ID_MAX}", {"case_id": ID_MAX}),
    ("/worklog/people/7/days/2000-01-01", {"user_id": 7, "day": date(2000, 1, 1)}),
    ("/worklog/people/7/days/2099-12-31", {"user_id": 7, "day": date(2099, 12, 31)}),
    ("/points/c/C1/2026-03", {"code": "C1", "month": date(2026, 3, 1)}),
    ("/points/c/C1/quarters/2099/4", {"code": "C1", "year": 2099, "quarter": 4}),
])
def test_converters_take_values_in_range(app, path, expected):
    assert match(app, path)[1] == expected


@pytest.mark.parametrize("path", [
    "/cases/0", f"/cases/{ID_MAX + 1}", "/cases/99999999999999999999", "/cases/-1", "/cases/" + "9" * 3000,
    "/photos/2147483648", "/worklog/people/7/days/9999-12-31", "/worklog/people/7/days/0001-01-01",
    "/worklog/people/7/days/2026-13-01", "/worklog/people/7/days/2026-02-30", "/worklog/people/7/days/1999-12-31",
    "/points/c/C1/9999-12", "/points/c/C1/2026-13", "/points/c/C1/2026-00", "/points/c/C1/2100-01",
    "/points/c/C1/quarters/2026/5", "/points/c/C1/quarters/1999/1", "/points/c/C1/quarters/9999/4",
])
def test_converters_do_not_match_out_of_range(app, path):
    with pytest.raises(NotFound):
        match(app, path)


def test_no_view_reads_a_raw_number_or_date():
    """The parsers are the only way from a request to an int or a date (issue 16: written once)."""
    # The web layer: params parses; the CLI reads its own command-line arguments.
    web = re.compile(r"type=int|<int:|int\(request|fromisoformat\(|strptime\(|def _int\(|def _?parse_month\(")
    # The domain coerces with workflows/values.py, not a private copy.
    domain = re.compile(r"def _int\(|def _date\(|def parse_period\(")
    found = []
    for folder, pattern, exempt in (("app", web, ("app/params.py", "app/cli.py")), ("workflows", domain, ())):
        for base, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                relative = os.path.relpath(os.path.join(base, name), ROOT)
                if not name.endswith(".py") or relative in exempt or "migrations" in base:
                    continue
                with open(os.path.join(ROOT, relative), encoding="utf-8") as handle:
                    found += [f"{relative}: {line.strip()}" for line in handle if pattern.search(line)]
    assert found == []


# ---- parsing by name ----

def parsed(app, query, call):
    """What `call(params.args)` gives for this query string."""
    with app.test_request_context(f"/?{query}"):
        return call(params.args)


def refusal(app, query, call, lang="zh_CN"):
    """The message of the BadParameter `call(params.args)` raises, in `lang`."""
    with app.test_request_context(f"/?{query}"):
        from flask import session

        session["lang"] = lang
        with pytest.raises(BadParameter) as raised:
            call(params.args)
        return raised.value.text()


def test_ids_pages_and_numbers(app):
    assert parsed(app, "", lambda a: a.id("org")) is None
    assert parsed(app, "org=", lambda a: a.id("org")) is None
    assert parsed(app, f"org={ID_MAX}", lambda a: a.id("org")) == ID_MAX
    assert parsed(app, "page=", lambda a: a.page()) == 1
    assert parsed(app, "page=100000", lambda a: a.page()) == 100000
    assert parsed(app, "offset=0", lambda a: a.offset()) == 0
    assert parsed(app, "year=2099", lambda a: a.number("year", 2026, 2000, 2099)) == 2099
    assert parsed(app, "org=2147483648", lambda a: a.id("org", lenient=True)) is None
    for query, call in (("org=2147483648", lambda a: a.id("org")), ("org=0", lambda a: a.id("org")),
                        ("org=abc", lambda a: a.id("org")), ("page=0", lambda a: a.page()),
                        ("page=100001", lambda a: a.page()), ("page=-1", lambda a: a.page()),
                        ("offset=-1", lambda a: a.offset()), ("version=abc", lambda a: a.number("version")),
                        ("year=2100", lambda a: a.number("year", 2026, 2000, 2099))):
        refusal(app, query, call)


def test_dates_months_and_moments(app):
    assert parsed(app, "week=2026-03-02", lambda a: a.date("week")) == date(2026, 3, 2)
    assert parsed(app, "month=2026-03", lambda a: a.month()) == date(2026, 3, 1)
    assert parsed(app, "at=2026-03-02T09:00", lambda a: a.moment("at")) == datetime(2026, 3, 2, 9, 0)
    # An offset is converted to the configured zone (Asia/Shanghai).
    assert parsed(app, "at=2026-03-02T01:00:00Z", lambda a: a.moment("at")) == datetime(2026, 3, 2, 9, 0)
    for value in ("9999-12-31", "0001-01-01", "2026-13-01", "2026-02-30", "1999-12-31", "2026-3-2", "abc"):
        refusal(app, f"week={value}", lambda a: a.date("week"))
    for value in ("9999-12", "0001-01", "2026-13", "2026-00", "2100-01", "2026-3"):
        refusal(app, f"month={value}", lambda a: a.month())
    for value in ("9999-12-31T23:59:59", "0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-12:00",
                  "2026-03-02T25:00"):
        refusal(app, f"at={value}", lambda a: a.moment("at"))


def test_choices_and_text(app):
    assert parsed(app, "status=open", lambda a: a.choice("status", ("", "open"))) == "open"
    assert parsed(app, "status=", lambda a: a.choice("status", ("", "open"), "")) == ""
    refusal(app, "status=gone", lambda a: a.choice("status", ("", "open")))
    assert parsed(app, "key=abc", lambda a: a.text("request_key", max_length=64)) == ""
    refusal(app, "request_key=" + "k" * 65, lambda a: a.text("request_key", max_length=64))


def test_periods(app):
    today = date(2026, 5, 17)
    period = lambda query: parsed(app, query, lambda a: a.period(today))  # noqa: E731
    assert period("").key == "2026-05"
    assert period("kind=month&month=2026-03").key == "2026-03"
    assert period("kind=quarter&quarter=2026-Q2").start == date(2026, 4, 1)
    assert period("kind=quarter").key == "2026-Q2"
    assert period("kind=year&year=2099").end == date(2100, 1, 1)
    custom = period("kind=custom&first=2026-03-05&last=2026-03-06")
    assert (custom.start, custom.end) == (date(2026, 3, 5), date(2026, 3, 7))
    for query in ("kind=week", "kind=month&month=9999-12", "kind=quarter&quarter=9999-Q4",
                  "kind=quarter&quarter=2026-Q5", "kind=year&year=9999", "kind=custom&first=2026-03-06&last=2026-03-05", "kind=custom&first=2026-03-05",
                  "kind=custom&first=2020-01-01&last=2026-01-01", "kind=custom&first=0001-01-01&last=9999-12-31"):
        refusal(app, query, lambda a: a.period(today))


def test_messages_speak_the_users_language(app):
    call = lambda a: a.page()  # noqa: E731
    assert refusal(app, "page=0", call) == "“page” 必须是 1 到 100000 之间的整数。"
    assert refusal(app, "page=0", call, "en") == "“page” must be a whole number from 1 to 100000."
    assert "2000-01-01" in refusal(app, "d=9999-12-31", lambda a: a.date("d"))
    assert "至少" not in refusal(app, "kind=custom&first=2026-03-06&last=2026-03-05", lambda a: a.period(date.today()))


# ---- answers ----

def test_a_bad_value_is_a_400_page_or_fragment_in_the_users_language(login, app_world):
    member = login("member")
    page = member.get("/cases?page=99999999999999999999")
    assert page.status_code == 400 and "“page” 必须是 1 到 100000 之间的整数。" in page.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True).lower()
    fragment = member.get("/cases?page=0", headers={"HX-Request": "true", "HX-Target": "case-list"})
    assert fragment.status_code == 400 and "<html" not in fragment.get_data(as_text=True).lower()
    assert "“page”" in fragment.get_data(as_text=True)
    member.post("/lang", {"lang": "en", "next": "/cases"}, token_from="/cases")
    assert "must be a whole number from 1 to 100000" in member.get("/cases?page=0").get_data(as_text=True)


def test_nul_in_a_path_is_refused_and_in_text_removed(app, login, client, app_world):
    stop_clock(app, datetime(2026, 3, 4, 10, 0))
    assert client.get("/g/G1%00").status_code == 400
    assert client.get("/track?code=AB%00CD").status_code == 404  # looked up as ABCD: no such code
    member = login("member")
    response = member.post("/worklog/notes", {"kind": "day", "day": "2026-03-02", "text": "a\x00b"},
                           token_from="/patrols")
    assert response.status_code == 303
    assert WorkLogNote.get().text == "ab"


def test_open311_refuses_in_its_own_format(client, app_world):
    json_answer = client.get("/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B14:00")
    assert json_answer.status_code == 400
    assert json_answer.get_json() == [{"code": 400, "description": "“start_date” 必须是 2000-01-01 到 2099-12-31 之间的日期和时间，"
                                                                      "例如 2026-03-02T09:00。"}]
    xml_answer = client.get("/open311/v2/requests.xml?end_date=9999-12-31")
    assert xml_answer.status_code == 400 and xml_answer.content_type.startswith("text/xml")
    assert "<errors><error><code>400</code><description>“end_date”" in xml_answer.get_data(as_text=True)
    nul = client.get("/open311/v2/requests.xml?status=open%00")  # read as "open"
    assert nul.status_code == 200 and "<service_requests" in nul.get_data(as_text=True)
