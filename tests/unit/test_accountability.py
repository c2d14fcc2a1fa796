"""三次不到岗: three missed patrol days in a month open a record for the lead's decision, the person
answers, and a confirmed record counts in the year's assessment."""
from datetime import date, datetime, timedelta

import pytest

from workflows import accountability, assess
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import Accountability, PatrolRule
from workflows.patrols import end_patrol, start_patrol

CLOCK = Clock()
AFTER = datetime(2026, 4, 2, 9, 0)


def patrol_march(user, skipped):
    """One patrol on every working day of March 2026 except the skipped dates."""
    day = date(2026, 3, 1)
    while day.month == 3:
        if day.weekday() < 5 and day.day not in skipped:
            patrol = start_patrol(user, datetime(day.year, day.month, day.day, 9))
            end_patrol(patrol, user, datetime(day.year, day.month, day.day, 10))
        day += timedelta(days=1)


@pytest.fixture
def march(world):
    PatrolRule.create(role="member", grid_type="", period="day", times=1)
    patrol_march(world.member, {10, 11, 12})  # three days missed
    patrol_march(world.member2, {10, 11})  # two: no record
    patrol_march(world.member_g2, set())
    return world


def test_three_missed_days_open_one_record(march):
    w = march
    opened = accountability.open_records([w.g1, w.g2], date(2026, 3, 15), AFTER, CLOCK)
    assert [(r.user_id, r.missed, r.missed_periods) for r in opened] == [
        (w.member.id, 3, ["2026-03-10", "2026-03-11", "2026-03-12"])]
    assert opened[0].status == "open" and opened[0].grid_id == w.g1.id
    # Run again: nothing new.
    assert accountability.open_records([w.g1, w.g2], date(2026, 3, 15), AFTER, CLOCK) == []
    assert Accountability.select().count() == 1


def test_lead_confirms_person_answers(march):
    w = march
    record = accountability.open_records([w.g1], date(2026, 3, 1), AFTER, CLOCK)[0]
    with pytest.raises(WorkflowError):
        accountability.decide(record, w.member, AFTER, measure="talk")  # not their own
    with pytest.raises(WorkflowError):
        accountability.decide(record, w.lead_g2, AFTER, measure="talk")  # another grid's lead
    with pytest.raises(WorkflowError):
        accountability.decide(record, w.lead, AFTER, measure="fine")
    with pytest.raises(WorkflowError):
        accountability.decide(record, w.lead, AFTER, dismiss=True)  # dismissing needs a reason
    accountability.decide(record, w.lead, AFTER, measure="talk", note="已谈话")
    record = Accountability.get_by_id(record.id)
    assert (record.status, record.measure, record.decided_by_name) == ("confirmed", "talk", "lead")
    with pytest.raises(WorkflowError):
        accountability.decide(record, w.lead, AFTER, measure="written_notice")  # decided once
    with pytest.raises(WorkflowError):
        accountability.answer(record, w.member2, AFTER, "不是我")
    accountability.answer(record, w.member, AFTER, "10日至12日参加街道培训，已补巡")
    assert accountability.for_person(w.member)[0].answer.startswith("10日")


def test_a_confirmed_record_counts_in_the_assessment(march):
    w = march
    scheme = assess.scheme_for(w.street, 2026, w.street_disp, AFTER)
    manual = assess.add_item(scheme, w.street_disp, AFTER, kind="manual", title="综合", max_points=1000)
    assess.enter(manual, w.g1, 1, "review", w.street_disp, AFTER, points=500)
    record = accountability.open_records([w.g1], date(2026, 3, 1), AFTER, CLOCK)[0]
    before = {row["name"]: row["score"] for row in assess.compute(scheme, AFTER, CLOCK)["rows"]}
    assert before["一网格"] == 500.0  # open records do not count
    accountability.decide(record, w.lead, AFTER, measure="written_notice", note="书面通报")
    rows = {row["name"]: row for row in assess.compute(scheme, AFTER, CLOCK)["rows"]}
    assert rows["一网格"]["score"] == 490.0 and rows["一网格"]["accountability"] == -10
