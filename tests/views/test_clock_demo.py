"""The demo street shows the clock at work: its calendar, limits, extensions, suspensions and notices."""
from datetime import datetime

from workflows.machine import TIME_LIMITS
from workflows.models import CalendarDay, CalendarYear, CaseEvent, Notice, NoticeEvent, TimeLimit


def test_demo_seeds_calendar_limits_clock_events_and_notices(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--now", "2026-03-20T10:00:00", "--cases", "120"])
    assert result.exit_code == 0, result.output
    assert {y.year for y in CalendarYear.select()} == {2026, 2027}
    assert CalendarDay.get_by_id(datetime(2026, 2, 28).date()).workday  # the Spring Festival make-up Saturday
    assert TimeLimit.select().count() == len(TIME_LIMITS) == 13  # 8 routine, 5 an emergency's own (issue 19)
    events = {e.event for e in CaseEvent.select(CaseEvent.event)}
    assert {"request_extension", "approve_extension", "request_suspension", "approve_suspension"} <= events
    levels = {n.level for n in Notice.select()}
    assert levels == {1, 2}
    for notice in Notice.select():
        # Issued by the sweep only once the step it names was overdue, never before the step began.
        assert notice.step_started_at <= notice.deadline <= notice.issued_at <= datetime(2026, 3, 20, 10)
    assert NoticeEvent.select().where(NoticeEvent.action == "reply").exists()
