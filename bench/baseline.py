"""The baseline: the smallest Flask + peewee + Jinja2 app on gridcase's own database.

It measures what the stack itself costs, so every gridcase figure has a yardstick taken
in the same run: `/ping` (the framework alone), `/board/<grid_id>` (every open case of a
grid as a plain card, from one indexed SELECT rendered by a Jinja2 template) and
`POST /cases/<id>/transition` (a one-row UPDATE in a transaction). No sign-in, no CSRF,
no scope checks, no history: that is the point. Like any minimal app it keeps one database
connection per worker (opened by the worker's first request).

    DATABASE_URL=sqlite:///bench/.data/boards.db gunicorn -w 2 'bench.baseline:create_app()'
"""
import os
from datetime import datetime

from flask import Flask, abort, render_template, request
from jinja2 import DictLoader
from peewee import CharField, DateTimeField, IntegerField, Model

from workflows.db import bind, db, open_database
from workflows.machine import OPEN_STATES

BOARD = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ grid_id }}</title></head>
<body><main id="board">
{% for case in cases %}
<article class="card" id="case-{{ case.id }}" data-state="{{ case.state }}">
  <b>{{ case.number }}</b> <span>{{ case.state }}</span>
  <h3>{{ case.title }}</h3>
  <p>{{ case.deadline.strftime('%Y-%m-%d %H:%M') if case.deadline else '—' }}</p>
</article>
{% endfor %}
</main></body></html>
"""


class Case(Model):
    """The few columns of gridcase's `case` table a plain card needs."""

    number = CharField()
    title = CharField()
    state = CharField()
    grid_id = IntegerField()
    deadline = DateTimeField(null=True)
    version = IntegerField()
    updated_at = DateTimeField()

    class Meta:
        database = db
        table_name = "case"


def create_app(database_url=None):
    """The baseline app on DATABASE_URL (same connection settings as gridcase: WAL, IMMEDIATE …)."""
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"board.html": BOARD})
    bind(open_database(database_url or os.environ["DATABASE_URL"]))

    @app.before_request
    def _connect():
        # One connection per worker, opened by its first request and kept (after gunicorn forks).
        db.connect(reuse_if_open=True)

    @app.get("/ping")
    def ping():
        return "pong"

    @app.get("/board/<int:grid_id>")
    def board(grid_id):
        # One SELECT on the (grid_id, state, deadline) index.
        cases = (Case.select(Case.id, Case.number, Case.title, Case.state, Case.deadline)
                 .where((Case.grid_id == grid_id) & Case.state.in_(OPEN_STATES))
                 .order_by(Case.state, Case.deadline))
        return render_template("board.html", grid_id=grid_id, cases=cases)

    @app.post("/cases/<int:case_id>/transition")
    def transition(case_id):
        state = request.form.get("state", "reported")
        version = request.form.get("version", type=int)
        if state not in OPEN_STATES or version is None:
            abort(400)
        with db.atomic():
            changed = (Case.update(state=state, version=Case.version + 1, updated_at=datetime.now())
                       .where((Case.id == case_id) & (Case.version == version)).execute())
        if not changed:
            abort(409)
        return "ok"

    return app
