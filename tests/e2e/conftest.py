"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright (no browser download)."""
import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")
VIEWPORTS = {"landscape": {"width": 1024, "height": 768}, "portrait": {"width": 768, "height": 1024}}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    """Mark browser tests; without Chromium they skip, unless CI demands the browser."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("GRIDCASE_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(skip)


def read_whole(wsgi_app):
    """The app with each response read whole and its iterable closed before the server writes it.

    werkzeug's development server skips close() when the browser drops a connection in the
    middle of a response (Chromium cancels a page's favicon request when it navigates on), which
    leaves a static file open: a ResourceWarning, and the suite turns warnings into errors.
    """

    def app(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return app


class LiveServer:
    """The app served by werkzeug in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    """The test app, listening on a free port of 127.0.0.1."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request, browser):
    """A fresh page at a tablet viewport (landscape and portrait)."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


@pytest.fixture
def artifact():
    """A path under test-artifacts/ for screenshots and PDFs."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    return lambda name: os.path.join(ARTIFACTS, name)


def sign_in(page, base_url, username, password):
    """Sign in through the form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login" not in url)
