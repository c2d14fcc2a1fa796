"""The demo street has patrols, people with points and published months, all made through the domain."""
from collections import Counter
from datetime import datetime

from app.auth import hash_password
from app.seed import seed_demo
from workflows.models import OrgUnit, Patrol, PatrolRule, PointEntry, PointMonth, PointRule
from workflows.patrols import coverage
from workflows.points import counted

NOW = datetime(2026, 11, 27, 16, 40)  # a Friday afternoon, after the warning point of the day


def test_demo_shows_coverage_points_and_published_months(app):
    seed_demo(NOW, hash_password("demo password"), cases=60)
    assert PatrolRule.select().count() == 3 and PointRule.select().count() == 13
    assert Patrol.select().where(Patrol.ended_at.is_null()).count() == 0
    rows = coverage(OrgUnit.select().where(OrgUnit.kind == "grid"), NOW)
    lights = Counter(r.cells["day"].light for r in rows)
    assert lights["green"] and lights["yellow"]  # some patrolled today, some still owe it
    assert PointMonth.select().count() == 4 * 3  # July to October, each community
    for item in counted(PointEntry.select()):
        if item.counts_on is not None and item.entry.corrects_id is None:
            published = PointMonth.get_or_none(PointMonth.community == item.entry.community_id,
                                               PointMonth.month == item.counts_on.replace(day=1))
            assert published is None or published.published_at > item.entry.recorded_at
    assert PointEntry.select().where(PointEntry.corrects.is_null(False)).count() == 1


def test_seed_rules_command_is_idempotent(app, app_world):
    runner = app.test_cli_runner()
    assert "added 16 rules" in runner.invoke(args=["seed-rules"]).output
    assert "already in place" in runner.invoke(args=["seed-rules"]).output
    assert PatrolRule.select().count() == 3
