"""Response headers, cookies and the no-inline rule every template keeps."""
import os
import re

import pytest

from app import create_app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
STRICT = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data: blob:",
    "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy(response):
    """The Content-Security-Policy header as {directive: value}."""
    parts = (p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in parts}


@pytest.mark.parametrize("path", ["/login", "/cases", "/account/password", "/no-such-page"])
def test_pages_carry_the_strict_policy_and_the_other_headers(login, app_world, path):
    response = login("member").get(path)
    csp = policy(response)
    for name, value in STRICT.items():
        assert csp[name] == value, name
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would be meaningless


def test_only_the_workflow_page_allows_inline_styles_and_never_inline_scripts(login, app_world):
    response = login("member").get("/workflow")
    csp = policy(response)
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["script-src"] == "'self'"
    assert {k: v for k, v in csp.items() if k != "style-src"} == {k: v for k, v in STRICT.items()
                                                                  if k != "style-src"} | {"font-src": "'self'"}


def test_static_files_may_be_cached(client):
    response = client.get("/static/js/app.js")
    response.close()
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite_lax(client, app_world):
    response = client.login("member")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests; production sets SESSION_COOKIE_SECURE


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(database_url, tmp_path, monkeypatch):
    from tests.conftest import Client
    from tests.factories import make_world

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k",
                      "UPLOAD_FOLDER": str(tmp_path)})
    with app.app_context():
        from workflows.db import db

        db.connect(reuse_if_open=True)
        make_world()
        db.close()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "grid.example"}
    client = Client(app.test_client())
    page = client.http.get("/login", headers=forwarded)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True)).group(1)
    from tests.factories import PASSWORD

    response = client.http.post("/login", data={"username": "member", "password": PASSWORD, "csrf_token": token},
                                headers=forwarded | {"Referer": "https://grid.example/login"})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Set-Cookie"].startswith("__Host-gridcase=")
    from app.storage import LoginSession

    with app.app_context():
        assert LoginSession.select().order_by(LoginSession.id.desc()).first().ip == "203.0.113.9"


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), 'style="" attribute'),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """What the policy would block must not be written in the first place."""
    found = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "templates")):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            found += [f"{os.path.relpath(path, ROOT)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


def test_an_unchanged_poll_answers_with_the_validators_and_caching_rules_only(login, app_world):
    """A 304 has no content for the page's policies to govern (RFC 9110 §15.4.5): the board's poll,
    sent every few seconds by every open board, carries its ETag, Cache-Control and Vary, nothing more."""
    community = login("community")
    page = community.get("/queue")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    unchanged = community.get("/queue", headers={"If-None-Match": page.headers["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == page.headers["ETag"]
    assert unchanged.headers["Cache-Control"] == page.headers["Cache-Control"]
    assert {"Cookie", "HX-Target"} <= {v.strip() for v in unchanged.headers["Vary"].split(",")}
    assert "Set-Cookie" not in unchanged.headers  # the session did not change: its cookie is not sent again
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Permissions-Policy"):
        assert name not in unchanged.headers, name
