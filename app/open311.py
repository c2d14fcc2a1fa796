"""Open311 GeoReport v2: services from categories, service requests from cases, in JSON and XML.

Services are the active minor categories marked for the public (居民可报); the others
(welfare, special groups, rentals) concern personal data and are not offered or shown.
A request is a case: `service_request_id` is its number. Reading needs no key; creating
needs an API key an admin issued (only its SHA-256 is stored).
"""
import hashlib
import html
import json
import re
import secrets
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405 # builds XML only, never parses input
from zoneinfo import ZoneInfo

import nh3
from flask import current_app
from flask_babel import gettext as _

from app import params
from app.ratelimit import per_address, wait
from app.residents import public_url, responsible_unit
from workflows.errors import WorkflowError
from workflows.locate import grid_at, grid_named_in, intake_grid
from workflows.machine import N_
from app.storage import ApiKey
from workflows.models import Attachment, Building, Case, CaseEvent, Category, Department, OrgUnit
from workflows.residents import format_code, mask_contacts, public_note, record_report
from workflows.service import SystemActor
from workflows.text import clean_text as xml_safe

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 3, 1)
FORMATS = ("json", "xml")
MAX_DAYS = 90
MAX_RESULTS = 1000
DESCRIPTION_LIMIT = 4000
# POSTs per API key: (attempts, seconds); override with OPEN311_POST_LIMIT.
POST_LIMIT = (120, 3600)
# GETs per address: (requests, seconds) for each window; override with OPEN311_READ_LIMITS. Room for
# a platform that polls every few seconds; none for one that walks every id.
READ_LIMITS = ((300, 600), (3000, 86400))
# XML names the members of a list after the list.
ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """A refusal the spec answers with [{code, description}] and an HTTP status."""

    def __init__(self, status, message, retry_after=None, **params):
        super().__init__(message)
        self.status = status
        self.message = message
        self.params = params
        # Seconds a 429 asks the client to wait (the Retry-After header).
        self.retry_after = retry_after

    def description(self):
        """The message in the request's language."""
        return _(self.message, **self.params)


# ---- formats ----


def w3c(moment):
    """A stored local time as a W3C date-time with the configured zone's offset (+08:00)."""
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.replace(tzinfo=zone).isoformat(timespec="seconds")


def json_body(document):
    """The document as UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False)


def xml_body(root, item, rows):
    """The documents as XML: <root><item>…</item>…</root> (item None: root holds one document)."""
    top = Element(root)
    for row in rows:
        _fill(SubElement(top, item) if item else top, row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(top, encoding="utf-8", xml_declaration=False)


def _fill(element, document):
    """Write a dict's fields as child elements; lists become repeated children."""
    for name, value in document.items():
        child = SubElement(element, name)
        if isinstance(value, list):
            for entry in value:
                grandchild = SubElement(child, ITEM_TAGS.get(name, "item"))
                if isinstance(entry, dict):
                    _fill(grandchild, entry)
                else:
                    grandchild.text = xml_safe(str(entry))
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            # ElementTree escapes <, & and quotes but writes control characters as they are.
            child.text = xml_safe(str(value))


def errors_body(error, fmt):
    """An error in the requested format."""
    document = {"code": error.status, "description": error.description()}
    return json_body([document]) if fmt == "json" else xml_body("errors", "error", [document])


def limit_reading(now):
    """Count a GET from this address; over OPEN311_READ_LIMITS, a 429 in the spec's error format."""
    waiting = per_address("open311-read", current_app.config.get("OPEN311_READ_LIMITS", READ_LIMITS), now)
    if waiting:
        raise Open311Error(429, N_("Too many requests from this address: try again in %(seconds)s seconds."),
                           retry_after=waiting, seconds=waiting)


# ---- discovery and services ----


