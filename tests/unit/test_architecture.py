"""The house's rules that a reader relies on: one policy for permissions, the import rule between the
layers, one way to read htmx requests."""
import ast
import pathlib
import re

import pytest

from app.nav import NAV
from workflows import policy
from workflows.machine import EVENTS

ROOT = pathlib.Path(__file__).resolve().parents[2]


def sources(*folders, suffix=".py"):
    """(path, text) of every file under these folders of the project."""
    for folder in folders:
        for path in sorted((ROOT / folder).rglob(f"*{suffix}")):
            yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def test_every_event_names_a_policy_action():
    assert sorted({spec.who for spec in EVENTS} - set(policy.ACTIONS)) == []


def test_every_navigation_entry_names_a_policy_action():
    assert sorted({action for _endpoint, _label, action in NAV} - set(policy.ACTIONS)) == []


def test_every_rule_names_known_roles():
    for name, rule in policy.ACTIONS.items():
        assert rule.roles and set(rule.roles) <= set(policy.ROLES), name


def test_no_role_is_compared_outside_the_policy():
    """Views, templates and domain modules ask can(); they never read the user's role to decide."""
    found = []
    for path, text in [*sources("app", "workflows"), *sources("templates", suffix=".html")]:
        if path.name == "policy.py" and path.parent.name == "workflows":
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(r"current_user\.role\s*(==|!=|in\b|not in\b)|getattr\([^)]*[\"']role[\"']", line):
                found.append(f"{path}:{number}: {line.strip()}")
    assert found == []


def imports_of(text):
    """The top-level package names a module imports."""
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_never_imports_the_web_layer():
    """web (app) → domain (workflows), never back: the domain runs without Flask (CLI, sweep, tests)."""
    found = [f"{path}: {sorted(imports_of(text) & {'app', 'flask', 'flask_login', 'flask_babel', 'werkzeug'})}"
             for path, text in sources("workflows") if imports_of(text) & {"app", "flask", "flask_login",
                                                                          "flask_babel", "werkzeug"}]
    assert found == []


@pytest.mark.parametrize("role", policy.ROLES)
def test_a_role_outside_an_action_is_refused_whatever_the_object(world, role):
    """The roles column is a hard door: an object rule never lets in a role the table leaves out."""
    user = next(u for u in (world.member, world.lead, world.community, world.handler, world.supervisor, world.admin,
                                    world.building_head)
                if u.role == role)
    for name, rule in policy.ACTIONS.items():
        if role not in rule.roles:
            assert not policy.can(user, name), name
            assert not policy.can(user, name, object()), name


def test_views_read_htmx_requests_through_htmx_flask():
    """request.htmx (htmx-flask) answers whether a request came from htmx and what it targets."""
    found = [f"{path}:{number}" for path, text in sources("app")
             for number, line in enumerate(text.splitlines(), 1) if re.search(r"headers\.get\([\"']HX-", line)]
    assert found == []
