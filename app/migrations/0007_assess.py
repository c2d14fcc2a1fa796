# Generated from a schema diff on 2026-12-03 10:37.
from peewee import *
from workflows.db import DateTimeField
from workflows.db import JSONField

def up(migrator, db):
    class Case(Model):
        class Meta:
            database = db
            table_name = 'case'

    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Accountability(Model):
        user = ForeignKeyField(User, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        month = DateField()
        missed = IntegerField()
        missed_periods = JSONField()
        opened_at = DateTimeField()
        status = CharField(max_length=12, default='open')
        measure = CharField(null=True, max_length=16)
        decided_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        decided_by_name = CharField(max_length=60, default='')
        decided_at = DateTimeField(null=True)
        note = TextField(default='')
        answer = TextField(default='')
        answered_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'accountability'
            indexes = ((('user', 'month'), True),)
    db.create_tables([Accountability])

    class AssessScheme(Model):
        scope = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        year = IntegerField()
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'assess_scheme'
            indexes = ((('scope', 'year'), True),)
    db.create_tables([AssessScheme])

    class AssessItem(Model):
        scheme = ForeignKeyField(AssessScheme, on_delete='RESTRICT')
        kind = CharField(max_length=12)
        metric = CharField(null=True, max_length=32)
        title = CharField(max_length=100)
        max_points = IntegerField(default=0)
        sort_order = IntegerField(default=0)
        retired_at = DateTimeField(null=True)
        retired_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'assess_item'
    db.create_tables([AssessItem])

    class AssessEntry(Model):
        item = ForeignKeyField(AssessItem, on_delete='RESTRICT')
        unit = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        quarter = IntegerField()
        stage = CharField(max_length=8)
        points = FloatField(default=0)
        vetoed = BooleanField(default=False)
        note = TextField(default='')
        reason = TextField(default='')
        by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        by_name = CharField(max_length=60)
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'assess_entry'
            indexes = ((('item', 'unit', 'quarter', 'stage'), False),)
    db.create_tables([AssessEntry])

    class AssessResult(Model):
        scheme = ForeignKeyField(AssessScheme, on_delete='RESTRICT')
        version = IntegerField()
        reason = TextField(default='')
        data = JSONField()
        published_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        published_by_name = CharField(max_length=60)
        published_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'assess_result'
            indexes = ((('scheme', 'version'), True),)
    db.create_tables([AssessResult])

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
    migrator.migrate(migrator.drop_table('assess_result'))
    migrator.migrate(migrator.drop_table('assess_entry'))
    migrator.migrate(migrator.drop_table('assess_item'))
    migrator.migrate(migrator.drop_table('assess_scheme'))
    migrator.migrate(migrator.drop_table('accountability'))
