"""Fixtures: a fresh database per test (SQLite file, or a PostgreSQL schema when
TEST_DATABASE_URL is set), an app bound to it, a small world, signed-in clients."""
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from app.db import migrate
from tests.factories import PASSWORD, make_world, stop_clock
from workflows.db import bind, db, open_database
from app.storage import ALL_MODELS

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _pg_schema_url(base, schema):
    """The URL of `base` with every connection's search_path set to `schema`."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def scratch_database(directory):
    """A new, migrated database: a PostgreSQL schema of its own, or an SQLite file in `directory`."""
    if PG_URL:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = open_database(PG_URL)
        admin.execute_sql(f'CREATE SCHEMA "{schema}"')
        url = _pg_schema_url(PG_URL, schema)
        try:
            database = open_database(url)
            migrate(database)
            database.close()
            yield url
        finally:
            admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()
    else:
        path = directory / "scratch.db"
        database = open_database(f"sqlite:///{path}")
        migrate(database)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated, empty database this test session copies (SQLite) or truncates (PostgreSQL)."""
    with scratch_database(tmp_path_factory.mktemp("template")) as url:
        yield url


@pytest.fixture
def own_database(tmp_path):
    """A database of this test's own, for tests that change the schema; bound to the handle."""
    with scratch_database(tmp_path) as url:
        database = bind(open_database(url))
        yield database
        database.close()


@pytest.fixture
def database_url(database_template, tmp_path):
    """A clean database for one test."""
    if PG_URL:
        database = open_database(database_template)
        tables = ", ".join(f'"{m._meta.table_name}"' for m in ALL_MODELS)
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        database.close()
        return database_template
    path = tmp_path / "test.db"
    shutil.copyfile(database_template[len("sqlite:///"):], path)
    return f"sqlite:///{path}"


@pytest.fixture
def bound_db(database_url):
    """The shared handle bound to the test database, without a Flask app."""
    database = bind(open_database(database_url))
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def world(bound_db):
    """The small org of tests/factories.py."""
    return make_world()


@pytest.fixture
def app(database_url, tmp_path):
    """The app on the test database (CSRF on, as in production)."""
    from app import create_app

    application = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    })
    db.connect(reuse_if_open=True)
    yield application
    if not db.is_closed():
        db.close()


@pytest.fixture
def clock(app, request):
    """Stops the app's clock: every ``now`` the app reads is ``clock.now`` until the test moves it.
    It stops at the test module's ``CLOCK_AT`` if the module sets one, else where the clock is."""
    return stop_clock(app, getattr(request.module, "CLOCK_AT", None))


@pytest.fixture
def app_world(app):
    """The small world, in the app's database."""
    return make_world()


TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Client:
    """A test client that signs in and sends forms with the page's CSRF token."""

    def __init__(self, flask_client):
        self.http = flask_client

    def token(self, path="/login"):
        """The CSRF token from a page's form."""
        html = self.http.get(path).get_data(as_text=True)
        match = TOKEN.search(html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username, password=PASSWORD):
        """Sign in; returns the response."""
        token = self.token("/login")
        return self.http.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def get(self, path, **kw):
        return self.http.get(path, **kw)

    def post(self, path, data=None, token_from="/login", **kw):
        """POST a form with a valid CSRF token unless one is given."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.http.post(path, data=data, **kw)


@pytest.fixture
def client(app):
    """An anonymous client."""
    return Client(app.test_client())


@pytest.fixture
def login(app):
    """Make a client signed in as the given username."""

    def make(username):
        signed_in = Client(app.test_client())
        response = signed_in.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return signed_in

    return make
