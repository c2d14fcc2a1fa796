"""Commands: schema and migrations, demo data, accounts."""
import os
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from app.db import migrate, now
from workflows.db import bind, db, open_database
from workflows.models import ROLES

DEMO_PASSWORD = "gridcase2026"  # nosec B105 # the published demo password, used only for demo data


def init_app(app):
    """Register the commands on `flask --app app …`."""
    for command in (init_db_command, seed_demo_command, demo_db_command, create_user_command, workflow_doc_command,
                    issue_api_key_command, verify_history_command, backup_command, restore_command,
                    unlock_user_command, seed_rules_command, sweep_command, calendar_sync_command,
                    serve_demo_command, accountability_command):
        app.cli.add_command(command)
    from app.registry_cli import registry_cli

    app.cli.add_command(registry_cli)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the schema, or upgrade an existing database by applying pending migrations."""
    applied = migrate()
    click.echo(f"applied: {', '.join(applied)}" if applied else "schema is up to date")
    _sync_calendar(now().year, now().year + 1)


def _parse_now(value):
    """An ISO-8601 moment, or the app's clock."""
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else now()


@click.command("seed-demo")
@with_appcontext
@click.option("--now", "at", help="Pretend it is this moment (ISO-8601); default: now.")
@click.option("--cases", default=400, show_default=True)
def seed_demo_command(at, cases):
    """Fill an empty database with the demo street, its people and cases."""
    from app.auth import hash_password
    from app.seed import DEMO_API_KEY, seed_demo
    from workflows.models import OrgUnit

    migrate()
    if OrgUnit.select().exists():
        raise click.ClickException("the database already has data; seed-demo only fills an empty one")
    total = seed_demo(_parse_now(at), hash_password(DEMO_PASSWORD), cases=cases)
    click.echo(f"seeded {total} cases; demo accounts use the password {DEMO_PASSWORD!r}")
    click.echo(f"Open311 demo API key: {DEMO_API_KEY}")


