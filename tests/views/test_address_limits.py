"""Sign-in limits: failures count per account, per account and address, and per address (a much higher
ceiling); successful sign-ins never count, so a whole office behind one address signs in at 08:30,
while one address guessing — at one account or across many — is stopped, in every process."""
import multiprocessing
from datetime import datetime, timedelta

from app import create_app
from app.storage import LoginSession, RateBucket
from tests.conftest import Client
from tests.factories import PASSWORD, password_hash
from workflows.models import User

T = datetime(2026, 3, 2, 9, 0)  # the start of a ten-minute window
# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T
GUESSER, COLLEAGUE, OFFICE = "203.0.113.7", "198.51.100.20", "198.51.100.99"


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
    clock.set(T + timedelta(minutes=20))
    assert guesser.login("admin", PASSWORD).status_code == 303


def test_the_default_limits_apply_without_configuration(app, app_world, clock, monkeypatch):
    from app import auth

    assert "LOGIN_ADDRESS_LIMITS" not in app.config
    per_ten_minutes = min(limit for limit, window in auth.LOGIN_ADDRESS_LIMITS if window <= 600)
    assert per_ten_minutes >= 100  # far above an office's typos: only failures count
    monkeypatch.setattr(auth, "LOGIN_ADDRESS_LIMITS", ((3, 600),))  # the built-in value is the one read
    guesser = from_address(app, GUESSER)
    token = guesser.token("/login")
    codes = [guesser.http.post("/login", data={"username": f"nobody{n}", "password": "x" * 8, "csrf_token": token})
             .status_code for n in range(4)]
    assert codes == [400] * 3 + [429]


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


def test_an_office_of_sixty_behind_one_address_all_sign_in_at_0830(app, app_world, clock):
    """The default limits: sixty colleagues behind the street office's one address, a dozen of them
    mistyping first, all get in; only the failures were counted against the address."""
    from app.auth import LOGIN_ADDRESS_LIMITS

    assert "LOGIN_ADDRESS_LIMITS" not in app.config
    for n in range(60):
        User.create(username=f"staff{n:02}", name=f"职员{n}", role="member", org=app_world.g1,
                    password_hash=password_hash())
    clock.set(datetime(2026, 3, 2, 8, 30))
    for n in range(60):
        tablet = from_address(app, OFFICE)
        if n % 5 == 0:
            assert tablet.login(f"staff{n:02}", "a typo").status_code == 400
        assert tablet.login(f"staff{n:02}", PASSWORD).status_code == 303, n
    assert User.select().where(User.last_login_at.is_null(False)).count() == 60
    counted = sum(b.hits for b in RateBucket.select().where(
        (RateBucket.key == f"login:{OFFICE}") & (RateBucket.window == min(w for _l, w in LOGIN_ADDRESS_LIMITS))))
    assert counted == 12


def test_guessing_at_one_account_from_one_address_still_locks(app, app_world, clock):
    guesser = from_address(app, GUESSER)
    for _ in range(5):
        assert guesser.login("member", "Summer2026!").status_code == 400
    assert guesser.login("member", PASSWORD).status_code == 400  # locked: even the right password
    assert User.get(User.username == "member").locked_until is not None


def test_the_account_and_address_count_survives_the_users_own_sign_ins(app, app_world, clock):
    """The account's counter resets when its owner signs in; the count for the username at the
    guesser's address does not, so guessing between the owner's sign-ins is stopped too."""
    app.config["LOGIN_ACCOUNT_ADDRESS_LIMITS"] = ((10, 3600),)
    guesser = from_address(app, GUESSER)
    for burst in (4, 4, 2):
        for _ in range(burst):
            assert guesser.login("member", "Summer2026!").status_code == 400
        assert from_address(app, COLLEAGUE).login("member", PASSWORD).status_code == 303
        assert failures("member") == 0
    assert guesser.login("member", PASSWORD).status_code == 400  # ten failures at this address: stopped
    assert failures("member") == 0  # and the account itself was not touched by the refused attempt
    assert from_address(app, COLLEAGUE).login("member", PASSWORD).status_code == 303
    result = app.test_cli_runner().invoke(args=["unlock-user", "member"])
    assert result.exit_code == 0, result.output
    assert guesser.login("member", PASSWORD).status_code == 303  # an administrator's unlock lifts it too
