"""Passwords an administrator sets pass the user's own rules, and the account must choose its own at
the next sign-in: every page leads to the password page until then. Demo accounts are not forced."""
from datetime import datetime

import pytest

from app.cli import DEMO_PASSWORD
from tests.conftest import Client
from app.storage import LoginSession
from workflows.models import User

T = datetime(2026, 3, 2, 9, 0)
# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T
GOOD = "巡查东门每天一次"


def save(client, path, data):
    return client.post(path, data, token_from=path)


def new_user(w, username="wgy9", password=GOOD, name="新网格员"):
    return {"username": username, "name": name, "role": "member", "org": w.g1.id, "password": password}


WEAK = [
    ("short", "密码至少需要8个字符"),
    ("password1", "最常见"),
    ("iloveyou", "最常见"),
    ("wgy9wgy9", "用户名"),  # built from the username
    ("新网格员新网格员", "用户名"),  # built from the person's name
    ("gridcase2026", "用户名"),  # built from the system's name
]


@pytest.mark.parametrize("password, message", WEAK)
def test_an_administrator_creating_a_user_meets_the_users_own_rules(login, app_world, clock, password, message):
    response = save(login("admin"), "/admin/users/new", new_user(app_world, password=password))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert not User.select().where(User.username == "wgy9").exists()


@pytest.mark.parametrize("password, message", WEAK[1:3] + [("member12", "用户名")])
def test_an_administrators_reset_meets_the_rules_and_changes_nothing_when_refused(login, app_world, clock,
                                                                                 password, message):
    before = User.get_by_id(app_world.member.id)
    response = save(login("admin"), f"/admin/users/{before.id}",
                    {"name": "改了名字", "role": "member", "org": app_world.g1.id, "password": password})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    after = User.get_by_id(before.id)
    assert (after.name, after.password_hash, after.must_change_password) == (before.name, before.password_hash, False)


def test_create_user_on_the_command_line_meets_the_rules_and_forces_a_change(app, app_world):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-user", "boss", "--name", "主任", "--role", "admin"],
                         input="password1\npassword1\n")
    assert weak.exit_code != 0 and not User.select().where(User.username == "boss").exists()
    done = runner.invoke(args=["create-user", "boss", "--name", "主任\x01", "--role", "admin"],
                         input=f"{GOOD}\n{GOOD}\n")
    assert done.exit_code == 0, done.output
    boss = User.get(User.username == "boss")
    assert boss.must_change_password and boss.name == "主任"  # the command line's text is cleaned too


def test_a_user_given_a_password_sees_only_the_password_page_until_choosing_their_own(login, app, app_world, clock):
    w = app_world
    assert save(login("admin"), "/admin/users/new", new_user(w)).status_code == 303
    assert User.get(User.username == "wgy9").must_change_password
    user = Client(app.test_client())
    assert user.login("wgy9", GOOD).headers["Location"] == "/"
    for path in ("/", "/cases", "/grids/G1/board", "/cases/new?grid=G1", "/g/G1"):
        response = user.get(path)
        assert (response.status_code, response.headers.get("Location")) == (302, "/account/password"), path
    fragment = user.get("/grids/G1/board", headers={"HX-Request": "true", "HX-Target": "board"})
    assert fragment.headers["HX-Redirect"] == "/account/password"
    page = user.get("/account/password").get_data(as_text=True)
    assert "管理员为您设置了密码" in page
    posted = user.post("/cases/new?grid=G1", {"category": w.litter.id}, token_from="/account/password")
    assert posted.headers["Location"] == "/account/password"
    assert user.post("/lang", {"lang": "en", "next": "/cases"}, token_from="/account/password").status_code == 303
    changed = user.post("/account/password", {"current": GOOD, "new": "我自己选的新密码", "confirm": "我自己选的新密码"},
                        token_from="/account/password")
    assert changed.status_code == 303
    assert not User.get(User.username == "wgy9").must_change_password
    assert user.get("/cases").status_code == 200


def test_an_administrators_reset_forces_a_change_and_ends_the_users_sessions(login, app, app_world, clock):
    w = app_world
    tablet = login("member")
    response = save(login("admin"), f"/admin/users/{w.member.id}",
                    {"name": "member", "role": "member", "org": w.g1.id, "password": GOOD})
    assert response.status_code == 303
    assert User.get_by_id(w.member.id).must_change_password
    assert tablet.get("/cases").status_code == 302  # signed out
    assert LoginSession.select().where((LoginSession.user == w.member.id) & LoginSession.ended_at.is_null()).count() == 0
    again = Client(app.test_client())
    again.login("member", GOOD)
    assert again.get("/cases").headers["Location"] == "/account/password"


def test_the_demo_accounts_sign_in_directly(app, clock):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "3"])
    assert result.exit_code == 0, result.output
    assert not User.select().where(User.must_change_password).exists()
    for username in ("wgy101", "shequ1", "admin"):
        client = Client(app.test_client())
        assert client.login(username, DEMO_PASSWORD).status_code == 303
        assert client.get("/").headers["Location"] != "/account/password"


def test_an_administrator_resetting_their_own_password_is_not_asked_again(login, app_world, clock):
    admin = login("admin")
    response = save(admin, f"/admin/users/{app_world.admin.id}", {"name": "admin", "role": "admin", "password": GOOD})
    assert response.status_code == 303
    assert not User.get_by_id(app_world.admin.id).must_change_password
    assert admin.get("/admin/users").status_code == 200  # still signed in, not sent to the password page
