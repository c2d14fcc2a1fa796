"""Where each area hangs its pages: the top navigation and extra panels on the case page.

Each area appends its entries here (one line each) instead of editing shared templates.
"""
from flask_babel import lazy_gettext as _l

ALL = ("member", "lead", "dispatcher", "handler", "supervisor", "admin")

# (endpoint, label, roles that see it), in display order.
NAV = [
    ("boards.mine", _l("Board"), ("member", "lead", "dispatcher", "handler", "supervisor")),
    ("home.queue", _l("My queue"), ("dispatcher", "handler")),
    ("intake.new", _l("New case"), ("member", "lead", "dispatcher")),
    ("cases.index", _l("Cases"), ALL),
    ("admin.index", _l("Administration"), ("admin",)),
    ("workflow.show", _l("Workflow"), ALL),
    ("patrols.mine", _l("Patrol"), ("member", "lead")),
    ("patrols.coverage_view", _l("Patrol coverage"), ("lead", "dispatcher", "supervisor", "admin")),
    ("worklog.index", _l("Work log"), ("member", "lead", "dispatcher", "supervisor", "admin")),
    ("points.index", _l("Points"), ("member", "lead", "dispatcher", "supervisor", "admin")),
    ("reopen.index", _l("Reopen requests"), ("supervisor",)),
    ("apikeys.index", _l("API keys"), ("admin",)),
    ("stats.index", _l("Statistics"), ("lead", "dispatcher", "handler", "supervisor", "admin")),
    ("stats.rankings", _l("Rankings"), ("dispatcher", "supervisor", "admin")),
    ("ledger.index", _l("Ledger"), ("lead", "dispatcher", "handler", "supervisor", "admin")),
    ("account.password", _l("Password"), ALL),
    ("notices.index", _l("Notices"), ALL),
    ("notices.bulletin", _l("Monthly bulletin"), ALL),
    ("calendar.days", _l("Calendar"), ("admin",)),
    ("calendar.limits_page", _l("Time limits"), ("admin",)),
]

# Templates included at the end of the case page, each rendered with `case` in context.
CASE_PANELS = [
    "patrols/_case_panel.html",
    "reopen/_case_rating.html",
    "limits/_case_clock.html",
    "notices/_case_panel.html",
]


def nav_for(user):
    """The navigation entries this user sees."""
    role = getattr(user, "role", None)
    return [(endpoint, label) for endpoint, label, roles in NAV if role in roles]
