"""Administration: org units, users, departments, categories — create, edit, deactivate."""
import pytest
from argon2 import PasswordHasher

from tests.conftest import Client
from tests.factories import PASSWORD, new_case
from workflows.models import Category, CaseEvent, Department, OrgUnit, User


def signs_in(app, username, password):
    """True if a fresh browser can sign in with these credentials."""
    return Client(app.test_client()).login(username, password).status_code == 303


def save(client, path, data):
    """Submit an admin form (CSRF token from the same page)."""
    return client.post(path, data, token_from=path)


@pytest.mark.parametrize("username", ["member", "community", "handler", "supervisor"])
def test_administration_is_for_administrators(login, app_world, username):
    client = login(username)
    for path in ("/admin/", "/admin/users", "/admin/users/new", f"/admin/users/{app_world.member.id}"):
        assert client.get(path).status_code == 403
    response = client.post(f"/admin/users/{app_world.member.id}/active", {"active": "0"}, token_from="/cases")
    assert response.status_code == 403
    assert User.get_by_id(app_world.member.id).active


def test_create_a_user_with_a_role_that_fits_its_scope(login, app_world, app):
    w = app_world
    admin = login("admin")
    wrong = save(admin, "/admin/users/new", {"username": "wgy9", "name": "新网格员", "role": "member",
                                             "org": w.c1.id, "password": "long enough 1"})
    assert wrong.status_code == 400 and "该角色需要以下类型的组织" in wrong.get_data(as_text=True)
    assert 'value="新网格员"' in wrong.get_data(as_text=True)
    short = save(admin, "/admin/users/new", {"username": "wgy9", "name": "新网格员", "role": "member",
                                             "org": w.g1.id, "password": "short"})
    assert short.status_code == 400 and "密码至少需要8个字符" in short.get_data(as_text=True)
    taken = save(admin, "/admin/users/new", {"username": "member", "name": "x", "role": "member",
                                             "org": w.g1.id, "password": "long enough 1"})
    assert taken.status_code == 400 and "该用户名已被使用" in taken.get_data(as_text=True)
    assert User.select().where(User.username == "wgy9").count() == 0
    done = save(admin, "/admin/users/new", {"username": "wgy9", "name": "新网格员", "role": "member",
                                            "org": w.g1.id, "department": w.police.id, "password": "网格员自己的长密码"})
    assert done.status_code == 303
    user = User.get(User.username == "wgy9")
    assert (user.role, user.org_id, user.department_id) == ("member", w.g1.id, None)  # no stray department
    assert PasswordHasher().verify(user.password_hash, "网格员自己的长密码")
    assert signs_in(app, "wgy9", "网格员自己的长密码")


def test_edit_a_user_and_reset_the_password(login, app_world, app):
    w = app_world
    admin = login("admin")
    path = f"/admin/users/{w.member.id}"
    assert "member" in admin.get(path).get_data(as_text=True)
    kept = save(admin, path, {"name": "改名了", "role": "lead", "org": w.g1.id, "password": ""})
    assert kept.status_code == 303
    user = User.get_by_id(w.member.id)
    assert (user.name, user.role, user.username) == ("改名了", "lead", "member")
    assert signs_in(app, "member", PASSWORD)
    save(admin, path, {"name": "改名了", "role": "handler", "department": w.police.id, "org": w.g1.id,
                       "password": "a new passphrase"})
    user = User.get_by_id(w.member.id)
    assert (user.role, user.org_id, user.department_id) == ("handler", None, w.police.id)
    assert signs_in(app, "member", "a new passphrase") and not signs_in(app, "member", PASSWORD)


def test_a_deactivated_user_cannot_sign_in_and_keeps_the_history(login, app_world, app):
    w = app_world
    case = new_case(w)
    member = login("member")
    admin = login("admin")
    response = admin.post(f"/admin/users/{w.member.id}/active", {"active": "0"}, token_from="/admin/users")
    assert response.status_code == 303
    assert not signs_in(app, "member", PASSWORD)
    assert member.get("/grids/G1/board").status_code == 302  # the open session ends too
    assert CaseEvent.get(CaseEvent.case == case.id).actor_id == w.member.id
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert f'id="row-{w.member.id}"' not in listing
    assert f'id="row-{w.member.id}" class="inactive"' in admin.get("/admin/users?inactive=1").get_data(as_text=True)
    admin.post(f"/admin/users/{w.member.id}/active", {"active": "1"}, token_from="/admin/users")
    assert signs_in(app, "member", PASSWORD)


