"""Every statement kept as text (workflows/sql.py) gives the same rows and makes the same changes as
the peewee query it stands for, built by the same function with the same values — on SQLite here
and on PostgreSQL in CI."""
from datetime import timedelta

import pytest

from app.storage import SESSION, LoginSession
from tests.factories import T0, new_case
from workflows import sql
from workflows.clock import Clock
from workflows.db import db, write_transaction
from workflows.limits import seed_limits
from workflows.models import Case, CaseEvent, Counter
from workflows.service import fire

CLOCK = Clock()


@pytest.fixture
def scene(world):
    """Cases in several states (one dispatched, so with a department and who entered it), a session, limits."""
    w = world
    quiet = new_case(w)
    moved = new_case(w)
    fire(moved, "report", w.lead, T0 + timedelta(minutes=5), clock=CLOCK, request_key="k-report")
    fire(moved, "dispatch", w.community, T0 + timedelta(minutes=10), clock=CLOCK, department=w.sanitation.id)
    LoginSession.create(token_hash="h" * 64, user=w.member, created_at=T0, last_seen_at=T0, ip="127.0.0.1",
                        user_agent="test")
    seed_limits(T0 - timedelta(days=1), T0)
    return w, quiet, Case.get_by_id(moved.id)


def raw(query):
    """The rows of a peewee query as the driver gives them (what a statement's rows() gives)."""
    return db.execute_sql(*query.sql()).fetchall()


def same(a, b, model):
    """Two instances hold the same stored values."""
    return all(getattr(a, sql.key(f)) == getattr(b, sql.key(f)) for f in model._meta.sorted_fields)


def read_cases(scene):
    w, quiet, moved = scene
    return [
        (SESSION, {"token_hash": "h" * 64}),
        (SESSION, {"token_hash": "nobody"}),
        (sql.GRID_BY_CODE, {"code": w.g1.code}),
        (sql.GRID_BY_CODE, {"code": w.c1.code}),  # a community: no grid of that code
        (sql.CASE_BY_ID, {"id": quiet.id}),
        (sql.CARD_BY_ID, {"id": moved.id}),  # every join found
        (sql.CARD_BY_ID, {"id": quiet.id}),  # outer joins that found nothing
        (sql.EVENT_BY_KEY, {"key": "k-report"}),
        (sql.PREVIOUS_HASH, {"case": moved.id, "seq": 2}),
        (sql.counter_sum(2), {"k0": f"changes:org:{w.g1.id}", "k1": f"changes:dept:{w.sanitation.id}"}),
        (sql.counter_sum(1), {"k0": "changes:org:0"}),
        (sql.COUNTER, {"key": f"changes:org:{w.g1.id}"}),
        (sql.LIMIT_NOW, {"state": "assigned", "urgency": "normal"}),
        (sql.LIMIT_AT, {"state": "found", "urgency": "", "at": T0}),
        (sql.LIMIT_AT, {"state": "found", "urgency": "", "at": T0 - timedelta(days=30)}),
    ]


def test_every_read_gives_the_rows_of_its_peewee_query(scene):
    cases = read_cases(scene)
    assert sum(1 for statement, values in cases if statement.rows(**values)) >= 10  # most find something
    for statement, values in cases:
        assert statement.rows(**values) == raw(statement.query(**values)), (statement.build, values)
        if statement.models:
            mine, theirs = statement.first(**values), statement.query(**values).first()
            assert (mine is None) == (theirs is None)
            if mine is not None:
                assert same(mine, theirs, statement.models[0][0])
                for model, attribute in statement.models[1:]:
                    mine_related = getattr(mine, attribute)
                    theirs_related = getattr(theirs, attribute)
                    assert (mine_related is None) == (theirs_related is None)
                    if mine_related is not None:
                        assert same(mine_related, theirs_related, model)


def test_the_locked_read_is_the_plain_read_inside_a_write(scene):
    _w, quiet, _moved = scene
    with write_transaction():
        assert sql.LOCKED_CASE.rows(id=quiet.id) == raw(sql.LOCKED_CASE.query(id=quiet.id))


