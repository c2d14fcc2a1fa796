# Generated from a schema diff on 2026-12-03 10:28.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class PortraitChange(Model):
        person = ForeignKeyField(User, on_delete='RESTRICT')
        photo = CharField(max_length=128)
        set_by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'portrait_change'
    db.create_tables([PortraitChange])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('portrait_change'))
