"""verify-history, backup and restore as an operator runs them: the restored database opens, all history verified."""
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from urllib.parse import urlparse

import pytest

from app import create_app
from tests.conftest import PG_URL, Client
from tests.factories import T0, new_case
from workflows.clock import Clock
from workflows.db import db
from workflows.models import Case, CaseEvent
from workflows.service import fire

CLOCK = Clock()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite's own backup API")
postgres_only = pytest.mark.skipif(not PG_URL, reason="pg_dump and pg_restore")


def flask_process(app, *args):
    """Run a command in its own process, as cron would, on the app's database."""
    env = dict(os.environ, DATABASE_URL=app.config["DATABASE_URL"], SECRET_KEY="k")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def cli(app, *args):
    """Run a `flask --app app …` command; returns the click result."""
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def worked_cases(world, n=3):
    """Cases with a few events each."""
    cases = []
    for _ in range(n):
        case = new_case(world)
        fire(case, "report", world.lead, T0, clock=CLOCK)
        fire(case, "dispatch", world.community, T0, clock=CLOCK, department=world.sanitation.id)
        cases.append(case)
    return cases


def test_verify_history_passes_on_an_intact_database(app, app_world):
    worked_cases(app_world)
    result = cli(app, "verify-history")
    assert result.exit_code == 0, result.output
    assert "checked 3 cases and 9 history rows" in result.output
    assert "append-only triggers are in place" in result.output


def test_verify_history_names_the_first_broken_link_and_fails(app, app_world):
    cases = worked_cases(app_world)
    for name in ("case_event_no_update", "case_event_no_delete"):
        db.execute_sql(f"DROP TRIGGER {name}" + (" ON case_event" if PG_URL else ""))
    db.execute_sql(f"UPDATE case_event SET note = '改' WHERE case_id = {cases[1].id} AND seq = 2")
    result = cli(app, "verify-history")
    assert result.exit_code == 1
    assert f"BROKEN: case {cases[1].number} (id {cases[1].id}), history row 2: the row was changed" in result.output
    assert "append-only triggers are missing" in result.output
    _restore_guards()


def _restore_guards():
    """Put the triggers back (the PostgreSQL test schema outlives this test)."""
    from tests.unit.test_history_integrity import guards

    guards().up(None, db.obj)


@sqlite_only
def test_backup_while_the_app_writes_then_restore_opens_with_history_verified(app, app_world, tmp_path):
    cases = worked_cases(app_world)
    before = CaseEvent.select().count()
    stop, errors = threading.Event(), []

    def keep_writing():
        """Another user keeps working during the backup."""
        try:
            while not stop.is_set():
                new_case(app_world)
        except Exception as exc:  # noqa: BLE001 — any failure is the finding
            errors.append(exc)
        finally:
            db.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        for n in range(3):
            result = flask_process(app, "backup", str(tmp_path / f"backup{n}.db"))
            assert result.returncode == 0, result.stdout + result.stderr
            assert "every hash chain is intact" in result.stdout
    finally:
        stop.set()
        writer.join(30)
    assert errors == []
    backup = tmp_path / "backup.db"
    assert cli(app, "backup", str(backup)).exit_code == 0
    at_backup = CaseEvent.select().count()
    assert at_backup > before
    # Work goes on after the backup; then the database is lost and restored.
    fire(cases[0], "rectify", app_world.handler, T0, clock=CLOCK, note="已清理")
    assert CaseEvent.select().count() == at_backup + 1
    result = cli(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert "every hash chain is intact" in result.output and "triggers are in place" in result.output
    assert CaseEvent.select().count() == at_backup
    assert Case.get_by_id(cases[0].id).state == "assigned"
    # The app opens the restored database and serves the case.
    fresh = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "k"})
    client = Client(fresh.test_client())
    assert client.login("community").status_code == 303
    assert cases[0].number in client.get(f"/cases/{cases[0].id}").get_data(as_text=True)


@sqlite_only
def test_restore_refuses_a_tampered_backup_and_leaves_the_database_alone(app, app_world, tmp_path):
    worked_cases(app_world)
    backup = tmp_path / "backup.db"
    assert cli(app, "backup", str(backup)).exit_code == 0
    with sqlite3.connect(backup) as tamper:
        tamper.execute("DROP TRIGGER case_event_no_update")
        tamper.execute("UPDATE case_event SET actor_name = '别人' WHERE seq = 3")
    tamper.close()
    live = CaseEvent.select().count()
    result = app.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0
    assert "does not verify" in result.output and "row 3: the row was changed" in result.output
    assert CaseEvent.select().count() == live
    assert cli(app, "verify-history").exit_code == 0


@postgres_only
def test_postgres_backup_is_pg_dump_guidance_unless_asked(app, app_world, tmp_path):
    result = cli(app, "backup", str(tmp_path / "dump"))
    assert result.exit_code == 0
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "dump").exists()


@postgres_only
def test_postgres_dump_restores_into_a_new_database_that_the_app_opens_verified(app, app_world, tmp_path):
    import psycopg2

    cases = worked_cases(app_world)
    dump = tmp_path / "gridcase.dump"
    result = cli(app, "backup", str(dump), "--pg-dump")
    assert result.exit_code == 0, result.output
    assert dump.stat().st_size > 0
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = app.config["DATABASE_URL"]
    parsed = urlparse(url)
    restored = parsed._replace(path=f"/{name}").geturl()
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={parsed._replace(path=f'/{name}', query='').geturl()}",
                        str(dump)], check=True, capture_output=True)
        fresh = create_app({"TESTING": True, "DATABASE_URL": restored, "SECRET_KEY": "k"})
        outcome = cli(fresh, "verify-history")
        assert outcome.exit_code == 0, outcome.output
        assert "checked 3 cases and 9 history rows" in outcome.output
        assert "triggers are in place" in outcome.output
        client = Client(fresh.test_client())
        assert client.login("community").status_code == 303
        assert cases[0].number in client.get(f"/cases/{cases[0].id}").get_data(as_text=True)
    finally:
        if not db.is_closed():
            db.close()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
