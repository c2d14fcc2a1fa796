"""Chinese first, English on request: Flask-Babel with the language kept in the session."""
from functools import cache

from babel import Locale
from flask import current_app, redirect, request, session, url_for
from flask_babel import Babel, gettext
from flask_login import current_user

from app.inputs import same_site_path

babel = Babel()


def select_locale():
    """The session's choice, else the user's saved choice, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user._get_current_object(), "locale", None)
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@cache
def parsed_locale(code):
    """The babel Locale of a language code, parsed once per process (Flask-Babel would parse
    the selector's answer on every request; a Locale it takes as it is)."""
    return Locale.parse(code)


def translate_error(error):
    """A WorkflowError's message in the user's language."""
    text = gettext(error.message)
    return text % {k: gettext(v) if isinstance(v, str) else v for k, v in error.params.items()} if error.params else text


def init_app(app):
    """Install Babel and the language switch."""
    babel.init_app(app, locale_selector=lambda: parsed_locale(select_locale()))

    @app.post("/lang")
    def set_language():
        """Switch the interface language for this session."""
        lang = request.form.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang
        return redirect(same_site_path(request.form.get("next"), url_for("home")), code=303)

    app.jinja_env.globals["current_locale"] = select_locale
