# The step durations kept on each case's facts (workflows.stats_grouped gathers them with the sums),
# and the latest history row a cut's facts include; the outcome flags are now kept for valid cases only.
# The kept facts are derived data, rebuilt from the history on the next statistics request: the
# existing ones lack the new columns' values, so they are dropped here (the history is untouched).
from peewee import *
from workflows.db import DateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column('stats_fact', 'us_dispatch', TextField(null=True)))
    migrator.migrate(migrator.add_column('stats_fact', 'us_rectify', TextField(null=True)))
    migrator.migrate(migrator.add_column('stats_fact', 'us_verify', TextField(null=True)))
    migrator.migrate(migrator.add_column('stats_cut', 'last_at', DateTimeField(null=True)))
    db.execute_sql('DELETE FROM "stats_step"')
    db.execute_sql('DELETE FROM "stats_occurrence"')
    db.execute_sql('DELETE FROM "stats_fact"')
    db.execute_sql('DELETE FROM "stats_cut"')


def down(migrator, db):
    migrator.migrate(migrator.drop_column('stats_cut', 'last_at'))
    for column in ('us_verify', 'us_rectify', 'us_dispatch'):
        migrator.migrate(migrator.drop_column('stats_fact', column))
