"""The case machine as data: states, events, who may fire them, what they carry, time limits.

Read this module top to bottom to know the whole loop. The named guards and effects
below the tables are small functions that read the case (the clock's guards also read
its history for requests awaiting a decision) or mutate the in-memory case;
`workflows.service.fire` is the one place that checks, persists and records.
"""
import inspect
from dataclasses import dataclass
from datetime import datetime, timedelta

from transitions import Machine

from workflows import history
from workflows.clock import Limit
from workflows.values import in_range


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
    who: str  # an action of workflows.policy.ACTIONS, decided on the case
    needs: tuple = ()  # form fields that must be present
    optional: tuple = ()  # form fields that may be given
    guard: str = None  # a method of CaseMachine below: may the case take this event now? (else a reason)
    check: str = None  # a method of CaseMachine below: is the data given acceptable? (else a reason)
    effect: str = None  # a method of CaseMachine below, mutating the in-memory case


E = EventSpec
# Steps that wait on an office or a department, and so may be suspended (waiting on a court, the weather…).
SUSPENDABLE = ("reported", "assigned")
EVENTS = (
    #  event        label                        from                      to           who                 needs                    optional                  guard / check / effect
    E("handle",    N_("Handle on the spot"),     ("found",),               "handled",   "grid_worker",      ("note",),               ("photos",)),
    E("report",    N_("Report"),                 ("found",),               "reported",  "grid_worker",      (),                      ("note",),                effect="set_report_level"),
    # A department's or supervisor's own inspection (see Category.inspected_to): routed on as it is recorded.
    E("take_on",   N_("Take on for my department"), ("found",),               "assigned",  "inspector_department", (),  ("note",),                guard="routes_to_department", effect="assign_own_department"),
    E("pass_to_grid", N_("Pass to the grid"),    ("found",),               "reported",  "inspector",        (),                      ("note",),                guard="routes_to_grid", effect="reset_level"),
    E("send_back", N_("Send back"),              ("reported",),            "found",     "level_triager",    ("reason",),             (),                       effect="reset_level"),
    E("escalate",  N_("Escalate"),               ("reported",),            "reported",  "level_triager",    ("reason",),             (),                       guard="below_top_level", effect="raise_level"),
    E("dispatch",  N_("Dispatch"),               ("reported",),            "assigned",  "level_dispatcher", ("department",),         ("instructions", "co_departments"), check="co_departments_apart", effect="set_department"),
    E("decline",   N_("Decline"),                ("assigned",),            "reported",  "case_department",  ("reason",),             (),                       effect="clear_department"),
    # Transfer (转办): the department passes the case to another; the clock continues or restarts (TRANSFER_CLOCK).
    E("transfer",  N_("Transfer to another department"), ("assigned",),    None,        "case.transfer",    ("department", "reason"), (),                  check="another_department", effect="transfer_department"),
    E("rectify",   N_("Report rectification"),   ("assigned",),            "rectified", "case_department",  ("note",),               ("photos",),              guard="parts_settled"),
    # Joint handling (联办): each co-department named at dispatch records its part, or explains why it has none.
    E("record_part",  N_("Record our part"),     ("assigned",),            None,        "case.part",        ("note",),               ("photos",),              guard="part_open"),
    E("explain_part", N_("Explain our part"),    ("assigned",),            None,        "case.part",        ("reason",),             (),                       guard="part_open"),
    E("verify",    N_("Verify"),                 ("handled", "rectified"), "verified",  "verifier",         ("note",),               ()),
    E("rework",    N_("Send for rework"),        ("rectified",),           "assigned",  "grid_worker",      ("reason",),             (),                       effect="count_rework"),
    E("close",     N_("Close"),                  ("verified",),            "closed",    "closing_office",   (),                      ("callback", "note"),     check="callback_given", effect="mark_closed"),
    E("void",      N_("Void"),                   ("found", "reported"),    "closed",    "voider",           ("void_kind", "reason"), ("duplicate_of",),        check="duplicate_named", effect="mark_voided"),
    E("reopen",    N_("Reopen"),                 ("closed",),              "reported",  "supervisor",       ("reason",),             (),                       guard="closed_within_30_days", effect="mark_reopened"),
    # The clock: extensions (延期) and suspension (挂起). Internal events: the step goes on.
    E("request_extension",  N_("Request an extension"),  ("assigned",),        None, "case_department",   ("requested_deadline", "reason"), (), guard="may_request_extension", check="later_deadline"),
    E("approve_extension",  N_("Approve the extension"), ("assigned",),        None, "extension_decider", (),          ("note",),        guard="may_approve_extension", effect="move_deadline"),
    E("deny_extension",     N_("Deny the extension"),    ("assigned",),        None, "extension_decider", ("reason",), (),               guard="extension_pending"),
    E("request_suspension", N_("Request suspension"),    SUSPENDABLE,          None, "scope_dispatcher",  ("reason",), (),               guard="may_request_suspension"),
    E("approve_suspension", N_("Approve suspension"),    SUSPENDABLE,          None, "supervisor",        (),          ("note",),        guard="suspension_pending", effect="stop_clock"),
    E("deny_suspension",    N_("Deny suspension"),       SUSPENDABLE,          None, "supervisor",        ("reason",), (),               guard="suspension_pending"),
    E("resume",             N_("Resume"),                SUSPENDABLE,          None, "clock_keeper",      (),          ("note",),        guard="is_suspended", effect="restart_clock"),
    # Work for a person (交办到人): the office keeps the case; one person holds it until its next step.
    E("give",               N_("Give to a person"),      OPEN_STATES,          None, "case.give",         ("holder",), ("due", "instructions"), check="holder_and_due", effect="set_holder"),
)
EVENT_SPECS = {spec.name: spec for spec in EVENTS}
# Events that enter a state and so start a step (and end any request made in the step before).
STEP_EVENTS = ("create",) + tuple(spec.name for spec in EVENTS if spec.dest is not None)

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
    # Emergencies (紧急): every step has its own short limit, in natural hours (an emergency does not wait
    # for office hours); editable like the others (workflows.limits). `assigned` is per urgency above.
    ("found", "urgent"): Limit(1, "hours"),  # decide: handle on the spot or report
    ("handled", "urgent"): Limit(2, "hours"),  # check on site
    ("reported", "urgent"): Limit(1, "hours"),  # dispatch
    ("rectified", "urgent"): Limit(2, "hours"),  # check on site
    ("verified", "urgent"): Limit(4, "hours"),  # close
}
URGENCY_STATES = ("assigned",)
# A transfer (转办) keeps the step's clock running ("continue": the receiving department has what is left of it)
# or starts the assigned step again for the receiving department ("restart").
TRANSFER_CLOCK = "continue"
EMERGENCY = "urgent"  # 紧急: its own limit at every step, reported at once to the offices above, a red lane
REOPEN_WINDOW = timedelta(days=30)


