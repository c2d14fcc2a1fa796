"""Cards and conditional answers, shared by the boards, the queues, the case page and the home pages.

A card is one case as a board, a queue or an htmx answer shows it, rendered through the card cache
(`Cards`); a board's or queue's answer is conditional (`conditional` → ETag and Last-Modified from
the change counters and the lights' turning points, 304 when nothing the viewer sees changed;
`finish` stamps them on the response).
"""
import hashlib
import operator
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from functools import reduce
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from flask import Response, current_app, make_response, render_template, request, session
from flask_wtf.csrf import generate_csrf
from peewee import Case as When
from peewee import fn

from app import rendercache
from app.event_fields import Choices, needs_input
from app.i18n import select_locale
from workflows import changes, sql
from workflows.clock import light, light_sql
from workflows.machine import EMERGENCY, FINAL, N_, STATES
from workflows.models import Case
from workflows.policy import can, visible_cases
from workflows.service import available_events

CLOSED_DAYS = 7


# The columns a board's scope is made of: {"grid": id}, {"department": id, "grid": id}, {"community": id} …
SCOPE_COLUMNS = {"grid": Case.grid, "community": Case.community, "street": Case.street, "district": Case.district,
                 "department": Case.department}


def scope_where(scope):
    """A scope as a WHERE condition."""
    return reduce(operator.and_, [SCOPE_COLUMNS[name] == v for name, v in sorted(scope.items())])


def window(since):
    """What every board shows: open cases and those closed since `since` (CLOSED_DAYS ago)."""
    return (Case.state != FINAL) | (Case.closed_at >= since)


# A board's columns: (name, label, which cases). A grid's board has a column per state; a department's
# board only the columns a department acts on: assigned, sent back for rework, rectified (waiting for the check).
BoardColumn = namedtuple("BoardColumn", "name label where")


# Emergencies (紧急) have their own red lane, first on every board, while they are open (shown when not empty).
ROUTINE = Case.urgency != EMERGENCY
EMERGENCY_COLUMN = BoardColumn("emergency", N_("Emergency"), (Case.urgency == EMERGENCY) & (Case.state != FINAL))

STATE_COLUMNS = (EMERGENCY_COLUMN,) + tuple(
    BoardColumn(state, label, (Case.state == state) if state == FINAL else (Case.state == state) & ROUTINE)
    for state, label in STATES.items())


DEPARTMENT_COLUMNS = (
    BoardColumn("emergency", EMERGENCY_COLUMN.label,
                EMERGENCY_COLUMN.where & Case.state.in_(("assigned", "rectified"))),
    BoardColumn("assigned", STATES["assigned"], (Case.state == "assigned") & (Case.rework_count == 0) & ROUTINE),
    BoardColumn("rework", N_("Sent back for rework"), (Case.state == "assigned") & (Case.rework_count > 0) & ROUTINE),
    BoardColumn("rectified", STATES["rectified"], (Case.state == "rectified") & ROUTINE),
)


CARDS_PER_COLUMN = 50


def card_query(user, where):
    """The cards matching `where` that the viewer may see."""
    return visible_cases(user, sql.card_select()).where(where)


# Cards in a column: nearest deadline first (closed cases have none: most recently closed first).
COLUMN_ORDER = (Case.deadline.asc(nulls="LAST"), Case.closed_at.desc(nulls="LAST"), Case.id)


