"""Schema and migrations: the migrations build exactly the models, and upgrade without loss."""
import shutil

from playhouse.schema_diff import diff_models

from app.db import MIGRATIONS, migrate
from tests.factories import make_world, new_case
from app.storage import ALL_MODELS
from workflows.models import Case


def test_migrations_build_exactly_the_models(bound_db):
    """No table, column or index of the models is missing from (or extra in) the migrated schema."""
    diff = diff_models(bound_db, ALL_MODELS)
    assert not diff, f"models and migrations disagree — run `make migration NAME=…`:\n{diff}"


def test_migrate_twice_applies_nothing(bound_db):
    assert migrate(bound_db) == []


def test_a_later_migration_upgrades_an_existing_database_without_loss(own_database, tmp_path):
    """A new migration adds a column to a database holding cases; every row survives."""
    bound_db = own_database
    case = new_case(make_world())
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "9001_add_priority.py").write_text(
        "from peewee import IntegerField\n\n"
        "def up(migrator, db):\n"
        "    migrator.migrate(migrator.add_column('case', 'priority', IntegerField(default=3)))\n"
    )
    assert migrate(bound_db, str(directory)) == ["9001_add_priority"]
    row = bound_db.execute_sql('SELECT number, title, state, priority FROM "case" WHERE id = %s'
                               .replace("%s", bound_db.param), (case.id,)).fetchone()
    assert row == (case.number, case.title, "found", 3)
    assert Case.select().count() == 1
    assert migrate(bound_db, str(directory)) == []
