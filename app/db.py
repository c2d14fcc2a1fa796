"""Binding the shared database handle to the app, and the schema's migrations."""
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from playhouse.migrations import Runner

from workflows import service
from workflows.calendar import work_calendar
from workflows.clock import Clock, parse_periods
from workflows.db import bind, db, open_database

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def init_app(app):
    """Open the configured database and hold a connection for each request."""
    bind(open_database(app.config["DATABASE_URL"]))
    periods = parse_periods(app.config["OFFICE_HOURS"])
    warn = float(app.config["WARN_FRACTION"])
    # Office hours from configuration, the calendar from the database (cached until it changes).
    service.set_clock_factory(lambda: Clock(work_calendar(), periods=periods, warn_fraction=warn))
    zone = ZoneInfo(app.config["TIMEZONE"])
    app.extensions["gridcase_now"] = lambda: datetime.now(zone).replace(tzinfo=None, microsecond=0)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()


def now():
    """The app's clock: local wall time, naive, to the second."""
    from flask import current_app

    return current_app.extensions["gridcase_now"]()


def migrate(database=None, directory=MIGRATIONS):
    """Apply pending migrations; returns the names applied."""
    return Runner(database or db.obj, directory=directory).up()
