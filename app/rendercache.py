"""Rendered board cards kept per process, the same HTML for everyone they are kept for.

A board of a busy grid shows a few hundred cards and polls every ~30 s; rendering a rich card
(its actions and their inline forms) costs far more than reading its row. A card is kept under
a key that holds exactly what its HTML depends on (app.cards.Cards.key: the case's id,
version and light, the day, the view, the language and what decides the actions it shows) and
nothing that says who is looking: no user id, no session, no page layout with a name in it —
pages themselves are rendered for each response.

Keys change whenever the HTML would, so nothing is ever evicted for correctness, only for room
(least recently used, bounded in characters per process); several server processes need no
coordination. What must differ per response never enters the cache: a kept card holds marks
where its forms take the session's CSRF token and a fresh idempotency key, and they are filled
in on the way out, for this response only.
"""
import itertools
import secrets
import threading
import uuid

from cachetools import LRUCache
from flask import current_app, g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

CSRF_MARK = f"csrf-mark-{uuid.uuid4().hex}"
KEY_MARK = f"key-mark-{uuid.uuid4().hex}"


def csrf_token():
    """The template's csrf_token(): the session's token, or its mark while HTML is rendered to be kept."""
    return CSRF_MARK if g.get("render_marks") else _token()


def request_key():
    """The template's request_key(): a fresh idempotency key per form, or its mark in HTML to be kept."""
    return KEY_MARK if g.get("render_marks") else next(_keys())


def _token():
    """This response's CSRF token (Flask-WTF's, generated once per request)."""
    token = g.get("render_csrf")
    if token is None:
        token = g.render_csrf = generate_csrf()
    return token


def _keys():
    """This response's idempotency keys: one random prefix, then a counter (unique, and cheap per form)."""
    keys = g.get("render_keys")
    if keys is None:
        prefix = secrets.token_hex(12)
        keys = g.render_keys = (f"{prefix}{n:06x}" for n in itertools.count())
    return keys


class RenderCache:
    """A thread-safe LRU of rendered HTML, bounded by the characters it holds."""

    def __init__(self, max_chars):
        self._html = LRUCache(maxsize=max_chars, getsizeof=len)
        self._lock = threading.Lock()

    def get(self, key):
        """The kept HTML for `key`, or None."""
        with self._lock:
            return self._html.get(key)

    def count(self):
        """How many pieces are kept."""
        with self._lock:
            return len(self._html)

    def put(self, key, html):
        """Keep rendered HTML (a piece larger than the whole cache is simply not kept)."""
        with self._lock:
            try:
                self._html[key] = html
            except ValueError:
                pass


def init_app(app):
    """One cache per process; RENDER_CACHE_CHARS = 0 turns it off (everything rendered every time)."""
    size = app.config["RENDER_CACHE_CHARS"]
    app.extensions["render_cache"] = RenderCache(size) if size else None
    app.jinja_env.globals.update(csrf_token=csrf_token, request_key=request_key)
    # Flask-WTF also puts its own csrf_token into every template's context, where it would win over
    # the global in the template rendered (not in imported macros): a kept card then carried the real
    # token of whoever rendered it first, and the next session's card actions answered 400. This
    # processor runs after Flask-WTF's, so every template calls the one above.
    app.context_processor(lambda: {"csrf_token": csrf_token})
    app.after_request(fill_response)


def has(key):
    """True if `key`'s HTML is kept."""
    return kept(key) is not None


def kept(key):
    """The HTML kept for `key` (with its marks), or None."""
    cache = current_app.extensions["render_cache"]
    return cache.get(key) if cache is not None else None


def keep(key, html):
    """Keep HTML (with its marks) under `key`."""
    cache = current_app.extensions["render_cache"]
    if cache is not None and html:
        cache.put(key, html)


def cached(key, produce, keep=True):
    """`produce()`'s HTML for `key`, as kept (rendered and kept now if it was not, unless `keep` is
    false): with its marks, which are filled in for this response when it leaves (see fill_response)."""
    return pieces([(key, produce)], keep)[0]


def pieces(items, keep=True):
    """The HTML of each (key, produce) in `items`, as cached() gives it, in one pass."""
    cache = current_app.extensions["render_cache"]
    out = []
    for key, produce in items:
        html = cache.get(key) if cache is not None else None
        if html is None:
            html = marked(produce)
            if cache is not None and keep and html:
                cache.put(key, html)
        out.append(Markup(html))  # nosec B704 # autoescaped template output, passed on as made
    g.render_marks_out = True
    return out


def marked(produce):
    """`produce()`'s HTML with marks where the CSRF token and idempotency keys go (what is kept)."""
    outer = not g.get("render_marks")
    g.render_marks = True
    try:
        return str(produce())
    finally:
        g.render_marks = not outer


def fill_response(response):
    """Fill this response's token and keys into the marks of the kept pieces it carries (an
    after_request hook: the marks never reach a browser, the tokens never enter the cache)."""
    if g.get("render_marks_out") and not response.is_streamed and response.mimetype == "text/html":
        response.set_data(fill(response.get_data(as_text=True)))
    return response


def filled(html):
    """A whole page's HTML with this response's token and keys in its marks (done here rather than
    by fill_response when the page is at hand as text)."""
    g.render_marks_out = False
    return fill(html)


def fill(html):
    """This response's CSRF token and a fresh idempotency key for each form, in place of the marks
    (HTML without forms asks for neither: the token is signed anew for every response)."""
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, _token())
    parts = html.split(KEY_MARK)
    if len(parts) > 1:
        keys = _keys()
        html = parts[0] + "".join(next(keys) + part for part in parts[1:])
    return Markup(html)  # nosec B704 # rendered, tokens hex
