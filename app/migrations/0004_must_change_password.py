# Generated from a schema diff on 2026-12-03 06:06.
from peewee import *

def up(migrator, db):
    migrator.migrate(migrator.add_column('user', 'must_change_password', BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('user', 'must_change_password'))
