"""Kanban boards: a grid's cards by state, roll-ups of counts per grid or department.

Every board is a scope (a WHERE clause over cases) intersected with what the viewer may
see. Boards poll every ~30 s with If-None-Match; the ETag is computed by one aggregate
query over the scope, so an unchanged board answers 304 before anything is rendered.
"""
import operator
from collections import namedtuple
from datetime import timedelta
from functools import reduce
from types import SimpleNamespace

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import Case as When
from peewee import fn

from app import params, rendercache
from app.access import allows, require
from app.cards import (
    CARDS_PER_COLUMN,
    CLOSED_DAYS,
    DEPARTMENT_COLUMNS,
    STATE_COLUMNS,
    Cards,
    conditional,
    finish,
    poll_seconds,
    prepared_stamp,
    scope_where,
    window,
)
from app.db import now
from app.htmx import render
from app.i18n import select_locale
from workflows import sql
from workflows.machine import FINAL, LEVEL_LABELS, STATES
from workflows.models import URGENCIES, Case, Category, Department, OrgUnit
from workflows.policy import can, scope_column, visible_cases

bp = Blueprint("boards", __name__)
# Roll-up lanes: a community's and a street's are its grids, a district's its streets.
LANE_KIND = {"community": "grid", "street": "grid", "district": "street"}
ORG_PATHS = {"communities": "community", "streets": "street", "districts": "district"}


class Filters:
    """The board filters from the query string (so a filtered board can be bookmarked)."""

    def __init__(self, args):
        self.category = params.Values(lambda: args).id("category")
        urgency = args.get("urgency")
        self.urgency = urgency if urgency in URGENCIES else None
        self.overdue = args.get("overdue") in ("1", "on", "true")
        self.q = (args.get("q") or "").strip()[:100]

    def conditions(self, at):
        """The filters as WHERE conditions."""
        conds = []
        if self.category:
            minors = Category.select(Category.id).where(Category.parent == self.category)
            conds.append((Case.category == self.category) | Case.category.in_(minors))
        if self.urgency:
            conds.append(Case.urgency == self.urgency)
        if self.overdue:
            conds.append((Case.deadline < at) & (Case.state != FINAL))
        if self.q:
            conds.append(Case.number.contains(self.q) | Case.title.contains(self.q)
                         | Case.description.contains(self.q))
        return conds

    def args(self):
        """The active filters as query arguments."""
        out = {"category": self.category, "urgency": self.urgency, "overdue": "1" if self.overdue else None,
               "q": self.q or None}
        return {k: v for k, v in out.items() if v is not None}

    @property
    def active(self):
        """True if any filter narrows the board."""
        return bool(self.args())


def board_where(scope, filters, at):
    """Scope, filters, and the window every board shows."""
    return reduce(operator.and_, [scope_where(scope), window(at - timedelta(days=CLOSED_DAYS)),
                                  *filters.conditions(at)])


def columns(cards, where, filters, more_endpoint, scope=None, board_columns=STATE_COLUMNS, **url_args):
    """The board's columns — the count of each state and its first cards by deadline — as one kept
    piece of HTML, the same for everyone whose cards have the same keys (see Cards).

    An unfiltered board's columns are also kept under its aggregate (the row its ETag rests on,
    kept while its scope's change count is the same and no light has turned): a full load of an
    unchanged board then runs no query on its cases. The aggregate covers the board's cases
    whoever looks (the policy's board.* rules); what differs between viewers is what decides
    their actions — role, unit, department — and, for grid workers, which on-the-spot handlings
    they entered themselves (they may not verify those)."""
    if scope is not None and not filters.active:
        key = ("board", request.path, tuple(col.name for col in board_columns), prepared_stamp(scope, cards.at),
               cards.shared, own_handlings(cards.user, scope))
        html = rendercache.kept(key)
        if html is None:
            html = ranked_columns(cards, where, filters, more_endpoint, board_columns, **url_args)
            rendercache.keep(key, html)
        return rendercache.cached(key, lambda: html)
    return rendercache.cached(*ranked_columns_piece(cards, where, filters, more_endpoint, board_columns, **url_args))


def own_handlings(user, scope):
    """The cases in `scope` handled on the spot by this grid worker and not yet verified (ids)."""
    if user.role not in ("member", "lead"):
        return ()
    return tuple(row[0] for row in sql.rows_of(Case.select(Case.id).where(
        scope_where(scope) & (Case.state == "handled") & (Case.entered_by == user.id)).order_by(Case.id)))


def ranked_columns(cards, where, filters, more_endpoint, board_columns=STATE_COLUMNS, **url_args):
    """The columns' HTML (with its marks), through the piece kept for its cards' keys."""
    key, produce = ranked_columns_piece(cards, where, filters, more_endpoint, board_columns, **url_args)
    return str(rendercache.cached(key, produce))


