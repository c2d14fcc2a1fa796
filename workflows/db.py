"""The one database handle and how to open it from a URL."""
import json
from datetime import datetime
from urllib.parse import urlparse

import peewee
from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase, TextField, Value
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


class _Slot(str):
    """The stand-in value of a named slot while a Prepared query's SQL is generated."""


def slot(name):
    """A value a Prepared query takes when it runs (passed to the driver as given, like peewee does)."""
    return Value(_Slot(name), converter=False)


# What a peewee cursor wrapper holds about one result rather than about the query's columns.
_PER_RESULT = frozenset(("cursor", "count", "index", "populated", "row_cache"))


class Prepared:
    """A query whose SQL is generated once per kind of database and then run with new values.

    For the small indexed lookups every request makes (the session, a card, the board's
    stamp), generating the SQL costs peewee more than the database's own work. `build()`
    returns the peewee query with slot(name) where values go; rows(**values) returns raw
    tuples, objects(**values) what the query itself would return (models with their joins).
    """

    def __init__(self, build):
        self._build = build
        self._compiled = {}
        self._readers = {}

    def _cursor(self, values):
        kind = type(db.obj)
        compiled = self._compiled.get(kind)
        if compiled is None:
            query = self._build()
            compiled = self._compiled[kind] = (query, *query.sql())
        query, sql, params = compiled
        return query, db.execute_sql(sql, [values[p] if isinstance(p, _Slot) else p for p in params])

    def rows(self, **values):
        """The rows for these slot values, as tuples (as the driver gives them)."""
        return self._cursor(values)[1].fetchall()

    def objects(self, **values):
        """The results for these slot values, converted as the query would convert them.

        peewee works out how to turn a row into models (converters, joins) from the first row of
        every result; the same SQL gives the same columns, so that is kept from the first run."""
        query, cursor = self._cursor(values)
        wrapper = query._get_cursor_wrapper(cursor)
        kind = type(db.obj)
        reader = self._readers.get(kind)
        if reader is not None:
            wrapper.__dict__.update(reader)
        found = list(wrapper)
        if reader is None and wrapper.initialized:
            self._readers[kind] = {name: value for name, value in wrapper.__dict__.items()
                                   if name not in _PER_RESULT}
        return found

    def changed(self, **values):
        """Run an UPDATE or DELETE for these slot values; returns how many rows it changed."""
        return self._cursor(values)[1].rowcount


def column_values(model, values):
    """{column name: value} as the driver takes it, for the named fields of `model` (what peewee's
    own writes pass through each field's db_value)."""
    fields = model._meta.fields
    return {name: fields[name].db_value(value) for name, value in values.items()}
