"""The weekly information round-up (每周信息整理汇总): per grid, what changed in the registry in a week
(moves, births, deaths, tags, new houses, organisations and things), acknowledged by the community's
specialist (its grid office) once read."""
from datetime import timedelta

from peewee import IntegrityError

from workflows.db import write_transaction
from workflows.errors import DUPLICATE, FORBIDDEN, WorkflowError
from workflows.machine import N_
from workflows.models import RegistryChange, RegistryRoundup
from workflows.policy import can, sees_sensitive_tags

ORDER = ("moved_in", "moved_out", "born", "deceased", "tag_added", "tag_removed", "use_changed", "created", "edited",
         "imported")


def monday_of(day):
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def week_changes(actor, grid, monday):
    """The grid's changes dated in the week, grouped by kind in ORDER: [(kind, [rows])] (a sensitive tag's
    rows only for those who may see them)."""
    rows = list(RegistryChange.select().where((RegistryChange.grid == grid.id) & (RegistryChange.day >= monday)
                                              & (RegistryChange.day <= monday + timedelta(days=6)))
                .order_by(RegistryChange.day, RegistryChange.id))
    if not sees_sensitive_tags(actor):
        rows = [row for row in rows if not (row.detail or {}).get("sensitive")]
    groups = {kind: [] for kind in ORDER}
    for row in rows:
        groups.setdefault(row.kind, []).append(row)
    return [(kind, items) for kind, items in groups.items() if items]


def acknowledgement(grid, monday):
    """The week's acknowledgement, or None."""
    return RegistryRoundup.get_or_none((RegistryRoundup.grid == grid.id) & (RegistryRoundup.week == monday))


def acknowledge(actor, now, grid, monday, note=""):
    """The community's specialist has read the week's round-up (once; a finished week only)."""
    if not can(actor, "registry.roundup_ack", grid):
        raise WorkflowError(FORBIDDEN, N_("Only the community's grid office acknowledges a round-up."))
    if monday != monday_of(monday) or monday > monday_of(now.date()):
        raise WorkflowError(DUPLICATE, N_("Choose a week that has begun."))
    note = str(note or "").strip()[:500]
    try:
        with write_transaction():
            return RegistryRoundup.create(grid=grid.id, week=monday, acknowledged_by=actor.id, acknowledged_at=now,
                                          note=note)
    except IntegrityError:
        raise WorkflowError(DUPLICATE, N_("This week has already been acknowledged.")) from None
