# Generated from a schema diff on 2026-11-29 04:13.
from peewee import *

def up(migrator, db):
    migrator.migrate(migrator.drop_index('case', 'case_grid_id_state_deadline'))
    migrator.migrate(migrator.add_index('case', ('grid_id', 'state', 'deadline', 'warn_at', 'closed_at', 'version', 'updated_at')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('case', 'case_grid_id_state_deadline_warn_at_closed_at_version_updated_at'))
    migrator.migrate(migrator.add_index('case', ('grid_id', 'state', 'deadline')))