def test_an_administrator_cannot_lock_themselves_out(login, app_world):
    admin = login("admin")
    admin.post(f"/admin/users/{app_world.admin.id}/active", {"active": "0"}, token_from="/admin/users")
    assert User.get_by_id(app_world.admin.id).active


def test_org_units_hang_under_the_right_kind_and_keep_their_place(login, app_world):
    w = app_world
    admin = login("admin")
    wrong = save(admin, "/admin/orgs/new", {"kind": "grid", "code": "G9", "name": "九网格", "parent": w.street.id,
                                            "grid_type": "standard"})
    assert wrong.status_code == 400 and "网格须隶属于社区" in wrong.get_data(as_text=True)
    dup = save(admin, "/admin/orgs/new", {"kind": "grid", "code": "G1", "name": "重复", "parent": w.c1.id,
                                          "grid_type": "standard"})
    assert dup.status_code == 400 and "该编码已被使用" in dup.get_data(as_text=True)
    ok = save(admin, "/admin/orgs/new", {"kind": "grid", "code": "G9", "name": "九网格", "parent": w.c1.id,
                                         "grid_type": "environment", "households": "320"})
    assert ok.status_code == 303
    grid = OrgUnit.get(OrgUnit.code == "G9")
    assert (grid.kind, grid.parent_id, grid.grid_type, grid.households) == ("grid", w.c1.id, "environment", 320)
    # Kind and parent are fixed once created (cases copy their grid's ancestors), and so is the code
    # (board addresses and bookmarks use it).
    save(admin, f"/admin/orgs/{grid.id}", {"kind": "street", "parent": w.c2.id, "code": "G10", "name": "九号网格",
                                           "grid_type": "standard"})
    grid = OrgUnit.get_by_id(grid.id)
    assert (grid.kind, grid.parent_id, grid.name, grid.code) == ("grid", w.c1.id, "九号网格", "G9")
    admin.post(f"/admin/orgs/{grid.id}/active", {"active": "0"}, token_from="/admin/orgs")
    assert not OrgUnit.get_by_id(grid.id).active


def test_departments_serve_a_street_or_district(login, app_world):
    w = app_world
    admin = login("admin")
    wrong = save(admin, "/admin/departments/new", {"code": "water", "name": "水利站", "org": w.c1.id})
    assert wrong.status_code == 400
    assert save(admin, "/admin/departments/new", {"code": "water", "name": "水利站", "org": w.street.id,
                                                  "phone": "0571-1234"}).status_code == 303
    dept = Department.get(Department.code == "water")
    assert (dept.org_id, dept.phone, dept.active) == (w.street.id, "0571-1234", True)
    admin.post(f"/admin/departments/{dept.id}/active", {"active": "0"}, token_from="/admin/departments")
    assert not Department.get_by_id(dept.id).active


def test_categories_have_two_levels(login, app_world):
    w = app_world
    admin = login("admin")
    nested = save(admin, "/admin/categories/new", {"code": "010101", "name": "太深", "parent": w.litter.id,
                                                   "urgency": "normal"})
    assert nested.status_code == 400 and "请从选项中选择" in nested.get_data(as_text=True)  # only majors are offered
    ok = save(admin, "/admin/categories/new", {"code": "0106", "name": "井盖缺失", "parent": w.major.id,
                                               "default_department": w.police.id, "urgency": "urgent",
                                               "public": "y"})
    assert ok.status_code == 303
    category = Category.get(Category.code == "0106")
    assert (category.parent_id, category.default_department_id, category.urgency, category.public) == (
        w.major.id, w.police.id, "urgent", True)
    moved = save(admin, f"/admin/categories/{w.major.id}", {"code": "01", "name": "市容环境", "parent": w.litter.id,
                                                            "urgency": "normal"})
    assert moved.status_code == 400
    admin.post(f"/admin/categories/{category.id}/active", {"active": "0"}, token_from="/admin/categories")
    assert f'value="{category.id}"' not in login("member").get("/cases/new?grid=G1").get_data(as_text=True)


def test_admin_posts_need_the_csrf_token(login, app_world):
    admin = login("admin")
    response = admin.http.post(f"/admin/users/{app_world.member.id}/active", data={"active": "0"})
    assert response.status_code == 400
    assert User.get_by_id(app_world.member.id).active