def limit_key(state, urgency):
    """The (state, urgency) a step's limit is kept under: per urgency for URGENCY_STATES, an emergency's
    own where it has one, else the state's (urgency None)."""
    if state in URGENCY_STATES:
        return state, urgency
    if urgency == EMERGENCY and (state, EMERGENCY) in TIME_LIMITS:
        return state, EMERGENCY
    return state, None


def default_limit(state, urgency):
    """The built-in limit for a step (the clock issue makes these editable data)."""
    return TIME_LIMITS.get(limit_key(state, urgency))


EXTENSION_EVENTS = ("request_extension", "approve_extension", "deny_extension")
SUSPENSION_EVENTS = ("request_suspension", "approve_suspension", "deny_suspension", "resume")


def pending_request(case, request, kinds):
    """The `request` history row of this step still waiting for a decision, or None."""
    return history.pending_request(case.id, request, kinds + STEP_EVENTS)


def parse_moment(value):
    """A naive local datetime from a form value ("2026-03-10T17:30") or a datetime, within the dates
    the system keeps (workflows.values); None if invalid."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            return None
    if moment.tzinfo is not None or not in_range(moment):
        return None
    return moment.replace(microsecond=0)


class CaseMachine(Machine):
    """The machine of the tables above, with the named guards, checks and effects as its methods.

    It has no model of its own: an event is fired on a case with `MACHINE.events[name].trigger(case, …)`
    (transitions' Event.trigger takes the model), so the one machine built below serves every case and
    thread — it keeps no per-case state (not queued). Guards and checks return None when the event may
    go ahead, else a reason (a msgid); effects mutate the in-memory case and the service saves once.
    """

    def __init__(self):
        super().__init__(model=None, states=list(STATES), initial=INITIAL, auto_transitions=False,
                         send_event=True, ignore_invalid_triggers=False, model_attribute="state")
        for spec in EVENTS:
            for name in (spec.guard, spec.check, spec.effect):
                if name is not None and not callable(getattr(type(self), name, None)):
                    raise TypeError(f"event {spec.name}: CaseMachine has no method {name}")
            self.add_transition(spec.name, list(spec.sources), spec.dest,
                                after=[self._effect_callback(spec.effect)] if spec.effect else [])

    def _effect_callback(self, name):
        """Adapt an effect to transitions' EventData callback (effects doing clock arithmetic get the clock)."""
        effect = getattr(self, name)
        takes_clock = "clock" in inspect.signature(effect).parameters

        def callback(event):
            kw = event.kwargs
            extra = {"clock": kw["clock"]} if takes_clock else {}
            effect(event.model, kw["actor"], kw["now"], kw["data"], **extra)

        callback.__name__ = name
        return callback

    def guard_reason(self, spec, case, actor, now):
        """Run the event's guard on the case as it is: None if it passes, else a reason."""
        return None if spec.guard is None else getattr(self, spec.guard)(case, actor, now, None)

    def check_reason(self, spec, case, actor, now, data):
        """Run the event's check on the data given: None if it passes, else a reason."""
        return None if spec.check is None else getattr(self, spec.check)(case, actor, now, data)

    # ---- guards and checks: return None when the event may go ahead, else a reason (a msgid) ----

    @staticmethod
    def below_top_level(case, actor, now, data):
        """A case at the district cannot be escalated further."""
        if case.level == LEVELS[-1]:
            return N_("The case is already at the top level.")
        return None

    @staticmethod
    def callback_given(case, actor, now, data):
        """A case a resident raised is closed only with the call-back result."""
        result = data.get("callback")
        if result and result not in CALLBACK_RESULTS:
            return N_("Choose a call-back result from the list.")
        if case.source in CALLBACK_SOURCES and not result:
            return N_("This case was raised by a resident: record the call-back result before closing.")
        return None

    @staticmethod
    def duplicate_named(case, actor, now, data):
        """A void as a duplicate names the original case (checked to exist by the service)."""
        kind = data.get("void_kind")
        if kind not in VOID_KINDS:
            return N_("Say whether the case is a duplicate or invalid.")
        if kind == "duplicate" and not data.get("duplicate_of"):
            return N_("Name the original case this one duplicates.")
        return None

    @staticmethod
    def closed_within_30_days(case, actor, now, data):
        """Only a case closed in the last 30 days can be reopened."""
        if case.closed_at is None or now - case.closed_at > REOPEN_WINDOW:
            return N_("Only cases closed within the last 30 days can be reopened.")
        return None

    @staticmethod
    def may_request_extension(case, actor, now, data):
        """An extension is asked for while the clock runs, before the deadline, one at a time."""
        if case.deadline is None:
            return N_("The clock is stopped while the case is suspended.")
        if now >= case.deadline:
            return N_("An extension must be requested before the deadline.")
        if pending_request(case, "request_extension", EXTENSION_EVENTS):
            return N_("An extension request is already waiting for a decision.")
        return None

    @staticmethod
    def extension_pending(case, actor, now, data):
        """Approve or deny only what was asked for in this step."""
        if not pending_request(case, "request_extension", EXTENSION_EVENTS):
            return N_("There is no extension request waiting for a decision.")
        return None

    @staticmethod
    def may_approve_extension(case, actor, now, data):
        """A deadline is moved only while the clock runs (resume a suspended case first), and only later."""
        if case.suspended_at is not None:
            return N_("The clock is stopped while the case is suspended.")
        request = pending_request(case, "request_extension", EXTENSION_EVENTS)
        if request is None:
            return N_("There is no extension request waiting for a decision.")
        if parse_moment(request.data["requested_deadline"]) <= case.deadline:
            return N_("The requested deadline is no later than the current one: deny the request.")
        return None

    @staticmethod
    def later_deadline(case, actor, now, data):
        """The requested deadline is a date and time after the current deadline."""
        requested = parse_moment(data.get("requested_deadline"))
        if requested is None:
            return N_("Give the new deadline as a date and time.")
        if case.deadline is not None and requested <= case.deadline:
            return N_("The new deadline must be later than the current one.")
        return None

    @staticmethod
    def may_request_suspension(case, actor, now, data):
        """A running clock can be stopped, one request at a time."""
        if case.suspended_at is not None:
            return N_("The case is already suspended.")
        if pending_request(case, "request_suspension", SUSPENSION_EVENTS):
            return N_("A suspension request is already waiting for a decision.")
        return None

    @staticmethod
    def suspension_pending(case, actor, now, data):
        """Approve or deny only what was asked for in this step."""
        if not pending_request(case, "request_suspension", SUSPENSION_EVENTS):
            return N_("There is no suspension request waiting for a decision.")
        return None

    @staticmethod
    def is_suspended(case, actor, now, data):
        """Only a suspended case resumes."""
        if case.suspended_at is None:
            return N_("The case is not suspended.")
        return None

    @staticmethod
    def co_departments_apart(case, actor, now, data):
        """Co-departments are others than the lead department."""
        lead = data.get("department")
        if any(d.id == getattr(lead, "id", lead) for d in data.get("co_departments", ())):
            return N_("The lead department cannot also be a co-department.")
        return None

    @staticmethod
    def parts_settled(case, actor, now, data):
        """The lead reports rectification only when every co-department's part is done or explained."""
        from workflows.parts import open_parts

        if open_parts(case):
            return N_("Co-departments have not all recorded or explained their part yet.")
        return None

    @staticmethod
    def part_open(case, actor, now, data):
        """The actor's department has a part still to record."""
        from workflows.parts import open_part

        if open_part(case, getattr(actor, "department_id", None)) is None:
            return N_("Your department has no part of this case left to record.")
        return None

    @staticmethod
    def another_department(case, actor, now, data):
        """A transfer goes to another department (one serving the area: the service checks that)."""
        department = data.get("department")
        if department is None or getattr(department, "id", department) == case.department_id:
            return N_("Choose another department than the one holding the case.")
        return None

    @staticmethod
    def routes_to_department(case, actor, now, data):
        """The category sends an inspector's case straight to their own department."""
        if case.category.inspected_to != "department":
            return N_("Cases of this category go to the grid where they were found.")
        return None

    @staticmethod
    def routes_to_grid(case, actor, now, data):
        """A department's inspector passes a case to the grid unless its category makes it their own."""
        from workflows.policy import inspector_department

        if case.category.inspected_to == "department" and inspector_department(actor, case):
            return N_("Cases of this category go to your own department: take it on.")
        return None

    @staticmethod
    def holder_and_due(case, actor, now, data):
        """The person may hold this case (policy.may_hold), and a due time, if given, is still to come."""
        from workflows.policy import may_hold

        holder = data.get("holder")
        if holder is None or not may_hold(holder, case):
            return N_("Choose a member of the case's grid or of its department.")
        if "due" in data:
            due = parse_moment(data["due"])
            if due is None or due <= now:
                return N_("Give a due time that is still to come.")
        return None

    # ---- effects: mutate the in-memory case; the service saves once ----

    @staticmethod
    def set_holder(case, actor, now, data):
        """The person holds the case until it moves to its next step (or is given to someone else)."""
        case.holder = data["holder"]
        data["holder_name"] = case.holder.name
        case.holder_due = parse_moment(data["due"]) if "due" in data else None
        if case.holder_due:
            data["due"] = case.holder_due.isoformat(sep=" ")

    @staticmethod
    def set_report_level(case, actor, now, data):
        """A member's report goes to the lead (grid level); a lead's to the community."""
        case.level = "community" if actor.role == "lead" else "grid"

    @staticmethod
    def reset_level(case, actor, now, data):
        """A case sent back is the grid's again."""
        case.level = "grid"

    @staticmethod
    def raise_level(case, actor, now, data):
        """Escalation moves the case one level up."""
        case.level = LEVELS[LEVELS.index(case.level) + 1]

    @staticmethod
    def assign_own_department(case, actor, now, data):
        """The inspector's department takes on what it found, at the level of the office it belongs to."""
        case.department = actor.department
        kind = actor.department.org.kind
        case.level = kind if kind in LEVELS[1:] else "street"

    @staticmethod
    def transfer_department(case, actor, now, data, clock):
        """The case goes to the other department; whoever held it gives it up; the clock as TRANSFER_CLOCK says."""
        from workflows.limits import limit_at

        data["from_department"] = case.department_id
        case.department = data["department"]
        case.holder = case.holder_due = None
        data["clock"] = TRANSFER_CLOCK
        if TRANSFER_CLOCK == "restart" and case.suspended_at is None:
            limit = limit_at(case.state, case.urgency, now)
            case.step_started_at = now
            case.deadline = clock.deadline(now, limit)
            case.warn_at = clock.warn_at(now, limit)

    @staticmethod
    def set_department(case, actor, now, data):
        """Dispatch hands the case to a department."""
        case.department = data["department"]

    @staticmethod
    def clear_department(case, actor, now, data):
        """A declined case is nobody's until re-dispatched."""
        case.department = None

    @staticmethod
    def count_rework(case, actor, now, data):
        """Failed verification counts as rework."""
        case.rework_count += 1

    @staticmethod
    def mark_closed(case, actor, now, data):
        """Closing crosses the case off (销号)."""
        case.closed_at = now
        case.resolution = "closed"

    @staticmethod
    def mark_voided(case, actor, now, data):
        """A void closes the case as invalid or as a duplicate of another."""
        case.closed_at = now
        case.resolution = "voided"
        case.duplicate_of = data.get("duplicate_of")

    @staticmethod
    def mark_reopened(case, actor, now, data):
        """A reopened case is open again, at the level it was closed at."""
        case.closed_at = None
        case.resolution = None

    @staticmethod
    def move_deadline(case, actor, now, data, clock):
        """An approved extension moves the deadline; the warning stays at its share of the longer step."""
        from workflows.limits import step_limit

        request = pending_request(case, "request_extension", EXTENSION_EVENTS)
        requested = parse_moment(request.data["requested_deadline"])
        limit = step_limit(case)
        span = clock.elapsed(case.step_started_at, requested, limit)
        case.warn_at = clock.advance(case.step_started_at, span * clock.warn_fraction, limit.natural)
        case.deadline = requested
        data["requested_deadline"] = requested.isoformat(sep=" ")

    @staticmethod
    def stop_clock(case, actor, now, data, clock):
        """An approved suspension stops the clock: no deadline runs until the case resumes."""
        case.suspended_at = now
        data["frozen_deadline"] = case.deadline.isoformat(sep=" ") if case.deadline else None
        data["frozen_warn_at"] = case.warn_at.isoformat(sep=" ") if case.warn_at else None
        case.deadline = case.warn_at = None

    @staticmethod
    def restart_clock(case, actor, now, data, clock):
        """Resuming gives back the time that was left, in the step's own kind of time."""
        from workflows.limits import step_limit

        stopped = history.last_event(case.id, "approve_suspension")
        limit = step_limit(case)
        stopped_at = case.suspended_at

        def shifted(value):
            # A point the clock had not reached when it stopped moves by the time it was stopped.
            moment = parse_moment(value) if value else None
            if moment is None or moment <= stopped_at:
                return moment
            return clock.advance(now, clock.elapsed(stopped_at, moment, limit), limit.natural)

        case.deadline = shifted(stopped.data.get("frozen_deadline"))
        case.warn_at = shifted(stopped.data.get("frozen_warn_at"))
        case.suspended_at = None


MACHINE = CaseMachine()
guard_reason = MACHINE.guard_reason
check_reason = MACHINE.check_reason


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
