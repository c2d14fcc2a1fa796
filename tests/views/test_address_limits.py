"""Per-address sign-in limits: one address guessing across many accounts is stopped, in every process."""
import multiprocessing
from datetime import datetime, timedelta

import pytest

from app import create_app
from tests.conftest import Client
from tests.factories import PASSWORD
from app.storage import LoginSession
from workflows.models import User

T = datetime(2026, 3, 2, 9, 0)  # the start of a ten-minute window
GUESSER, COLLEAGUE = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def clock(app):
    """Set the app's clock: clock(datetime) moves it."""
    state = {"now": T}
    app.extensions["gridcase_now"] = lambda: state["now"]
    return lambda at: state.update(now=at)


def from_address(app, address):
    """A client whose requests come from `address`."""
    flask_client = app.test_client()
    flask_client.environ_base["REMOTE_ADDR"] = address
    return Client(flask_client)


def failures(username):
    return User.get(User.username == username).failed_logins


def test_an_address_guessing_across_accounts_is_stopped_with_a_clear_chinese_message(app, app_world, clock):
    app.config["LOGIN_ADDRESS_LIMITS"] = ((4, 600),)
    guesser = from_address(app, GUESSER)
    for username in ("member", "member2", "lead", "member_g2"):
        assert guesser.login(username, "Summer2026!").status_code == 400
    # The fifth attempt from the address is refused before any password is checked, even the right one.
    response = guesser.login("admin", PASSWORD)
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "此网络登录尝试过于频繁" in text and "请稍等几分钟再试" in text
    assert failures("admin") == 0 and User.get(User.username == "admin").last_login_at is None
    assert guesser.login("lead_g2", "Summer2026!").status_code == 429
    assert failures("lead_g2") == 0  # a refused address cannot lock anyone out either
    assert LoginSession.select().count() == 0
    # Someone at another address is not affected.
    assert from_address(app, COLLEAGUE).login("admin", PASSWORD).status_code == 303
    # Twenty minutes later both windows have slid past the burst.
    clock(T + timedelta(minutes=20))
    assert guesser.login("admin", PASSWORD).status_code == 303


def test_the_default_limits_apply_without_configuration(app, app_world, clock):
    from app.auth import LOGIN_ADDRESS_LIMITS

    assert "LOGIN_ADDRESS_LIMITS" not in app.config
    per_ten_minutes = min(limit for limit, window in LOGIN_ADDRESS_LIMITS if window <= 600)
    guesser = from_address(app, GUESSER)
    token = guesser.token("/login")
    codes = [guesser.http.post("/login", data={"username": "nobody", "password": "x" * 8, "csrf_token": token})
             .status_code for _ in range(per_ten_minutes + 1)]
    assert codes == [400] * per_ten_minutes + [429]


def _attempt(url, address, username, start, results):
    """One server process: wait for the others, then try a wrong password from `address`."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False,
                      "LOGIN_ADDRESS_LIMITS": ((3, 600),)})
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    start.wait()
    response = client.post("/login", data={"username": username, "password": "a wrong guess"})
    results.put((username, response.status_code))


def test_the_address_limit_holds_across_server_processes(database_url, app, app_world):
    """Eight processes guess at once from one address, each at a different account: three get through."""
    names = ["member", "member2", "lead", "member_g2", "lead_g2", "member_g4", "community", "handler"]
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(len(names)), context.Queue()
    workers = [context.Process(target=_attempt, args=(database_url, GUESSER, name, start, results))
               for name in names]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert sorted(outcomes.values()) == [400] * 3 + [429] * 5
    # Only the three accounts whose password was checked count a failure.
    assert {name for name in names if failures(name)} == {n for n, code in outcomes.items() if code == 400}
