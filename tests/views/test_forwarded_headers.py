"""Forwarded headers under gunicorn, as deployed (started from the checkout, so it reads gunicorn.conf.py).

With the defaults nobody's X-Forwarded-* is believed: X-Forwarded-For does not change the address the
rate limits count, X-Forwarded-Proto does not make a request secure (gunicorn's own default trusts
127.0.0.1). TRUSTED_PROXIES is the one switch of the documented reverse-proxy set-up.
"""
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMITED = "app:create_app({'PUBLIC_TRACK_LIMITS': ((2, 600),)})"


def free_port():
    """A port nobody listens on now (never the demo's 5000)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve(database_url, tmp_path):
    """Start gunicorn from the checkout with extra environment; yields its base URL."""
    started = []

    def start(**environment):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("FORWARDED_ALLOW_IPS", "TRUSTED_PROXIES")}
        env.update(DATABASE_URL=database_url, SECRET_KEY="k", UPLOAD_FOLDER=str(tmp_path / "photos"), **environment)
        log = open(tmp_path / f"gunicorn-{port}.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", LIMITED],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / f"gunicorn-{port}.log").read_text()
            try:
                requests.get(f"{url}/login", timeout=10)
                return url
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or the worker still booting
                time.sleep(0.2)
        raise AssertionError(f"{url} did not start")

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def secure(url):
    """Whether the app took a plain-HTTP request claiming HTTPS for a secure one (it sends HSTS then)."""
    response = requests.get(f"{url}/login", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    return "Strict-Transport-Security" in response.headers


def counted_apart(url):
    """Whether requests claiming three different client addresses get three separate counts."""
    codes = [requests.get(f"{url}/track?code=NOPE", headers={"X-Forwarded-For": f"203.0.113.{n}"},
                          timeout=30).status_code for n in range(1, 4)]
    assert all(code in (404, 429) for code in codes), codes
    return codes == [404, 404, 404]


@pytest.mark.parametrize("environment, believed", [
    ({}, (False, False)),  # the defaults: believe no one
    ({"FORWARDED_ALLOW_IPS": "127.0.0.1"}, (True, False)),  # gunicorn told to believe a local proxy's scheme
    ({"TRUSTED_PROXIES": "1"}, (True, True)),  # the documented set-up behind one nginx
])
def test_forwarded_headers_are_believed_only_when_configured(serve, environment, believed):
    url = serve(**environment)
    assert (secure(url), counted_apart(url)) == believed
