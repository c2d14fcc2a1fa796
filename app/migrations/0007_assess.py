# Generated from a schema diff on 2026-12-03 10:21.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class Case(Model):
        class Meta:
            database = db
            table_name = 'case'

    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class StatsCut(Model):
        cut_at = DateTimeField(unique=True)
        watermark = BigIntegerField(default=0)
        covered_from = DateField()
        built_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'stats_cut'
    db.create_tables([StatsCut])

    class StatsFact(Model):
        cut = ForeignKeyField(StatsCut, on_delete='CASCADE')
        case = ForeignKeyField(Case, on_delete='CASCADE')
        creator = ForeignKeyField(User, null=True, on_delete='SET NULL')
        department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        state = CharField(null=True, max_length=16)
        closed_level = CharField(null=True, max_length=16)
        voided = IntegerField(default=0)
        closed = IntegerField(default=0)
        disposed = IntegerField(default=0)
        disposed_on_time = IntegerField(default=0)
        closed_on_time = IntegerField(default=0)
        suspended = IntegerField(default=0)
        deadline = DateTimeField(null=True)
        reworked = IntegerField(default=0)
        extended = IntegerField(default=0)
        callback_due = IntegerField(default=0)
        callbacks = IntegerField(default=0)
        satisfied = IntegerField(default=0)
        n_dispatches = IntegerField(default=0)
        n_declines = IntegerField(default=0)
        n_handled = IntegerField(default=0)
        n_verifies = IntegerField(default=0)
        n_verifies_on_time = IntegerField(default=0)
        last_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'stats_fact'
            indexes = ((('cut', 'case'), True),)
    db.create_tables([StatsFact])

    class StatsOccurrence(Model):
        cut = ForeignKeyField(StatsCut, on_delete='CASCADE')
        case = ForeignKeyField(Case, on_delete='CASCADE')
        kind = CharField(max_length=20)
        department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'stats_occurrence'
            indexes = ((('cut', 'case'), False),)
    db.create_tables([StatsOccurrence])

    class StatsStep(Model):
        cut = ForeignKeyField(StatsCut, on_delete='CASCADE')
        case = ForeignKeyField(Case, on_delete='CASCADE')
        step = CharField(max_length=16)
        department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        us = BigIntegerField()
        class Meta:
            database = db
            table_name = 'stats_step'
            indexes = ((('cut', 'case'), False),)
    db.create_tables([StatsStep])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('stats_step'))
    migrator.migrate(migrator.drop_table('stats_occurrence'))
    migrator.migrate(migrator.drop_table('stats_fact'))
    migrator.migrate(migrator.drop_table('stats_cut'))