class Cards:
    """The viewer's cards: pages of a column rendered through the card cache, and what a card needs
    beyond its case (the viewer's actions, the choices its forms offer).

    A kept card is the same HTML for everyone it is kept for: its key holds the case's id, version
    and light, the day (its age), the view and the language, and what decides which actions it
    shows (the policy reads the viewer's role, unit and department, and, for on-the-spot work,
    whether the viewer is who entered the step) — never who the viewer is. Its CSRF token and
    idempotency keys are left as marks and filled in for each response (app.rendercache)."""

    def __init__(self, user, at, view="board"):
        self.user = user = getattr(user, "_get_current_object", lambda: user)()
        self.at = at
        self.view = view
        self.choices = Choices()
        # What every card key shares in this response: the day, the view, the language, what the rules read.
        self.shared = (at.date(), view, select_locale(), user.role, user.org_id, user.department_id)

    def actions(self, case):
        """[(event, needs_input)] the viewer may fire, from the machine's rules."""
        return [(event, needs_input(event, case, self.user, self.at))
                for event in available_events(case, self.user, self.at)]

    def key(self, case_id, version, colour, entered_by_id):
        """What a rendered card depends on besides its template (see the class)."""
        return (case_id, version, colour, entered_by_id is not None and entered_by_id == self.user.id, *self.shared)

    def page(self, where, offset=0, limit=CARDS_PER_COLUMN):
        """The rendered cards of the cases matching `where`, in column order."""
        colour = light_sql(self.at, Case.warn_at, Case.deadline)
        query = (visible_cases(self.user, Case.select(Case.id, Case.version, colour, Case.entered_by))
                 .where(where).order_by(*COLUMN_ORDER).offset(offset).limit(limit))
        return self.render(sql.rows_of(query).fetchall())

    def ranked(self, where, board_columns=STATE_COLUMNS):
        """{column: (count, first rows)} of a board: one query ranks every case within its column; a row
        is (id, version, light, who entered the step), what render() takes."""
        column = When(None, [(col.where, col.name) for col in board_columns], None)
        ranked = visible_cases(self.user, Case.select(
            Case.id, Case.version, light_sql(self.at, Case.warn_at, Case.deadline).alias("colour"),
            Case.entered_by.alias("entered_by_id"), column.alias("state"),
            fn.ROW_NUMBER().over(partition_by=[column], order_by=COLUMN_ORDER).alias("n"),
            fn.COUNT(Case.id).over(partition_by=[column]).alias("total"),
        )).where(where).alias("ranked")
        c = ranked.c
        rows = (Case.select(c.id, c.version, c.colour, c.entered_by_id, c.state, c.total).from_(ranked)
                .where(c.n <= CARDS_PER_COLUMN).order_by(c.state, c.n))
        by_state = {}
        # Ids, numbers and the light's name: the driver's values are the values (no reader needed).
        for case_id, version, colour, entered_by_id, state, total in sql.rows_of(rows):
            by_state.setdefault(state, (total, []))[1].append((case_id, version, colour, entered_by_id))
        return by_state

    def card(self, case, case_id):
        """One card's HTML (loading its case if not given; nothing if it is no longer visible)."""
        case = case or load_card(self.user, case_id)
        return render_template("boards/_card.html", case=case, cards=self, view=self.view) if case else ""

    def render(self, rows, loaded=None):
        """The cards of (id, version, light, entered by) rows, in order: kept ones as they are; the
        others loaded whole (unless given in `loaded`) and rendered."""
        keys = {row[0]: self.key(*row) for row in rows}
        if loaded is None:
            missing = [case_id for case_id, key in keys.items() if not rendercache.has(key)]
            loaded = {case.id: case for case in card_query(self.user, Case.id.in_(missing))} if missing else {}
        else:
            missing = list(loaded)
        items = []
        for case_id, key in keys.items():
            case = loaded.get(case_id)
            if case is not None:
                # Loaded again: it may have moved on since the first query, so key it as it is now.
                key = self.key(case.id, case.version, light(self.at, case.warn_at, case.deadline), case.entered_by_id)
            elif case_id in missing:
                continue  # gone from view between the two queries
            items.append((key, lambda case=case, case_id=case_id: self.card(case, case_id)))
        return rendercache.pieces(items)


def load_card(user, case_id):
    """One case loaded as a card, or None if the viewer may not see it (the rules of visible_cases)."""
    case = sql.CARD_BY_ID.first(id=case_id)
    return case if case is not None and can(user, "case.view", case) else None


def stamp_columns(at):
    """The aggregate a board's ETag rests on.

    The version sum changes with every event, the count when a case enters or leaves the
    scope; the next warning point or deadline still ahead changes when a light turns; the
    oldest closed case shown leaves the board CLOSED_DAYS after it closed.
    """
    ahead = [fn.MIN(When(None, [(column > at, column)], None)) for column in (Case.warn_at, Case.deadline)]
    oldest_closed = fn.MIN(When(None, [(Case.state == FINAL, Case.closed_at)], None))
    return (fn.COUNT(Case.id), fn.SUM(Case.version), fn.MAX(Case.updated_at), *ahead, oldest_closed)