@click.command("demo-db")
@with_appcontext
@click.option("--cases", default=400, show_default=True)
def demo_db_command(cases):
    """Keep the demo database if it exists (upgrading it), else build it in a side file and
    move it into place, so an interrupted run never leaves a half-written database."""
    from app.auth import hash_password
    from app.seed import DEMO_API_KEY, seed_demo

    url = current_app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        raise click.ClickException("demo-db builds an SQLite file; set no DATABASE_URL or a sqlite:/// one")
    path = url[len("sqlite:///"):]
    if os.path.exists(path):
        migrate()
        click.echo(f"keeping {path}")
        return
    building = path + ".building"
    main = db.obj
    side = open_database("sqlite:///" + building)
    bind(side)
    try:
        migrate(side)
        total = seed_demo(now(), hash_password(DEMO_PASSWORD), cases=cases)
        side.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        side.execute_sql("PRAGMA journal_mode=delete")
        side.close()
        os.replace(building, path)
    finally:
        if not side.is_closed():
            side.close()
        for leftover in (building, building + "-wal", building + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        bind(main)
    click.echo(f"built {path} with {total} cases; demo accounts use the password {DEMO_PASSWORD!r}")
    click.echo(f"Open311 demo API key: {DEMO_API_KEY}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "org_code", help="Org unit code (grid, community, street or district).")
@click.option("--department", "department_code", help="Department code (handlers).")
@click.password_option()
def create_user_command(username, name, role, org_code, department_code, password):
    """Create an account (the first admin of a new deployment, for instance)."""
    from app.accounts import AccountError, create_account

    try:
        user = create_account(username=username, name=name, role=role, org_code=org_code,
                              department_code=department_code, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.username} ({user.role})")


@click.command("workflow-doc")
def workflow_doc_command():
    """Rewrite docs/workflow.md from the machine's tables."""
    from workflows.docs import workflow_markdown

    path = os.path.join(os.path.dirname(current_app.root_path), "docs", "workflow.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(workflow_markdown())
    click.echo(f"wrote {path}")


@click.command("seed-rules")
@with_appcontext
def seed_rules_command():
    """Add the seed plans' patrol rules and the street's points table where missing (never overwrites)."""
    from app.seed import seed_rules
    from workflows.db import write_transaction

    with write_transaction():
        added = seed_rules()
    click.echo(f"added {added} rules" if added else "rules are already in place")
@click.command("issue-api-key")
@with_appcontext
@click.argument("name")
def issue_api_key_command(name):
    """Issue an Open311 API key for a named client; the key is printed once and only its hash is kept."""
    from app.open311 import issue_api_key

    if not name.strip() or len(name) > 60:
        raise click.ClickException("name the client in at most 60 characters")
    _key, secret = issue_api_key(name.strip(), None, now())
    click.echo(secret)


@click.command("verify-history")
@with_appcontext
def verify_history_command():
    """Check every case's history: hash chain, legal steps, final state, append-only triggers.
    Exits non-zero at the first broken link."""
    from app.integrity import verify

    report = verify()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--pg-dump", "use_pg_dump", is_flag=True, help="PostgreSQL: run pg_dump into PATH.")
def backup_command(path, use_pg_dump):
    """Back the database up to PATH while the app keeps running, then verify the copy."""
    from app.integrity import BackupError, backup_sqlite, pg_dump_command, run_pg_dump, sqlite_file, verify_backup

    url = current_app.config["DATABASE_URL"]
    source = sqlite_file(url)
    if source is None:
        if not use_pg_dump:
            click.echo("PostgreSQL is backed up with its own tools. Run, e.g. nightly from cron:\n  "
                       + " ".join(pg_dump_command("$DATABASE_URL", path))
                       + "\nrestore into an empty database with:\n  pg_restore --no-owner --dbname=NEW_DATABASE_URL "
                       + path + "\nthen point DATABASE_URL at it and run `flask --app app verify-history`."
                       "\nOr run this command with --pg-dump to call pg_dump now.")
            return
        try:
            run_pg_dump(url, path)
        except BackupError as exc:
            raise click.ClickException(f"pg_dump failed: {exc}") from exc
        click.echo(f"wrote {path} with pg_dump")
        return
    backup_sqlite(source, path)
    report = verify_backup(path)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise click.ClickException(f"the backup in {path} does not verify; keep the previous one")
    click.echo(f"backed up {source} to {path}")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path, yes):
    """Replace the SQLite database with a verified backup (stop the app first)."""
    from app.integrity import restore_sqlite, sqlite_file, verify, verify_backup

    target = sqlite_file(current_app.config["DATABASE_URL"])
    if target is None:
        raise click.ClickException("PostgreSQL: restore with pg_restore into an empty database (see `backup`).")
    report = verify_backup(path)
    if not report.ok:
        for line in report.lines():
            click.echo(line)
        raise click.ClickException(f"{path} does not verify; nothing was restored")
    if not yes:
        click.confirm(f"Replace {target} with {path} ({report.cases} cases)?", abort=True)
    restore_sqlite(path, target)
    db.close()
    migrate()
    report = verify()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)
    click.echo(f"restored {target} from {path}")


@click.command("unlock-user")
@with_appcontext
@click.argument("username")
def unlock_user_command(username):
    """Lift a sign-in lock-out after checking with the user."""
    from app.accounts import unlock
    from workflows.models import User

    user = User.get_or_none(User.username == username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    unlock(user)
    click.echo(f"unlocked {username}")


def _sync_calendar(*years):
    """Load years from the `holidays` package (years an admin confirmed are left alone)."""
    from workflows.calendar import sync_year

    for year in years:
        click.echo(f"calendar {year}: {sync_year(year, now())} days from the holidays package")


@click.command("calendar-sync")
@with_appcontext
@click.argument("years", nargs=-1, type=int)
def calendar_sync_command(years):
    """Load holidays and make-up working days from the `holidays` package (default: this year and next)."""
    _sync_calendar(*(years or (now().year, now().year + 1)))


def run_sweep(at=None):
    """One sweep with the configured reply and escalation limits; returns its SweepResult."""
    from workflows.clock import Limit
    from workflows.service import current_clock
    from workflows.sweep import sweep

    config = current_app.config
    return sweep(at or now(), current_clock(),
                 reply_limit=Limit(config["NOTICE_REPLY_DAYS"], "working_days"),
                 escalate_after=Limit(config["NOTICE_ESCALATE_DAYS"], "working_days"))


@click.command("sweep")
@with_appcontext
@click.option("--now", "at", help="Sweep as of this moment (ISO-8601); default: now.")
def sweep_command(at):
    """Issue the supervision notices due now: safe to run every minute, on several machines at once."""
    result = run_sweep(_parse_now(at))
    click.echo(f"notices issued: {result.first}, escalated: {result.escalated}, service reminders: {result.services}")


@click.command("accountability")
@with_appcontext
@click.option("--month", help="The month (YYYY-MM) to look at; default: last month.")
@click.option("--now", "at", help="As of this moment (ISO-8601); default: now.")
def accountability_command(month, at):
    """Open accountability records (三次不到岗) for the month's missed patrols: idempotent, run it
    after each month (cron) or any time."""
    from datetime import date, timedelta

    from workflows.accountability import open_records
    from workflows.models import OrgUnit
    from workflows.service import current_clock

    moment = _parse_now(at) or now()
    if month:
        try:
            first = datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise click.BadParameter("YYYY-MM", param_hint="--month") from None
    else:
        first = (moment.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    grids = list(OrgUnit.select().where((OrgUnit.kind == "grid") & OrgUnit.active))
    opened = open_records(grids, date(first.year, first.month, 1), moment, current_clock())
    click.echo(f"accountability records opened: {len(opened)}")


def start_sweeper(app, every):
    """Sweep now and then every `every` seconds in a daemon thread (the one-process demo only:
    under gunicorn each worker would run one; use cron or the systemd timer there). Returns (stop event, thread)."""
    import threading

    stop = threading.Event()

    def sweeper():
        while True:
            with app.app_context():
                try:
                    result = run_sweep()
                    if result.first or result.escalated:
                        click.echo(f"sweep: {result.first} notices issued, {result.escalated} escalated")
                except Exception:  # noqa: BLE001 — keep sweeping; the next run retries
                    app.logger.exception("sweep failed")
                finally:
                    db.close()
            if stop.wait(every):
                return

    thread = threading.Thread(target=sweeper, name="sweep", daemon=True)
    thread.start()
    return stop, thread


@click.command("serve-demo")
@with_appcontext
@click.option("--port", default=5000, show_default=True)
@click.option("--every", default=60, show_default=True, help="Seconds between sweeps.")
def serve_demo_command(port, every):
    """Serve the demo on 127.0.0.1 and sweep every minute in-process."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    stop, _thread = start_sweeper(app, every)
    try:
        run_simple("127.0.0.1", port, app, threaded=True)
    finally:
        stop.set()
