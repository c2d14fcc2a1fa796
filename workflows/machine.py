"""The case machine as data: states, events, who may fire them, what they carry, time limits.

Read this module top to bottom to know the whole loop. The named guards and effects
below the tables are small functions that only read or mutate the in-memory case;
`workflows.service.fire` is the one place that checks, persists and records.
"""
from dataclasses import dataclass
from datetime import timedelta

from transitions import Machine

from workflows.clock import Limit


def N_(text):
    """Mark a string for the translation catalogue; the app translates it when shown."""
    return text


# State -> label. Order is the board's column order.
STATES = {
    "found": N_("Found"),  # 待处置
    "handled": N_("Handled on the spot"),  # 已现场处置
    "reported": N_("Reported"),  # 已上报
    "assigned": N_("Assigned"),  # 已派遣
    "rectified": N_("Rectified"),  # 已整改
    "verified": N_("Verified"),  # 已核查
    "closed": N_("Closed"),  # 已结案
}
INITIAL = "found"
FINAL = "closed"
OPEN_STATES = tuple(s for s in STATES if s != FINAL)

LEVELS = ("grid", "community", "street", "district")
LEVEL_LABELS = {
    "grid": N_("Grid"),
    "community": N_("Community"),
    "street": N_("Street"),
    "district": N_("District"),
}

CALLBACK_RESULTS = {
    "satisfied": N_("Satisfied"),  # 满意
    "basically_satisfied": N_("Basically satisfied"),  # 基本满意
    "dissatisfied": N_("Dissatisfied"),  # 不满意
    "unreachable": N_("Could not be reached"),  # 联系不上
}
VOID_KINDS = {"duplicate": N_("Duplicate"), "invalid": N_("Invalid")}
# Sources raised by someone outside the grid team: closing needs a call-back result.
CALLBACK_SOURCES = ("resident", "building_head", "hotline", "api")


@dataclass(frozen=True)
class EventSpec:
    """One row of the event table."""

    name: str
    label: str
    sources: tuple
    dest: str  # None: an internal event that records something without changing state
    who: str  # a rule in workflows.rules.WHO
    needs: tuple = ()  # form fields that must be present
    optional: tuple = ()  # form fields that may be given
    guard: str = None  # a function below: may the case take this event now? (else a reason)
    check: str = None  # a function below: is the data given acceptable? (else a reason)
    effect: str = None  # a function below, mutating the case


E = EventSpec
EVENTS = (
    #  event        label                        from                      to           who                 needs                    optional                  guard / check / effect
    E("handle",    N_("Handle on the spot"),     ("found",),               "handled",   "grid_worker",      ("note",),               ("photos",)),
    E("report",    N_("Report"),                 ("found",),               "reported",  "grid_worker",      (),                      ("note",),                effect="set_report_level"),
    E("send_back", N_("Send back"),              ("reported",),            "found",     "level_triager",    ("reason",),             (),                       effect="reset_level"),
    E("escalate",  N_("Escalate"),               ("reported",),            "reported",  "level_triager",    ("reason",),             (),                       guard="below_top_level", effect="raise_level"),
    E("dispatch",  N_("Dispatch"),               ("reported",),            "assigned",  "level_dispatcher", ("department",),         ("instructions",),        effect="set_department"),
    E("decline",   N_("Decline"),                ("assigned",),            "reported",  "case_department",  ("reason",),             (),                       effect="clear_department"),
    E("rectify",   N_("Report rectification"),   ("assigned",),            "rectified", "case_department",  ("note",),               ("photos",)),
    E("verify",    N_("Verify"),                 ("handled", "rectified"), "verified",  "verifier",         ("note",),               ()),
    E("rework",    N_("Send for rework"),        ("rectified",),           "assigned",  "grid_worker",      ("reason",),             (),                       effect="count_rework"),
    E("close",     N_("Close"),                  ("verified",),            "closed",    "closing_office",   (),                      ("callback", "note"),     check="callback_given", effect="mark_closed"),
    E("void",      N_("Void"),                   ("found", "reported"),    "closed",    "voider",           ("void_kind", "reason"), ("duplicate_of",),        check="duplicate_named", effect="mark_voided"),
    E("reopen",    N_("Reopen"),                 ("closed",),              "reported",  "supervisor",       ("reason",),             (),                       guard="closed_within_30_days", effect="mark_reopened"),
)
EVENT_SPECS = {spec.name: spec for spec in EVENTS}

