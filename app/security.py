"""Response headers every page carries, HTTPS behind a proxy, and private pages kept out of caches.

Written here rather than taken from an extension: the policy is short, and each line is one
decision a reviewer can check against SECURITY.md.
"""
from functools import cache

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: JavaScript and CSS come from our own static files.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Tablets take photos and a position for a case; nothing else is needed.
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=(), payment=(), usb=(), serial=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

HSTS = "max-age=31536000; includeSubDomains"


def relax_csp(**directives):
    """Mark a view as needing a looser policy (directive_name=value, underscores for dashes)."""

    def decorate(view):
        view.csp_overrides = {name.replace("_", "-"): value for name, value in directives.items()}
        return view

    return decorate


@cache
def policy_for(view):
    """The Content-Security-Policy text for a view function (or None: the strict one)."""
    directives = dict(CSP, **getattr(view, "csp_overrides", {}))
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# (name, its lowercase, value): a view's own value of one of these headers is kept.
DEFAULTS = tuple((name, name.lower(), value) for name, value in HEADERS.items())


def set_headers(app, response):
    """Add the security headers; private pages are never stored by a browser or proxy.

    The names already set are read once (every response passes here, and a missing-name lookup
    in werkzeug's Headers raises and catches an exception)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    # A 304 has no content for these to govern: a browser revalidating its copy keeps the headers it
    # stored with the 200 (RFC 9110 §15.4.5 asks a 304 only for the validators and caching rules).
    # The board's poll answers 304 every few seconds per open board, so each byte here is paid often.
    if response.status_code != 304:
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if "content-security-policy" in present:
            headers.set("Content-Security-Policy", policy_for(view))
        else:
            headers.add("Content-Security-Policy", policy_for(view))
        for name, lower, value in DEFAULTS:
            if lower not in present:
                headers.add(name, value)
    if request.is_secure:
        headers.set("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and "cache-control" not in present:
        headers.add("Cache-Control", "no-store")
    return response


def init_app(app):
    """Install the headers, trust a configured number of proxies, secure cookies under HTTPS."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # nginx sets X-Forwarded-For/-Proto/-Host: trust exactly that many hops, no more.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    secure = _flag(app.config.get("SESSION_COOKIE_SECURE"))
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    if secure and app.config.get("SESSION_COOKIE_NAME", "session") == "session":
        # __Host-: the browser keeps it only if Secure, host-only and for path "/" (no subdomain can set it).
        app.config["SESSION_COOKIE_NAME"] = "__Host-gridcase"
    app.after_request(lambda response: set_headers(app, response))


def _flag(value):
    """A boolean setting that may arrive from the environment as text."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
