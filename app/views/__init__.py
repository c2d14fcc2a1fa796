"""Blueprints and the pages every role shares."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.htmx import htmx
from app.i18n import translate_error
from workflows.errors import WorkflowError

csrf = CSRFProtect()


def init_app(app):
    """Register blueprints, CSRF protection, template helpers and error pages."""
    from app.views import admin, attachments, boards, cases, home, intake, workflow

    csrf.init_app(app)
    htmx.init_app(app)
    for module in (cases, attachments, workflow, boards, intake, admin):
        app.register_blueprint(module.bp)
    home.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page(400, _("The form has expired or was not sent from this site: reload the page and try again."))

    @app.errorhandler(WorkflowError)
    def workflow_error(error):
        status = {"forbidden": 403, "stale": 409}.get(error.code, 400)
        return error_page(status, translate_error(error))

    for code in (403, 404, 413):
        app.register_error_handler(code, _http_error(code))

    from app import templating

    templating.init_app(app)


def _http_error(code):
    """A page for an HTTP error, in the user's language."""

    def handler(error):
        return error_page(code, None)

    return handler


def error_page(code, message):
    """The error page; for an htmx fragment request only the message, so it fits where it lands."""
    template = "errors/error.html"
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        template = "errors/_message.html"
    return render_template(template, code=code, message=message), code

