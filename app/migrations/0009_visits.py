# Generated from a schema diff on 2026-12-03 13:59.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class Case(Model):
        class Meta:
            database = db
            table_name = 'case'

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

    class MemoEntry(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        day = DateField()
        category = CharField(max_length=16)
        text = TextField()
        raised_by = CharField(max_length=100, default='')
        author = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        ending = CharField(null=True, max_length=16)
        ending_note = TextField(default='')
        case = ForeignKeyField(Case, null=True, on_delete='RESTRICT')
        ended_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        ended_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'memo_entry'
            indexes = ((('grid', 'day'), False),)
    db.create_tables([MemoEntry])

    class Visit(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        household = ForeignKeyField(Household, on_delete='RESTRICT')
        person = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        member = ForeignKeyField(User, on_delete='RESTRICT')
        kind = CharField(max_length=16, default='routine')
        found = TextField(default='')
        needs = TextField(default='')
        photo_path = CharField(max_length=64, default='')
        photo_thumb = CharField(max_length=64, default='')
        lat = FloatField(null=True)
        lng = FloatField(null=True)
        at = DateTimeField()
        created_at = DateTimeField()
        case = ForeignKeyField(Case, null=True, on_delete='RESTRICT')
        case_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        case_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'visit'
            indexes = ((('household', 'at'), False), (('grid', 'at'), False), (('member', 'at'), False))
    db.create_tables([Visit])

    class VisitDue(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        household = ForeignKeyField(Household, on_delete='RESTRICT')
        person = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        reason = CharField(max_length=16)
        note = TextField(default='')
        due_on = DateField()
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'visit_due'
            indexes = ((('grid', 'due_on'), False),)
    db.create_tables([VisitDue])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('visit_due'))
    migrator.migrate(migrator.drop_table('visit'))
    migrator.migrate(migrator.drop_table('memo_entry'))
