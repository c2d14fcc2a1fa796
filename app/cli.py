"""Commands: schema and migrations, demo data, accounts."""
import os
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from app.db import migrate, now
from workflows.db import bind, db, open_database

DEMO_PASSWORD = "gridcase2026"


def init_app(app):
    """Register the commands on `flask --app app …`."""
    for command in (init_db_command, seed_demo_command, demo_db_command, create_user_command, workflow_doc_command,
                    seed_rules_command, issue_api_key_command):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the schema, or upgrade an existing database by applying pending migrations."""
    applied = migrate()
    click.echo(f"applied: {', '.join(applied)}" if applied else "schema is up to date")


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
@click.option("--role", required=True, type=click.Choice(["member", "lead", "dispatcher", "handler", "supervisor", "admin"]))
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
