"""Working without a signal: the web app manifest, the service worker and the outbox.

The service worker (static/js/sw.js, Workbox) keeps the app shell and the pages a grid worker needs
offline; static/js/outbox.js keeps what was recorded meanwhile in the browser and sends it through the
ordinary intake route (`intake.new`), whose intake key makes each item a case exactly once.
"""
import hashlib
import json
import os
from functools import cache

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.access import allows
from app.views.intake import grids_in_reach

bp = Blueprint("offline", __name__)
THEME = "#c8102e"  # --primary of static/css/app.css
# The app shell kept by the service worker at install (Workbox precaching, revisioned by content).
SHELL = ["css/app.css", "js/app.js", "js/outbox.js", "js/sw-register.js", "vendor/htmx.min.js", "favicon.svg",
         "icons/icon-192.png"]
ICONS = [("icons/icon-192.png", "192x192", "any"), ("icons/icon-512.png", "512x512", "any"),
         ("icons/icon-maskable-512.png", "512x512", "maskable")]


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: a Chinese name, the icons and the theme colour, so a tablet can install the app."""
    with force_locale("zh_CN"):
        name = _("Grid cases")
    body = {
        "name": name, "short_name": name, "lang": "zh-CN", "start_url": url_for("home"), "scope": "/",
        "display": "standalone", "orientation": "any", "theme_color": THEME, "background_color": "#ffffff",
        "icons": [{"src": url_for("static", filename=path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for path, sizes, purpose in ICONS],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker at the root, so its scope is the whole app; its settings are written in front."""
    settings = {
        "workbox": url_for("static", filename="vendor/"),
        "shell": [{"url": url_for("static", filename=path), "revision": revision(current_app.static_folder, path)}
                  for path in SHELL],
        "fallback": url_for("offline.outbox"),
        "newCase": url_for("intake.new"),
        "login": url_for("auth.login"),
    }
    with open(os.path.join(current_app.static_folder, "js", "sw.js"), encoding="utf-8") as handle:
        source = handle.read()
    response = current_app.response_class(f"self.GRIDCASE = {json.dumps(settings)};\n{source}",
                                          mimetype="text/javascript")
    # The browser checks for a new worker on every visit; the worker itself keeps what works offline.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@cache
def revision(folder, path):
    """A static file's content hash: the shell is fetched again exactly when a file changes."""
    with open(os.path.join(folder, path), "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


@bp.get("/outbox")
@allows("case.record")
def outbox():
    """What was recorded without a signal, and where it stands (the list is drawn from the browser's storage)."""
    return render_template("offline/outbox.html", grids=grids_in_reach())


@bp.get("/outbox/session.json")
@allows("case.record")
def session():
    """What the outbox needs before it sends: who is signed in, a fresh CSRF token, the pages to keep offline."""
    keep = [url_for("home"), url_for("offline.outbox"), url_for("intake.new")]
    keep += [url_for("intake.new", grid=grid.code) for grid in grids_in_reach()]
    return jsonify(user=current_user.id, csrf=generate_csrf(), keep=keep)
