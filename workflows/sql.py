"""Every statement whose SQL is kept as text, in one place: the small indexed reads and writes each
request makes (a grid, a card, an event's locked read, history row and counters). The web layer's
one — a request's session — is declared with the same Statement beside its table, in app/storage.py.

For these, generating the SQL costs peewee more than the database's own work, so each statement is
a function building the peewee query it stands for; its SQL is generated once per kind of
database with `Query.sql()` and then run with new values through `Database.execute_sql` — public
peewee APIs only. Rows come back as tuples, or as model instances built with each field's
`python_value` (what peewee's own reader does). tests/unit/test_sql.py runs every statement here
beside the peewee query built by the same function with the same values, on SQLite and PostgreSQL,
and checks they give the same rows.
"""
from peewee import JOIN, Value, fn

from workflows.db import db, lock_for_update
from workflows.models import (
    Building,
    Case,
    CaseEvent,
    Category,
    Counter,
    Department,
    OrgUnit,
    TimeLimit,
    User,
)


class _Slot(str):
    """The stand-in value of a named slot while a statement's SQL is generated."""


def _slot(name):
    """A value given when the statement runs (passed to the driver as given, like peewee does)."""
    return Value(_Slot(name), converter=False)


def _given(values):
    """A value(name) for the builders that gives the real values: the plain peewee query a statement
    replaces, its values converted by the fields they meet as peewee always does."""
    return values.__getitem__


class Statement:
    """A peewee query built by `build(value)` — value(name) is where a run's values go — whose SQL is
    generated once per kind of database. `models` names what each row holds when it is loaded as
    instances: (model, attribute) pairs in the order of the selected columns (every field of each
    model); the first is the instance returned, the others are set on it under their attribute."""

    def __init__(self, build, models=()):
        self.build = build
        self.models = models
        self._sql = {}

    def sql(self):
        """(SQL text, parameters with slots) for the bound database."""
        kind = type(db.obj)
        text = self._sql.get(kind)
        if text is None:
            text = self._sql[kind] = self.build(_slot).sql()
        return text

    def cursor(self, **values):
        """Run the statement with these values; returns the driver's cursor."""
        sql, params = self.sql()
        return db.execute_sql(sql, [values[p] if isinstance(p, _Slot) else p for p in params])

    def rows(self, **values):
        """Every row, as the driver gives it."""
        return self.cursor(**values).fetchall()

    def changed(self, **values):
        """Run an UPDATE or DELETE; returns how many rows it changed."""
        return self.cursor(**values).rowcount

    def first(self, **values):
        """The first row loaded as instances (see `models`), or None."""
        row = self.cursor(**values).fetchone()
        return None if row is None else self.load(row)

    def load(self, row):
        """A row as instances: the first model's, with the others (those found) set on it."""
        instances, start = [], 0
        for model, attribute in self.models:
            fields = model._meta.sorted_fields
            part = row[start:start + len(fields)]
            start += len(fields)
            if attribute is not None and part[0] is None:
                instances.append((attribute, None))  # an outer join that found nothing
                continue
            instances.append((attribute, instance(model, fields, part)))
        first = instances[0][1]
        for attribute, obj in instances[1:]:
            if obj is not None:
                setattr(first, attribute, obj)
        return first

    def query(self, **values):
        """The peewee query this statement stands for, with these values (for comparison in tests)."""
        return self.build(_given(values))


def rows_of(query):
    """The rows of a peewee query as the driver gives them (no conversion), for readers of many rows
    that convert only the columns they use."""
    return db.execute_sql(*query.sql())


def insert_rows(model, rows):
    """Insert many rows (dicts with the same keys) of a model: peewee writes the INSERT once, for one
    row of slots, and the driver runs it for every row (`executemany`). What `Model.insert_many` does,
    without generating SQL for every value — the cost of a large import. Values pass through each
    field's db_value as in peewee's own writes."""
    if not rows:
        return
    fields = model._meta.fields
    sql, params = model.insert({fields[name]: _slot(name) for name in rows[0]}).sql()
    db.cursor().executemany(sql, [[fields[p].db_value(row[p]) if isinstance(p, _Slot) else p for p in params]
                                  for row in rows])


def instance(model, fields, values):
    """A model instance from column values, each read by its field as peewee reads it."""
    return model(**{field.name: field.python_value(value) for field, value in zip(fields, values)})


def columns(model, obj, names):
    """{name: value as the driver takes it} of the named fields of a model instance (what peewee's own
    writes pass through each field's db_value); foreign keys by their id."""
    fields = model._meta.fields
    return {name: fields[name].db_value(getattr(obj, key(fields[name]))) for name in names}


