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
]

# Templates included at the end of the case page, each rendered with `case` in context.
CASE_PANELS = []


def nav_for(user):
    """The navigation entries this user sees."""
    role = getattr(user, "role", None)
    return [(endpoint, label) for endpoint, label, roles in NAV if role in roles]
