"""`flask registry template FILE.xlsx` and `flask registry import FILE.xlsx` (issue 17)."""
import click
from flask.cli import AppGroup

from app.db import now
from app.exports import xlsx_file
from workflows.models import User
from workflows.registry.workbook import import_file, template_sheets
from workflows.service import SystemActor

registry_cli = AppGroup("registry", help="The grid registry's Excel template and import.")


@registry_cli.command("template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def template_command(path):
    """Write the import template (sheets 房屋, 人口, 组织, 部件; Chinese headers; one example row)."""
    xlsx_file(path, template_sheets())
    click.echo(f"wrote {path}")


@registry_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", default=None, help="Import as this user (their grids only); default: the system.")
def import_command(path, username):
    """Check every row; import all of them or none. Exits 1 listing each refused cell."""
    actor = SystemActor("admin", "Excel导入")
    if username:
        actor = User.get_or_none(User.username == username)
        if actor is None:
            raise click.ClickException(f"no user {username!r}")
    problems, counts = import_file(path, actor, now())
    if problems:
        for p in problems:
            click.echo(f"{p.sheet} 第{p.row}行 {p.column}：{p.message}", err=True)
        click.echo(f"{len(problems)} problem(s); nothing imported", err=True)
        raise SystemExit(1)
    click.echo("imported: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing changed"))
