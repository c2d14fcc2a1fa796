"""Supervision notices (督办通知单): issued set-based by the sweep or by hand, signed and answered by the addressee.

A notice concerns one step of one case (its state and when the step started) at one level:
level 1 goes to whoever holds the step, level 2 one level up and into the month's 通报.
The unique (case, state, step_started_at, level) constraint makes a duplicate impossible,
whoever issues it and however many sweeps run at once. Notices are not case changes:
they keep their own status and history (NoticeEvent) and never go through fire().
"""
from datetime import datetime

from peewee import JOIN, SQL, Cast, Value, fn
from peewee import Case as When

from workflows.clock import Limit, light
from workflows.db import lock_for_update, write_transaction
from workflows.errors import DUPLICATE, FORBIDDEN, INVALID, INVALID_STATE, WorkflowError, stale
from workflows.machine import FINAL, N_
from workflows.models import Case, Counter, Department, EmergencyReport, Notice, NoticeEvent, OrgUnit, User
from workflows.policy import can, visible_emergency_reports, visible_notices

STATUSES = {
    "pending": N_("Awaiting signature"),  # 待签收
    "signed": N_("Signed"),  # 已签收
    "replied": N_("Replied"),  # 已反馈
    "closed": N_("Concluded"),  # 已办结
}
LEVELS = {1: N_("Supervision notice"), 2: N_("Escalated notice")}
# The next status of each action, and the status it needs.
ACTIONS = {"sign": ("pending", "signed"), "reply": ("signed", "replied"), "close": ("replied", "closed")}
# Who may take each action: an action of workflows.policy.
ACTION_RULES = {"sign": "notice.answer", "reply": "notice.answer", "close": "notice.close"}
ACTION_LABELS = {"sign": N_("Sign for it"), "reply": N_("Reply"), "close": N_("Conclude")}
REPLY_LIMIT = Limit(1, "working_days")
ESCALATE_AFTER = Limit(5, "working_days")
TEXT_LIMIT = 2000


def format_number(year, sequence):
    """The number people quote, e.g. 督〔2026〕第0001号 (the SQL below writes the same)."""
    return f"督〔{year}〕第{sequence:04d}号"


def _number_sql(year, sequence):
    """format_number as an SQL expression that SQLite and PostgreSQL evaluate alike."""
    padded = When(None, [(sequence < 10000, fn.SUBSTR(Cast(sequence + 10000, "TEXT"), 2))], Cast(sequence, "TEXT"))
    return Value(f"督〔{year}〕第").concat(padded).concat(Value("号"))


def _numbers_base(year):
    """Lock the year's numbering and return its highest sequence; call inside the issuing transaction.

    The counter row is the lock: on PostgreSQL a second issuer waits here until the first
    commits, then sees its notices; SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    key = f"notice:{year}"
    Counter.insert(key=key, value=0).on_conflict_ignore().execute()
    lock_for_update(Counter.select().where(Counter.key == key)).get()
    return Notice.select(fn.COALESCE(fn.MAX(Notice.sequence), 0)).where(Notice.year == year).scalar()


def _store_counter(year):
    """Keep the year's counter at the highest number issued."""
    top = Notice.select(fn.COALESCE(fn.MAX(Notice.sequence), 0)).where(Notice.year == year)
    Counter.update(value=top).where(Counter.key == f"notice:{year}").execute()


FIELDS = (
    Notice.case, Notice.year, Notice.sequence, Notice.number, Notice.state, Notice.step_started_at, Notice.level,
    Notice.deadline, Notice.addressee_org, Notice.addressee_department, Notice.issuer_org, Notice.issued_at,
    Notice.issued_by, Notice.issued_by_name, Notice.manual, Notice.demand, Notice.reply_deadline,
    Notice.reply_warn_at, Notice.status, Notice.reply,
)


class Issue:
    """What every notice of one issuing shares: when, by whom, the demand and the reply deadline."""

    def __init__(self, now, clock, *, issuer=None, by=None, demand="", reply_limit=REPLY_LIMIT):
        self.now = now
        self.year = now.year
        self.issuer = issuer  # an OrgUnit id, or None: the case's own street (district for level 2)
        self.by = by
        self.demand = demand
        self.reply_deadline = clock.add(now, reply_limit)
        self.reply_warn_at = clock.warn_at(now, reply_limit)

    def columns(self, base, case, level, state, step_started_at, deadline, addressee_org, addressee_department,
                default_issuer):
        """The SELECT list matching FIELDS; numbers continue from `base` in case order."""
        sequence = Value(base) + fn.ROW_NUMBER().over(order_by=[case])
        return (
            case, Value(self.year), sequence, _number_sql(self.year, sequence), state, step_started_at,
            Value(level), deadline, addressee_org, addressee_department,
            Value(self.issuer) if self.issuer else default_issuer, Value(self.now),
            Value(self.by.id) if self.by else SQL("NULL"), Value(self.by.name if self.by else ""),
            Value(self.by is not None), Value(self.demand), Value(self.reply_deadline), Value(self.reply_warn_at),
            Value("pending"), Value(""),
        )


