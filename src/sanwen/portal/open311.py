"""Open311 GeoReport v2 at /open311/v2/: civic apps raise matters and follow them like the portal's
pages do — anonymous, with the same checks and rate limits, showing only what the public status page
shows. JSON or XML by the suffix (`services.json`, `requests.xml`), UTF-8, times in ISO 8601 with
the offset. `jurisdiction_id` is a bureau's code; it is required when more than one bureau takes
items from the public.

Services are the kinds of item a person can raise (need, worry, …). A request needs the township:
`attribute[township]` (its id, listed in the service definition) or `address_string` (its name)."""

import datetime
import re
import xml.etree.ElementTree as ET

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sanwen.cases.models import Case, ItemKind, State
from sanwen.core import codes, ratelimit
from sanwen.org.models import Bureau, Place, PlaceLevel
from sanwen.portal import public, services
from sanwen.portal.forms import KIND_HINTS

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_IDS = 10
LIST_LIMIT = 50
# What each kind is in the campaign's words: 三问 (asks) and 三解 (concerns).
GROUPS = {
    ItemKind.NEED: "三问",
    ItemKind.SUGGESTION: "三问",
    ItemKind.OPINION: "三问",
    ItemKind.WORRY: "三解",
    ItemKind.GRIEVANCE: "三解",
    ItemKind.DIFFICULTY: "三解",
}


# Open311 has two statuses: a matter resolved, rated, archived or not accepted is closed.
CLOSED = (State.DECLINED, State.RESOLVED, State.VISITED, State.ARCHIVED)


class Open311Error(Exception):
    def __init__(self, status: int, description: str, retry_after: int = 0):
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


# --- output -----------------------------------------------------------------------------------


