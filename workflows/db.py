"""The one database handle and how to open it from a URL."""
import json
from datetime import datetime
from urllib.parse import urlparse

import peewee
from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase, TextField
from playhouse.db_url import connect as url_connect

db = DatabaseProxy()

# WAL lets readers work while one writer writes; a busy timeout makes writers
# queue instead of failing; foreign keys are off in SQLite unless asked for.
SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", 10000),
    ("synchronous", "normal"),
)


def open_database(url):
    """Return an unconnected peewee Database for a sqlite:// or postgresql:// URL."""
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        # Every transaction begins IMMEDIATE: a read-then-write under plain BEGIN
        # fails with "database is locked" under concurrent writers.
        return url_connect(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=10)
    if scheme.startswith("postgres"):
        return url_connect(url, autoconnect=True)
    raise ValueError(f"unsupported DATABASE_URL scheme: {scheme!r}")


def bind(database):
    """Point the shared proxy at a database."""
    db.initialize(database)
    return database


def is_sqlite():
    """True when the bound database is SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def is_postgres():
    """True when the bound database is PostgreSQL."""
    return isinstance(db.obj, PostgresqlDatabase)


def write_transaction():
    """A transaction (or savepoint when nested) for a read-then-write."""
    return db.atomic()


def refresh_statistics():
    """Tell the query planner how the tables look after a bulk change (ANALYZE, on either database).
    SQLite keeps no statistics until asked: without them it reads a district's people through the grid
    index instead of the name index, and a search over 200,000 people takes 0.7 s instead of 20 ms."""
    db.execute_sql("ANALYZE")


def lock_for_update(query):
    """Add FOR UPDATE where the database has row locks (SQLite locks on BEGIN IMMEDIATE)."""
    return query.for_update() if is_postgres() else query


class DateTimeField(peewee.DateTimeField):
    """peewee's DateTimeField, read from SQLite's text with datetime.fromisoformat (C) before
    trying peewee's strptime formats: a board, a ledger page or a month's statistics read
    thousands of times, and strptime was most of the cost of reading them."""

    def python_value(self, value):
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        return super().python_value(value)


class JSONField(TextField):
    """JSON stored as text, the same on SQLite and PostgreSQL."""

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def python_value(self, value):
        if value is None:
            return None
        return json.loads(value)
