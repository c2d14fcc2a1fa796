# Generated from a schema diff on 2026-12-03 10:43.
from peewee import *
from workflows.db import DateTimeField
from workflows.db import JSONField

def up(migrator, db):
    class Building(Model):
        class Meta:
            database = db
            table_name = 'building'

    class Case(Model):
        class Meta:
            database = db
            table_name = 'case'

    class OrgUnit(Model):
        class Meta:
            database = db
            table_name = 'org_unit'

    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Room(Model):
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        building = ForeignKeyField(Building, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        number = CharField(max_length=20)
        floor = IntegerField(null=True)
        use = CharField(max_length=16, default='owner')
        landlord = CharField(max_length=60, default='')
        landlord_phone = CharField(max_length=20, default='')
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'room'
            indexes = ((('unit', 'number'), True),)
    db.create_tables([Room])

    class Household(Model):
        room = ForeignKeyField(Room, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        number = CharField(max_length=32, default='')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'household'
    db.create_tables([Household])

    class Person(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        household = ForeignKeyField(Household, null=True, on_delete='RESTRICT')
        relation = CharField(max_length=16, default='head')
        name = CharField(index=True, max_length=60)
        id_number = CharField(unique=True, max_length=18)
        id_tail = CharField(index=True, max_length=4)
        phone = CharField(max_length=20, default='')
        phone_tail = CharField(index=True, max_length=4, default='')
        sex = CharField(max_length=8)
        birth_date = DateField()
        residence = CharField(max_length=16, default='registered')
        moved_in = DateField(null=True)
        moved_out = DateField(null=True)
        deceased_on = DateField(null=True)
        status = CharField(max_length=16, default='living')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'person'
            indexes = ((('grid', 'status'), False),)
    db.create_tables([Person])

    class Organisation(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        name = CharField(max_length=100)
        kind = CharField(max_length=16)
        address = CharField(max_length=200, default='')
        contact = CharField(max_length=60, default='')
        contact_phone = CharField(max_length=20, default='')
        staff = IntegerField(default=0)
        fire_safety_person = CharField(max_length=60, default='')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'organisation'
            indexes = ((('grid', 'name'), True),)
    db.create_tables([Organisation])

    class Thing(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        code = CharField(unique=True, max_length=32)
        kind = CharField(max_length=16)
        location_text = CharField(max_length=200, default='')
        lat = FloatField(null=True)
        lng = FloatField(null=True)
        condition = CharField(max_length=16, default='good')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'thing'
    db.create_tables([Thing])

    class CaseLink(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        room = ForeignKeyField(Room, null=True, on_delete='RESTRICT')
        person = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        thing = ForeignKeyField(Thing, null=True, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'case_link'
    db.create_tables([CaseLink])

    class PersonTag(Model):
        person = ForeignKeyField(Person, on_delete='RESTRICT')
        tag = CharField(max_length=24)
        sensitive = BooleanField(default=False)
        started_on = DateField()
        ended_on = DateField(null=True)
        end_reason = TextField(default='')
        added_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        ended_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'person_tag'
            indexes = ((('tag', 'ended_on'), False),)
    db.create_tables([PersonTag])

    class RegistryChange(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        kind = CharField(max_length=16)
        day = DateField()
        person = ForeignKeyField(Person, null=True, on_delete='RESTRICT')
        room = ForeignKeyField(Room, null=True, on_delete='RESTRICT')
        building = ForeignKeyField(Building, null=True, on_delete='RESTRICT')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        thing = ForeignKeyField(Thing, null=True, on_delete='RESTRICT')
        detail = JSONField(null=True)
        reason = TextField(default='')
        author = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'registry_change'
            indexes = ((('grid', 'created_at'), False),)
    db.create_tables([RegistryChange])

    class RegistryRoundup(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        week = DateField()
        acknowledged_by = ForeignKeyField(User, on_delete='RESTRICT')
        acknowledged_at = DateTimeField()
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'registry_roundup'
            indexes = ((('grid', 'week'), True),)
    db.create_tables([RegistryRoundup])

    class RevealLog(Model):
        user = ForeignKeyField(User, on_delete='RESTRICT')
        person = ForeignKeyField(Person, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        community = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        field = CharField(max_length=16)
        reason = TextField()
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'reveal_log'
            indexes = ((('community', 'at'), False),)
    db.create_tables([RevealLog])

    migrator.migrate(migrator.add_column('building', 'address', CharField(max_length=200, default='')))
    migrator.migrate(migrator.add_column('building', 'floors', IntegerField(null=True)))
    migrator.migrate(migrator.add_column('building', 'kind', CharField(max_length=16, default='self_managed')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('building', 'kind'))
    migrator.migrate(migrator.drop_column('building', 'floors'))
    migrator.migrate(migrator.drop_column('building', 'address'))
    migrator.migrate(migrator.drop_table('reveal_log'))
    migrator.migrate(migrator.drop_table('registry_roundup'))
    migrator.migrate(migrator.drop_table('registry_change'))
    migrator.migrate(migrator.drop_table('person_tag'))
    migrator.migrate(migrator.drop_table('case_link'))
    migrator.migrate(migrator.drop_table('thing'))
    migrator.migrate(migrator.drop_table('organisation'))
    migrator.migrate(migrator.drop_table('person'))
    migrator.migrate(migrator.drop_table('household'))
    migrator.migrate(migrator.drop_table('room'))
