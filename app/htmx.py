"""htmx helpers: one URL serves the page or the region the request targets."""
from fnmatch import fnmatch

from flask import render_template
from htmx_flask import Htmx, request

htmx = Htmx()


def render(template, fragments=None, **context):
    """Render the full page, or only the partial for the element named by HX-Target.

    `fragments` maps element ids (glob patterns allowed, e.g. "column-*") to partial
    templates; the page includes the same partials, so each piece of markup has one source.
    A boosted navigation also sends HX-Request, so only HX-Target decides.
    """
    target = request.htmx.target
    if target and fragments:
        for pattern, partial in fragments.items():
            if fnmatch(target, pattern):
                return render_template(partial, **context)
    return render_template(template, **context)