def discovery(base_url):
    """Where the API lives and what it speaks."""
    changeset = w3c(CHANGESET)
    return {
        "changeset": changeset,
        "contact": current_app.config.get("OPEN311_CONTACT") or _("The street grid office"),
        "key_service": _("API keys are issued by the system administrator of the street grid office."),
        "endpoints": [{
            "specification": SPECIFICATION, "url": base_url, "changeset": changeset, "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }


def public_categories():
    """The categories offered as services, by code."""
    return (Category.select().where(Category.public & Category.active & Category.parent.is_null(False))
            .order_by(Category.sort_order, Category.code))


def service_category(code):
    """The service's category, or a 404."""
    category = public_categories().where(Category.code == str(code or "")).first()
    if category is None:
        raise Open311Error(404, N_("Unknown service_code: %(code)s."), code=str(code or "")[:32])
    return category


def services():
    """The list of services."""
    majors = {c.id: c.name for c in Category.select().where(Category.parent.is_null())}
    departments = {d.id: d.name for d in Department.select()}
    out = []
    for category in public_categories():
        department = departments.get(category.default_department_id)
        out.append({
            "service_code": category.code,
            "service_name": category.name,
            "description": _("Usually handled by %(unit)s.", unit=department) if department else None,
            "metadata": bool(category.attributes),
            "type": "realtime",
            "keywords": majors.get(category.parent_id),
            "group": majors.get(category.parent_id),
        })
    return out


def attributes(category):
    """The category's extra questions as Open311 attributes, in order."""
    out = []
    for order, item in enumerate(category.attributes or [], start=1):
        values = item.get("values") or []
        if isinstance(values, dict):
            values = [{"key": key, "name": name} for key, name in values.items()]
        out.append({
            "variable": bool(item.get("variable", True)),
            "code": str(item["code"]),
            "datatype": item.get("datatype", "string"),
            "required": bool(item.get("required")),
            "datatype_description": item.get("datatype_description"),
            "order": order,
            "description": item.get("description") or "",
            "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in values],
        })
    return out


def service_definition(code):
    """One service's attributes."""
    category = service_category(code)
    return {"service_code": category.code, "attributes": attributes(category)}


# ---- reading requests ----


def public_cases():
    """Cases in public categories, with their category (only these are readable through the API)."""
    return (Case.select(Case, Category).join(Category, on=Case.category == Category.id)
            .where(Category.public & Category.parent.is_null(False)))


def find_requests(args, now):
    """The cases a GET /requests asks for, newest first, at most 1000."""
    ids = _list(args.get("service_request_id"))
    query = public_cases()
    if ids:
        # The spec: a list of ids overrides every other filter.
        query = query.where(Case.number.in_(ids))
    else:
        codes = _list(args.get("service_code"))
        if codes:
            query = query.where(Category.code.in_(codes))
        start, end = date_range(args.get("start_date"), args.get("end_date"), now)
        query = query.where((Case.created_at >= start) & (Case.created_at <= end))
        statuses = _list(args.get("status"))
        for status in statuses:
            if status not in ("open", "closed"):
                raise Open311Error(400, N_("status must be open or closed."))
        if len(set(statuses)) == 1:
            query = query.where((Case.state == "closed") if statuses[0] == "closed" else (Case.state != "closed"))
    return list(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS))


def find_request(number):
    """One case by its number, or a 404."""
    case = public_cases().where(Case.number == number).first()
    if case is None:
        raise Open311Error(404, N_("No service request %(id)s."), id=str(number)[:32])
    return case


def date_range(start_text, end_text, now):
    """The requested_datetime window: at most 90 days; the last 90 days when neither end is given."""
    span = timedelta(days=MAX_DAYS)
    start = parse_when(start_text, "start_date") if start_text else None
    end = parse_when(end_text, "end_date") if end_text else None
    if start is None and end is None:
        return now - span, now
    if start is None:
        return end - span, end
    if end is None:
        return start, start + span
    if end < start:
        raise Open311Error(400, N_("end_date is before start_date."))
    if end - start > span:
        raise Open311Error(400, N_("The date range may not span more than %(n)s days."), n=MAX_DAYS)
    return start, end


def parse_when(text, field):
    """A W3C date-time as local wall time (a time without an offset is taken as local); out of the
    date range or malformed: app.params.BadParameter, answered in the spec's error format."""
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    return params.parse_moment(re.sub(r" (\d\d:?\d\d)$", r"+\1", text.strip()), field)


def request_documents(cases):
    """Cases as Open311 service requests (history, places and photos loaded in a few queries)."""
    ids = [case.id for case in cases]
    events = {}
    for row in CaseEvent.select().where(CaseEvent.case.in_(ids)).order_by(CaseEvent.case, CaseEvent.seq):
        events.setdefault(row.case_id, []).append(row)
    orgs = {unit.id: unit for unit in OrgUnit.select().where(
        OrgUnit.id.in_({c.grid_id for c in cases} | {c.community_id for c in cases} | {c.street_id for c in cases}
                       | {c.district_id for c in cases if c.district_id}))}
    departments = {d.id: d for d in Department.select().where(
        Department.id.in_({c.department_id for c in cases if c.department_id}))}
    photos = {}
    for photo in (Attachment.select().where(Attachment.case.in_([c.id for c in cases if c.state == "closed"])
                                            & (Attachment.kind == "after")).order_by(Attachment.id)):
        photos.setdefault(photo.case_id, photo)
    documents = []
    for case in cases:
        case.grid, case.community, case.street = orgs[case.grid_id], orgs[case.community_id], orgs[case.street_id]
        case.district = orgs.get(case.district_id)
        if case.department_id:
            case.department = departments[case.department_id]
        documents.append(request_document(case, events.get(case.id, []), photos.get(case.id)))
    return documents


def request_document(case, events, photo):
    """One case as an Open311 service request: no names, phones or contacts."""
    closed = case.state == "closed"
    media = None
    if photo is not None and case.resolution == "closed":
        media = public_url("public.result_photo", attachment_id=photo.id)
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": public_note(case, events),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": mask_contacts(case.description) or None,
        "agency_responsible": responsible_unit(case),
        "service_notice": None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": None if closed else w3c(case.deadline),
        "address": address_of(case),
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media,
    }


def address_of(case):
    """Where the case is, as people write it: the grid, then the place within it."""
    place = mask_contacts(case.location_text)
    if place.startswith(case.grid.name):
        return place
    return f"{case.grid.name} {place}".strip()


# ---- creating requests ----


def key_for(text):
    """The active API key matching `text`, or a 403."""
    text = (text or "").strip()
    key = ApiKey.get_or_none(ApiKey.key_hash == hash_key(text)) if text else None
    if key is None or not key.active:
        raise Open311Error(403, N_("Invalid or revoked api_key."))
    return key


def hash_key(text):
    """How a key is stored: its SHA-256 (keys are long random strings, so no salt or stretching is needed)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def create_request(form, now):
    """POST /requests: check the key, the service, the place and the text, then open the case.

    Returns (case, service_notice). Any refusal raises Open311Error before anything is stored.
    """
    key = key_for(form.get("api_key"))
    limit, window = current_app.config.get("OPEN311_POST_LIMIT", POST_LIMIT)
    waiting = wait(f"open311:{key.id}", limit, window, now)
    if waiting:
        raise Open311Error(429, N_("Too many requests with this api_key: wait a while and try again."),
                           retry_after=waiting)
    if not (form.get("service_code") or "").strip():
        raise Open311Error(400, N_("service_code is required."))
    category = service_category(form.get("service_code").strip())
    street = _jurisdiction(form.get("jurisdiction_id"))
    lat, lng = _point(form.get("lat"), form.get("long"))
    address = clean_text(form.get("address_string"), 200, "address_string")
    address_id = (form.get("address_id") or "").strip()[:100]
    if lat is None and not address and not address_id:
        raise Open311Error(400, N_("A location is required: lat and long, address_string or address_id."))
    description = clean_text(form.get("description"), DESCRIPTION_LIMIT, "description")
    answers = _answers(category, form)
    if answers:
        description = "\n".join(filter(None, [description, answers]))
        if len(description) > DESCRIPTION_LIMIT:
            raise Open311Error(400, N_("%(field)s is too long (at most %(n)s characters)."), field="description",
                               n=DESCRIPTION_LIMIT)
    grid, building = _place(lat, lng, address, address_id, street)
    name = " ".join(filter(None, [(form.get("first_name") or "").strip(), (form.get("last_name") or "").strip()]))
    try:
        case = record_report(
            grid, SystemActor("api", key.name), now, category=category, description=description, source="api",
            lat=lat, lng=lng, building=building, location_text=address or address_id,
            reporter_name=name[:60], reporter_phone=(form.get("phone") or "").strip()[:40],
        )
    except WorkflowError as exc:
        raise Open311Error(400, exc.message, **exc.params) from exc
    ApiKey.update(last_used_at=now).where(ApiKey.id == key.id).execute()
    track = public_url("public.track", code=case.tracking_code)
    notice = _("Received. The resident can follow it with the code %(code)s at %(url)s", code=format_code(
        case.tracking_code), url=track)
    return case, notice


def clean_text(value, limit, field):
    """Submitted text without HTML, at most `limit` characters (counted as sent)."""
    value = value or ""
    if len(value) > limit:
        raise Open311Error(400, N_("%(field)s is too long (at most %(n)s characters)."), field=field, n=limit)
    # nh3 drops every tag (and script/style content) and escapes what is left; unescape back to text.
    return html.unescape(nh3.clean(value, tags=set())).strip()


def _list(value):
    """A comma-separated parameter as a list of non-empty strings."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _jurisdiction(code):
    """The street named by jurisdiction_id, if any (404 when it names none)."""
    code = (code or "").strip()
    if not code:
        return None
    street = OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "street") & OrgUnit.active)
    if street is None:
        raise Open311Error(404, N_("Unknown jurisdiction_id: %(code)s."), code=code[:32])
    return street


