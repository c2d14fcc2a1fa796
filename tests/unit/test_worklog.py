"""The work log: a day summarised from patrols and history, a free note, weeks per member and grid."""
from datetime import date, datetime, timedelta

import pytest

from tests.factories import T0, new_case
from workflows.clock import Clock, WorkCalendar
from workflows.errors import WorkflowError
from workflows.models import WorkLogNote
from workflows.patrols import check_building, end_patrol, start_patrol
from workflows.service import fire
from workflows.worklog import day_log, grid_week, member_week, save_note


def test_a_day_is_summarised_from_what_the_member_did(world):
    """Monday 2 March: a patrol with a building, two cases found, one handled, one reported; the lead verifies."""
    p = start_patrol(world.member, T0)
    check_building(p, world.member, world.b1.id, True, T0 + timedelta(minutes=10))
    first = new_case(world, at=T0 + timedelta(minutes=20), patrol=p)
    second = new_case(world, at=T0 + timedelta(minutes=30), patrol=p)
    end_patrol(p, world.member, T0 + timedelta(minutes=75))
    fire(first, "handle", world.member, T0 + timedelta(hours=1), note="已清理")
    fire(second, "report", world.member, T0 + timedelta(hours=2))
    fire(first, "verify", world.lead, T0 + timedelta(hours=3), note="核查到位")
    fire(second, "escalate", world.lead, T0 + timedelta(hours=4), reason="报社区")
    new_case(world, at=T0 + timedelta(days=1))  # Tuesday: not part of Monday

    log = day_log(world.member, T0.date())
    assert log.counts == {"create": 2, "handle": 1, "report": 1, "verify": 0}
    assert [c.number for c in log.cases["create"]] == [first.number, second.number]
    assert (log.ended_patrols, log.patrol_minutes, log.buildings, log.other) == (1, 75, 1, 0)
    lead = day_log(world.lead, T0.date())
    assert lead.counts == {"create": 0, "handle": 0, "report": 0, "verify": 1}
    assert lead.other == 1  # the escalation
    assert day_log(world.member2, T0.date()).empty


def test_a_note_is_kept_beside_the_summary_and_only_for_recent_days(world):
    now = datetime(2026, 3, 10, 18, 0)
    save_note(world.member, "day", date(2026, 3, 10), "  走访独居老人两户  ", now)
    save_note(world.member, "day", date(2026, 3, 10), "走访独居老人三户", now + timedelta(minutes=5))
    assert WorkLogNote.select().count() == 1
    assert day_log(world.member, date(2026, 3, 10)).note == "走访独居老人三户"
    for day, message in ((date(2026, 3, 11), "You cannot write the log of a day that has not come yet."),
                         (date(2026, 3, 2), "Notes can be written or changed for the last 7 days only.")):
        with pytest.raises(WorkflowError) as refused:
            save_note(world.member, "day", day, "补记", now)
        assert refused.value.message == message
    with pytest.raises(WorkflowError):
        save_note(world.community, "day", date(2026, 3, 10), "社区", now)
    with pytest.raises(WorkflowError):
        save_note(world.member, "day", date(2026, 3, 10), "长" * 2001, now)
    assert WorkLogNote.select().count() == 1


def test_a_week_per_member_and_per_grid(world):
    """The week of 2 March with a holiday on Wednesday the 4th: totals, patrol days, working days, notes."""
    clock = Clock(WorkCalendar({date(2026, 3, 4): False}))
    for day in (2, 3, 5):
        p = start_patrol(world.member, datetime(2026, 3, day, 9, 0))
        new_case(world, at=datetime(2026, 3, day, 9, 30), patrol=p)
        end_patrol(p, world.member, datetime(2026, 3, day, 10, 0))
    save_note(world.member, "day", date(2026, 3, 5), "雨天巡查", datetime(2026, 3, 5, 18, 0))
    save_note(world.member, "week", date(2026, 3, 6), "本周共发现3件", datetime(2026, 3, 6, 18, 0))
    week = member_week(world.member, date(2026, 3, 4), clock)
    assert week.monday == date(2026, 3, 2) and len(week.days) == 7
    assert (week.patrols, week.patrol_days, week.patrol_minutes, week.workdays) == (3, 3, 180, 4)
    assert week.totals["create"] == 3 and week.notes_written == 1
    assert week.note == "本周共发现3件"
    assert [d.workday for d in week.days] == [True, True, False, True, True, False, False]
    grid = grid_week(world.g1, date(2026, 3, 2), clock)
    assert [w.user.username for w in grid] == ["lead", "member", "member2"]
    assert [w.patrols for w in grid] == [0, 3, 0]
