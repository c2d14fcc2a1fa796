"""Where each area hangs its pages: the top navigation and extra panels on the case page.

Each area appends its entries here (one line each) instead of editing shared templates.
"""
from flask_babel import lazy_gettext as _l

from workflows.policy import can

# (endpoint, label, the policy action that opens it), in display order: an entry shows to whoever may take it.
NAV = [
    ("boards.mine", _l("Board"), "board.own"),
    ("home.queue", _l("My queue"), "queue"),
    ("intake.new", _l("New case"), "case.record"),
    ("cases.index", _l("Cases"), "case.view"),
    ("admin.index", _l("Administration"), "admin"),
    ("workflow.show", _l("Workflow"), "workflow.view"),
    ("patrols.mine", _l("Patrol"), "patrol.walk"),
    ("patrols.coverage_view", _l("Patrol coverage"), "patrol.coverage"),
    ("worklog.index", _l("Work log"), "worklog.view"),
    ("points.index", _l("Points"), "points.view"),
    ("reopen.index", _l("Reopen requests"), "reopen.decide"),
    ("apikeys.index", _l("API keys"), "admin"),
    ("stats.index", _l("Statistics"), "stats.view"),
    ("stats.rankings", _l("Rankings"), "ranking.view"),
    ("ledger.index", _l("Ledger"), "ledger.view"),
    ("account.password", _l("Password"), "account"),
    ("notices.index", _l("Notices"), "notice.view"),
    ("notices.bulletin", _l("Monthly bulletin"), "notice.view"),
    ("calendar.days", _l("Calendar"), "admin"),
    ("calendar.limits_page", _l("Time limits"), "admin"),
    ("registry.index", _l("Registry"), "registry.view"),
    ("registry.reveals", _l("Reveal log"), "registry.reveal_log"),
]

# Templates included at the end of the case page, each rendered with `case` in context.
CASE_PANELS = [
    "patrols/_case_panel.html",
    "reopen/_case_rating.html",
    "limits/_case_clock.html",
    "notices/_case_panel.html",
]


def nav_for(user):
    """The navigation entries this user sees (the policy decides)."""
    return [(endpoint, label) for endpoint, label, action in NAV if can(user, action)]
