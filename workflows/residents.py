"""Residents' side of a case: tracking codes, what may be shown publicly, ratings and reopen requests."""
import re
import secrets

from peewee import IntegrityError

from workflows import policy
from workflows.db import lock_for_update, write_transaction
from workflows.errors import DUPLICATE, FORBIDDEN, INVALID, INVALID_STATE, WorkflowError
from workflows.machine import N_, REOPEN_WINDOW
from workflows.models import RATINGS, Case, CaseEvent, ReopenRequest, ResidentRating
from workflows.service import fire, open_case

# No 0/O, 1/I/L: codes are read off paper and typed on phones.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 16  # 31**16 ≈ 2**79: not guessable, even without the rate limits.
# Notes of these events tell the public what was done; the rest (reasons for sending back,
# declining, reworking, instructions) are the staff's own business.
PUBLIC_NOTE_EVENTS = ("handle", "rectify", "verify", "close", "void", "reopen")
COMMENT_LIMIT = 500
ALREADY_RATED = N_("This case has already been rated. Thank you.")
# Anything that looks like a phone number: seven or more digits, spaces and dashes allowed.
CONTACT = re.compile(r"\+?\d(?:[\s-]?\d){6,}")


def new_tracking_code():
    """A fresh random tracking code (stored without separators)."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_code(text):
    """A typed code in stored form: upper case, separators and spaces dropped."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())[:32]


def format_code(code):
    """The code in groups of four, for reading aloud and copying."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def case_by_code(text):
    """The case a tracking code belongs to, or None."""
    code = normalise_code(text)
    if len(code) != TRACKING_LENGTH:
        return None
    return Case.get_or_none(Case.tracking_code == code)


def mask_contacts(text):
    """Public text with phone-like numbers blanked out."""
    return CONTACT.sub("***", text or "")


def public_events(case):
    """The case's history rows, oldest first."""
    return list(CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.seq))


def public_note(case, events=None):
    """The latest note meant for the public (masked), or None."""
    for row in reversed(events if events is not None else public_events(case)):
        if row.event in PUBLIC_NOTE_EVENTS and row.note.strip():
            return mask_contacts(row.note.strip())
    return None


def void_kind(case, events=None):
    """'duplicate' or 'invalid' for a voided case, else None."""
    if case.resolution != "voided":
        return None
    for row in reversed(events if events is not None else public_events(case)):
        if row.event == "void":
            return (row.data or {}).get("void_kind")
    return None


def rating_of(case):
    """The resident's rating of the case, or None."""
    return ResidentRating.get_or_none(ResidentRating.case == case.id)


def can_rate(case, now):
    """None if a resident may rate the case now, else the reason (a msgid)."""
    if case.state != "closed" or case.closed_at is None:
        return N_("You can rate the result once the case is closed.")
    if now - case.closed_at > REOPEN_WINDOW:
        return N_("Ratings close 30 days after the case is closed.")
    if rating_of(case) is not None:
        return ALREADY_RATED
    return None


def rate(case, rating, comment, now):
    """Record the one rating of a closed case; a 不满意 one becomes a reopen request."""
    if rating not in RATINGS:
        raise WorkflowError(INVALID, N_("Choose 满意, 基本满意 or 不满意."), field="rating")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise WorkflowError(INVALID, N_("The comment is too long (at most %(n)s characters)."), field="comment",
                            n=COMMENT_LIMIT)
    try:
        with write_transaction():
            fresh = lock_for_update(Case.select().where(Case.id == case.id)).get()
            reason = can_rate(fresh, now)
            if reason:
                raise WorkflowError(DUPLICATE if reason == ALREADY_RATED else INVALID_STATE, reason)
            row = ResidentRating.create(case=fresh.id, rating=rating, comment=comment, created_at=now)
            if rating == "dissatisfied":
                ReopenRequest.create(case=fresh.id, rating=row.id, created_at=now)
    except IntegrityError:
        raise WorkflowError(DUPLICATE, ALREADY_RATED) from None
    return row


def decide_reopen(request, actor, now, *, reopen, note, request_key=None):
    """A supervisor reopens the case (the machine's `reopen` event) or dismisses the request."""
    note = (note or "").strip()
    if not note:
        raise WorkflowError(INVALID, N_("Give a reason."), field="note")
    with write_transaction():
        fresh = lock_for_update(ReopenRequest.select().where(ReopenRequest.id == request.id)).get()
        case = Case.get_by_id(fresh.case_id)
        if not policy.can(actor, "supervisor", case):
            raise WorkflowError(FORBIDDEN, N_("You may not do this on this case."))
        if fresh.status != "pending":
            raise WorkflowError(DUPLICATE, N_("This request has already been decided."))
        if reopen:
            fire(case, "reopen", actor, now, reason=note, request_key=request_key)
        ReopenRequest.update(
            status="reopened" if reopen else "dismissed", decided_by=actor.id, decided_at=now, decision_note=note,
        ).where(ReopenRequest.id == fresh.id).execute()
    return ReopenRequest.get_by_id(request.id)


def pending_reopen_requests(actor):
    """Pending requests on cases in a supervisor's area that are still closed, oldest first."""
    if not policy.can(actor, "reopen.decide") or actor.org_id is None:
        return ReopenRequest.select().where(ReopenRequest.id.is_null())
    area = (Case.street == actor.org_id) | (Case.district == actor.org_id)
    return (ReopenRequest.select(ReopenRequest, Case, ResidentRating)
            .join(Case, on=ReopenRequest.case == Case.id)
            .switch(ReopenRequest)
            .join(ResidentRating, on=ReopenRequest.rating == ResidentRating.id)
            .where((ReopenRequest.status == "pending") & (Case.state == "closed") & area)
            .order_by(ReopenRequest.created_at, ReopenRequest.id))


def summary(description, fallback, limit=30):
    """A case title from a report: the description's first line, shortened, else the fallback."""
    first = next((line.strip() for line in (description or "").splitlines() if line.strip()), "")
    if not first:
        return fallback
    return first if len(first) <= limit else first[:limit - 1] + "…"


def record_report(grid, actor, now, *, category, description, source, **fields):
    """Open a case for a resident's or an outside system's report, with a fresh tracking code."""
    if not category.public or not category.active or category.parent_id is None:
        raise WorkflowError(INVALID, N_("Choose a category."), field="category")
    return open_case(grid, actor, now, category=category, title=summary(description, category.name),
                     description=description, source=source, tracking_code=new_tracking_code(), **fields)
