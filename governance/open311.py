"""Open311 GeoReport v2 at /open311/v2/: resident requests for existing Open311 tools.

The specification: http://wiki.open311.org/GeoReport_v2 and http://wiki.open311.org/Service_Discovery.
Every resource answers in XML (the format the specification requires) or in JSON (its Spark
convention: the XML's lists become arrays, empty elements null), chosen by the `.xml` / `.json`
suffix; without a suffix, XML. XML is built with xml.etree.ElementTree; nothing a client sends is
parsed as XML. These are plain Django views, outside the REST API and its OpenAPI schema.

How the estate's requests map onto GeoReport v2:

- jurisdiction: one per site. `jurisdiction_id` may be left out; when given, it must be the site's
  host name (without "www." and the port) or `settings.OPEN311_JURISDICTION_ID`, else 404.
- services: the active request categories. `service_code` is the category code, `service_name`
  its name in the language asked for (Accept-Language; Chinese by default), `description` the
  category's time limits, `metadata` false (no extra attributes, so `services/{code}` answers a
  service definition without attributes), `type` realtime, `keywords` both names and the code,
  `group` one group for all.
- requests (GET): who reads what (PIPL; a resident sees only their own requests). Without an
  `api_key`, only requests about an estate's public areas (place_kind "public"), as a city's 311
  feed is public; a request about a household, unit or building is neither listed nor found (404).
  With an `api_key` (a GET parameter, as the specification allows for any call), the requests
  the key's user may see in the app (`ResidentRequest.objects.visible_to`); an unknown or revoked
  key is refused (403), not ignored. Either way they carry no personal data: never the
  resident's or the filer's name or phone, never the household (room). `address` is the estate
  and the building or unit ("蕴园小区 3号楼3单元"), or the public place; `address_id` the estate's
  id; `zipcode` empty; `lat`/`long` the request's, else the estate's. `description` is the
  resident's text, redacted (see `redact`). `status` is open unless the request is closed,
  withdrawn or rejected; `status_notes` gives the finer status and the note of the latest public
  step (routing, start, quote, payment decision, resolution, reopening, withdrawal, rejection) —
  never a rating comment, a committee member's vote or an escalation note. `agency_responsible`
  is the property company that took the request, or the community once it was routed there.
  `service_notice` states the category's time limits; `expected_datetime` is the due time once
  the request is taken; `media_url` the first photo. Date-times are ISO 8601 in +08:00.
- filters: `service_request_id` (comma-separated; overrides every other filter), `service_code`
  and `status` (comma-separated or repeated), `start_date`/`end_date` on the filing time (at most
  90 days apart; the last 90 days by default). At most 1000 requests are returned, newest first;
  beyond the specification, `page` and `page_size` (at most 1000) page through them.
- requests (POST), form-encoded, need an `api_key` (an ApiKey, issued in the admin). The key's
  user files for themself through `services.file_request`, the one way requests are made, so
  only a resident of the estate can file. The estate is `address_id` (an estate id), or the
  user's only estate. The place is `address_string` as a public place of the estate, else the
  resident's own household (shown publicly as its building and unit). A `phone` that is a
  Chinese mobile or landline number is kept as the request's contact number; otherwise (the
  specification's own example is 111111111) the resident's number is used and the reply's
  `service_notice` says so. `first_name`, `last_name`, `email`, `device_id`, `account_id` and
  `attribute[…]` are ignored: the key says who files. `media_url` is not fetched (the
  `service_notice` says so); photos are added in the app. The reply's `account_id` is the
  user's id.
- errors: <errors><error><code/><description/></error></errors> (a JSON list of {code,
  description}) with the HTTP status as the code: 403 for a missing or unknown api_key when
  filing (or a user who may not file there) and for an unknown api_key when reading, 404 for
  an unknown resource, service_code or jurisdiction_id, 400 for any other bad input, 429 with a
  Retry-After header for filing too often (per address, then per person: governance.throttling).
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.throttling import SimpleRateThrottle

from estates.errors import DomainError, NotAllowed
from estates.models import Estate, Household, User, mask_phone, phone_validator
from estates.scope import scope_of

from . import services
from .models import ApiKey, RequestCategory, RequestEvent, RequestPhoto, ResidentRequest
from .throttling import FilingAddressThrottle, FilingThrottle, too_many_filings

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this module's answers last changed shape (discovery's `changeset`).
CHANGESET = "2026-11-27 00:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# The element of each item of a list, by the list's element (the Spark convention's pairs).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_ADDRESS = 200
MAX_ID = 2**63 - 1
# Statuses that GeoReport calls closed; everything else is open.
CLOSED_STATUSES = ResidentRequest.FINAL_STATUSES
# Timeline steps whose note may be shown publicly as `status_notes`.
Action = RequestEvent.Action
PUBLIC_NOTE_ACTIONS = (
    Action.ROUTED,
    Action.STARTED,
    Action.QUOTED,
    Action.PAYMENT_APPROVED,
    Action.PAYMENT_REJECTED,
    Action.RESOLVED,
    Action.REOPENED,
    Action.WITHDRAWN,
    Action.REJECTED,
)
# A domain error's field, named as the Open311 client sent it.
FIELD_NAMES = {
    "latitude": "lat",
    "longitude": "long",
    "category": "service_code",
    "public_place": "address_string",
    "household": "address_id",
    "place_kind": "address_id",
    "contact_phone": "phone",
}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Runs of digits (with spaces or dashes between) long enough to be a phone or ID number.
_NUMBER_RUN = re.compile(r"\d(?:[\d\- ]*\d)?")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


class Open311Error(Exception):
    """An answer in the specification's error format: HTTP status and one or more descriptions."""

    def __init__(self, status: int, *descriptions: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}


