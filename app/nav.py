"""Where each area hangs its pages: the top navigation and extra panels on the case page.

Each area appends its entries here (one line each) instead of editing shared templates.
"""
from flask_babel import lazy_gettext as _l

from workflows.policy import can

# (endpoint, label, the policy action that opens it), in display order: an entry shows to whoever may take it.
NAV = [
    ("work.mine", _l("My work"), "work.mine"),
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
    ("accountability.index", _l("Accountability"), "accountability.view"),
    ("assess.index", _l("Annual assessment"), "assess.view"),
    ("assess.self_page", _l("Self-evaluation"), "assess.self"),
    ("meetings.index", _l("Meetings"), "meeting.view"),
    ("registry.index", _l("Registry"), "registry.view"),
    ("registry.reveals", _l("Reveal log"), "registry.reveal_log"),
    ("services.index", _l("Services on residents' behalf"), "service.view"),
    ("services.kinds", _l("Service kinds"), "service.configure"),
    ("visits.index", _l("Visits"), "visit.view"),
]

# Templates included at the end of the case page, each rendered with `case` in context.
CASE_PANELS = [
    "patrols/_case_panel.html",
    "reopen/_case_rating.html",
    "limits/_case_clock.html",
    "notices/_case_panel.html",
    "cases/_parts.html",
]


def nav_for(user):
    """The navigation entries this user sees (the policy decides)."""
    return [(endpoint, label) for endpoint, label, action in NAV if can(user, action)]


# The role's main destinations, one tap away (the phone's bottom bar): the first MAIN_COUNT of these it may
# open, in this order; every other entry sits behind the menu button.
MAIN = ("work.mine", "boards.mine", "home.queue", "intake.new", "patrols.mine", "admin.index", "cases.index", "notices.index",
        "stats.index")
MAIN_COUNT = 4


def nav_split(user):
    """(main entries, the rest) of this user's navigation."""
    entries = nav_for(user)
    shown = {endpoint for endpoint, _label in entries}
    main = [endpoint for endpoint in MAIN if endpoint in shown][:MAIN_COUNT]
    ordered = [next(entry for entry in entries if entry[0] == endpoint) for endpoint in main]
    return ordered, [entry for entry in entries if entry[0] not in main]
