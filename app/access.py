"""The policy (workflows.policy) at the web's door: a view decorator, object checks, and can() for templates.

A view declares the action it serves with @allows("action"): a visitor who is not signed in is sent
to sign in, a role that may never take the action gets 403. A view that loads an object then asks
`require(action, obj)`: an object outside the user's reach is 404 (no probing whether it exists).
The access-matrix test reads `view.policy_action` to check every route against the policy.
"""
from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from workflows import policy


def user():
    """The signed-in user itself (not the proxy; policy rules read it many times), or None."""
    signed_in = current_user._get_current_object()
    return signed_in if signed_in is not None and signed_in.is_authenticated else None


def can(action, obj=None):
    """May the signed-in user take `action` (on `obj`)? The one question templates ask."""
    return policy.can(user(), action, obj)


def allows(action):
    """A view for the roles that may take `action`: sign-in required, 403 for the others."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            refused = admit(action)
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        guarded.policy_action = action
        return guarded

    return decorate


def guard(blueprint, action):
    """Every view of `blueprint` serves `action` (checked before any of them runs)."""
    blueprint.policy_action = action

    @blueprint.before_request
    def door():
        return admit(action)


def admit(action):
    """None if the signed-in user may take `action`; else the answer: sign in first (Flask-Login's
    unauthorized handler), or 403 for a role that may never take it."""
    signed_in = user()
    if signed_in is None:
        return current_app.login_manager.unauthorized()
    if not policy.can(signed_in, action):
        abort(403)
    return None


def action_of(app, endpoint):
    """The policy action a route serves (its view's, else its blueprint's), or None."""
    view = app.view_functions.get(endpoint)
    action = getattr(view, "policy_action", None)
    if action is None and "." in endpoint:
        action = getattr(app.blueprints.get(endpoint.rsplit(".", 1)[0]), "policy_action", None)
    return action


def require(action, obj):
    """404 unless the signed-in user may take `action` on `obj` (which must exist): returns `obj`."""
    if obj is None or not policy.can(user(), action, obj):
        abort(404)
    return obj


def init_app(app):
    """Templates ask can('action', obj)."""
    app.jinja_env.globals["can"] = can
