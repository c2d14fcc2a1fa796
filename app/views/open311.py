"""Open311 GeoReport v2 under /open311/v2/: every resource as .json or .xml."""
from flask import Blueprint, Response, request

from app import open311
from app.db import now
from app.open311 import Open311Error
from app.params import BadParameter
from app.residents import public_url

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any(json,xml):fmt>"
MIMETYPES = {"json": "application/json", "xml": "text/xml"}


def respond(fmt, document, root=None, item=None, status=200):
    """The document as JSON, or as XML under `root` (with `item` per list entry)."""
    if fmt == "json":
        body = open311.json_body(document)
    else:
        body = open311.xml_body(root, item, document if item else [document])
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


@bp.errorhandler(Open311Error)
def refused(error):
    """A refusal as the spec's error list, in the format the URL asked for."""
    fmt = (request.view_args or {}).get("fmt", "json")
    body = open311.errors_body(error, fmt)
    response = Response(body, status=error.status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.before_request
def limit_reading():
    """Reading is open to all, a bounded number of times per address."""
    if request.method in ("GET", "HEAD"):
        open311.limit_reading(now())


@bp.errorhandler(BadParameter)
def bad_parameter(error):
    """A malformed or out-of-range value (app.params), in the spec's error format."""
    return refused(Open311Error(400, error.message, **error.params))


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt):
    """Where the endpoint is and which formats it speaks."""
    return respond(fmt, open311.discovery(public_url("open311.discovery", fmt=fmt).rsplit("/", 1)[0]),
                   root="discovery")


@bp.get(f"/services.{FORMAT}")
def services(fmt):
    """Every service (public category)."""
    return respond(fmt, open311.services(), root="services", item="service")


@bp.get(f"/services/<code>.{FORMAT}")
def service_definition(code, fmt):
    """One service's attributes."""
    return respond(fmt, open311.service_definition(code), root="service_definition")


@bp.get(f"/requests.{FORMAT}")
def requests_index(fmt):
    """Service requests by id, service, date range and status (at most 90 days, 1000 results)."""
    documents = open311.request_documents(open311.find_requests(request.args, now()))
    return respond(fmt, documents, root="service_requests", item="request")


@bp.post(f"/requests.{FORMAT}")
def create(fmt):
    """Create a service request (needs an api_key)."""
    case, notice = open311.create_request(request.form, now())
    document = [{"service_request_id": case.number, "service_notice": notice}]
    return respond(fmt, document, root="service_requests", item="request")


@bp.get(f"/requests/<number>.{FORMAT}")
def show(number, fmt):
    """One service request, as a list of one (as the spec says)."""
    documents = open311.request_documents([open311.find_request(number)])
    return respond(fmt, documents, root="service_requests", item="request")
