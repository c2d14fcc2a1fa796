"""Faults: a process killed mid-event changes nothing; a missing or locked database gets a clear 503, then recovers."""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from urllib.parse import urlparse

import pytest

from app import create_app
from app.db import reset as reset_connection
from tests.conftest import PG_URL, Client
from tests.factories import PASSWORD, T0, make_world, new_case
from workflows.db import db
from workflows.history import verify_history
from workflows.models import Case, CaseEvent
from workflows.service import fire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A worker that fires one event and freezes inside the transaction, after every write, before COMMIT.
KILLED_WORKER = """
import sys, time
from workflows import service
from workflows.clock import Clock
from workflows.db import bind, open_database
from workflows.models import Case, User
bind(open_database(sys.argv[1]))
original = service._append_event
def frozen(*args, **kwargs):
    row = original(*args, **kwargs)
    print("inside the transaction", flush=True)
    time.sleep(120)
    return row
service._append_event = frozen
case = Case.get_by_id(int(sys.argv[2]))
service.fire(case, "handle", User.get(User.username == "lead"), case.created_at, clock=Clock(), note="现场处置")
"""


def snapshot(case):
    """What a kill must not change: the case row and its history."""
    row = Case.get_by_id(case.id)
    return row.version, row.state, row.updated_at, CaseEvent.select().where(CaseEvent.case == case.id).count()


def test_a_process_killed_in_the_middle_of_an_event_leaves_the_database_as_before(world, database_url):
    case = new_case(world)
    before = snapshot(case)
    db.close()
    worker = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, database_url, str(case.id)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "inside the transaction", worker.stderr.read()
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(30)
        worker.stdout.close()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL
    assert snapshot(case) == before
    assert verify_history()[2] is None
    # Nothing is left locked: the same event goes through now.
    fire(Case.get_by_id(case.id), "handle", world.lead, T0, note="现场处置")
    assert snapshot(case)[:2] == (2, "handled")


class TcpRelay:
    """A relay between the app and PostgreSQL that the test can cut and restore, like a network outage."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.port = None
        self.listener = None
        self.links = []

    def start(self):
        """Listen (on the same port as before, after a cut)."""
        self.listener = socket.create_server(("127.0.0.1", self.port or 0), reuse_port=False)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        """Drop every connection and refuse new ones."""
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for link in self.links:
            link.close()
        self.links = []

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def outage(database_url, tmp_path):
    """(app, cut, restore): an app whose database can be taken away and given back."""
    if PG_URL:
        parsed = urlparse(database_url)
        relay = TcpRelay(parsed.hostname, parsed.port or 5432)
        relay.start()
        url = parsed._replace(netloc=f"{parsed.username}@127.0.0.1:{relay.port}").geturl()
        cut, restore = relay.cut, relay.start
    else:
        folder = tmp_path / "data"
        folder.mkdir()
        shutil.copyfile(database_url[len("sqlite:///"):], folder / "gridcase.db")
        url = f"sqlite:///{folder / 'gridcase.db'}"
        # A connection already open keeps its file whatever happens to the path: the outage is a
        # database that cannot be opened once this thread's kept connection is gone.
        cut = lambda: (os.rename(folder, tmp_path / "away"), reset_connection())  # noqa: E731
        restore = lambda: os.rename(tmp_path / "away", folder)  # noqa: E731
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k", "UPLOAD_FOLDER": str(tmp_path)})
    db.connect(reuse_if_open=True)
    make_world()
    db.close()
    yield app, cut, restore
    if not db.is_closed():
        db.close()


def test_an_unreachable_database_gets_a_clear_chinese_503_and_the_app_recovers(outage):
    app, cut, restore = outage
    client = Client(app.test_client())
    assert client.login("member", PASSWORD).status_code == 303
    assert client.get("/cases").status_code == 200
    cut()
    response = client.get("/cases")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "系统繁忙或暂时无法访问" in text and "本次操作未保存任何内容" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    restore()
    response = client.get("/cases")
    assert response.status_code == 200  # and still signed in
    assert "事件" in response.get_data(as_text=True)


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's whole-database write lock")
def test_a_database_locked_past_its_timeout_gets_a_503_and_nothing_changes(app, app_world):
    case = new_case(app_world)
    member = Client(app.test_client())
    member.login("member")
    page = f"/cases/{case.id}"
    token_page = member.get(page).get_data(as_text=True)
    from tests.conftest import TOKEN

    token = TOKEN.search(token_page).group(1)
    # Production waits 10 s for a lock; the test shortens the wait to stay quick.
    db.obj._pragmas = [(k, 200 if k == "busy_timeout" else v) for k, v in db.obj._pragmas]
    db.close()
    blocker = sqlite3.connect(db.obj.database, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = member.http.post(f"/cases/{case.id}/events/report", data={"version": 1, "csrf_token": token})
        assert response.status_code == 503
        assert "系统繁忙" in response.get_data(as_text=True)
    finally:
        blocker.rollback()
        blocker.close()
    assert snapshot(case)[:2] == (1, "found")
    response = member.http.post(f"/cases/{case.id}/events/report", data={"version": 1, "csrf_token": token})
    assert response.status_code == 303
    assert snapshot(case)[:2] == (2, "reported")


def test_an_unexpected_error_is_a_plain_chinese_page_without_a_stack_trace(database_url, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "UPLOAD_FOLDER": str(tmp_path)})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出错了" in text
    assert "secret internals" not in text and "Traceback" not in text
