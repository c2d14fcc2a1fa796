"""The case history is append-only, enforced by the database itself.

Triggers refuse every UPDATE and DELETE on case_event, so no code path (a bug, a hand-run
SQL statement, a compromised app process) can rewrite or remove a history row; the hash chain
(verify-history) then shows any change made by someone who dropped the triggers first.
Hand-written and frozen: this file must not import application code.
"""
from peewee import PostgresqlDatabase, SqliteDatabase

SQLITE = (
    """CREATE TRIGGER IF NOT EXISTS case_event_no_update BEFORE UPDATE ON case_event
       BEGIN SELECT RAISE(ABORT, 'case_event is append-only: history rows cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS case_event_no_delete BEFORE DELETE ON case_event
       BEGIN SELECT RAISE(ABORT, 'case_event is append-only: history rows cannot be deleted'); END""",
)

POSTGRES = (
    """CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
           MESSAGE = 'case_event is append-only: history rows cannot be ' || lower(TG_OP) || 'd';
       END $$""",
    "DROP TRIGGER IF EXISTS case_event_no_update ON case_event",
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
       FOR EACH ROW EXECUTE FUNCTION case_event_append_only()""",
    "DROP TRIGGER IF EXISTS case_event_no_delete ON case_event",
    """CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
       FOR EACH ROW EXECUTE FUNCTION case_event_append_only()""",
)


def _statements(db):
    """The statements for this database's dialect."""
    if isinstance(db, SqliteDatabase):
        return SQLITE
    if isinstance(db, PostgresqlDatabase):
        return POSTGRES
    raise RuntimeError(f"no history guards for {type(db).__name__}")


def up(migrator, db):
    for statement in _statements(db):
        db.execute_sql(statement)


def down(migrator, db):
    on_table = " ON case_event" if isinstance(db, PostgresqlDatabase) else ""
    for name in ("case_event_no_update", "case_event_no_delete"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}{on_table}")
