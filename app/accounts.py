"""Accounts: creating them with a role that matches its scope, the password rules, and ending access."""
from functools import lru_cache

from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app import sessions
from app.auth import hash_password, unlock_username
from workflows.models import ROLE_SCOPE_KINDS, ROLES, Department, OrgUnit, User
from workflows.text import clean_text

MIN_PASSWORD = 8
# Well above 64 characters (a long Chinese passphrase), yet a bound on the hashing work.
MAX_PASSWORD = 256
# Names of this system a user is likely to build a password from.
CONTEXT_WORDS = ("gridcase", "wangge", "网格")


class AccountError(ValueError):
    """An account that cannot be created or changed as asked."""


@lru_cache(maxsize=1)
def common_passwords():
    """The 30,000 most common passwords (zxcvbn's list, from leaked password sets)."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password, *, username="", name=""):
    """Why this password is refused (a message), or None. No composition rules: length,
    commonness and the user's own names decide, and every character counts as typed."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return _("The password must have at least %(n)s characters.", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _("The password may have at most %(n)s characters.", n=MAX_PASSWORD)
    folded = password.casefold()
    if folded in common_passwords():
        return _("This password is among the most common ones and easy to guess. Choose another.")
    own = [w.casefold() for w in (username, name, *CONTEXT_WORDS) if w and len(w) >= 2]
    if any(word == folded or (len(word) >= 4 and word in folded and len(folded) - len(word) < 5) for word in own):
        return _("The password must not be built from your username, your name or the system's name.")
    return None


def check_password_rules(password, **context):
    """Raise AccountError if the password breaks the rules."""
    problem = password_problem(password, **context)
    if problem:
        raise AccountError(problem)


def check_scope(role, org, department):
    """Refuse a role whose scope is missing or of the wrong kind."""
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    kinds = ROLE_SCOPE_KINDS[role]
    if kinds and (org is None or org.kind not in kinds):
        raise AccountError(_("This role needs an org unit of kind: %(kinds)s.", kinds=", ".join(kinds)))
    if role == "handler" and department is None:
        raise AccountError(_("A department handler needs a department."))


def password_fields(password, *, username, name, by_admin):
    """The columns a new password writes, once it passes the rules: the one way every password is set
    (an administrator's form, the create-user command, the user's own change). A password someone
    else chose must be replaced by the user at their next sign-in."""
    check_password_rules(password, username=username, name=name)
    return {"password_hash": hash_password(password), "must_change_password": bool(by_admin)}


def create_account(*, username, name, role, password, org_code=None, department_code=None, by_admin=True,
                   **fields):
    """Create a user after checking the role, scope and password rules (text cleaned: the command
    line is an entry that bypasses the web request's cleaning)."""
    username, name = clean_text(username), clean_text(name)
    secret = password_fields(password, username=username, name=name, by_admin=by_admin)
    if User.select().where(User.username == username).exists():
        raise AccountError(_("That username is taken."))
    org = OrgUnit.get_or_none(OrgUnit.code == org_code) if org_code else None
    department = Department.get_or_none(Department.code == department_code) if department_code else None
    if org_code and org is None:
        raise AccountError(_("Unknown org unit."))
    if department_code and department is None:
        raise AccountError(_("Unknown department."))
    check_scope(role, org, department)
    return User.create(username=username, name=name, role=role, org=org, department=department, **secret, **fields)


def set_password(user, password, at, keep_session=None, by_admin=False):
    """Change a password after checking the rules; every other session of the user ends. The user's
    own change clears the demand to change it; an administrator's sets it."""
    fields = password_fields(password, username=user.username, name=user.name, by_admin=by_admin)
    User.update(failed_logins=0, locked_until=None, **fields).where(User.id == user.id).execute()
    sessions.end_all(user.id, at, "password", keep=keep_session)


def deactivate(user, at):
    """Take away a user's access: they cannot sign in, and every open session ends now."""
    User.update(active=False).where(User.id == user.id).execute()
    return sessions.end_all(user.id, at, "deactivated")


def unlock(user):
    """Lift a sign-in lock-out (an administrator's action after checking with the user): the
    account's own and those of its username at every address."""
    User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
    unlock_username(user.username)