def _point(lat_text, lng_text):
    """(lat, long) as floats, (None, None) when neither is given; 400 for one alone or nonsense."""
    lat_text, lng_text = (lat_text or "").strip(), (lng_text or "").strip()
    if not lat_text and not lng_text:
        return None, None
    try:
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        raise Open311Error(400, N_("lat and long must both be given as decimal degrees.")) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Open311Error(400, N_("lat and long must both be given as decimal degrees."))
    return lat, lng


def _answers(category, form):
    """The answers to the service's attributes (attribute[code]=value) as lines of text."""
    lines = []
    for item in attributes(category):
        values = [v.strip() for v in form.getlist(f"attribute[{item['code']}]") if v.strip()]
        if not values:
            if item["required"]:
                raise Open311Error(400, N_("attribute[%(code)s] is required."), code=item["code"])
            continue
        names = {v["key"]: v["name"] for v in item["values"]}
        if names:
            if any(v not in names for v in values) or (item["datatype"] == "singlevaluelist" and len(values) > 1):
                raise Open311Error(400, N_("attribute[%(code)s] has a value that is not in its list."),
                                   code=item["code"])
            values = [names[v] for v in values]
        text = clean_text("、".join(values), 200, f"attribute[{item['code']}]")
        lines.append(f"{item['description'] or item['code']}：{text}")
    return "\n".join(lines)


