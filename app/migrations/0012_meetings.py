# Generated from a schema diff on 2026-12-03 13:59.
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

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class Task(Model):
        class Meta:
            database = db
            table_name = 'task'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Meeting(Model):
        org = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        kind = CharField(max_length=16)
        title = CharField(max_length=200)
        place = CharField(max_length=200, default='')
        held_at = DateTimeField()
        chair = ForeignKeyField(User, on_delete='RESTRICT')
        minutes = TextField(default='')
        guests = TextField(default='')
        state = CharField(max_length=8, default='open')
        created_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'meeting'
            indexes = ((('org', 'kind', 'held_at'), False),)
    db.create_tables([Meeting])

    class MeetingAttendance(Model):
        meeting = ForeignKeyField(Meeting, on_delete='RESTRICT')
        user = ForeignKeyField(User, on_delete='RESTRICT')
        present = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'meeting_attendance'
            indexes = ((('meeting', 'user'), True),)
    db.create_tables([MeetingAttendance])

    class MeetingDecision(Model):
        meeting = ForeignKeyField(Meeting, on_delete='RESTRICT')
        kind = CharField(max_length=12)
        text = TextField()
        case = ForeignKeyField(Case, null=True, on_delete='RESTRICT')
        person = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        due_at = DateTimeField(null=True)
        case_event = ForeignKeyField(CaseEvent, null=True, on_delete='RESTRICT')
        task = ForeignKeyField(Task, null=True, on_delete='RESTRICT')
        decided_by = ForeignKeyField(User, on_delete='RESTRICT')
        decided_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'meeting_decision'
    db.create_tables([MeetingDecision])

    class MeetingEvent(Model):
        meeting = ForeignKeyField(Meeting, on_delete='RESTRICT')
        event = CharField(max_length=16)
        actor = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'meeting_event'
            indexes = ((('meeting', 'at'), False),)
    db.create_tables([MeetingEvent])

    class MeetingItem(Model):
        meeting = ForeignKeyField(Meeting, on_delete='RESTRICT')
        case = ForeignKeyField(Case, null=True, on_delete='RESTRICT')
        ref = CharField(max_length=40, default='')
        reasons = CharField(max_length=100, default='')
        title = CharField(max_length=200)
        note = TextField(default='')
        position = IntegerField(default=0)
        added_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        added_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'meeting_item'
            indexes = ((('meeting', 'position'), False),)
    db.create_tables([MeetingItem])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('meeting_item'))
    migrator.migrate(migrator.drop_table('meeting_event'))
    migrator.migrate(migrator.drop_table('meeting_decision'))
    migrator.migrate(migrator.drop_table('meeting_attendance'))
    migrator.migrate(migrator.drop_table('meeting'))
