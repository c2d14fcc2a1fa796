# Generated from a schema diff on 2026-12-03 14:47.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class Application(Model):
        class Meta:
            database = db
            table_name = 'application'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class ServiceNotice(Model):
        application = ForeignKeyField(Application, on_delete='RESTRICT')
        state = CharField(max_length=16)
        step_started_at = DateTimeField()
        deadline = DateTimeField()
        addressee = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        issued_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'service_notice'
            indexes = ((('application', 'state', 'step_started_at'), True), (('addressee', 'closed_at'), False))
    db.create_tables([ServiceNotice])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('service_notice'))