def turns(row):
    """The first moment an aggregate of stamp_columns() can change with time alone: a light
    turns, or the oldest closed case leaves the window (datetime.max if nothing is ahead)."""
    warn_at, deadline, oldest_closed = (Case.deadline.python_value(value) for value in row[3:6])
    moments = [m for m in (warn_at, deadline, oldest_closed and oldest_closed + timedelta(days=CLOSED_DAYS)) if m]
    return min(moments, default=datetime.max)


def kept_stamps():
    """The aggregates this app's process worked out, by scope and its change count (workflows.changes):
    (row, worked out at, valid before). A poll of an unchanged board reads one counter sum instead of
    aggregating its cases."""
    kept = current_app.extensions.get("board_stamps")
    if kept is None:
        kept = current_app.extensions["board_stamps"] = LRUCache(maxsize=4096)
    return kept


def prepared_stamp(scope, at):
    """The aggregate of an unfiltered board (it runs on every poll): kept while the scope's
    change count is the same and time has turned nothing; else worked out again."""
    shape = tuple(sorted(scope))
    key = (shape, tuple(scope[name] for name in shape), changes.mark(scope))
    kept = kept_stamps().get(key)
    if kept is not None and kept[1] <= at < kept[2]:
        return kept[0]
    row = (Case.select(*stamp_columns(at)).where(scope_where(scope) & window(at - timedelta(days=CLOSED_DAYS)))
           .tuples().get())
    kept_stamps()[key] = (row, at, turns(row))
    return row


def board_stamp(user, where, at, scope=None):
    """The board's ETag (one aggregate over the cases it shows, plus what the rendering depends
    on) and its Last-Modified. `where()` gives the cases; `scope` (an unfiltered board's) lets
    the aggregate run prepared without it.

    The aggregate covers the board's cases whoever looks: every view of a board is reached
    only by those who may see all of it (the policy's board.* rules).
    """
    if scope is not None:
        row = prepared_stamp(scope, at)
    else:
        row = Case.select(*stamp_columns(at)).where(where()).tuples().get()
    # A pending flash message must be shown, so a page carrying one is never "unchanged"; and the
    # page carries the session's CSRF token, so a page of another session (before a sign-out, even
    # of the same user) never is: the token is made now if this session has none yet.
    kept = session._get_current_object()
    if "csrf_token" not in kept:
        generate_csrf()
    asked = request._get_current_object()
    parts = (row, user.id, user.role, user.org_id, user.department_id, select_locale(),
             asked.htmx.target, asked.query_string, at.date(),
             current_app.config.get("BOARD_POLL_SECONDS"), bool(kept.get("_flashes")), kept["csrf_token"])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32], Case.updated_at.python_value(row[2])


def conditional(user, where, at, scope=None):
    """(etag, last_modified, 304 response or None): a poll of an unchanged board stops here."""
    etag, last_modified = board_stamp(user, where, at, scope)
    if f'"{etag}"' in asked_etags():
        # The same validator and caching rules as the page it stands for (RFC 9110 §15.4.5).
        return etag, last_modified, Response(status=304, headers={
            "ETag": f'"{etag}"', "Cache-Control": CACHE_CONTROL, "Vary": VARY})
    return etag, last_modified, None


def asked_etags():
    """The entity tags of If-None-Match as sent (a board's are strong, quoted hex, never "*")."""
    return {tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")}


# A board may be kept by the browser but never shown again without asking (its ETag decides); its
# page differs by the htmx target asked for. Set on the 200 (finish) and on the 304 (conditional: built
# directly, the poll's hot path, rather than through finish, which costs a poll ~20 us more).
CACHE_CONTROL = "private, no-cache"
VARY = "HX-Target"


def finish(response, etag, last_modified):
    """Validators and caching rules on a board response (the ETag decides; Last-Modified informs)."""
    response = make_response(response)
    response.set_etag(etag)
    if last_modified is not None:
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        response.last_modified = last_modified.replace(tzinfo=zone).astimezone(timezone.utc)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add(VARY)
    return response


def poll_seconds():
    """How often boards refresh themselves."""
    return current_app.config.get("BOARD_POLL_SECONDS", 30)
