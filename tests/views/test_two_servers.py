"""Two real server processes (gunicorn, as deployed) on one PostgreSQL database serve consistent boards.

A case recorded through one is on the other's board at the next poll (and an unchanged board is
304 on both, with the same ETag); two people acting on the same case at the same moment through
the two servers end as one accepted change and one "someone else was first"; a session opened on
one server works on the other. PostgreSQL only: several app nodes need a database server (CI runs
the suite on PostgreSQL too).
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.conftest import PG_URL, TOKEN
from tests.factories import PASSWORD, new_case
from workflows.db import db
from workflows.history import verify_history
from workflows.models import Case, CaseEvent

pytestmark = pytest.mark.skipif(not PG_URL, reason="two app nodes share one database only on PostgreSQL: "
                                                   "set TEST_DATABASE_URL to run this test")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    """A port nobody listens on now (never the demo's 5000)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """One gunicorn server of the app, in its own process."""

    def __init__(self, name, database_url, folder):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="shared-by-every-node",
                   UPLOAD_FOLDER=str(folder / "photos"))
        self.log = open(folder / f"{name}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{self.port}", "--timeout", "60",
             "app:create_app()"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds=60):
        """Block until the node answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.url} exited"
            try:
                if requests.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still starting up
                time.sleep(0.2)
        raise AssertionError(f"{self.url} did not start")

    def stop(self):
        """Stop this node's process (gunicorn ends its worker on SIGTERM)."""
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()


@pytest.fixture
def nodes(world, database_url, tmp_path):
    """Two nodes on the test database, with the small world in it."""
    db.close()
    started = [Node("a", database_url, tmp_path), Node("b", database_url, tmp_path)]
    try:
        for node in started:
            node.wait_ready()
        yield started
    finally:
        for node in started:
            node.stop()


def token(session, url):
    """The CSRF token of a page's form."""
    return TOKEN.search(session.get(url, timeout=10).text).group(1)


def signed_in(node, username):
    """A browser session signed in on `node`."""
    session = requests.Session()
    response = session.post(f"{node.url}/login", data={"username": username, "password": PASSWORD,
                                                       "csrf_token": token(session, f"{node.url}/login")},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    return session


def poll(session, node, etag=None):
    """A board poll as app.js sends it."""
    headers = {"HX-Request": "true", "HX-Target": "board"}
    if etag:
        headers["If-None-Match"] = f'"{etag}"'
    return session.get(f"{node.url}/grids/G1/board", headers=headers, timeout=10)


def test_two_servers_on_one_database_serve_the_same_boards(nodes, world):
    a, b = nodes
    tablet, office = signed_in(a, "member"), signed_in(b, "lead")
    first = poll(office, b)
    assert first.status_code == 200
    etag = first.headers["ETag"].strip('"')
    # The board has not changed: both nodes say so, with the same validator.
    assert poll(office, b, etag).status_code == 304
    assert poll(office, a, etag).status_code == 304  # the lead's session works on the other node too

    form = token(tablet, f"{a.url}/cases/new?grid=G1")
    recorded = tablet.post(f"{a.url}/cases/new?grid=G1", files={"photos": ("", b"")}, data={
        "csrf_token": form, "category": world.litter.id, "title": "二号楼楼道堆物", "description": "", "building": "",
        "unit": "", "location_text": "", "lat": "", "lng": "", "urgency": "", "source": "patrol",
        "reporter_name": "", "reporter_phone": "", "intake_key": "d" * 32}, allow_redirects=False, timeout=10)
    assert recorded.status_code == 303, recorded.text
    number = Case.get(Case.intake_key == "d" * 32).number

    changed = poll(office, b, etag)
    assert changed.status_code == 200 and number in changed.text and "二号楼楼道堆物" in changed.text
    new_etag = changed.headers["ETag"].strip('"')
    assert new_etag != etag
    assert poll(office, a, new_etag).status_code == 304 and poll(office, b, new_etag).status_code == 304


def test_conflicting_events_through_both_servers_end_as_one_accepted_and_one_stale(nodes, world):
    a, b = nodes
    case = new_case(world)
    db.close()
    member, lead = signed_in(a, "member"), signed_in(b, "lead")
    page = f"/cases/{case.id}"
    tokens = {"a": token(member, a.url + page), "b": token(lead, b.url + page)}
    # Both saw version 1 and act at the same moment: the member handles it, the lead reports it.
    moves = [("a", member, a, "handle", {"note": "已现场清理"}), ("b", lead, b, "report", {"note": "需社区协调"})]
    start, answers = threading.Barrier(2, timeout=30), {}

    def act(name, session, node, event, data):
        start.wait()
        answers[name] = session.post(f"{node.url}{page}/events/{event}", allow_redirects=False, timeout=30, data={
            "csrf_token": tokens[name], "version": "1", "request_key": f"{name}-{case.id}", **data})

    threads = [threading.Thread(target=act, args=move) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [303, 409], {name: answer.status_code for name, answer in answers.items()}
    stale = next(answer for answer in answers.values() if answer.status_code == 409)
    assert "已被他人更新" in stale.text
    winner = next(name for name, answer in answers.items() if answer.status_code == 303)
    fresh = Case.get_by_id(case.id)
    assert (fresh.state, fresh.version) == ({"a": "handled", "b": "reported"}[winner], 2)
    assert [e.event for e in CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq)] == \
        ["create", {"a": "handle", "b": "report"}[winner]]
    assert verify_history()[2] is None
    # Both boards now agree on the case's column.
    boards = [poll(session, node) for session, node in ((member, a), (lead, b))]
    assert all(board.status_code == 200 for board in boards)
    for board in boards:
        column = re.search(rf'id="column-{fresh.state}".*?</section>', board.text, re.S)
        assert column and case.number in column.group(0)
