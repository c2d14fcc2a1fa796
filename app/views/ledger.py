"""The rectification ledger (整改台账): on screen page by page, and as Excel or CSV with the same filters."""
from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows
from app.db import now
from app.exports import csv_response, xlsx_response
from app.htmx import render
from workflows.ledger import COLUMNS, STATUS_LABELS, STATUSES, LedgerFilter, ledger_query, rows
from workflows.machine import STATES
from workflows.models import Category, OrgUnit
from workflows.policy import visible_cases, visible_departments, visible_units
from workflows.vocabulary import SOURCE_LABELS

bp = Blueprint("ledger", __name__)
SCREEN_PAGE = 100


def filtered():
    """The filter from the query string and the user's scoped, filtered ledger query.

    Every value is parsed here, before an export's streamed response starts: an extreme filter is
    refused (400), never a download that breaks off."""
    first, last = params.args.dates("first", "last")
    ledger_filter = LedgerFilter(first=first, last=last, org=params.args.id("org"),
                                 department=params.args.id("department"), category=params.args.id("category"),
                                 status=params.args.choice("status", STATUSES, ""))
    return ledger_filter, ledger_query(visible_cases(current_user), ledger_filter, now())


def choices():
    """What the filter form offers: the user's units, departments and categories."""
    units = visible_units(current_user, ("community", "grid"))
    return {
        "units": list(units.order_by(OrgUnit.kind, OrgUnit.sort_order, OrgUnit.code)),
        "departments": list(visible_departments(current_user)),
        "categories": list(Category.select().where(Category.active).order_by(Category.code)),
    }


def displayer():
    """A function turning a ledger row into the values shown and exported, in COLUMNS order.

    The labels are translated once here, not once per row: an export may have 100,000 rows.
    """
    states = {key: _(label) for key, label in STATES.items()}
    sources = {key: _(label) for key, label in SOURCE_LABELS.items()}
    statuses = {key: _(label) for key, label in STATUS_LABELS.items()}
    yes, no = _("Yes"), _("No")
    keys = [key for key, _label in COLUMNS]

    def display(row):
        values = dict(row)
        values["state"] = states.get(row["state"], row["state"])
        values["source"] = sources.get(row["source"], row["source"])
        values["overdue"] = yes if row["overdue"] else no
        values["status"] = statuses[row["status"]]
        return [values[key] for key in keys]

    return display


@bp.get("/ledger")
@allows("ledger.view")
def index():
    """The ledger on screen: the filters, a count, a page of rows, and the exports of the same rows."""
    ledger_filter, query = filtered()
    after = params.args.number("after", low=0)
    page = list(rows(query, now(), after=after, limit=SCREEN_PAGE))
    return render(
        "ledger/index.html", {"ledger-rows": "ledger/_rows.html"},
        filter=ledger_filter, args=ledger_filter.args(), total=query.count(), page=page, display=displayer(),
        columns=COLUMNS, statuses=STATUSES, page_size=SCREEN_PAGE, after=after, **choices(),
    )


def export_rows(query):
    """Every row of the filtered ledger, read page by page."""
    display = displayer()
    for row in rows(query, now()):
        yield display(row)


def headers():
    """The column titles in the user's language."""
    return [_(label) for _key, label in COLUMNS]


def filename(ledger_filter, extension):
    """ledger-<first>-<last>.<ext>: names the period exported."""
    span = "-".join(d.isoformat() for d in (ledger_filter.first, ledger_filter.last) if d) or now().strftime("%Y%m%d")
    return f"ledger-{span}.{extension}"


@bp.get("/ledger/export.xlsx")
@allows("ledger.view")
def export_xlsx():
    """The filtered ledger as an Excel workbook, streamed."""
    ledger_filter, query = filtered()
    return xlsx_response(filename(ledger_filter, "xlsx"), [(_("Rectification ledger"), headers(), export_rows(query))])


@bp.get("/ledger/export.csv")
@allows("ledger.view")
def export_csv():
    """The filtered ledger as CSV, streamed."""
    ledger_filter, query = filtered()
    return csv_response(filename(ledger_filter, "csv"), headers(), export_rows(query))
