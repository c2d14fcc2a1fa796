"""Indicators of a fixture month, computed by hand (arithmetic in the comments) and by the code.

The clock is the default one: office hours 08:30–12:00 and 14:00–17:30, Monday to Friday.
Limits: found 24 h; reported 4 working hours; assigned (normal) 3 working days; handled,
rectified and verified 1 working day each. March 2026 starts on a Sunday; 2 March is a Monday.
The month is judged at its end, 2026-04-01 00:00 (NOW is later), so what is overdue is what is
overdue at midnight on 31 March.
"""
from datetime import date, datetime

import pytest

from tests.factories import new_case
from workflows.clock import Clock
from workflows.models import Case
from workflows.service import SystemActor, fire, open_case
from workflows.stats import custom, facts_for, month, percentile, quarter, tally

NOW = datetime(2026, 4, 10, 12, 0)
MARCH = month(2026, 3)
CLOCK = Clock()


def d(day, hour, minute=0, mon=3):
    """A moment of March 2026."""
    return datetime(2026, mon, day, hour, minute)


def build_month(w):
    """The fixture cases A–J (and two outside March), moved through fire() at fixed times."""
    c = {}
    resident = SystemActor("resident", "居民")
    # A (grid 1, patrol): handled on the spot Mon 2nd 10:00 (found deadline Tue 09:00: on time),
    # verified by the lead 11:00 (handled deadline Tue 10:00), closed 15:00 (verified deadline Tue 11:00).
    c["A"] = a = new_case(w, at=d(2, 9))
    fire(a, "handle", w.member, d(2, 10), note="清理完毕")
    fire(a, "verify", w.lead, d(2, 11), note="核查到位")
    fire(a, "close", w.community, d(2, 15))
    # B (grid 1, a resident's report): reported 10:00, escalated 11:00, dispatched to sanitation 14:30
    # (reported deadline 17:00: on time); rectified Tue 10:00 (deadline Thu 14:30); reworked Tue 11:00;
    # rectified again Wed 09:00 (deadline Fri 11:00); verified Wed 10:00; closed 11:00, satisfied.
    c["B"] = b = open_case(w.g1, resident, d(2, 9), category=w.litter, title="垃圾", source="resident")
    fire(b, "report", w.member, d(2, 10))
    fire(b, "escalate", w.lead, d(2, 11), reason="报社区")
    fire(b, "dispatch", w.community, d(2, 14, 30), department=w.sanitation.id)
    fire(b, "rectify", w.handler, d(3, 10), note="已清理")
    fire(b, "rework", w.member, d(3, 11), reason="不到位")
    fire(b, "rectify", w.handler, d(4, 9), note="再次清理")
    fire(b, "verify", w.member, d(4, 10), note="到位")
    fire(b, "close", w.community, d(4, 11), callback="satisfied")
    # C (grid 1, patrol): reported Mon 9th 09:30, escalated 10:00, dispatched to police 16:00 — exactly
    # the reported deadline (10:00 + 4 working hours = 16:00): on time; police declines Tue 09:00;
    # dispatched to sanitation 14:00 (deadline 15:00); sanitation never rectifies: the assigned
    # deadline (Tue 3.5 h + Wed 7 + Thu 7 + Fri 3.5 = 21 h) Fri 13th 12:00 has passed at the month's
    # end — open and overdue, awaiting disposal.
    c["C"] = cc = new_case(w, at=d(9, 9))
    fire(cc, "report", w.member, d(9, 9, 30))
    fire(cc, "escalate", w.lead, d(9, 10), reason="报社区")
    fire(cc, "dispatch", w.community, d(9, 16), department=w.police.id)
    fire(cc, "decline", w.police_handler, d(10, 9), reason="非本部门")
    fire(cc, "dispatch", w.community, d(10, 14), department=w.sanitation.id)
    # D (grid 2, patrol): dispatched to sanitation Mon 16th 09:30 (deadline Thu 19th 09:30); rectified
    # late Fri 20th 10:00; verified 11:00; closed 14:00 with an optional call-back: dissatisfied.
    c["D"] = dd = new_case(w, grid=w.g2, actor=w.member_g2, at=d(16, 9))
    fire(dd, "report", w.member_g2, d(16, 9, 10))
    fire(dd, "escalate", w.lead_g2, d(16, 9, 20), reason="报社区")
    fire(dd, "dispatch", w.community, d(16, 9, 30), department=w.sanitation.id)
    fire(dd, "rectify", w.handler, d(20, 10), note="整改")
    fire(dd, "verify", w.member_g2, d(20, 11), note="到位")
    fire(dd, "close", w.community, d(20, 14), callback="dissatisfied")
    # E (grid 2, patrol): voided as invalid.
    c["E"] = e = new_case(w, grid=w.g2, actor=w.member_g2, at=d(23, 9))
    fire(e, "void", w.lead_g2, d(23, 10), void_kind="invalid", reason="不属实")
    # F (grid 3, recorded by the community's dispatcher — not a member's report): left in found;
    # its deadline Tue 31st 09:00 has passed at the month's end.
    c["F"] = open_case(w.g3, w.community2, d(30, 9), category=w.litter, title="井盖缺失")
    # G (grid 1): recorded Tue 31st 20:00; deadline 1 April 20:00 — open but not yet due.
    c["G"] = new_case(w, at=d(31, 20))
    # H (grid 1, the lead's own report goes to the community): dispatched to police Wed 25th 10:00,
    # rectified Thu 09:00 (deadline Mon 30th 10:00); nobody verifies: the rectified step's deadline
    # Fri 27th 09:00 has passed — disposed on time, but open and overdue.
    c["H"] = h = new_case(w, actor=w.lead, at=d(25, 9))
    fire(h, "report", w.lead, d(25, 9, 30))
    fire(h, "dispatch", w.community, d(25, 10), department=w.police.id)
    fire(h, "rectify", w.police_handler, d(26, 9), note="整改")
    # J (grid 1, hotline): handled Wed 11th 09:30; the lead verifies late Thu 10:00 (deadline 09:30);
    # closed 11:00, the caller could not be reached.
    c["J"] = j = open_case(w.g1, resident, d(11, 9), category=w.litter, title="噪声", source="hotline")
    fire(j, "handle", w.member, d(11, 9, 30), note="劝离")
    fire(j, "verify", w.lead, d(12, 10), note="核查")
    fire(j, "close", w.community, d(12, 11), callback="unreachable")
    # Outside March: recorded in February (closed in March), and in April.
    c["before"] = before = new_case(w, at=datetime(2026, 2, 27, 9))
    fire(before, "handle", w.member, d(2, 9), note="处置")
    c["after"] = new_case(w, at=datetime(2026, 4, 2, 9))
    return c