# ---------------------------------------------------------------- keys


@transaction.atomic
def issue_api_key(user: User, *, label: str) -> tuple[ApiKey, str]:
    """Issue an Open311 key that files requests as `user`; returns the key and its value, shown only now."""
    key = ApiKey(user=user, label=label.strip()[:100] or "Open311")
    raw_key = key.set_new_key()
    key.save()
    return key, raw_key


def authenticate_api_key(raw_key: str) -> ApiKey | None:
    """The active key with this value, with its user, if the user may still sign in; its use is recorded."""
    if not raw_key or len(raw_key) > 200:
        return None
    key = ApiKey.objects.select_related("user").filter(key_hash=ApiKey.digest(raw_key), is_active=True).first()
    if key is None or not key.user.is_active:
        return None
    if key.user.is_demo and not settings.DEMO_LOGINS_ENABLED:
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


# ---------------------------------------------------------------- rendering


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEM_TAGS[tag], item) for item in value)
    else:
        element.text = _xml_text(value)
    return element


def render(fmt: str, root: str, body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    """The body as XML under `root`, or as JSON (the body itself: a list, or an object)."""
    if fmt == "json":
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    else:
        content = XML_DECLARATION + ET.tostring(_element(root, body), encoding="utf-8")
    response = HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def render_errors(fmt: str, error: Open311Error) -> HttpResponse:
    body = [{"code": error.status, "description": description} for description in error.descriptions]
    return render(fmt, "errors", body, status=error.status, headers=error.headers)


View = Callable[..., tuple[str, Any] | tuple[str, Any, int]]


def open311_view(*methods: str) -> Callable[[View], Callable[..., HttpResponse]]:
    """Pick the format from the suffix, check method and jurisdiction, turn errors into the spec's format.
    The wrapped view returns (root element, body) or (root element, body, status)."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view: View) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str | None = None, **kwargs: Any) -> HttpResponse:
            fmt = (fmt or "xml").lower()
            if fmt not in CONTENT_TYPES:
                error = Open311Error(404, _("Unknown format “%(format)s”: use .xml or .json.") % {"format": fmt})
                return render_errors("xml", error)
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("Use %(methods)s here.") % {"methods": " or ".join(methods)},
                        headers={"Allow": ", ".join(sorted(allowed))},
                    )
                check_jurisdiction(request)
                root, body, *status = view(request, *args, **kwargs)
            except Open311Error as error:
                return render_errors(fmt, error)
            return render(fmt, root, body, status=status[0] if status else 200)

        return wrapped

    return decorate


def check_jurisdiction(request: HttpRequest) -> None:
    """One jurisdiction per site: `jurisdiction_id` may be absent; when given, it must name this site."""
    given = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip().lower()
    if not given:
        return
    host, _port = split_domain_port(request.get_host())
    known = {host.removeprefix("www.")}
    configured = getattr(settings, "OPEN311_JURISDICTION_ID", "")
    if configured:
        known.add(configured.lower())
    if given.removeprefix("www.") not in known:
        raise Open311Error(404, _("jurisdiction_id “%(id)s” was not found.") % {"id": given[:100]})


# ---------------------------------------------------------------- shapes


def _service_notice(category: RequestCategory) -> str:
    return _(
        "The property company takes a request within %(take)s hours and resolves it within %(resolve)s hours "
        "of taking it; a late request is escalated to the community."
    ) % {"take": category.take_within, "resolve": category.resolve_within}


def service_data(category: RequestCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _service_notice(category),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys([category.name_zh, category.name_en, category.code])),
        "group": _("Estate services"),
    }


def mask_numbers(text: str) -> str:
    """Mask runs of seven digits or more (phones, ID numbers) as 138****1234; dates stay."""

    def mask(match: re.Match[str]) -> str:
        run = match.group(0)
        digits = re.sub(r"\D", "", run)
        if len(digits) < 7 or _DATE.fullmatch(run):
            return run
        return mask_phone(digits)

    return _NUMBER_RUN.sub(mask, text)


def public_requests(viewer: User | None = None) -> QuerySet[ResidentRequest]:
    """The requests a reader may list, with what their Open311 shape needs joined or annotated,
    in one query. Without an api_key only requests about an estate's public areas are shown (a
    resident's requests about their home are theirs alone); with a key, the requests its user
    may see in the app. `request_data` leaves out every personal field either way."""
    first_photo = RequestPhoto.objects.filter(request=OuterRef("pk")).order_by("uploaded_at", "id").values("image")
    latest_step = (
        RequestEvent.objects.filter(request=OuterRef("pk"), action__in=PUBLIC_NOTE_ACTIONS)
        .order_by("-at", "-id")
        .values("note")
    )
    readable = ResidentRequest.objects.filter(place_kind=ResidentRequest.PlaceKind.PUBLIC)
    if viewer is not None:
        readable = readable | ResidentRequest.objects.visible_to(viewer)
    return readable.select_related(
        "category",
        "estate__community",
        "household__unit__building",
        "unit__building",
        "building",
        "accepted_by_organisation",
        # Only to strike their names and phones from the public text.
        "filed_by",
        "on_behalf_of",
    ).annotate(first_photo=Subquery(first_photo[:1]), public_note=Subquery(latest_step[:1]))


def _moment(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value is not None else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def redact(text: str, request: ResidentRequest) -> str:
    """Free text made public: the names and phones of the resident and the filer, and the room
    number, struck out; other phone-like numbers masked. Names written otherwise (李阿姨) stay."""
    people = [person for person in (request.on_behalf_of, request.filed_by) if person is not None]
    secrets = [value for person in people for value in (person.full_name, person.phone) if len(value) >= 2]
    if request.household is not None and len(request.household.room) >= 3:
        secrets.append(request.household.room)
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "**")
    return mask_numbers(text)


def _public_place(request: ResidentRequest) -> str:
    """The building or unit, never the household's room."""
    kind = ResidentRequest.PlaceKind
    if request.place_kind == kind.HOUSEHOLD and request.household is not None:
        return str(request.household.unit)
    if request.place_kind == kind.UNIT and request.unit is not None:
        return str(request.unit)
    if request.place_kind == kind.BUILDING and request.building is not None:
        return request.building.name
    return redact(request.public_place, request)


def _status_notes(request: ResidentRequest) -> str:
    label = request.get_status_display()
    note = redact((getattr(request, "public_note", None) or "").strip(), request)
    return _("%(status)s: %(note)s") % {"status": label, "note": note} if note else str(label)


def _agency(request: ResidentRequest) -> str | None:
    if request.accepted_by_organisation is not None:
        return request.accepted_by_organisation.name
    if request.routed_at is not None:
        return request.estate.community.name
    return None


def request_data(request: ResidentRequest, http_request: HttpRequest) -> dict[str, Any]:
    """A request in GeoReport v2's shape and order, with no personal data (see the module's docstring)."""
    if request.latitude is not None and request.longitude is not None:
        lat, long = request.latitude, request.longitude
    else:
        lat, long = request.estate.latitude, request.estate.longitude
    photo = getattr(request, "first_photo", None)
    media_url = None
    if photo:
        media_url = http_request.build_absolute_uri(RequestPhoto._meta.get_field("image").storage.url(photo))
    return {
        "service_request_id": request.pk,
        "status": "closed" if request.status in CLOSED_STATUSES else "open",
        "status_notes": _status_notes(request),
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": redact(request.description, request) or None,
        "agency_responsible": _agency(request),
        "service_notice": _service_notice(request.category),
        "requested_datetime": _moment(request.created_at),
        "updated_datetime": _moment(request.updated_at),
        "expected_datetime": _moment(request.due_at),
        "address": " ".join(part for part in (request.estate.name, _public_place(request)) if part),
        "address_id": request.estate_id,
        "zipcode": None,
        "lat": _number(lat),
        "long": _number(long),
        "media_url": media_url,
    }


# ---------------------------------------------------------------- reading the query


def _values(query: Any, name: str) -> list[str]:
    """A parameter given comma-separated, repeated, or both; empty values count as absent."""
    return [part.strip() for raw in query.getlist(name) for part in raw.split(",") if part.strip()]


def _int(value: str, *, name: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise Open311Error(400, _("%(name)s must be a positive whole number.") % {"name": name})
    return int(value)


def _when(query: Any, name: str, *, end: bool) -> datetime | None:
    """A w3 date-time (a zone is assumed +08:00 when left out) or a date (its start; for an end, its end)."""
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    # An unencoded "+08:00" arrives as " 08:00".
    raw = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw)
    try:
        moment = parse_datetime(raw)
        day = None if moment is not None else parse_date(raw)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise Open311Error(
            400, _("%(name)s must be a w3 date-time such as 2025-03-01T00:00:00+08:00.") % {"name": name}
        )
    if moment is None:
        moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _span(query: Any) -> tuple[datetime, datetime]:
    start, end = _when(query, "start_date", end=False), _when(query, "end_date", end=True)
    if start is None and end is None:
        end = timezone.now()
        return end - MAX_SPAN, end
    if end is None:
        end = start + MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    return start, end


def _page(query: Any) -> tuple[int, int]:
    page = (query.get("page") or "").strip()
    size = (query.get("page_size") or "").strip()
    number = _int(page, name="page") if page else 1
    per_page = _int(size, name="page_size") if size else MAX_REQUESTS
    if per_page > MAX_REQUESTS:
        raise Open311Error(400, _("page_size must be from 1 to %(max)s.") % {"max": MAX_REQUESTS})
    if number > MAX_ID // per_page:
        raise Open311Error(400, _("page is too large."))
    return number, per_page


def _reader(query: Any) -> User | None:
    """The user of the api_key given with a GET, if any; a wrong key is refused, not ignored."""
    raw = (query.get("api_key") or "").strip()
    if not raw:
        return None
    key = authenticate_api_key(raw)
    if key is None:
        raise Open311Error(403, _("The api_key is not valid."))
    return key.user


def _search(query: Any) -> QuerySet[ResidentRequest]:
    requests = public_requests(_reader(query))
    ids = _values(query, "service_request_id")
    if ids:
        if len(ids) > MAX_REQUESTS:
            raise Open311Error(400, _("Ask for at most %(max)s requests at once.") % {"max": MAX_REQUESTS})
        # The specification: a list of ids overrides every other argument.
        return requests.filter(pk__in=[_int(value, name="service_request_id") for value in ids])
    codes = _values(query, "service_code")
    if codes:
        requests = requests.filter(category__code__in=codes)
    statuses = set(_values(query, "status"))
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise Open311Error(400, _("status must be open or closed (or both, comma-separated)."))
    if statuses == {"open"}:
        requests = requests.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        requests = requests.filter(status__in=CLOSED_STATUSES)
    start, end = _span(query)
    return requests.filter(created_at__gte=start, created_at__lte=end)


# ---------------------------------------------------------------- filing


def _coordinate(value: str, *, name: str, limit: int, problems: list[str]) -> Decimal | None:
    """The coordinate, or None with the problem noted."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not -limit <= number <= limit:
        problems.append(_("%(name)s must be a number from -%(limit)s to %(limit)s.") % {"name": name, "limit": limit})
        return None
    return number


def _estate_for(user: User, address_id: str) -> Estate:
    """The estate named by `address_id`, or the user's only one; the user must live there."""
    estates = sorted(scope_of(user).resident_estate_ids)
    not_resident = Open311Error(
        403,
        _(
            "Only a resident of the estate can file requests with an API key "
            "(community staff file for residents in the app)."
        ),
    )
    if address_id:
        estate = Estate.objects.filter(pk=_int(address_id, name="address_id")).first()
        if estate is None:
            raise Open311Error(400, _("address_id: there is no estate with this id."))
        if estate.pk not in estates:
            raise not_resident
        return estate
    if not estates:
        raise not_resident
    if len(estates) > 1:
        raise Open311Error(400, _("address_id: give the id of the estate the request is about."))
    return Estate.objects.get(pk=estates[0])


def _check_rate(request: HttpRequest, throttle: SimpleRateThrottle) -> None:
    """429, in the specification's error format with a Retry-After header, once the throttle refuses."""
    if throttle.allow_request(request, None):
        return
    wait = throttle.wait()
    headers = {"Retry-After": str(math.ceil(wait))} if wait is not None else {}
    raise Open311Error(429, too_many_filings(wait), headers=headers)


def _callable_phone(post: Any) -> str:
    """The `phone` sent, if it is a number we can call; empty (the resident's own) otherwise."""
    phone = (post.get("phone") or "").strip().replace(" ", "")
    try:
        phone_validator(phone)
    except ValidationError:
        return ""
    return phone


def _file(request: HttpRequest) -> tuple[ResidentRequest, User]:
    post = request.POST
    # Per address before the key is looked at (no key guessing), then per person with the app's filings.
    _check_rate(request, FilingAddressThrottle())
    key = authenticate_api_key((post.get("api_key") or "").strip())
    if key is None:
        raise Open311Error(403, _("Missing or invalid api_key -- can't proceed with create_request."))
    user = key.user
    _check_rate(request, FilingThrottle(filer=user))
    field = {name: (post.get(name) or "").strip() for name in ("service_code", "lat", "long", "address_string")}
    address_id, description = (post.get("address_id") or "").strip(), (post.get("description") or "").strip()
    problems: list[str] = []
    if not field["service_code"]:
        problems.append(_("service_code was not provided."))
    latitude = longitude = None
    if field["lat"] or field["long"]:
        if not (field["lat"] and field["long"]):
            problems.append(_("lat and long must be sent together."))
        else:
            latitude = _coordinate(field["lat"], name="lat", limit=90, problems=problems)
            longitude = _coordinate(field["long"], name="long", limit=180, problems=problems)
    elif not (field["address_string"] or address_id):
        problems.append(_("A location is required: lat and long, address_string or address_id."))
    if address_id and not address_id.isdigit():
        problems.append(_("address_id must be the id of an estate."))
    if len(field["address_string"]) > MAX_ADDRESS:
        problems.append(_("address_string: at most %(limit)s characters.") % {"limit": MAX_ADDRESS})
    if not description:
        problems.append(_("description: describe what needs to be done."))
    if problems:
        raise Open311Error(400, *problems)

    category = RequestCategory.objects.filter(code=field["service_code"], is_active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": field["service_code"][:50]})
    estate = _estate_for(user, address_id)
    place: dict[str, Any] = {"place_kind": ResidentRequest.PlaceKind.PUBLIC, "public_place": field["address_string"]}
    if not field["address_string"]:
        household = (
            Household.objects.filter(pk__in=scope_of(user).household_ids, unit__building__estate=estate)
            .select_related("unit__building")
            .order_by("pk")
            .first()
        )
        if household is not None:
            place = {"place_kind": ResidentRequest.PlaceKind.HOUSEHOLD, "household": household}
    try:
        created = services.file_request(
            estate,
            by=user,
            category=category,
            description=description,
            latitude=latitude,
            longitude=longitude,
            contact_phone=_callable_phone(post),
            **place,
        )
    except DomainError as error:
        name = FIELD_NAMES.get(error.field or "", error.field)
        message = f"{name}: {error.message}" if name else str(error.message)
        raise Open311Error(403 if isinstance(error, NotAllowed) else 400, message) from error
    return created, user


# ---------------------------------------------------------------- views


@open311_view("GET")
def discovery(request: HttpRequest) -> tuple[str, Any]:
    """The discovery document: this one endpoint, its formats, whom to ask, how to get a key."""
    base = request.build_absolute_uri(reverse("open311:discovery")).rsplit("/discovery", 1)[0]
    body = {
        "changeset": CHANGESET,
        "contact": _(
            "Ask the community office (社区) that runs your estate; residents' requests are 点单 in 焕新 Huanxin."
        ),
        "key_service": _(
            "The site's administrators issue API keys (Open311 API keys in the admin). A key files requests "
            "as the resident it belongs to, in their own estate."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return "discovery", body


@open311_view("GET")
def service_list(request: HttpRequest) -> tuple[str, Any]:
    """The active request categories as services."""
    categories = RequestCategory.objects.filter(is_active=True).order_by("position", "id")
    return "services", [service_data(category) for category in categories]


@open311_view("GET")
def service_definition(request: HttpRequest, code: str) -> tuple[str, Any]:
    """A category's definition: no attributes, as every service has `metadata` false."""
    category = RequestCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code[:50]})
    return "service_definition", {"service_code": category.code, "attributes": []}


@csrf_exempt  # authenticated by the api_key in the form, never by cookies
@open311_view("GET", "POST")
def request_list(request: HttpRequest) -> tuple[str, Any] | tuple[str, Any, int]:
    """GET: requests, newest first, by the specification's filters. POST: file one with an api_key."""
    if request.method == "POST":
        created, user = _file(request)
        notice = _service_notice(created.category)
        if (request.POST.get("media_url") or "").strip():
            notice = f"{notice} {_('The media_url was not stored: add photos to the request in the app.')}"
        if (request.POST.get("phone") or "").strip() and not _callable_phone(request.POST):
            notice = f"{notice} {_('The phone is not a number we can call, so the resident’s own number is used.')}"
        return "service_requests", [{"service_request_id": created.pk, "service_notice": notice, "account_id": user.pk}]
    number, per_page = _page(request.GET)
    rows = _search(request.GET).order_by("-created_at", "-id")[(number - 1) * per_page : number * per_page]
    return "service_requests", [request_data(row, request) for row in rows]


@open311_view("GET")
def request_detail(request: HttpRequest, pk: str) -> tuple[str, Any]:
    """One request, as a list of one (the specification's shape)."""
    row = None
    if pk.isdigit() and int(pk) <= MAX_ID:
        row = public_requests(_reader(request.GET)).filter(pk=int(pk)).first()
    if row is None:
        raise Open311Error(404, _("service_request_id “%(id)s” was not found.") % {"id": pk[:30]})
    return "service_requests", [request_data(row, request)]


_FORMAT = r"(?:\.(?P<fmt>[A-Za-z0-9]+))?$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + _FORMAT, discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, service_list, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + _FORMAT, service_definition, name="service"),
    re_path(r"^requests" + _FORMAT, request_list, name="requests"),
    re_path(r"^requests/(?P<pk>[^/.]+)" + _FORMAT, request_detail, name="request"),
]