def key(field):
    """The attribute that reads a field's stored value (a foreign key's id, not its object)."""
    return getattr(field, "object_id_name", None) or field.name


# ---- what a board and a card are looked up by ----

GRID_BY_CODE = Statement(lambda v: OrgUnit.select().where((OrgUnit.code == v("code")) & (OrgUnit.kind == "grid")),
                         models=((OrgUnit, None),))
CASE_BY_ID = Statement(lambda v: Case.select().where(Case.id == v("id")), models=((Case, None),))


def card_select():
    """Cases with what a card shows (category, building, department, grid, who entered the state, who holds it)."""
    entered_by, holder = User.alias(), User.alias()
    return (
        Case.select(Case, Category, Building, Department, OrgUnit, entered_by, holder)
        .join(Category, on=(Case.category == Category.id)).switch(Case)
        .join(Building, JOIN.LEFT_OUTER, on=(Case.building == Building.id)).switch(Case)
        .join(Department, JOIN.LEFT_OUTER, on=(Case.department == Department.id)).switch(Case)
        .join(OrgUnit, on=(Case.grid == OrgUnit.id)).switch(Case)
        .join(entered_by, JOIN.LEFT_OUTER, on=(Case.entered_by == entered_by.id)).switch(Case)
        .join(holder, JOIN.LEFT_OUTER, on=(Case.holder == holder.id)).switch(Case)
    )


CARD_BY_ID = Statement(lambda v: card_select().where(Case.id == v("id")),
                       models=((Case, None), (Category, "category"), (Building, "building"),
                               (Department, "department"), (OrgUnit, "grid"), (User, "entered_by"),
                               (User, "holder")))

# ---- an event: the locked read, the request key, the history chain ----

LOCKED_CASE = Statement(lambda v: lock_for_update(Case.select().where(Case.id == v("id"))), models=((Case, None),))
EVENT_BY_KEY = Statement(lambda v: CaseEvent.select().where(CaseEvent.request_key == v("key")),
                         models=((CaseEvent, None),))
PREVIOUS_HASH = Statement(lambda v: CaseEvent.select(CaseEvent.hash).where(
    (CaseEvent.case == v("case")) & (CaseEvent.seq == v("seq"))))
# Every event's history row: every column, RETURNING its id (on both databases).
EVENT_COLUMNS = tuple(name for name in CaseEvent._meta.sorted_field_names if name != "id")
INSERT_EVENT = Statement(lambda v: CaseEvent.insert({CaseEvent._meta.fields[name]: v(name) for name in EVENT_COLUMNS})
                         .returning(CaseEvent.id))
_SAVES = {}


def save_case(names):
    """The UPDATE of a case's named columns, guarded by the version read (one statement per set of names)."""
    names = tuple(names)
    if names not in _SAVES:
        _SAVES[names] = Statement(lambda v: Case.update({Case._meta.fields[name]: v(name) for name in names})
                                  .where((Case.id == v("id")) & (Case.version == v("read_version"))))
    return _SAVES[names]


# ---- counters: the boards' change counts, the calendar's version ----

_BUMPS = {}


def bump(n):
    """An upsert adding one to n counters (their rows made on first use), slots k0 … k<n-1>."""
    if n not in _BUMPS:
        _BUMPS[n] = Statement(lambda v: Counter.insert_many(
            [(v(f"k{i}"), 1) for i in range(n)], fields=[Counter.key, Counter.value],
        ).on_conflict(conflict_target=[Counter.key], update={Counter.value: Counter.value + 1}))
    return _BUMPS[n]


_SUMS = {}


def counter_sum(n):
    """The sum of n counters (0 for those never bumped), slots k0 … k<n-1>."""
    if n not in _SUMS:
        _SUMS[n] = Statement(lambda v: Counter.select(fn.COALESCE(fn.SUM(Counter.value), 0))
                             .where(Counter.key.in_([v(f"k{i}") for i in range(n)])))
    return _SUMS[n]


COUNTER = Statement(lambda v: Counter.select(Counter.value).where(Counter.key == v("key")))

# ---- time limits: every event asks for its step's ----


def _limit(dated):
    def build(v):
        query = TimeLimit.select(TimeLimit.amount, TimeLimit.unit).where(
            (TimeLimit.state == v("state")) & (TimeLimit.urgency == v("urgency")))
        if dated:
            query = query.where(TimeLimit.effective_from <= v("at"))
        return query.order_by(TimeLimit.effective_from.desc()).limit(1)
    return Statement(build)


LIMIT_NOW, LIMIT_AT = _limit(False), _limit(True)
