"""Creating accounts with a role that matches its scope."""
from flask_babel import gettext as _

from app.auth import hash_password
from workflows.models import ROLE_SCOPE_KINDS, ROLES, Department, OrgUnit, User

MIN_PASSWORD = 8


class AccountError(ValueError):
    """An account that cannot be created as asked."""


def check_scope(role, org, department):
    """Refuse a role whose scope is missing or of the wrong kind."""
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    kinds = ROLE_SCOPE_KINDS[role]
    if kinds and (org is None or org.kind not in kinds):
        raise AccountError(_("This role needs an org unit of kind: %(kinds)s.", kinds=", ".join(kinds)))
    if role == "handler" and department is None:
        raise AccountError(_("A department handler needs a department."))


def create_account(*, username, name, role, password, org_code=None, department_code=None, **fields):
    """Create a user after checking the role, scope and password length."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD))
    if User.select().where(User.username == username).exists():
        raise AccountError(_("That username is taken."))
    org = OrgUnit.get_or_none(OrgUnit.code == org_code) if org_code else None
    department = Department.get_or_none(Department.code == department_code) if department_code else None
    if org_code and org is None:
        raise AccountError(_("Unknown org unit."))
    if department_code and department is None:
        raise AccountError(_("Unknown department."))
    check_scope(role, org, department)
    return User.create(username=username, name=name, role=role, org=org, department=department,
                       password_hash=hash_password(password), **fields)