def march(w, dimensions=("grid", "community", "street", "department", "person", "total"), keep_ids=True):
    """The month's tallies over all cases."""
    return tally(facts_for(Case.select(), MARCH, NOW, CLOCK), dimensions, keep_ids=keep_ids)


def counts(group, *names):
    return tuple(group.counts[n] for n in names)


def rate(group, key):
    num, den, value = group.value(key)
    return num, den


def test_grid_level_indicators(world):
    w = world
    c = build_month(w)
    t = march(w)["grid"]
    g1, g2, g3 = t[w.g1.id], t[w.g2.id], t[w.g3.id]
    # Grid 1: A B C G H J recorded (the February and April cases are outside the month).
    assert g1.counts["recorded"] == 6
    assert set(g1.ids["recorded"]) == {c[k].id for k in "ABCGHJ"}
    # Disposed: A, B, J closed; H rectified = 4. On time: all four (B's last rectification Wed 09:00
    # by the Fri 11:00 deadline the rework started). Overdue awaiting disposal: C (assigned, overdue).
    # G is open but not due: in neither. Due for disposal = 4 + 1 = 5.
    assert counts(g1, "disposed", "disposed_on_time", "overdue_undisposed", "due_disposal") == (4, 4, 1, 5)
    assert set(g1.ids["overdue_undisposed"]) == {c["C"].id}
    # Closed: A, B, J = 3; on time: A, B (J's verification was late) = 2; overdue not closed: C, H = 2;
    # due for closing = 3 + 2 = 5.
    assert counts(g1, "closed", "closed_on_time", "overdue_open", "due_close") == (3, 2, 2, 5)
    assert set(g1.ids["due_close"]) == {c[k].id for k in "ABJCH"}
    assert rate(g1, "disposal_rate") == (4, 5)  # 80%
    assert rate(g1, "ontime_disposal_rate") == (4, 5)  # 80%, open overdue C in the denominator
    assert rate(g1, "ontime_disposal_rate_done") == (4, 4)  # 100% counting only disposed cases
    assert rate(g1, "close_rate") == (3, 5)  # 60%
    assert rate(g1, "ontime_close_rate") == (2, 5)  # 40%
    assert rate(g1, "ontime_close_rate_done") == (2, 3)  # 66.7% counting only closed cases
    assert rate(g1, "rework_rate") == (1, 5)  # B
    assert rate(g1, "decline_rate") == (1, 4)  # dispatches: B, C ×2, H; declines: C by police
    assert rate(g1, "extension_rate") == (0, 5)
    assert rate(g1, "overdue_rate") == (1, 5)
    # Call-backs due: B (resident), J (hotline); answered: B (J unreachable); satisfied: B.
    assert rate(g1, "callback_rate") == (1, 2)
    assert rate(g1, "satisfaction_rate") == (1, 1)
    # Reports by the grid's members/leads: A, C, G (member), H (lead); B and J came from outside.
    assert rate(g1, "valid_report_rate") == (4, 4)
    # Verifications: A (lead, on time), B (member, on time), J (lead, late).
    assert rate(g1, "ontime_verify_rate") == (2, 3)
    assert g1.counts["handled"] == 2  # A, J
    # Step durations in working hours. Dispatch: B 10:00→14:30 = 2 + 0.5 = 2.5; C 09:30→16:00 =
    # 2.5 + 2 = 4.5 and Tue 09:00→14:00 = 3 + 0 = 3.0; H 09:30→10:00 = 0.5.
    # Average (0.5 + 2.5 + 3 + 4.5) / 4 = 2.625; 90th percentile: rank ceil(0.9 × 4) = 4 → 4.5.
    assert g1.step("dispatch") == (4, pytest.approx(2.625), pytest.approx(4.5))
    # Rectification: B Mon 14:30→Tue 10:00 = 3 + 1.5 = 4.5; B Tue 11:00→Wed 09:00 = 1 + 3.5 + 0.5 = 5;
    # H Wed 10:00→Thu 09:00 = 2 + 3.5 + 0.5 = 6. Average 15.5 / 3; 90th: rank ceil(2.7) = 3 → 6.
    assert g1.step("rectify") == (3, pytest.approx(15.5 / 3), pytest.approx(6.0))
    # Verification: A 10:00→11:00 = 1; B 09:00→10:00 = 1; J Wed 09:30→Thu 10:00 = 2.5 + 3.5 + 1.5 = 7.5.
    assert g1.step("verify") == (3, pytest.approx(9.5 / 3), pytest.approx(7.5))

    # Grid 2: D and the voided E. Voided cases count only in recorded, voided and reports.
    assert counts(g2, "recorded", "voided", "reports", "valid_reports") == (2, 1, 2, 1)
    assert counts(g2, "disposed", "disposed_on_time", "due_disposal") == (1, 0, 1)  # D rectified late
    assert counts(g2, "closed", "closed_on_time", "due_close") == (1, 0, 1)
    assert rate(g2, "ontime_close_rate_done") == (0, 1)
    # D's optional call-back counts: due 1, answered 1 (dissatisfied), satisfied 0.
    assert counts(g2, "callback_due", "callbacks", "satisfied") == (1, 1, 0)
    # D: dispatch 09:10→09:30 = 1/3 h; rectification Mon 09:30→Fri 10:00 = 6 + 7 + 7 + 7 + 1.5 = 28.5.
    assert g2.step("dispatch") == (1, pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert g2.step("rectify") == (1, pytest.approx(28.5), pytest.approx(28.5))

    # Grid 3: F, overdue in found; recorded by a dispatcher, so no member's report.
    assert counts(g3, "recorded", "reports", "disposed", "overdue_undisposed", "due_disposal") == (1, 0, 0, 1, 1)
    assert counts(g3, "overdue_open", "due_close", "closed") == (1, 1, 0)
    assert g3.value("ontime_disposal_rate_done") == (0, 0, None)  # nothing disposed: no rate
    assert g3.value("overdue_rate") == (1, 1, 1.0)


def test_community_and_street_level_indicators(world):
    w = world
    build_month(w)
    t = march(w)
    c1, c2 = t["community"][w.c1.id], t["community"][w.c2.id]
    # Community 1 = grid 1 + grid 2.
    assert counts(c1, "recorded", "voided", "reports", "valid_reports") == (8, 1, 6, 5)
    assert counts(c1, "disposed", "disposed_on_time", "overdue_undisposed", "due_disposal") == (5, 4, 1, 6)
    assert counts(c1, "closed", "closed_on_time", "overdue_open", "due_close") == (4, 2, 2, 6)
    assert rate(c1, "ontime_close_rate") == (2, 6) and rate(c1, "ontime_close_rate_done") == (2, 4)
    assert rate(c1, "rework_rate") == (1, 6)
    assert rate(c1, "decline_rate") == (1, 5)  # + D's dispatch
    assert counts(c1, "callback_due", "callbacks", "satisfied") == (3, 2, 1)  # B, J, D; B, D; B
    assert rate(c1, "satisfaction_rate") == (1, 2)
    assert rate(c1, "ontime_verify_rate") == (3, 4)  # A, B, D on time; J late
    assert c1.step("rectify")[0] == 4
    assert counts(c2, "recorded", "overdue_undisposed", "due_disposal", "due_close") == (1, 1, 1, 1)
    street = t["street"][w.street.id]
    assert counts(street, "recorded", "due_disposal", "due_close", "closed") == (9, 7, 7, 4)
    assert t["total"]["total"].counts == street.counts


def test_department_level_indicators(world):
    """Cases count for the department they are with at the month's end; dispatches, declines and
    step durations for the department each history row concerns."""
    w = world
    c = build_month(w)
    t = march(w)["department"]
    san, police = t[w.sanitation.id], t[w.police.id]
    # Sanitation holds B (closed on time), C (assigned, overdue) and D (closed, rectified late).
    assert set(san.ids["recorded"]) == {c[k].id for k in "BCD"}
    assert counts(san, "disposed", "disposed_on_time", "overdue_undisposed", "due_disposal") == (2, 1, 1, 3)
    assert counts(san, "closed", "closed_on_time", "overdue_open", "due_close") == (2, 1, 1, 3)
    assert rate(san, "ontime_disposal_rate") == (1, 3) and rate(san, "ontime_disposal_rate_done") == (1, 2)
    assert rate(san, "rework_rate") == (1, 3)  # B
    assert rate(san, "decline_rate") == (0, 3)  # dispatched B, C (second time), D
    assert rate(san, "satisfaction_rate") == (1, 2)  # B satisfied, D dissatisfied
    # Dispatch steps ending with a dispatch to sanitation: B 2.5, C 3.0, D 1/3 → average 5.8333 / 3.
    assert san.step("dispatch") == (3, pytest.approx((2.5 + 3 + 1 / 3) / 3), pytest.approx(3.0))
    # Rectification: B 4.5 and 5, D 28.5 → average 38 / 3; 90th: rank 3 → 28.5.
    assert san.step("rectify") == (3, pytest.approx(38 / 3), pytest.approx(28.5))
    # Police holds H (rectified on time, verification overdue); it declined C.
    assert set(police.ids["recorded"]) == {c["H"].id}
    assert counts(police, "disposed", "disposed_on_time", "due_disposal") == (1, 1, 1)
    assert counts(police, "closed", "overdue_open", "due_close") == (0, 1, 1)
    assert rate(police, "decline_rate") == (1, 2)  # C declined of C and H
    assert set(police.ids["declines"]) == {c["C"].id}
    assert police.step("dispatch") == (2, pytest.approx(2.5), pytest.approx(4.5))  # C 4.5, H 0.5
    assert police.step("rectify") == (1, pytest.approx(6.0), pytest.approx(6.0))


def test_person_level_indicators(world):
    w = world
    build_month(w)
    people = march(w)["person"]
    member, lead, member_g2 = people[w.member.id], people[w.lead.id], people[w.member_g2.id]
    # member: recorded A, C, G; handled A, J; verified B on time.
    assert counts(member, "reports", "valid_reports", "handled", "verifies", "verifies_on_time") == (3, 3, 2, 1, 1)
    # lead: recorded H; verified A on time and J late → 1 / 2.
    assert counts(lead, "reports", "valid_reports", "handled") == (1, 1, 0)
    assert lead.value("ontime_verify_rate") == (1, 2, 0.5)
    # member_g2: recorded D and the voided E → valid report rate 1 / 2.
    assert member_g2.value("valid_report_rate") == (1, 2, 0.5)
    assert w.community2.id not in people  # F was recorded by a dispatcher: not a member's report


def test_the_newest_period_does_not_read_100_percent(world):
    """Judged on 13 March 10:00: C's assigned step (deadline 12:00) is not yet overdue."""
    w = world
    build_month(w)
    early = tally(facts_for(Case.select(), MARCH, d(13, 10), CLOCK), ("grid",))["grid"][w.g1.id]
    # Recorded by then: A, B, C, J. Closed: A, B, J (J late) → closed-only variant 2 / 3;
    # C (assigned, deadline 13th 12:00) is open and not yet due, so it is in neither.
    assert early.value("ontime_close_rate_done")[:2] == (2, 3)
    assert early.value("ontime_close_rate")[:2] == (2, 3)
    later = tally(facts_for(Case.select(), MARCH, d(13, 15), CLOCK), ("grid",))["grid"][w.g1.id]
    # At 15:00 C is overdue: it joins the denominator of the on-time rate, not the closed-only one.
    assert later.value("ontime_close_rate")[:2] == (2, 4)
    assert later.value("ontime_close_rate_done")[:2] == (2, 3)


def test_scope_limits_the_cases_counted(world):
    from workflows.policy import visible_cases

    w = world
    build_month(w)
    only_g2 = tally(facts_for(visible_cases(w.member_g2), MARCH, NOW, CLOCK), ("grid",))["grid"]
    assert set(only_g2) == {w.g2.id}


def test_periods():
    assert (MARCH.start, MARCH.end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert month(2026, 1).previous() == month(2025, 12)
    assert quarter(2026, 4).end == date(2027, 1, 1)
    assert quarter(2026, 2).start == date(2026, 4, 1)
    assert custom(date(2026, 3, 5), date(2026, 3, 6)).end == date(2026, 3, 7)
    with pytest.raises(ValueError):
        custom(date(2026, 3, 6), date(2026, 3, 5))
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([5.0], 0.9) == 5.0


def test_approved_extensions_count_and_move_the_on_time_line(world):
    """A dispatched case extended once and rectified after its first deadline but before the new one."""
    w = world
    case = new_case(w, at=d(2, 9))
    fire(case, "report", w.member, d(2, 9, 10))
    fire(case, "escalate", w.lead, d(2, 9, 20), reason="报社区")
    fire(case, "dispatch", w.community, d(2, 9, 30), department=w.sanitation.id)  # deadline Thu 5th 09:30
    fire(case, "request_extension", w.handler, d(3, 9), requested_deadline="2026-03-27T17:00", reason="天气原因")
    fire(case, "approve_extension", w.community, d(3, 10))
    fire(case, "rectify", w.handler, d(5, 10), note="整改")  # after the first deadline
    g1 = march(w)["grid"][w.g1.id]
    assert g1.value("extension_rate")[:2] == (1, 1)
    assert g1.counts["disposed"] == 1
    # On time against the extended deadline (which is after Thu 10:00).
    assert g1.counts["disposed_on_time"] == 1


def test_replay_reads_the_clocks_internal_rows():
    """History rows as the clock issue writes them (internal events: the state does not change, the row
    carries the case's deadline after the decision): an approved extension counts and moves the deadline
    the rectification is judged against; a suspended case is not overdue until it resumes."""
    from workflows.stats import replay

    def row(event, from_state, to_state, at, prev_deadline, deadline, department=7):
        return (1, event, from_state, to_state, 5, "handler", at, None, department, prev_deadline, deadline)

    first, extended = d(5, 9, 30), d(10, 17, 30)
    history = [
        row("create", None, "found", d(2, 9), None, d(3, 9)),
        row("report", "found", "reported", d(2, 9, 10), d(3, 9), d(2, 13, 10)),
        row("escalate", "reported", "reported", d(2, 9, 20), d(2, 13, 10), d(2, 13, 20)),
        row("dispatch", "reported", "assigned", d(2, 9, 30), d(2, 13, 20), first),
        row("request_extension", "assigned", "assigned", d(3, 9), None, first),
        row("approve_extension", "assigned", "assigned", d(3, 10), None, extended),
    ]
    case = (1, 11, 12, 13, 14, "patrol", d(2, 9))
    done = replay(case, history + [row("rectify", "assigned", "rectified", d(6, 10), extended, d(9, 10))],
                  d(6, 12), CLOCK)
    assert (done.extensions, done.disposed, done.disposed_on_time) == (1, True, True)
    assert done.flags()["extended"]
    waiting = replay(case, history, d(11, 9), CLOCK)  # past the extended deadline
    assert waiting.overdue_undisposed and waiting.flags()["extended"]
    suspended = history + [row("request_suspension", "assigned", "assigned", d(9, 9), None, extended),
                           row("approve_suspension", "assigned", "assigned", d(9, 10), None, extended)]
    assert not replay(case, suspended, d(11, 9), CLOCK).overdue_open
    resumed = suspended + [row("resume", "assigned", "assigned", d(11, 8), None, d(12, 10))]
    assert not replay(case, resumed, d(11, 9), CLOCK).overdue_open  # the resumed step's new deadline
    assert replay(case, resumed, d(12, 11), CLOCK).overdue_open
