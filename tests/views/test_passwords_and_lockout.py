"""Password rules, and the per-account lock-out that holds across server processes."""
import multiprocessing
import re
from datetime import datetime, timedelta

import pytest

from app import accounts, create_app
from app.accounts import AccountError, password_problem
from tests.conftest import Client
from tests.factories import PASSWORD
from workflows.models import User

T = datetime(2026, 3, 2, 9, 0)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T


def member():
    return User.get(User.username == "member")


@pytest.mark.parametrize("password, ok", [
    ("1234567", False),  # too short
    ("网格巡查七个字", False),  # seven characters, however many bytes
    ("8 chars!", True),
    ("网格员巡查每天一次", True),  # eight Chinese characters are eight characters
    ("我们社区的网格员每天早上八点钟开始沿着幸福街道巡查一遍，发现问题当场处理，处理不了的及时上报给网格长和社区。" * 1, True),
    ("长" * 256, True),
    ("长" * 257, False),
    ("password", False),  # among the most common passwords
    ("Password", False),
    ("12345678", False),
    ("member123", False),  # built from the username
    ("gridcase2026", False),  # built from the system's name
    ("Correct Horse Battery", True),  # no composition rules: no digits or symbols needed
])
def test_password_rules(app, password, ok):
    with app.test_request_context():
        assert (password_problem(password, username="member", name="张三") is None) is ok


def test_a_long_chinese_passphrase_is_kept_whole(app, client, app_world):
    """Over 72 bytes (where bcrypt would cut it off): every character counts, nothing is trimmed."""
    passphrase = "幸福街道一网格的网格员每天早上八点开始巡查" * 3
    assert len(passphrase.encode("utf-8")) > 72
    with app.test_request_context():
        accounts.set_password(member(), passphrase, T)
    assert client.login("member", passphrase).status_code == 303
    other = Client(app.test_client())
    assert other.login("member", passphrase[:-1]).status_code == 400
    assert other.login("member", passphrase + " ").status_code == 400


def test_create_account_applies_the_rules(app, app_world):
    with app.test_request_context(), pytest.raises(AccountError, match="最常见"):
        accounts.create_account(username="newbie", name="新人", role="admin", password="iloveyou")
    assert not User.select().where(User.username == "newbie").exists()


def test_passwords_are_stored_as_argon2id(app_world):
    assert member().password_hash.startswith("$argon2id$")


def test_five_failures_lock_the_account_and_it_says_no_more_than_a_wrong_password(app, client, app_world, clock):
    for _ in range(5):
        assert client.login("member", "wrong guess").status_code == 400
    assert member().failed_logins == 5 and member().locked_until == T + timedelta(minutes=15)
    response = client.login("member", PASSWORD)  # even the right password waits for the lock
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "用户名或密码错误，或账号已停用、因多次登录失败已被暂时锁定" in text and "09:15" not in text
    clock.set(T + timedelta(minutes=16))
    assert client.login("member", PASSWORD).status_code == 303
    assert (member().failed_logins, member().locked_until) == (0, None)


def test_the_lock_grows_when_guessing_goes_on(app, client, app_world, clock):
    for _ in range(5):
        client.login("member", "wrong guess")
    clock.set(T + timedelta(minutes=16))
    for _ in range(5):
        client.login("member", "wrong again")
    assert member().locked_until == T + timedelta(minutes=16 + 30)


def test_an_administrator_can_unlock(app, client, app_world, clock):
    for _ in range(5):
        client.login("member", "wrong guess")
    result = app.test_cli_runner().invoke(args=["unlock-user", "member"])
    assert result.exit_code == 0, result.output
    assert client.login("member", PASSWORD).status_code == 303


def test_unknown_usernames_are_refused_like_wrong_passwords(client, app_world):
    response = client.login("nobody", PASSWORD)
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)


def _guess(url, address, start, results):
    """One server process: wait for the others, then try a wrong password from `address`."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    start.wait()
    response = client.post("/login", data={"username": "member", "password": "a wrong guess"})
    results.put(response.status_code)


def test_parallel_guesses_from_several_processes_are_all_counted(database_url, app, app_world):
    """Twelve processes guess at once, each from its own address: only five passwords are ever checked,
    the rest meet the lock — and every answer is the same."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(12), context.Queue()
    workers = [context.Process(target=_guess, args=(database_url, f"198.51.100.{n}", start, results))
               for n in range(12)]
    for worker in workers:
        worker.start()
    codes = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert codes == [400] * 12
    # The account's counter grows only where a password was checked.
    assert member().failed_logins == 5 and member().locked_until is not None


class CountingHasher:
    """The app's argon2 hasher, counting verifications (the work that makes a sign-in slow)."""

    def __init__(self, real):
        self.real, self.verified = real, 0

    def verify(self, hash_, password):
        self.verified += 1
        return self.real.verify(hash_, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)


def test_sign_in_never_tells_who_exists(app, app_world, clock, monkeypatch):
    """Unknown user, wrong password, deactivated and locked account: one message, one status, one
    argon2 verification each (the locked path checks a dummy hash), whatever the password typed."""
    from app import auth

    app.config["LOGIN_ACCOUNT_ADDRESS_LIMITS"] = ((3, 3600),)
    User.update(active=False).where(User.username == "member2").execute()
    User.update(failed_logins=5, locked_until=T + timedelta(minutes=15)).where(User.username == "lead").execute()
    counting = CountingHasher(auth.hasher)
    monkeypatch.setattr(auth, "hasher", counting)

    def answer(username, password, address):
        flask_client = app.test_client()
        flask_client.environ_base["REMOTE_ADDR"] = address
        before = counting.verified
        response = Client(flask_client).login(username, password)
        text = response.get_data(as_text=True)
        return response.status_code, ERROR.search(text).group(1).strip(), counting.verified - before

    for n in range(3):  # the username "member_g2" has failed three times from this address
        answer("member_g2", "wrong guess", "203.0.113.50")
    answers = {
        "unknown user": answer("nobody", PASSWORD, "203.0.113.1"),
        "unknown user, another password": answer("nobody", "wrong guess", "203.0.113.1"),
        "wrong password": answer("member", "wrong guess", "203.0.113.2"),
        "deactivated, right password": answer("member2", PASSWORD, "203.0.113.3"),
        "locked, right password": answer("lead", PASSWORD, "203.0.113.4"),
        "locked, wrong password": answer("lead", "wrong guess", "203.0.113.4"),
        "too many from this address, right password": answer("member_g2", PASSWORD, "203.0.113.50"),
    }
    assert set(answers.values()) == {(400, "用户名或密码错误，或账号已停用、因多次登录失败已被暂时锁定。请稍后再试，或联系系统管理员。", 1)}, answers
    assert User.get(User.username == "lead").failed_logins == 5  # a locked account's counter does not move
