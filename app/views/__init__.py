"""Blueprints and the pages every role shares."""
from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from peewee import InterfaceError, OperationalError

from app import rendercache
from app.db import reset as reset_connection
from app.htmx import htmx
from app.i18n import translate_error
from workflows.errors import WorkflowError

csrf = CSRFProtect()


def init_app(app):
    """Register blueprints, CSRF protection, template helpers and error pages."""
    from app.views import (account, accountability, admin, apikeys, assess, attachments, boards, calendar, cases,
                           gridmap, home, intake, ledger, meetings, notices, offline, open311, patrols, points, public,
                           registry, reopen, services, stats, visits, work, workflow, worklog)

    csrf.init_app(app)
    rendercache.init_app(app)  # after CSRF: its csrf_token() wraps Flask-WTF's
    htmx.init_app(app)
    for module in (cases, attachments, workflow, boards, intake, admin, stats, ledger, account, patrols, worklog,
                   points, notices, calendar, work, offline, gridmap, accountability, assess, registry, services,
                   visits, meetings):
        app.register_blueprint(module.bp)
    home.init_app(app)
    # Residents and outside systems; Open311 clients post with an api_key, not a session's CSRF token.
    for module in (public, open311, apikeys, reopen):
        app.register_blueprint(module.bp)
    csrf.exempt(open311.bp)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page(400, _("The form has expired or was not sent from this site: reload the page and try again."))

    @app.errorhandler(WorkflowError)
    def workflow_error(error):
        status = {"forbidden": 403, "stale": 409, "duplicate": 409}.get(error.code, 400)
        return error_page(status, translate_error(error))

    for code in (403, 404, 413):
        app.register_error_handler(code, _http_error(code))
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(500, _internal_error)

    from app import access, templating

    access.init_app(app)
    templating.init_app(app)


def _http_error(code):
    """A page for an HTTP error, in the user's language."""

    def handler(error):
        return error_page(code, None)

    return handler


def error_page(code, message):
    """The error page; for an htmx fragment request only the message, so it fits where it lands."""
    template = "errors/error.html"
    if request.htmx and not request.htmx.boosted:
        template = "errors/_message.html"
    return render_template(template, code=code, message=message), code


def _standalone_error(code):
    """The error page that needs no database: the visitor counts as signed out while it renders."""
    from app.auth import login_manager

    g._login_user = login_manager.anonymous_user()
    return render_template("errors/unavailable.html", code=code)


def _database_unavailable(error):
    """The database is down or locked past its timeout: a clear 503, never a stack trace.
    The thread's connection is closed, so the app recovers by itself when the database does."""
    current_app.logger.error("database unavailable: %s", error)
    reset_connection()
    return _standalone_error(503), 503, {"Retry-After": "30"}


def _internal_error(error):
    """An unexpected failure (already logged by Flask with its traceback)."""
    return _standalone_error(500), 500
