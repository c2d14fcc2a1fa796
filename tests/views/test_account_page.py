"""The account page lists one's own devices still signed in and signs them all out; every page
links the favicon and carries app.js's messages for requests the server could not answer."""
from datetime import datetime, timedelta

from app.storage import LoginSession

T = datetime(2026, 3, 2, 9, 0)
# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T


def test_the_account_page_lists_this_users_live_devices_only(login, app_world, clock):
    old = login("member")
    old.post("/logout", token_from="/account/password")  # ended: not listed
    clock.set(T + timedelta(minutes=5))
    tablet = login("member")
    clock.set(T + timedelta(minutes=10))
    desk = login("member")
    login("member2")  # someone else's session
    html = desk.get("/account/password").get_data(as_text=True)
    devices = html.split('id="devices"', 1)[1].split("</table>", 1)[0]
    assert devices.count("<tr") == 3  # the header and two devices
    assert devices.index("09:10") < devices.index("09:05")  # most recently used first
    assert "（本设备）" in devices.split("09:05")[0]  # this device is the 09:10 one, and marked
    assert tablet.get("/account/password").status_code == 200


def test_an_idle_session_is_not_listed(login, app_world, clock, app):
    login("member")
    clock.set(T + timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"]) + 1))
    fresh = login("member")
    devices = fresh.get("/account/password").get_data(as_text=True).split('id="devices"', 1)[1]
    assert devices.split("</table>", 1)[0].count("<tr") == 2


def test_the_sign_out_everywhere_button_ends_every_device(login, app_world, clock):
    tablet, desk = login("member"), login("member")
    html = desk.get("/account/password").get_data(as_text=True)
    form = html.split('id="devices"', 1)[1]
    assert 'action="/logout"' in form and 'name="everywhere" value="1"' in form and "在所有设备上退出登录" in form
    response = desk.post("/logout", {"everywhere": "1"}, token_from="/account/password")
    assert response.status_code == 303
    assert tablet.get("/cases").status_code == 302 and desk.get("/cases").status_code == 302
    assert LoginSession.select().where(LoginSession.ended_at.is_null()).count() == 0


def test_every_page_links_the_favicon_and_it_is_served(login, client, app_world):
    for html in (login("member").get("/cases").get_data(as_text=True), client.get("/g/G1").get_data(as_text=True),
                 client.get("/login").get_data(as_text=True)):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.get_data()
    icon.close()


def test_staff_pages_carry_the_messages_for_unanswered_requests_in_chinese(login, app_world):
    html = login("member").get("/cases").get_data(as_text=True)
    box = html.split('id="net-status"', 1)[1].split("</div>", 1)[0]
    assert "hidden" in box and 'role="alert"' in html.split('id="net-status"', 1)[0][-80:] + box
    for kind, text in (("unavailable", "无法连接数据库"), ("failed", "服务器出错"), ("limited", "过于频繁"),
                       ("offline", "无法连接服务器"), ("other", "未能受理")):
        assert f'data-{kind}="' in box and text in box.split(f'data-{kind}="', 1)[1].split('"', 1)[0]