def ranked_columns_piece(cards, where, filters, more_endpoint, board_columns=STATE_COLUMNS, **url_args):
    """(key, produce) of the columns of the cases matching `where`, keyed by every card's key."""
    ranked = cards.ranked(where, board_columns)
    labels = {col.name: gettext(col.label) for col in board_columns}
    shape = []
    for state in labels:
        total, rows = ranked.get(state, (0, []))
        more = None
        if total > len(rows):
            more = url_for(more_endpoint, column=state, offset=len(rows), **url_args, **filters.args())
        shape.append((state, total, more, total - len(rows), rows))
    key = ("columns", cards.view, select_locale(),
           tuple((state, total, more, tuple(cards.key(*row) for row in rows)) for state, total, more, _, rows in shape))

    def produce():
        return render_template("boards/_columns.html", columns=[
            {"state": state, "label": labels[state], "total": total, "cards": cards.render(rows), "more": more,
             "left": left}
            for state, total, more, left, rows in shape])

    return key, produce


def more_cards(cards, where, filters, state, offset, more_endpoint, board_columns=STATE_COLUMNS, **url_args):
    """The next cards of one column (the 'more' button's answer)."""
    chosen = {col.name: col for col in board_columns}.get(state)
    if chosen is None:
        abort(404)
    shown = cards.page(where & chosen.where, offset, CARDS_PER_COLUMN + 1)
    more = None
    if len(shown) > CARDS_PER_COLUMN:
        shown = shown[:CARDS_PER_COLUMN]
        more = url_for(more_endpoint, column=state, offset=offset + CARDS_PER_COLUMN, **url_args, **filters.args())
    return {"state": state, "cards": shown, "more": more}


def viewer():
    """The signed-in user itself (not the proxy: a board reads it many times)."""
    return current_user._get_current_object()


def card_board(scope, more_endpoint, template, board_columns=STATE_COLUMNS, **ctx):
    """A board of cards by state (a grid's, or a department's within one grid)."""
    at = now()
    user = viewer()
    filters = Filters(request.args)
    url_args = ctx.pop("url_args")
    column = request.args.get("column")
    if column:
        offset = params.args.offset()
        more = more_cards(Cards(user, at), board_where(scope, filters, at), filters, column, offset,
                          more_endpoint, board_columns, **url_args)
        return render("boards/_more.html", column=more)
    etag, last_modified, unchanged = conditional(user, lambda: board_where(scope, filters, at), at,
                                                 None if filters.active else scope)
    if unchanged is not None:
        return unchanged
    body = rendercache.filled(render(
        template, {"board": "boards/_board.html"},
        columns=columns(Cards(user, at), board_where(scope, filters, at), filters, more_endpoint, scope=scope,
                        board_columns=board_columns, **url_args), filters=filters,
        categories=category_choices(), urgencies=URGENCIES, poll=poll_seconds(), view="board",
        etag=etag, **ctx,
    ))
    return finish(body, etag, last_modified)


# A category as the filter shows it.
Choice = namedtuple("Choice", "id name parent_id")


def category_choices():
    """Major categories with their minors, for the filter (read as plain rows: every board page asks)."""
    query = Category.select(Category.id, Category.name, Category.parent).order_by(Category.sort_order, Category.code)
    everything = [Choice(*row) for row in sql.rows_of(query)]
    return [(major, [m for m in everything if m.parent_id == major.id]) for major in everything
            if major.parent_id is None]


def grid_by_code(code):
    """The grid with this code, or None (a kept statement: every poll of a grid board makes it)."""
    return sql.GRID_BY_CODE.first(code=code)


@bp.get("/grids/<code>/board")
@allows("board.grid")
def grid(code):
    """One grid's board: a column per state, cards nearest deadline first."""
    unit = require("board.grid", grid_by_code(code))
    return card_board({"grid": unit.id}, "boards.grid", "boards/grid.html", url_args={"code": code}, grid=unit,
                      can_record=unit.active and can(viewer(), "case.record", unit))


@bp.get("/<any(communities, streets, districts):kinds>/<code>/board")
@allows("board.rollup")
def org(kinds, code):
    """A roll-up of a community, street or district: a lane per grid (or department), counts per state."""
    kind = ORG_PATHS[kinds]
    unit = require("board.rollup", OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == kind)))
    by_department = request.args.get("lanes") == "department"
    scope = {kind: unit.id}
    if by_department:
        return rollup(scope, Case.department, department_lanes, unit=unit, lane_choice="department",
                      lane_title=_l("Department"))
    lane_kind = LANE_KIND[kind]

    def lanes(ids):
        units = descendants(unit, lane_kind)
        # A lane that is no longer active still shows while it has cases on the board.
        missing = [i for i in ids if i is not None and i not in {u.id for u in units}]
        if missing:
            units += OrgUnit.select().where(OrgUnit.id.in_(missing))
        return [(lane, lane_url(lane)) for lane in units]

    return rollup(scope, scope_column(lane_kind), lanes, unit=unit, lane_choice=None,
                  lane_title=_l(LEVEL_LABELS[lane_kind]))