def _xml(root_tag: str, item_tag: str, rows, single: bool = False) -> bytes:
    """A list (services, requests, errors) is a root of items; a single document (discovery, a
    service definition) is the root element itself, as in the specification's examples."""
    root = ET.Element(root_tag)
    if single:
        _xml_item(root, rows)
    for row in [] if single else rows:
        _xml_item(ET.SubElement(root, item_tag), row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def _xml_item(element, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            singular = {
                "endpoints": "endpoint",
                "formats": "format",
                "attributes": "attribute",
                "values": "value",
            }
            for item in value:
                if isinstance(item, dict):
                    _xml_item(ET.SubElement(child, singular.get(key, "item")), item)
                else:
                    ET.SubElement(child, singular.get(key, "item")).text = str(item)
        elif isinstance(value, dict):
            _xml_item(child, value)
        elif value is not None:
            child.text = str(value).lower() if isinstance(value, bool) else str(value)


def _respond(fmt: str, root_tag: str, item_tag: str, rows, status: int = 200, single: bool = False):
    if fmt == "xml":
        body = _xml(root_tag, item_tag, rows, single=single)
        response = HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    else:
        response = JsonResponse(
            rows,
            safe=False,
            status=status,
            json_dumps_params={"ensure_ascii": False},
            content_type="application/json; charset=utf-8",
        )
    response["Cache-Control"] = "no-store"
    return response


def open311_view(view):
    """Errors as Open311 has them: a list of {code, description}, in the asked format."""

    def wrapped(request, *args, fmt="json", **kwargs):
        if fmt not in ("json", "xml"):
            return _respond("json", "errors", "error", [{"code": 404, "description": _("Not found.")}], 404)
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            response = _respond(
                fmt, "errors", "error", [{"code": exc.status, "description": exc.description}], exc.status
            )
            if exc.retry_after:
                response["Retry-After"] = str(exc.retry_after)
            return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def _iso(moment) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).isoformat(timespec="seconds")
    end_of_day = timezone.make_aware(datetime.datetime.combine(moment, datetime.time(23, 59, 59)))
    return end_of_day.isoformat(timespec="seconds")


# --- jurisdictions ----------------------------------------------------------------------------


def taking_bureaus():
    """Bureaus with a running campaign: those that take items from the public (as the portal's index)."""
    today = timezone.localdate()
    return (
        Bureau.objects.filter(
            Q(campaign__end__isnull=True) | Q(campaign__end__gte=today),
            campaign__active=True,
            campaign__start__lte=today,
        )
        .select_related("area")
        .distinct()
        .order_by("code")
    )


def _jurisdiction(request) -> Bureau:
    data = request.POST if request.method == "POST" else request.GET
    code = (data.get("jurisdiction_id") or "").strip()
    bureaus = list(taking_bureaus())
    if code:
        chosen = next((b for b in bureaus if b.code == code), None)
        if chosen is None:
            raise Open311Error(404, _("No bureau with this jurisdiction_id takes matters from the public."))
        return chosen
    if len(bureaus) == 1:
        return bureaus[0]
    if not bureaus:
        raise Open311Error(404, _("No bureau takes matters from the public now."))
    raise Open311Error(
        400,
        _("jurisdiction_id is required: the code of the bureau (e.g. %(code)s).") % {"code": bureaus[0].code},
    )


# --- discovery and services -------------------------------------------------------------------


@open311_view
@require_http_methods(["GET"])
def discovery(request, fmt):
    base = (
        request.build_absolute_uri(reverse("open311_discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    )
    body = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": _("The bureau's public portal: /p/"),
        "key_service": _("No API key is needed: requests are anonymous, limited per network."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": "2026-01-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, "discovery", "discovery", body, single=True)


def _service(kind) -> dict:
    return {
        "service_code": kind.value,
        "service_name": str(kind.label),
        "description": str(KIND_HINTS[kind]),
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": GROUPS[kind],
    }


@open311_view
@require_http_methods(["GET"])
def service_list(request, fmt):
    _jurisdiction(request)
    return _respond(fmt, "services", "service", [_service(kind) for kind in ItemKind])


def _townships(bureau):
    return Place.objects.within(bureau.area.code).filter(level=PlaceLevel.TOWNSHIP).order_by("code", "name")


@open311_view
@require_http_methods(["GET"])
def service_definition(request, code, fmt):
    bureau = _jurisdiction(request)
    if code not in ItemKind.values:
        raise Open311Error(404, _("No such service_code."))
    townships = [{"key": str(p.pk), "name": p.name} for p in _townships(bureau)]
    villages = [
        {"key": str(p.pk), "name": p.name}
        for p in Place.objects.within(bureau.area.code)
        .filter(level__in=(PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE))
        .order_by("code", "name")
    ]
    attributes = [
        {
            "variable": True,
            "code": "township",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": _("The township (or give its name as address_string)."),
            "order": 1,
            "description": _("township"),
            "values": townships,
        },
        {
            "variable": True,
            "code": "village",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": 2,
            "description": _("village"),
            "values": villages,
        },
        {
            "variable": True,
            "code": "confidential",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("Keep the name and phone confidential."),
            "order": 3,
            "description": _("confidential"),
            "values": [{"key": "true", "name": _("yes")}, {"key": "false", "name": _("no")}],
        },
    ]
    return _respond(
        fmt,
        "service_definition",
        "service_definition",
        {"service_code": code, "attributes": attributes},
        single=True,
    )


# --- requests ---------------------------------------------------------------------------------


def _place(bureau, value: str, level_filter):
    value = (value or "").strip()
    if not value:
        return None
    places = Place.objects.within(bureau.area.code).filter(level_filter)
    if value.isdigit():
        return places.filter(pk=int(value)).first()
    return places.filter(name=value).first()


def _raise(request, bureau):
    data = request.POST
    wait = ratelimit.hit(request, "raise")
    if wait:
        raise Open311Error(429, _("Too many requests from your network: try again later."), retry_after=wait)
    township = _place(
        bureau, data.get("attribute[township]") or data.get("address_string"), Q(level=PlaceLevel.TOWNSHIP)
    )
    village_value = data.get("attribute[village]")
    village = _place(bureau, village_value, Q(level__in=(PlaceLevel.VILLAGE, PlaceLevel.NATURAL_VILLAGE)))
    errors = []
    if township is None:
        errors.append(_("Give the township: attribute[township] or its name as address_string."))
    if village_value and village is None:
        errors.append(_("This village is not in the bureau's area."))
    if errors:
        raise Open311Error(400, " ".join(errors))
    first, last = data.get("first_name", "").strip(), data.get("last_name", "").strip()
    # A Chinese name is the family name then the given name, without a space.
    name = f"{last}{first}" if not (first + last).isascii() else f"{first} {last}".strip()
    try:
        return services.portal_raise(
            bureau=bureau,
            kind=data.get("service_code", ""),
            text=data.get("description", ""),
            township=township,
            village=village,
            name=name[:32],
            phone=data.get("phone", ""),
            confidential=data.get("attribute[confidential]", "").lower() in ("true", "1", "yes"),
        )
    except ValidationError as exc:
        raise Open311Error(400, " ".join(str(m) for m in exc.messages)) from exc


def _request_row(case: Case, *, by_number: bool = False) -> dict:
    """One request as the public status page shows it: no name, phone, address or text of the client.
    `by_number`: a board entry, named by its public case number, never by its tracking code (the code
    lets its holder rate the case, so only the person who raised it has it)."""
    status = public.status(case)
    events = status["progress"]
    notes = [status["state_label"]]
    if status["result"]:
        notes.append(status["result"])
    if status["declined_reason"]:
        notes.append(status["declined_reason"])
    kind = case.concern_kind or case.ask_kind
    return {
        "service_request_id": case.number if by_number else codes.display(case.tracking_code),
        "status": "closed" if status["state"] in CLOSED else "open",
        "status_notes": "；".join(str(n) for n in notes),
        "service_name": str(ItemKind(kind).label) if kind in ItemKind.values else "",
        "service_code": kind,
        "description": None,
        "agency_responsible": status["department"] or None,
        "service_notice": None,
        "requested_datetime": _iso(events[0]["on"]) if events else _iso(case.raised_on),
        "updated_datetime": _iso(events[-1]["on"]) if events else None,
        "expected_datetime": _iso(status["deadline"]) if status["deadline"] else None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


@open311_view
@require_http_methods(["GET", "POST"])
def request_list(request, fmt):
    bureau = _jurisdiction(request)
    if request.method == "POST":
        case = _raise(request, bureau)
        row = {
            "service_request_id": codes.display(case.tracking_code),
            "service_notice": _("Keep this tracking code to follow the matter and rate it."),
            "account_id": None,
        }
        return _respond(fmt, "service_requests", "request", [row], status=201)
    ids = [part.strip() for part in request.GET.get("service_request_id", "").split(",") if part.strip()]
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _("At most %(n)d service_request_id at once.") % {"n": MAX_IDS})
        return _respond(
            fmt, "service_requests", "request", [r for r in (_one(request, bureau, i) for i in ids) if r]
        )
    # Without ids: the public board (公开办 cases), as the portal's board shows them.
    cases = _filtered(
        Case.objects.filter(bureau=bureau, public=True).exclude(tracking_code=None), request.GET
    )
    cases = cases.select_related("department", "household", "owner", "raised_by", "merged_into").order_by(
        "-id"
    )
    return _respond(
        fmt, "service_requests", "request", [_request_row(c, by_number=True) for c in cases[:LIST_LIMIT]]
    )


def _day(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise Open311Error(400, _("%(name)s is not an ISO 8601 date or time.") % {"name": name}) from exc


def _filtered(cases, params):
    """The specification's filters of the list: start_date, end_date, status, service_code."""
    start, end = (
        _day(params.get("start_date", ""), "start_date"),
        _day(params.get("end_date", ""), "end_date"),
    )
    if start:
        cases = cases.filter(raised_on__gte=start)
    if end:
        cases = cases.filter(raised_on__lte=end)
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses == {"open"}:
        cases = cases.exclude(state__in=CLOSED)
    elif statuses == {"closed"}:
        cases = cases.filter(state__in=CLOSED)
    kinds = [k.strip() for k in params.get("service_code", "").split(",") if k.strip()]
    if kinds:
        cases = cases.filter(Q(concern_kind__in=kinds) | Q(concern_kind="", ask_kind__in=kinds))
    return cases


def _one(request, bureau, text: str):
    wait = ratelimit.hit(request, "lookup")
    if wait:
        raise Open311Error(429, _("Too many requests from your network: try again later."), retry_after=wait)
    cases = Case.objects.select_related("department", "household", "owner", "raised_by", "merged_into")
    number = CASE_NUMBER.fullmatch(text.strip())
    if number:  # a board entry's public number: public (公开办) cases only
        year, sequence = int(number.group(1)), int(number.group(2))
        case = cases.filter(bureau=bureau, public=True, year=year, sequence=sequence).first()
        return _request_row(case, by_number=True) if case is not None else None
    try:
        code = codes.parse(text)
    except codes.CodeError:
        return None
    case = cases.filter(tracking_code=code, bureau=bureau).first()
    return _request_row(case) if case is not None else None


CASE_NUMBER = re.compile(r"(\d{4})-(\d{1,6})")


@open311_view
@require_http_methods(["GET"])
def request_detail(request, request_id, fmt):
    bureau = _jurisdiction(request)
    row = _one(request, bureau, request_id)
    if row is None:
        raise Open311Error(404, _("No matter has this tracking code."))
    return _respond(fmt, "service_requests", "request", [row])


urlpatterns = [
    path("discovery.<str:fmt>", discovery, name="open311_discovery"),
    path("services.<str:fmt>", service_list, name="open311_services"),
    path("services/<str:code>.<str:fmt>", service_definition, name="open311_service"),
    path("requests.<str:fmt>", request_list, name="open311_requests"),
    path("requests/<str:request_id>.<str:fmt>", request_detail, name="open311_request"),
]