def _no_notice(level, case_col, state_col, step_col):
    """No notice of this level exists yet for the step."""
    existing = Notice.alias("existing")
    return ~fn.EXISTS(existing.select(SQL("1")).where(
        (existing.case == case_col) & (existing.state == state_col) & (existing.step_started_at == step_col)
        & (existing.level == level)))


def insert_first(issue, where):
    """Issue level-1 notices for the cases `where` selects that have none for their step; returns how many."""
    level_office = When(Case.level, [("grid", Case.grid), ("community", Case.community), ("street", Case.street)],
                        fn.COALESCE(Case.district, Case.street))
    addressee_org = When(Case.state, [("assigned", SQL("NULL")), ("reported", level_office),
                                      ("verified", Case.community)], Case.grid)
    addressee_department = When(Case.state, [("assigned", Case.department)], SQL("NULL"))
    base = _numbers_base(issue.year)
    query = Case.select(*issue.columns(
        base, Case.id, 1, Case.state, Case.step_started_at, Case.deadline, addressee_org, addressee_department,
        Case.street,
    )).where((Case.state != FINAL) & _no_notice(1, Case.id, Case.state, Case.step_started_at) & where)
    count = Notice.insert_from(query, FIELDS).as_rowcount().execute()
    _store_counter(issue.year)
    return count


# The level-1 notice an escalation follows; a sweep's condition may name its columns.
FIRST = Notice.alias("first")


def insert_escalations(issue, where):
    """Issue level-2 notices, one level above the level-1 addressee, for the steps `where` selects (over FIRST)."""
    first = FIRST
    office = OrgUnit.alias("office")
    base = _numbers_base(issue.year)
    query = (
        first.select(*issue.columns(
            base, first.case, 2, first.state, first.step_started_at, Case.deadline,
            fn.COALESCE(Department.org, office.parent, office.id), SQL("NULL"), fn.COALESCE(Case.district, Case.street),
        ))
        .join_from(first, Case, on=(Case.id == first.case) & (Case.state == first.state)
                   & (Case.step_started_at == first.step_started_at))
        .join_from(first, office, JOIN.LEFT_OUTER, on=(office.id == first.addressee_org))
        .join_from(first, Department, JOIN.LEFT_OUTER, on=(Department.id == first.addressee_department))
        .where((first.level == 1) & (Case.state != FINAL)
               & _no_notice(2, first.case, first.state, first.step_started_at) & where)
    )
    count = Notice.insert_from(query, FIELDS).as_rowcount().execute()
    _store_counter(issue.year)
    return count


# ---- by hand ----


def next_level(case):
    """The level a notice by hand would have for the case's step: 1, 2, or None when both exist."""
    levels = {level for (level,) in Notice.select(Notice.level).where(
        (Notice.case == case.id) & (Notice.state == case.state)
        & (Notice.step_started_at == case.step_started_at)).tuples()}
    for level in (1, 2):
        if level not in levels:
            return level
    return None


def issue_by_hand(case, actor, now, clock, demand=""):
    """A supervisor's notice on the case's current step (level 2 if it already has one); returns it."""
    if not can(actor, "case.issue_notice", case):
        raise WorkflowError(FORBIDDEN, N_("You may not issue notices on this case."))
    demand = (demand or "").strip()
    if len(demand) > TEXT_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="demand",
                            n=TEXT_LIMIT)
    issue = Issue(now, clock, issuer=actor.org_id, by=actor, demand=demand)
    with write_transaction():
        fresh = lock_for_update(Case.select().where(Case.id == case.id)).get()
        level = next_level(fresh)
        if level is None:
            raise WorkflowError(DUPLICATE, N_("This step already has a notice and an escalated notice."))
        if level == 1:
            count = insert_first(issue, Case.id == fresh.id)
        else:
            count = insert_escalations(issue, FIRST.case == fresh.id)
        if count != 1:
            raise stale()
    return Notice.get((Notice.case == fresh.id) & (Notice.state == fresh.state)
                      & (Notice.step_started_at == fresh.step_started_at) & (Notice.level == level))


# ---- who may see and answer ----


def allowed_actions(actor, notice):
    """The actions this actor may take on the notice now."""
    out = []
    for action, (needs, _to) in ACTIONS.items():
        if notice.status != needs:
            continue
        if can(actor, ACTION_RULES[action], notice):
            out.append(action)
    return out


