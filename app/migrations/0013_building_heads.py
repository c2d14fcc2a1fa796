# Generated from a schema diff on 2026-12-03 14:05.
from peewee import *
from workflows.db import DateTimeField

def up(migrator, db):
    class Building(Model):
        class Meta:
            database = db
            table_name = 'building'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class BuildingHead(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        building = ForeignKeyField(Building, on_delete='RESTRICT')
        unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        person = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        name = CharField(max_length=60)
        phone = CharField(max_length=20, default='')
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        started_on = DateField()
        ended_on = DateField(null=True)
        end_reason = TextField(default='')
        added_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        ended_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'building_head'
            indexes = ((('grid', 'ended_on'), False), (('user', 'ended_on'), False))
    db.create_tables([BuildingHead])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('building_head'))
