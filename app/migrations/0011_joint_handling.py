# Generated from a schema diff on 2026-12-03 14:03.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class Case(Model):
        class Meta:
            database = db
            table_name = 'case'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

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


def down(migrator, db):
    migrator.migrate(migrator.drop_column('category', 'inspected_to'))
    migrator.migrate(migrator.drop_table('emergency_report'))
