# Generated from a schema diff on 2026-12-03 14:13.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class Case(Model):
        class Meta:
            database = db
            table_name = 'case'

    class CaseEvent(Model):
        class Meta:
            database = db
            table_name = 'case_event'

    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class CasePart(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        department = ForeignKeyField(Department, on_delete='RESTRICT')
        state = CharField(max_length=16, default='open')
        result = TextField(default='')
        explained = TextField(default='')
        added_at = DateTimeField()
        event = ForeignKeyField(CaseEvent, null=True, on_delete='RESTRICT')
        settled_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'case_part'
            indexes = ((('case', 'department'), True), (('department', 'state'), False))
    db.create_tables([CasePart])

    class EmergencyReport(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        office = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        reported_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'emergency_report'
            indexes = ((('case', 'office'), True), (('office', 'reported_at'), False))
    db.create_tables([EmergencyReport])

    migrator.migrate(migrator.add_column('category', 'inspected_to', CharField(max_length=16, default='grid')))
    migrator.migrate(migrator.add_column('stats_fact', 'n_transfers', IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('stats_fact', 'n_transfers'))
    migrator.migrate(migrator.drop_column('category', 'inspected_to'))
    migrator.migrate(migrator.drop_table('emergency_report'))
    migrator.migrate(migrator.drop_table('case_part'))