def test_the_case_update_changes_what_its_peewee_query_changes(scene):
    w, quiet, moved = scene
    other = new_case(w)
    names = ("state", "level", "version")
    values = {"state": "reported", "level": "community", "version": 2}
    with write_transaction():
        assert sql.save_case(names).changed(id=quiet.id, read_version=1, **values) == 1
        assert sql.save_case(names).query(id=other.id, read_version=1, **values).execute() == 1
        # Guarded by the version read: a stale one changes nothing either way.
        assert sql.save_case(names).changed(id=moved.id, read_version=1, **values) == 0
        assert sql.save_case(names).query(id=moved.id, read_version=1, **values).execute() == 0
    a, b = Case.get_by_id(quiet.id), Case.get_by_id(other.id)
    assert (a.state, a.level, a.version) == (b.state, b.level, b.version) == ("reported", "community", 2)


def test_the_counter_upsert_adds_what_its_peewee_query_adds(scene):
    keys = {"k0": "a", "k1": "b"}
    for _ in range(2):
        sql.bump(2).changed(**keys)
        sql.bump(2).query(k0="c", k1="d").execute()
    counts = dict(Counter.select(Counter.key, Counter.value).where(Counter.key.in_(["a", "b", "c", "d"])).tuples())
    assert counts == {"a": 2, "b": 2, "c": 2, "d": 2}


def test_the_history_insert_writes_what_its_peewee_query_writes(scene):
    _w, _quiet, moved = scene
    last = CaseEvent.get((CaseEvent.case == moved.id) & (CaseEvent.seq == 3))
    stored = sql.columns(CaseEvent, last, sql.EVENT_COLUMNS)  # as the driver takes them
    given = {name: getattr(last, name) for name in sql.EVENT_COLUMNS}  # as peewee takes them
    with db.atomic() as transaction:
        mine = sql.INSERT_EVENT.rows(**{**stored, "seq": 90, "request_key": None})[0][0]
        theirs = list(sql.INSERT_EVENT.query(**{**given, "seq": 91, "request_key": None}).tuples().execute())[0][0]
        rows = {row.seq: row for row in CaseEvent.select().where(CaseEvent.id.in_([mine, theirs]))}
        assert set(rows) == {90, 91}
        for name in sql.EVENT_COLUMNS:
            if name != "seq":
                field = CaseEvent._meta.fields[name]
                assert getattr(rows[90], sql.key(field)) == getattr(rows[91], sql.key(field)), name
        transaction.rollback()


def test_insert_rows_writes_what_insert_many_writes(scene):
    """The import's many-row insert stores what peewee's insert_many stores: dates, JSON, foreign keys, nulls."""
    from workflows.models import RegistryChange

    w, _quiet, _moved = scene
    rows = [{"grid": w.g1.id, "kind": "tag_added", "day": T0.date(), "reason": "Excel导入", "author": w.member.id,
             "created_at": T0 + timedelta(minutes=n), "detail": {"tag": "elderly_alone", "n": n}}
            for n in range(3)] + [{"grid": w.g1.id, "kind": "created", "day": T0.date(), "reason": "", "author": None,
                                  "created_at": T0, "detail": None}]
    with db.atomic() as transaction:
        sql.insert_rows(RegistryChange, [{**row, "reason": row["reason"] + "·mine"} for row in rows])
        RegistryChange.insert_many([{**row, "reason": row["reason"] + "·theirs"} for row in rows]).execute()
        stored = {}
        for change in RegistryChange.select().order_by(RegistryChange.id):
            stored.setdefault(change.reason.split("·")[1], []).append(
                (change.grid_id, change.kind, change.day, change.reason.split("·")[0], change.author_id,
                 change.created_at, change.detail))
        assert stored["mine"] == stored["theirs"] and len(stored["mine"]) == 4
        assert stored["mine"][0][6] == {"tag": "elderly_alone", "n": 0} and stored["mine"][3][4] is None
        transaction.rollback()
    sql.insert_rows(RegistryChange, [])  # nothing to insert is no statement