@bp.get("/departments/<code>/board")
@allows("board.department")
def department(code):
    """A department's roll-up (a lane per grid); with ?grid=<code>, that grid's cards."""
    dept = require("board.department", Department.get_or_none(Department.code == code))
    scope = {"department": dept.id}
    grid_code = request.args.get("grid")
    if grid_code:
        unit = OrgUnit.get_or_none((OrgUnit.code == grid_code) & (OrgUnit.kind == "grid"))
        if unit is None or not can(viewer(), "board.department_grid", (dept, unit)):
            abort(404)
        return card_board({**scope, "grid": unit.id}, "boards.department", "boards/department_grid.html",
                          board_columns=DEPARTMENT_COLUMNS, url_args={"code": code, "grid": grid_code},
                          department=dept, grid=unit)

    def lanes(ids):
        ids = [i for i in ids if i is not None]
        units = OrgUnit.select().where(OrgUnit.id.in_(ids)).order_by(OrgUnit.code) if ids else []
        return [(u, url_for("boards.department", code=code, grid=u.code)) for u in units]

    # A department's roll-up leaves out the states no department case is in (found, handled on the spot, reported).
    return rollup(scope, Case.grid, lanes, department=dept, lane_choice=None, lane_title=_l("Grid"),
                  states=[state for state in STATES if state not in ("found", "handled", "reported")])


def department_lanes(ids):
    """Departments as lanes, each drilling into its own board; cases with none yet in a lane of their own."""
    known = [i for i in ids if i is not None]
    units = Department.select().where(Department.id.in_(known)).order_by(Department.name) if known else []
    lanes = [(d, url_for("boards.department", code=d.code)) for d in units]
    if None in ids:
        lanes.append((UNASSIGNED, None))
    return lanes


# The lane of cases no department holds yet (found, reported, closed before dispatch).
UNASSIGNED = SimpleNamespace(id="none", name=_l("Not with a department"))


def lane_url(unit):
    """Where a lane drills to: a grid's board, or a street's roll-up."""
    if unit.kind == "grid":
        return url_for("boards.grid", code=unit.code)
    return url_for("boards.org", kinds="streets", code=unit.code)


def descendants(unit, kind):
    """Active org units of `kind` below `unit`, grouped under their parents in display order."""
    level = [unit]
    while level and level[0].kind != kind:
        children = list(OrgUnit.select().where(OrgUnit.parent.in_([u.id for u in level]) & OrgUnit.active)
                        .order_by(OrgUnit.sort_order, OrgUnit.code))
        rank = {u.id: i for i, u in enumerate(level)}
        level = sorted(children, key=lambda u: rank[u.parent_id])
    return [u for u in level if u.kind == kind]


def rollup(scope, lane_column, lanes, **ctx):
    """Counts per lane and state, with overdue and warning counts: one grouped query."""
    at = now()
    filters = Filters(request.args)
    where = board_where(scope, filters, at)
    etag, last_modified, unchanged = conditional(current_user, lambda: where, at, None if filters.active else scope)
    if unchanged is not None:
        return unchanged
    is_open = Case.state != FINAL
    red = fn.SUM(When(None, [(is_open & (Case.deadline <= at), 1)], 0))
    yellow = fn.SUM(When(None, [(is_open & (Case.deadline > at) & (Case.warn_at <= at), 1)], 0))
    rows = (visible_cases(current_user, Case.select(lane_column, Case.state, fn.COUNT(Case.id), red, yellow))
            .where(where).group_by(lane_column, Case.state).tuples())
    cells, totals = {}, {state: 0 for state in STATES}
    for lane_id, state, count, reds, yellows in rows:
        cells[(UNASSIGNED.id if lane_id is None else lane_id, state)] = {
            "n": count, "red": int(reds or 0), "yellow": int(yellows or 0)}
        totals[state] += count
    lane_ids = sorted({lane_id for lane_id, _state in cells if lane_id != UNASSIGNED.id})
    if any(lane_id == UNASSIGNED.id for lane_id, _state in cells):
        lane_ids.append(None)
    body = render(
        "boards/rollup.html", {"board": "boards/_rollup.html"},
        lanes=lanes(lane_ids), cells=cells, totals=totals, filters=filters, categories=category_choices(),
        urgencies=URGENCIES, poll=poll_seconds(), etag=etag, **ctx,
    )
    return finish(body, etag, last_modified)


def board_url_for(user):
    """The board a user works from, or None."""
    if not can(user, "board.own"):
        return None
    if user.department_id:
        return url_for("boards.department", code=user.department.code)
    if user.org_id is None:
        return None
    if user.org.kind == "grid":
        return url_for("boards.grid", code=user.org.code)
    paths = {kind: path for path, kind in ORG_PATHS.items()}
    return url_for("boards.org", kinds=paths[user.org.kind], code=user.org.code)


@bp.get("/board")
@allows("board.own")
def mine():
    """The viewer's own board."""
    target = board_url_for(current_user)
    if target is None:
        abort(404)
    return redirect(target)
