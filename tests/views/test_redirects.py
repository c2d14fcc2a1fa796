"""Redirects taken from a request stay on this site: `next` on /login and /lang, every form a browser
would read as another site, and CR/LF that once broke the answer after the session was made."""
import re
from urllib.parse import urljoin, urlsplit

import pytest

from app.inputs import same_site_path
from tests.factories import PASSWORD

# Each as the server receives it (the query string or form decoded once).
OFF_SITE = [
    "//evil.example",
    "//evil.example/x",
    "\\\\evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "\t//evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%0D%0A/evil.example",
    "/\r\n/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "／／evil.example",
    "\u2215\u2215evil.example",
    "evil.example",
    "",
]
# Same-site paths that are kept (non-ASCII is percent-encoded in the Location).
KEPT = ["/cases", "/grids/G1/board?category=1&overdue=1", "/cases/1#history", "/／evil.example"]


def browser_target(location, here="http://localhost/login"):
    """Where a browser would go: it drops tabs and newlines and reads a backslash as a slash."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip("\x00 ")
    return urljoin(here, cleaned)


def assert_same_site(response):
    """A redirect whose Location a browser resolves to this host, with nothing a browser would bend."""
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert not re.search(r"[\x00-\x1f\x7f\\]", location), location
    assert urlsplit(browser_target(location)).netloc == "localhost", location
    return location


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_one_function_refuses_every_off_site_form(app, target):
    assert same_site_path(target, "/home") == "/home"


@pytest.mark.parametrize("target", KEPT)
def test_the_one_function_keeps_same_site_paths(target):
    assert same_site_path(target) == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_goes_home_for_every_off_site_next(client, app_world, target):
    token = client.token("/login")
    response = client.http.post("/login", query_string={"next": target},
                                data={"username": "member", "password": PASSWORD, "csrf_token": token})
    assert assert_same_site(response) == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_goes_home_for_every_off_site_next(client, app_world, target):
    response = client.post("/lang", {"lang": "en", "next": target})
    assert assert_same_site(response) == "/"


def test_crlf_in_next_after_sign_in_is_no_500_and_the_session_works(client, app_world):
    """The session is made before the redirect: CR/LF there once answered 500 with the user signed in."""
    token = client.token("/login")
    response = client.http.post("/login", query_string={"next": "/cases\r\nSet-Cookie: planted=1"},
                                data={"username": "member", "password": PASSWORD, "csrf_token": token})
    location = assert_same_site(response)
    assert "planted" not in response.headers.get("Set-Cookie", "").split(";")[0]
    assert location.startswith("/casesSet-Cookie")  # CR/LF dropped: a path on this site, nothing more
    assert client.get("/cases").status_code == 200  # signed in


@pytest.mark.parametrize("target", KEPT[:3])
def test_same_site_next_is_followed(client, app_world, target):
    token = client.token("/login")
    response = client.http.post("/login", query_string={"next": target},
                                data={"username": "member", "password": PASSWORD, "csrf_token": token})
    assert assert_same_site(response) == target
    assert client.post("/lang", {"lang": "en", "next": target}, token_from="/cases").headers["Location"] == target
