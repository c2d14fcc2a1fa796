"""信息更新及时 (the `registry_updates` measure), hand-computed, and evidence recorded with an entry.

2026 begins on a Thursday: its first week begins on Monday 5 January (the week of 29 December 2025 began
in 2025 and is not the year's). Judged on Monday 2 March 2026 at 09:00, the weeks of 5, 12, 19 and
26 January and 2, 9, 16 and 23 February have ended: 8 finished weeks (the week of 2 March has not).

Grid 1's community acknowledged the weeks of 5 and 12 January and 23 February in time (3), the week of
2 March (not finished: not counted), the week of 29 December 2025 (another year's) and the week of
16 February only on 3 March (after the moment judged: not counted) → 3 of 8 → 200 × 3/8 = 75.0.
Grid 2: nothing acknowledged → 0 of 8 → 0.0. Grid 3 (another community, nothing acknowledged) → 0.0.
On 6 January no week of the year has ended → 0 of 0 → nothing to measure → full points (200.0).
"""
from datetime import date, datetime

import pytest

from workflows import assess
from workflows.clock import Clock
from workflows.errors import WorkflowError
from workflows.models import AssessEvidence
from workflows.registry.roundup import acknowledge

CLOCK = Clock()
NOW = datetime(2026, 3, 2, 9, 0)
MONDAYS = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26), date(2026, 2, 2),
           date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)]


@pytest.fixture
def year(world):
    w = world
    acks = {}
    for monday, at in ((date(2026, 1, 5), datetime(2026, 1, 12, 9)), (date(2026, 1, 12), datetime(2026, 1, 20, 9)),
                       (date(2026, 2, 23), datetime(2026, 3, 2, 8)), (date(2026, 3, 2), datetime(2026, 3, 2, 8, 30)),
                       (date(2025, 12, 29), datetime(2026, 1, 5, 9)), (date(2026, 2, 16), datetime(2026, 3, 3, 9))):
        acks[monday] = acknowledge(w.community, at, w.g1, monday, note="已阅")
    scheme = assess.scheme_for(w.street, 2026, w.street_disp, datetime(2026, 1, 2, 9))
    item = assess.add_item(scheme, w.street_disp, datetime(2026, 1, 2, 9), kind="auto", title="信息更新及时",
                           max_points=200, metric="registry_updates")
    return w, scheme, item, acks


def figures(scheme, now):
    rows = {row["name"]: row for row in assess.compute(scheme, now, CLOCK, accountability={})["rows"]}
    return {name: [(e["numerator"], e["denominator"], e["points"]) for e in row["items"]] for name, row in rows.items()}


def test_finished_weeks_of_the_year():
    assert assess.finished_weeks(2026, NOW) == MONDAYS
    assert assess.finished_weeks(2026, datetime(2026, 3, 1, 23, 59)) == MONDAYS[:-1]  # 23 Feb's week ends at midnight
    assert assess.finished_weeks(2026, datetime(2026, 1, 6)) == []
    assert len(assess.finished_weeks(2025, datetime(2026, 1, 5))) == 52  # 6 Jan … 22 Dec; 29 Dec's ends 5 Jan
    assert assess.finished_weeks(2025, datetime(2026, 1, 5))[-1] == date(2025, 12, 29)


def test_registry_updates_hand_computed(year):
    w, scheme, item, acks = year
    assert figures(scheme, NOW) == {"一网格": [(3, 8, 75.0)], "二网格": [(0, 8, 0.0)], "三网格": [(0, 8, 0.0)]}
    # The next morning the late acknowledgement of 16 February counts, and 2 March's week has not ended yet.
    assert figures(scheme, datetime(2026, 3, 3, 10))["一网格"] == [(4, 8, 100.0)]
    # Nothing finished yet: nothing to measure, full points.
    assert figures(scheme, datetime(2026, 1, 6, 9)) == {name: [(0, 0, 200.0)] for name in ("一网格", "二网格", "三网格")}


def test_registry_updates_drill_down_lists_every_finished_week(year):
    w, scheme, item, acks = year
    kind, weeks = assess.behind(item, w.g1, NOW, CLOCK)
    assert kind == "weeks"
    assert [monday for monday, _ack in weeks] == MONDAYS
    assert {monday: ack for monday, ack in weeks if ack} == {
        date(2026, 1, 5): acks[date(2026, 1, 5)].id, date(2026, 1, 12): acks[date(2026, 1, 12)].id,
        date(2026, 2, 23): acks[date(2026, 2, 23)].id}
    assert assess.behind(item, w.g2, NOW, CLOCK) == ("weeks", [(monday, None) for monday in MONDAYS])


def _file(name, kind="application/pdf"):
    return {"path": f"{name}.pdf", "thumb_path": None, "original_name": f"{name}\x00.pdf", "content_type": kind,
            "size": 1234}


def test_an_entry_keeps_its_evidence_and_a_later_entry_carries_its_own(world):
    w = world
    scheme = assess.scheme_for(w.street, 2026, w.street_disp, datetime(2026, 1, 2, 9))
    item = assess.add_item(scheme, w.street_disp, datetime(2026, 1, 2, 9), kind="manual", title="台账", max_points=100)
    first = assess.enter(item, w.g1, 1, "self", w.lead, datetime(2026, 4, 1, 9), points=90, evidence=[_file("a")])
    second = assess.enter(item, w.g1, 1, "self", w.lead, datetime(2026, 4, 2, 9), points=95,
                          evidence=[_file("b"), _file("c")])
    found = assess.evidence_of([first, second])
    assert [e.path for e in found[first.id]] == ["a.pdf"]
    assert [e.path for e in found[second.id]] == ["b.pdf", "c.pdf"]
    row = found[first.id][0]
    assert (row.original_name, row.uploaded_by_id, row.at) == ("a.pdf", w.lead.id, datetime(2026, 4, 1, 9))
    # A refused entry records no evidence.
    with pytest.raises(WorkflowError):
        assess.enter(item, w.g1, 1, "self", w.lead, datetime(2026, 4, 3, 9), points=101, evidence=[_file("d")])
    assert AssessEvidence.select().count() == 3
