"""What comes in from a request: text cleaned once at the boundary, `next` targets kept on this site.

Every query string and form (the Open311 POST body included) is parsed into `CleanMultiDict`,
so no view, form or domain function ever sees a character XML 1.0 cannot carry. Every redirect
that takes its target from a request goes through `same_site_path`.
"""
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from workflows.text import clean_text

# Browsers drop tabs and newlines anywhere in a URL ("/\t/evil.example" is "//evil.example");
# their percent-encodings are removed too, so a value decoded once more says the same.
STRIPPED = re.compile(r"[\t\r\n]|%0[9ad]", re.IGNORECASE)
# What may not be left once those are gone: any other control character, and a backslash
# (browsers read "\" as "/" in http URLs).
REFUSED = re.compile(r"[\x00-\x1f\x7f\\]")


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values (and their names) without characters XML 1.0 cannot carry."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        pairs = MultiDict(mapping).items(multi=True) if isinstance(mapping, (MultiDict, Mapping)) else mapping
        super().__init__([(clean_text(key), clean_text(value)) for key, value in pairs])


class CleanParameters:
    """A request class mixin: `args`, `form` (and so `values`) are cleaned as they are parsed."""

    parameter_storage_class = CleanMultiDict


def same_site_path(target, default="/"):
    """`target` if it is a path on this site, else `default`.

    Tabs, CR and LF (and %09, %0A, %0D) are removed first, as a browser would; what is left must
    parse with no scheme and no host and start with one "/" — not "//" or "/\\", which browsers
    take for another site — and hold no control character or backslash.
    """
    text = STRIPPED.sub("", target or "") if isinstance(target, str) else ""
    if not text.startswith("/") or text.startswith("//") or REFUSED.search(text):
        return default
    try:
        parts = urlsplit(text)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return text


def init_app(app):
    """Parse every request's parameters cleaned. Called last: an extension may bring its own request
    class (htmx-flask does), and the cleaning goes on top of whichever is in place."""
    base = app.request_class
    if not issubclass(base, CleanParameters):
        app.request_class = type(f"Clean{base.__name__}", (CleanParameters, base), {})
