# Generated from a schema diff on 2026-12-03 10:15.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Task(Model):
        title = CharField(max_length=200)
        instructions = TextField(default='')
        org = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        assignee = ForeignKeyField(User, on_delete='RESTRICT')
        given_by = ForeignKeyField(User, on_delete='RESTRICT')
        due_at = DateTimeField()
        state = CharField(max_length=16, default='open')
        created_at = DateTimeField()
        done_at = DateTimeField(null=True)
        result = TextField(default='')
        class Meta:
            database = db
            table_name = 'task'
            indexes = ((('assignee', 'state', 'due_at'), False), (('org', 'state', 'due_at'), False))
    db.create_tables([Task])

    class TaskEvent(Model):
        task = ForeignKeyField(Task, on_delete='RESTRICT')
        event = CharField(max_length=16)
        actor = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'task_event'
            indexes = ((('task', 'at'), False),)
    db.create_tables([TaskEvent])

    migrator.migrate(migrator.add_column('case', 'holder_id', ForeignKeyField(User, field=User.id, null=True, on_delete='RESTRICT')))
    migrator.migrate(migrator.add_column('case', 'holder_due', DateTimeField(null=True)))
    migrator.migrate(migrator.add_index('case', ('holder_id', 'holder_due')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('case', 'case_holder_id_holder_due'))
    migrator.migrate(migrator.drop_column('case', 'holder_due'))
    migrator.migrate(migrator.drop_column('case', 'holder_id'))
    migrator.migrate(migrator.drop_table('task_event'))
    migrator.migrate(migrator.drop_table('task'))