def act(notice, action, actor, now, note=""):
    """Sign, reply or conclude: one guarded status change and one history row, in one transaction."""
    if action not in ACTIONS:
        raise WorkflowError(INVALID, N_("Unknown action."))
    needs, to = ACTIONS[action]
    if not can(actor, ACTION_RULES[action], notice):
        raise WorkflowError(FORBIDDEN, N_("Only the addressee may sign for or answer this notice."))
    note = (note or "").strip()
    if action == "reply" and not note:
        raise WorkflowError(INVALID, N_("Write what was done."), field="note")
    if len(note) > TEXT_LIMIT:
        raise WorkflowError(INVALID, N_("The text is too long (at most %(n)s characters)."), field="note",
                            n=TEXT_LIMIT)
    if notice.status != needs:
        raise WorkflowError(INVALID_STATE, N_("This notice is %(status)s: that is no longer possible."),
                            status=STATUSES[notice.status])
    changes = {Notice.status: to, {"sign": Notice.signed_at, "reply": Notice.replied_at,
                                    "close": Notice.closed_at}[action]: now}
    if action == "reply":
        changes[Notice.reply] = note
    with write_transaction():
        if Notice.update(changes).where((Notice.id == notice.id) & (Notice.status == needs)).execute() != 1:
            raise stale()
        NoticeEvent.create(notice=notice.id, action=action, from_status=needs, to_status=to,
                           actor=actor if isinstance(actor, User) else None, actor_name=actor.name,
                           actor_role=actor.role, at=now, note=note)
    return Notice.get_by_id(notice.id)


# ---- reading ----


def listing():
    """Notices with their case and addressee loaded in the same query (for lists)."""
    return (Notice.select(Notice, Case, OrgUnit, Department).join(Case)
            .switch(Notice).join(OrgUnit, JOIN.LEFT_OUTER, on=(Notice.addressee_org == OrgUnit.id),
                                 attr="addressee_org")
            .switch(Notice).join(Department, JOIN.LEFT_OUTER, on=(Notice.addressee_department == Department.id),
                                 attr="addressee_department"))


def notice_light(notice, now):
    """The notice's own light, by its reply deadline, while it waits for an answer."""
    if notice.status in ("replied", "closed"):
        return None
    return light(now, notice.reply_warn_at, notice.reply_deadline)


def addressee_name(notice):
    """Who the notice is addressed to, as printed."""
    if notice.addressee_department_id is not None:
        return notice.addressee_department.name
    return notice.addressee_org.name if notice.addressee_org_id is not None else ""


def month_bounds(year, month):
    """[first moment of the month, first moment of the next)."""
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return start, end


def bulletin(actor, year, month):
    """The month's 通报: the escalated notices issued in it that this user may see, by number."""
    start, end = month_bounds(year, month)
    query = (listing().select_extend(FIRST)
             .join_from(Notice, FIRST, on=(FIRST.case == Notice.case) & (FIRST.state == Notice.state)
                        & (FIRST.step_started_at == Notice.step_started_at) & (FIRST.level == 1), attr="first")
             .where((Notice.level == 2) & (Notice.issued_at >= start) & (Notice.issued_at < end))
             .order_by(Notice.year, Notice.sequence))
    return list(visible_notices(actor, query))


def first_notice(notice):
    """The level-1 notice an escalated notice follows."""
    return Notice.get_or_none((Notice.case == notice.case_id) & (Notice.state == notice.state)
                              & (Notice.step_started_at == notice.step_started_at) & (Notice.level == 1))


def history(notice):
    """The notice's rows after issue, oldest first."""
    return list(NoticeEvent.select().where(NoticeEvent.notice == notice.id).order_by(NoticeEvent.at, NoticeEvent.id))



# ---- emergencies (紧急): reported at once to the offices above the grid ----


def report_emergency(case, now):
    """Report an emergency to its community, street and district offices (one row each, once); returns how many
    rows were written. Called by the one write path as the case is recorded."""
    offices = [office for office in (case.community_id, case.street_id, case.district_id) if office is not None]
    rows = [{"case": case.id, "office": office, "reported_at": now} for office in offices]
    if not rows:
        return 0
    return EmergencyReport.insert_many(rows).on_conflict_ignore().as_rowcount().execute()


def open_emergencies(actor, limit=20):
    """The open emergencies reported to this user's office, newest first (a banner on their homes and boards)."""
    query = (EmergencyReport.select(EmergencyReport, Case).join(Case)
             .where(Case.state != FINAL).order_by(EmergencyReport.reported_at.desc(), EmergencyReport.id.desc()))
    seen, out = set(), []
    for report in visible_emergency_reports(actor, query).limit(limit * 3):
        if report.case_id not in seen:  # an administrator sees each case once, not once per office
            seen.add(report.case_id)
            out.append(report)
    return out[:limit]


def emergency_cases(actor):
    """A condition on Case: open emergencies reported to this user's office (what their banner shows; a page's
    ETag covers it so the banner is never answered as unchanged)."""
    reported = visible_emergency_reports(actor, EmergencyReport.select(EmergencyReport.case))
    return Case.id.in_(reported) & (Case.state != FINAL)
