"""Audit integrity and backups: verify the history, back the database up, restore a backup.

The history is guarded twice: triggers (migration 0002) refuse UPDATE and DELETE on
case_event, and each row's hash chains it to the row before, so `verify-history` finds any
change made around the triggers. A backup is verified the same way before it is trusted.
"""
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # only to run pg_dump, with an argument list, never a shell
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from workflows.db import bind, db, is_postgres, open_database
from workflows.history import verify_history

GUARDS = ("case_event_no_delete", "case_event_no_update")


@dataclass
class Report:
    """What a verification found."""

    cases: int
    rows: int
    broken: object  # a workflows.history.Break, or None
    missing_guards: tuple
    storage_problem: str = None

    @property
    def ok(self):
        """True when nothing is wrong."""
        return self.broken is None and not self.missing_guards and self.storage_problem is None

    def lines(self):
        """The report as lines of text for the console."""
        out = []
        if self.storage_problem:
            out.append(f"BROKEN: the database file is damaged: {self.storage_problem}")
        if self.broken is not None:
            out.append(f"BROKEN: {self.broken}")
        else:
            out.append(f"checked {self.cases} cases and {self.rows} history rows: every hash chain is intact "
                       "and every case's state is explained by its history")
        if self.missing_guards:
            out.append(f"BROKEN: the append-only triggers are missing: {', '.join(self.missing_guards)}")
        else:
            out.append("the append-only triggers are in place")
        return out


def present_guards():
    """The append-only triggers the bound database has on case_event."""
    if is_postgres():
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'case_event'::regclass AND NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'case_event'"
    return {row[0] for row in db.execute_sql(sql).fetchall()}


def storage_problem():
    """SQLite's own check of the file (None when sound); PostgreSQL checks its pages itself."""
    if is_postgres():
        return None
    result = db.execute_sql("PRAGMA integrity_check").fetchone()[0]
    return None if result == "ok" else result


def verify():
    """Check the bound database: file, hash chains, states, append-only triggers."""
    problem = storage_problem()
    cases, rows, broken = verify_history()
    missing = tuple(name for name in GUARDS if name not in present_guards())
    return Report(cases, rows, broken, missing, problem)


@contextmanager
def bound_to(url):
    """Point the shared handle at another database for a while (a backup being checked)."""
    previous = db.obj
    database = bind(open_database(url))
    try:
        database.connect(reuse_if_open=True)
        yield database
    finally:
        if not database.is_closed():
            database.close()
        if previous is not None:
            bind(previous)


def sqlite_file(url):
    """The file of a sqlite:/// URL (None for other databases)."""
    return url[len("sqlite:///"):] if url.startswith("sqlite:///") else None


def backup_sqlite(source, target):
    """Copy a live SQLite database with SQLite's online backup API, as one consistent snapshot
    (WAL lets the app keep writing meanwhile); the copy is written beside `target` and moved
    into place, so an interrupted backup never leaves a half-written file under that name."""
    partial = f"{target}.partial"
    if os.path.exists(partial):
        os.remove(partial)
    with _sqlite(source) as live, _sqlite(partial) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    os.replace(partial, target)


def restore_sqlite(backup, target):
    """Copy a backup over the live database with the backup API (writers wait, readers see the
    old or the new database, never a mix). Verify the backup first; see `verify_backup`."""
    with _sqlite(backup) as source, _sqlite(target) as live:
        source.backup(live)


def verify_backup(path):
    """Verify an SQLite backup file without touching the live database; returns a Report."""
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    with bound_to(f"sqlite:///{path}"):
        return verify()


@contextmanager
def _sqlite(path):
    """A plain sqlite3 connection that waits for locks instead of failing."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def pg_dump_command(url, target):
    """The pg_dump invocation for the app's database: custom format, one file, no owners.
    When the URL pins a search_path (one schema per deployment), only that schema is dumped."""
    parsed = urlparse(url)
    command = [shutil.which("pg_dump") or "pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
    for option in parse_qs(parsed.query).get("options", []):
        for part in option.split():
            if part.startswith("-csearch_path="):
                command.append(f"--schema={part.split('=', 1)[1].split(',')[0]}")
    # The password travels in the environment, not on a command line every user can list.
    netloc = parsed.netloc.rsplit("@", 1)
    if parsed.password is not None:
        netloc[0] = netloc[0].split(":", 1)[0]
    command.append(parsed._replace(netloc="@".join(netloc)).geturl())
    return command


class BackupError(RuntimeError):
    """A backup tool failed; the message says why."""


def run_pg_dump(url, target):
    """Run pg_dump; raises BackupError with pg_dump's own message on failure."""
    env = dict(os.environ)
    password = urlparse(url).password
    if password is not None:
        env["PGPASSWORD"] = password
    try:
        command = pg_dump_command(url, target)
        subprocess.run(command, check=True, capture_output=True, text=True, env=env)  # nosec B603 # no shell
    except subprocess.CalledProcessError as exc:
        raise BackupError(exc.stderr.strip() or str(exc)) from exc
    except OSError as exc:
        raise BackupError(str(exc)) from exc