def _place(lat, lng, address, address_id, street):
    """The grid (and building) a report belongs to: the point's polygon, the grid named in
    address_id or address_string, else the street's intake grid."""
    grid = grid_at(lat, lng) if lat is not None else None
    building_name = ""
    if grid is None and address_id:
        code, _sep, building_name = address_id.partition("/")
        grid = OrgUnit.get_or_none((OrgUnit.code == code.strip()) & (OrgUnit.kind == "grid") & OrgUnit.active)
    if grid is None and address:
        grid = grid_named_in(address)
    if grid is not None and street is not None and grid.parent.parent_id != street.id:
        grid = None
    if grid is None:
        grid = intake_grid(street)
        if grid is None:
            raise Open311Error(400, N_("The location is outside the area this service covers."))
        return grid, None
    return grid, _building(grid, building_name or address)


def _building(grid, text):
    """The grid's building the text names (the longest name that occurs), or None."""
    text = text or ""
    named = [b for b in Building.select().where(Building.grid == grid.id) if b.name and b.name in text]
    # "11号楼" also contains "1号楼": prefer the longest name that is not part of a longer number.
    named = [b for b in named if not re.search(r"\d" + re.escape(b.name), text)]
    return max(named, key=lambda b: len(b.name), default=None)


def issue_api_key(name, created_by, now, secret=None):
    """Issue a key; returns (ApiKey, the key itself), which is shown once and never stored."""
    secret = secret or "gc_" + secrets.token_urlsafe(32)
    key = ApiKey.create(name=name, prefix=secret[:10], key_hash=hash_key(secret), created_at=now,
                        created_by=getattr(created_by, "id", None))
    return key, secret


def revoke_api_key(key, revoked_by, now):
    """Revoke a key: from now on it opens nothing (the row stays for the record)."""
    ApiKey.update(revoked_at=now, revoked_by=revoked_by.id).where(
        (ApiKey.id == key.id) & ApiKey.revoked_at.is_null()).execute()
