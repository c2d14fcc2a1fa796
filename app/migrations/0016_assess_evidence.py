# Generated from a schema diff on 2026-12-03 18:14.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class AssessEntry(Model):
        class Meta:
            database = db
            table_name = 'assess_entry'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class AssessEvidence(Model):
        entry = ForeignKeyField(AssessEntry, on_delete='RESTRICT')
        path = CharField(unique=True, max_length=64)
        thumb_path = CharField(null=True, max_length=64)
        original_name = CharField(max_length=200, default='')
        content_type = CharField(max_length=40)
        size = IntegerField()
        uploaded_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'assess_evidence'
    db.create_tables([AssessEvidence])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('assess_evidence'))
