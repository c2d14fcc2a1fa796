"""Binding the shared database handle to the app, and the schema's migrations."""
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from peewee import InterfaceError, OperationalError
from playhouse.migrations import Runner

from workflows import service
from workflows.calendar import work_calendar
from workflows.clock import Clock, parse_periods
from workflows.db import bind, db, open_database

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def init_app(app):
    """Open the configured database; each server thread keeps its own connection across requests."""
    bind(open_database(app.config["DATABASE_URL"]))
    periods = parse_periods(app.config["OFFICE_HOURS"])
    warn = float(app.config["WARN_FRACTION"])
    # Office hours from configuration, the calendar from the database (cached until it changes).
    service.set_clock_factory(lambda: Clock(work_calendar(), periods=periods, warn_fraction=warn))
    zone = ZoneInfo(app.config["TIMEZONE"])
    app.extensions["gridcase_now"] = lambda: datetime.now(zone).replace(tzinfo=None, microsecond=0)

    @app.before_request
    def _connect():
        # Opened by a thread's first request and kept: opening one costs more than a small request
        # (SQLite reads the schema, PostgreSQL authenticates). peewee keeps one per thread.
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _settle(exc):
        # A connection the database dropped or refused is closed, so the next request opens a new one.
        if isinstance(exc, (OperationalError, InterfaceError)):
            reset()


def reset():
    """Close this thread's connection, whatever state it is in (the next request opens a new one)."""
    try:
        db.close()
    except (OperationalError, InterfaceError):
        pass  # peewee forgets the connection even when closing it fails


def now():
    """The app's clock: local wall time, naive, to the second."""
    from flask import current_app

    return current_app.extensions["gridcase_now"]()


def migrate(database=None, directory=MIGRATIONS):
    """Apply pending migrations; returns the names applied."""
    return Runner(database or db.obj, directory=directory).up()
