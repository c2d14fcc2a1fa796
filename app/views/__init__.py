"""Blueprints and the pages every role shares."""
from flask import redirect, render_template, url_for
from flask_login import login_required
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.htmx import htmx
from app.i18n import translate_error
from workflows.errors import WorkflowError

csrf = CSRFProtect()


def init_app(app):
    """Register blueprints, CSRF protection, template helpers and error pages."""
    from app.views import attachments, calendar, cases, notices, workflow

    csrf.init_app(app)
    htmx.init_app(app)
    for module in (cases, attachments, workflow, notices, calendar):
        app.register_blueprint(module.bp)

    @app.get("/")
    @login_required
    def home():
        """Each role lands where it works."""
        return redirect(url_for("cases.index"))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, message=error.description), 400

    @app.errorhandler(WorkflowError)
    def workflow_error(error):
        status = {"forbidden": 403, "stale": 409}.get(error.code, 400)
        return render_template("errors/error.html", code=status, message=translate_error(error)), status

    for code in (403, 404, 413):
        app.register_error_handler(code, _http_error(code))

    from app import templating

    templating.init_app(app)


def _http_error(code):
    """A page for an HTTP error, in the user's language."""

    def handler(error):
        return render_template("errors/error.html", code=code, message=None), code

    return handler

