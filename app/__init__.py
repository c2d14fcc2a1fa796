"""gridcase: the Flask application factory."""
import os
import secrets

from flask import Flask

from app.config import DEFAULTS, ENVIRONMENT


def create_app(test_config=None):
    """Build the app: configuration, database, extensions, blueprints, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_asset_folder("templates"),
        static_folder=_asset_folder("static"),
    )
    from app.templating import Templates

    app.jinja_environment = Templates
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENVIRONMENT:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.setdefault("DATABASE_URL", f"sqlite:///{os.path.join(app.instance_path, 'gridcase.db')}")
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_PHOTOS"] * app.config["MAX_PHOTO_BYTES"] + 1024 * 1024

    from app import auth, cli, db, i18n, inputs, params, security, views

    params.init_app(app)  # first: its URL converters must exist before any blueprint adds its rules
    security.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    inputs.init_app(app)
    return app


def _asset_folder(name):
    """Templates or static files: inside the installed package (a wheel), else at the top of the checkout."""
    packaged = os.path.join(os.path.dirname(__file__), name)
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(os.path.dirname(__file__)), name)


def _instance_secret(instance_path):
    """A random secret kept in the instance folder, made on first start (never in source)."""
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()