# The step's time limit when a state is entered: per state, and for `assigned` per urgency.
TIME_LIMITS = {
    ("found", None): Limit(24, "hours"),
    ("handled", None): Limit(1, "working_days"),
    ("reported", None): Limit(4, "working_hours"),
    ("assigned", "urgent"): Limit(24, "hours"),
    ("assigned", "normal"): Limit(3, "working_days"),
    ("assigned", "complex"): Limit(10, "working_days"),
    ("rectified", None): Limit(1, "working_days"),
    ("verified", None): Limit(1, "working_days"),
}
URGENCY_STATES = ("assigned",)
REOPEN_WINDOW = timedelta(days=30)


def default_limit(state, urgency):
    """The built-in limit for a step (the clock issue makes these editable data)."""
    key = (state, urgency if state in URGENCY_STATES else None)
    return TIME_LIMITS.get(key)


# ---- guards and checks: return None when the event may go ahead, else a reason (a msgid) ----


def below_top_level(case, actor, now, data):
    """A case at the district cannot be escalated further."""
    if case.level == LEVELS[-1]:
        return N_("The case is already at the top level.")
    return None


def callback_given(case, actor, now, data):
    """A case a resident raised is closed only with the call-back result."""
    result = data.get("callback")
    if result and result not in CALLBACK_RESULTS:
        return N_("Choose a call-back result from the list.")
    if case.source in CALLBACK_SOURCES and not result:
        return N_("This case was raised by a resident: record the call-back result before closing.")
    return None


def duplicate_named(case, actor, now, data):
    """A void as a duplicate names the original case (checked to exist by the service)."""
    kind = data.get("void_kind")
    if kind not in VOID_KINDS:
        return N_("Say whether the case is a duplicate or invalid.")
    if kind == "duplicate" and not data.get("duplicate_of"):
        return N_("Name the original case this one duplicates.")
    return None


def closed_within_30_days(case, actor, now, data):
    """Only a case closed in the last 30 days can be reopened."""
    if case.closed_at is None or now - case.closed_at > REOPEN_WINDOW:
        return N_("Only cases closed within the last 30 days can be reopened.")
    return None


# ---- effects: mutate the in-memory case; the service saves once ----


def set_report_level(case, actor, now, data):
    """A member's report goes to the lead (grid level); a lead's to the community."""
    case.level = "community" if actor.role == "lead" else "grid"


def reset_level(case, actor, now, data):
    """A case sent back is the grid's again."""
    case.level = "grid"


def raise_level(case, actor, now, data):
    """Escalation moves the case one level up."""
    case.level = LEVELS[LEVELS.index(case.level) + 1]


def set_department(case, actor, now, data):
    """Dispatch hands the case to a department."""
    case.department = data["department"]


def clear_department(case, actor, now, data):
    """A declined case is nobody's until re-dispatched."""
    case.department = None


def count_rework(case, actor, now, data):
    """Failed verification counts as rework."""
    case.rework_count += 1


def mark_closed(case, actor, now, data):
    """Closing crosses the case off (销号)."""
    case.closed_at = now
    case.resolution = "closed"


def mark_voided(case, actor, now, data):
    """A void closes the case as invalid or as a duplicate of another."""
    case.closed_at = now
    case.resolution = "voided"
    case.duplicate_of = data.get("duplicate_of")


def mark_reopened(case, actor, now, data):
    """A reopened case is open again, at the level it was closed at."""
    case.closed_at = None
    case.resolution = None


def build_machine(case):
    """A Machine bound to this one case, for one change (never shared across threads)."""
    machine = Machine(
        model=case,
        states=list(STATES),
        initial=case.state,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
        model_attribute="state",
    )
    for spec in EVENTS:
        machine.add_transition(
            spec.name, list(spec.sources), spec.dest,
            after=[_effect_callback(spec)] if spec.effect else [],
        )
    return machine


def _effect_callback(spec):
    """Adapt a named effect to transitions' EventData callback."""
    effect = globals()[spec.effect]

    def callback(event):
        kw = event.kwargs
        effect(event.model, kw["actor"], kw["now"], kw["data"])

    callback.__name__ = spec.effect
    return callback


def guard_reason(spec, case, actor, now):
    """Run the event's guard on the case as it is: None if it passes, else a reason."""
    if spec.guard is None:
        return None
    return globals()[spec.guard](case, actor, now, None)


def check_reason(spec, case, actor, now, data):
    """Run the event's check on the data given: None if it passes, else a reason."""
    if spec.check is None:
        return None
    return globals()[spec.check](case, actor, now, data)


def mermaid():
    """The machine as a Mermaid state diagram, drawn by transitions from the tables above."""
    from transitions.extensions import GraphMachine

    machine = GraphMachine(
        states=list(STATES),
        initial=INITIAL,
        auto_transitions=False,
        graph_engine="mermaid",
        title="gridcase",
        transitions=[
            {"trigger": spec.name, "source": list(spec.sources), "dest": spec.dest} for spec in EVENTS
        ],
    )
    return machine.get_graph().source
