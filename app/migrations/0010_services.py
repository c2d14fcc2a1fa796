# Generated from a schema diff on 2026-12-03 13:59.
from peewee import *
from workflows.db import DateTimeField
from workflows.db import JSONField

def up(migrator, db):
    class Household(Model):
        class Meta:
            database = db
            table_name = 'household'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ServiceKind(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=60)
        documents = JSONField(default=list)
        steps = JSONField(default=list)
        limits = JSONField(default=dict)
        notice_days = IntegerField(default=0)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'service_kind'
    db.create_tables([ServiceKind])

    class Application(Model):
        code = CharField(unique=True, max_length=32)
        kind = ForeignKeyField(ServiceKind, on_delete='RESTRICT')
        person = ForeignKeyField(Person, on_delete='RESTRICT')
        household = ForeignKeyField(Household, null=True, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        community = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        street = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        district = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        need = TextField(default='')
        documents = JSONField(default=list)
        state = CharField(index=True, max_length=16)
        step_started_at = DateTimeField()
        warn_at = DateTimeField(null=True)
        deadline = DateTimeField(null=True)
        notice_from = DateTimeField(null=True)
        notice_until = DateTimeField(null=True)
        return_count = IntegerField(default=0)
        last_event = CharField(max_length=16, default='create')
        recorded_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'application'
            indexes = ((('state', 'deadline'), False), (('grid', 'state'), False), (('community', 'state'), False))
    db.create_tables([Application])

    class ApplicationEvent(Model):
        application = ForeignKeyField(Application, on_delete='RESTRICT')
        seq = IntegerField()
        event = CharField(max_length=16)
        from_state = CharField(null=True, max_length=16)
        to_state = CharField(max_length=16)
        actor = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        actor_name = CharField(max_length=60)
        actor_role = CharField(max_length=16)
        at = DateTimeField()
        reason = TextField(default='')
        data = JSONField(null=True)
        deadline = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'application_event'
            indexes = ((('application', 'seq'), True),)
    db.create_tables([ApplicationEvent])

    class Objection(Model):
        application = ForeignKeyField(Application, on_delete='RESTRICT')
        text = TextField()
        contact = CharField(max_length=60, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'objection'
    db.create_tables([Objection])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('objection'))
    migrator.migrate(migrator.drop_table('application_event'))
    migrator.migrate(migrator.drop_table('application'))
    migrator.migrate(migrator.drop_table('service_kind'))
