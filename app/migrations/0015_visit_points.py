# Generated from a schema diff on 2026-12-03 18:15.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class PointPerson(Model):
        class Meta:
            database = db
            table_name = 'point_person'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Visit(Model):
        class Meta:
            database = db
            table_name = 'visit'

    class PointPersonLink(Model):
        person = ForeignKeyField(PointPerson, on_delete='RESTRICT')
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        previous = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        changed_by = ForeignKeyField(User, on_delete='RESTRICT')
        changer_name = CharField(max_length=60)
        changed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'point_person_link'
            indexes = ((('person', 'changed_at'), False),)
    db.create_tables([PointPersonLink])

    migrator.migrate(migrator.add_column('point_person', 'user_id', ForeignKeyField(User, field=User.id, null=True, on_delete='RESTRICT')))
    migrator.migrate(migrator.add_column('point_entry', 'visit_id', ForeignKeyField(Visit, field=Visit.id, unique=True, null=True, on_delete='RESTRICT')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('point_entry', 'point_entry_visit_id'))
    migrator.migrate(migrator.drop_index('point_person', 'point_person_user_id'))
    migrator.migrate(migrator.drop_column('point_entry', 'visit_id'))
    migrator.migrate(migrator.drop_column('point_person', 'user_id'))
    migrator.migrate(migrator.drop_table('point_person_link'))
