"""Every write to residents' requests: one function each, checked, in one transaction.

Each workflow step locks the request row, checks who may act (NotAllowed → 403) and the
transition table (Conflict → 409), validates its input (Invalid → 400), saves, writes a
timeline entry and enqueues any work after the commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Building, Estate, Household, Membership, Organisation, Unit, User, phone_validator
from estates.scope import scope_of
from renovations.photos import CleanPhoto, PhotoRejected, clean_photo, delete_files, make_thumbnail

from .. import permissions
from ..figures import count_rating
from ..models import EstatePolicy, PaymentVote, RequestCategory, RequestEvent, RequestPhoto, ResidentRequest

Person = Any  # User or AnonymousUser
Status = ResidentRequest.Status
Action = RequestEvent.Action

MAX_PHOTOS_AT_FILING = 6
MAX_PHOTOS_PER_REQUEST = 12
MAX_DESCRIPTION = 2000
MAX_AMOUNT = Decimal("9999999999.99")
MAX_DUE = timedelta(days=366)


# ---------------------------------------------------------------- shared steps


def _lock(request: ResidentRequest) -> ResidentRequest:
    """The request, row-locked for the rest of the transaction (its category and estate joined)."""
    return (
        ResidentRequest.objects.select_for_update(of=("self",)).select_related("category", "estate").get(pk=request.pk)
    )


def _require_move(request: ResidentRequest, to: str) -> None:
    if not request.can_move_to(to):
        raise Conflict(
            _("A request that is “%(status)s” cannot become “%(to)s”.")
            % {"status": request.get_status_display(), "to": Status(to).label}
        )


def _event(
    request: ResidentRequest, action: str, *, by: Person | None, from_status: str, note: str = "", at: datetime
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=from_status,
        to_status=request.status,
        note=note,
        by=by if by is not None and by.is_authenticated else None,
        at=at,
    )


def _move(
    request: ResidentRequest,
    to: str,
    *,
    action: str,
    by: Person | None,
    at: datetime,
    note: str = "",
    fields: Sequence[str] = (),
) -> None:
    """Check the table, change the status, save the given fields and write the timeline entry."""
    _require_move(request, to)
    from_status = request.status
    request.status = to
    request.updated_at = at
    request.save(update_fields=["status", "updated_at", *fields])
    _event(request, action, by=by, from_status=from_status, note=note, at=at)


def _text(value: str | None, *, field: str, required: bool, message: str, limit: int = MAX_DESCRIPTION) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid(message, field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _clean_photos(uploads: Iterable[IO[bytes]], *, field: str = "photos") -> list[CleanPhoto]:
    """Clean every upload before anything is stored: one bad photo refuses them all."""
    cleaned = []
    for position, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(clean_photo(upload))
        except PhotoRejected as exc:
            name = getattr(upload, "name", "") or _("photo %(number)s") % {"number": position}
            raise Invalid(f"{name}: {exc.message}", field=field) from exc
    return cleaned


def _store_photo(request: ResidentRequest, photo: CleanPhoto, *, by: Person, at: datetime) -> RequestPhoto:
    stored = RequestPhoto(request=request, width=photo.width, height=photo.height, uploaded_by=by, uploaded_at=at)
    stored.image.save(f"photo.{photo.extension}", photo.content, save=False)
    try:
        stored.save()
    except BaseException:
        delete_files([stored.image])
        raise
    transaction.on_commit(lambda: _enqueue_thumbnail(stored.pk))
    return stored


def _enqueue_thumbnail(photo_id: int) -> None:
    from .. import tasks

    tasks.make_request_thumbnail.delay(photo_id)


# ---------------------------------------------------------------- filing


@transaction.atomic
def file_request(
    estate: Estate,
    *,
    by: Person,
    category: RequestCategory,
    place_kind: str,
    description: str,
    household: Household | None = None,
    unit: Unit | None = None,
    building: Building | None = None,
    public_place: str = "",
    urgency: str = ResidentRequest.Urgency.NORMAL,
    on_behalf_of: User | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photos: Sequence[IO[bytes]] = (),
    contact_phone: str = "",
) -> ResidentRequest:
    """File a request (点单): a resident for their own household or estate, or community staff
    on behalf of a resident of the estate (both people are recorded). Up to six photos; if one
    is not an acceptable photo, nothing is stored."""
    if not (by and by.is_authenticated):
        raise NotAllowed(_("Sign in to file a request."))
    for_someone_else = on_behalf_of is not None and on_behalf_of.pk != by.pk
    if for_someone_else:
        if not permissions.is_estate_staff(by, estate.pk):
            raise NotAllowed(_("Only the community's staff can file a request on a resident's behalf."))
        resident_estates = scope_of(on_behalf_of).resident_estate_ids
        if estate.pk not in resident_estates:
            raise Invalid(_("This person is not a resident of the estate."), field="on_behalf_of")
    elif not permissions.is_estate_resident(by, estate.pk):
        if permissions.is_estate_staff(by, estate.pk):
            raise Invalid(_("Choose the resident you are filing this request for."), field="on_behalf_of")
        raise NotAllowed(_("Only the estate's residents, or its community staff for them, can file requests."))

    if not category.is_active:
        raise Invalid(_("This category is no longer in use."), field="category")
    if urgency not in ResidentRequest.Urgency.values:
        raise Invalid(_("Choose normal or urgent."), field="urgency")
    description = _text(description, field="description", required=True, message=_("Describe what needs to be done."))
    place = _check_place(
        estate,
        by=by,
        for_someone_else=for_someone_else,
        place_kind=place_kind,
        household=household,
        unit=unit,
        building=building,
        public_place=public_place,
    )
    latitude, longitude = _coordinate(latitude, "latitude", 90), _coordinate(longitude, "longitude", 180)
    resident = on_behalf_of if for_someone_else else by
    contact_phone = _contact_phone(contact_phone, default=resident.phone)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS_AT_FILING:
        raise Invalid(_("At most %(count)s photos with a request.") % {"count": MAX_PHOTOS_AT_FILING}, field="photos")
    cleaned = _clean_photos(photos)

    now = timezone.now()
    request = ResidentRequest.objects.create(
        estate=estate,
        category=category,
        place_kind=place_kind,
        description=description,
        urgency=urgency,
        filed_by=by,
        on_behalf_of=resident,
        is_filed_by_staff=for_someone_else,
        contact_phone=contact_phone,
        latitude=latitude,
        longitude=longitude,
        created_at=now,
        updated_at=now,
        **place,
    )
    _event(request, Action.FILED, by=by, from_status="", at=now)
    stored: list[RequestPhoto] = []
    try:
        for photo in cleaned:
            stored.append(_store_photo(request, photo, by=by, at=now))
    except BaseException:
        # The rows go with the transaction; the files of the photos stored before go with them.
        delete_files(row.image for row in stored)
        raise
    return request


def _contact_phone(value: str | None, *, default: str) -> str:
    """The number to call about a request: the one given, else the resident's own."""
    value = (value or "").strip().replace(" ", "")
    if not value:
        return default
    try:
        phone_validator(value)
    except ValidationError as error:
        raise Invalid(error.messages[0], field="contact_phone") from error
    return value


def _coordinate(value: Any, field: str, limit: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Invalid(_("Enter a number."), field=field) from exc
    if not number.is_finite() or not -limit <= number <= limit:
        raise Invalid(_("Enter a number from -%(limit)s to %(limit)s.") % {"limit": limit}, field=field)
    return number.quantize(Decimal("0.000001"))


def _check_place(
    estate: Estate,
    *,
    by: Person,
    for_someone_else: bool,
    place_kind: str,
    household: Household | None,
    unit: Unit | None,
    building: Building | None,
    public_place: str,
) -> dict[str, Any]:
    """The place fields for the kind chosen, each checked to lie in the estate."""
    kind = ResidentRequest.PlaceKind
    given = {"household": household, "unit": unit, "building": building}
    if place_kind not in kind.values:
        raise Invalid(_("Choose a household, a unit, a building or a public area."), field="place_kind")
    for name, value in given.items():
        if value is not None and name != place_kind:
            raise Invalid(_("Give only the place that matches the kind of place chosen."), field=name)
    if place_kind == kind.PUBLIC:
        text = _text(
            public_place, field="public_place", required=True, message=_("Say where in the estate."), limit=200
        )
        return {"public_place": text}
    target = given[place_kind]
    if target is None:
        missing = {
            kind.HOUSEHOLD: _("Choose the household."),
            kind.UNIT: _("Choose the unit."),
            kind.BUILDING: _("Choose the building."),
        }
        raise Invalid(missing[place_kind], field=place_kind)
    estate_id = {
        kind.HOUSEHOLD: lambda: target.unit.building.estate_id,
        kind.UNIT: lambda: target.building.estate_id,
        kind.BUILDING: lambda: target.estate_id,
    }[place_kind]()
    if estate_id != estate.pk:
        raise Invalid(_("This place is not in the estate."), field=place_kind)
    if place_kind == kind.HOUSEHOLD and not for_someone_else and target.pk not in scope_of(by).household_ids:
        raise Invalid(_("You can file for your own household only."), field="household")
    return {place_kind: target}


@transaction.atomic
def add_request_photo(request: ResidentRequest, *, by: Person, upload: IO[bytes]) -> RequestPhoto:
    """Add a photo to an open or resolved request: the resident, the staff, the company working on it.
    The photo is cleaned first; a rejected one stores nothing."""
    if not permissions.can_add_photo(by, request):
        raise NotAllowed(_("Only the resident and those handling the request can add photos."))
    (photo,) = _clean_photos([upload], field="image")  # before the lock: decoding a large photo takes a while
    request = _lock(request)
    if not permissions.can_add_photo(by, request):
        raise NotAllowed(_("Only the resident and those handling the request can add photos."))
    if request.status in ResidentRequest.FINAL_STATUSES:
        raise Conflict(_("Photos cannot be added to a closed, withdrawn or rejected request."))
    if request.photos.count() >= MAX_PHOTOS_PER_REQUEST:
        raise Invalid(_("A request has at most %(count)s photos.") % {"count": MAX_PHOTOS_PER_REQUEST}, field="photos")
    now = timezone.now()
    _event(request, Action.PHOTO_ADDED, by=by, from_status=request.status, at=now)
    # Stored last: nothing can fail after the file is written but the commit.
    return _store_photo(request, photo, by=by, at=now)


def make_request_photo_thumbnail(photo_id: int) -> RequestPhoto | None:
    """Make a photo's thumbnail, once (a second run, or a deleted photo, does nothing)."""
    photo = RequestPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return photo
    try:
        with photo.image.open("rb") as source:
            thumbnail = make_thumbnail(source)
    except (PhotoRejected, FileNotFoundError):
        return photo
    photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
    RequestPhoto.objects.filter(Q(thumbnail__isnull=True) | Q(thumbnail=""), pk=photo.pk).update(
        thumbnail=photo.thumbnail.name
    )
    return photo


# ---------------------------------------------------------------- taking the request


def _due(request: ResidentRequest, due_at: datetime | None, now: datetime) -> datetime:
    if due_at is None:
        return now + timedelta(hours=request.category.resolve_within)
    due_at = _aware(due_at)
    if due_at <= now:
        raise Invalid(_("The due time must be in the future."), field="due_at")
    if due_at > now + MAX_DUE:
        raise Invalid(_("The due time must be within a year."), field="due_at")
    return due_at


@transaction.atomic
def accept_request(request: ResidentRequest, *, by: Person, due_at: datetime | None = None) -> ResidentRequest:
    """Take a submitted request (接单) for the user's property company, due by `due_at`
    (by default the category's time to resolve from now)."""
    request = _lock(request)
    if not permissions.can_accept(by, request):
        raise NotAllowed(_("Only staff of a property company serving this estate can take requests."))
    _require_move(request, Status.ACCEPTED)
    now = timezone.now()
    request.due_at = _due(request, due_at, now)
    request.accepted_by = by
    request.accepted_by_organisation_id = permissions.company_for(by, request.estate_id)
    request.accepted_at = now
    _move(
        request,
        Status.ACCEPTED,
        action=Action.ACCEPTED,
        by=by,
        at=now,
        fields=["due_at", "accepted_by", "accepted_by_organisation", "accepted_at"],
    )
    return request


@transaction.atomic
def route_request(
    request: ResidentRequest, *, by: Person, note: str = "", due_at: datetime | None = None
) -> ResidentRequest:
    """Hand a submitted request to the community (no company takes it, or it is the community's business)."""
    request = _lock(request)
    if not permissions.can_route(by, request):
        raise NotAllowed(_("Only the property company or the community's staff can route a request."))
    _require_move(request, Status.ROUTED)
    note = _text(note, field="note", required=False, message="")
    now = timezone.now()
    request.due_at = _due(request, due_at, now)
    request.routed_at = now
    _move(request, Status.ROUTED, action=Action.ROUTED, by=by, at=now, note=note, fields=["due_at", "routed_at"])
    return request


@transaction.atomic
def start_request(request: ResidentRequest, *, by: Person, note: str = "") -> ResidentRequest:
    """Start work on a taken request (the company) or a routed one (the community)."""
    request = _lock(request)
    if not permissions.can_start(by, request):
        raise NotAllowed(_("Only whoever took the request can start work on it."))
    if request.status not in (Status.ACCEPTED, Status.ROUTED):
        raise Conflict(
            _("A request that is “%(status)s” cannot be started.") % {"status": request.get_status_display()}
        )
    note = _text(note, field="note", required=False, message="")
    now = timezone.now()
    request.started_at = now
    _move(request, Status.IN_PROGRESS, action=Action.STARTED, by=by, at=now, note=note, fields=["started_at"])
    return request


# ---------------------------------------------------------------- 买单: quote and payment


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise Invalid(_("Enter the amount in yuan, e.g. 350.00."), field="amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise Invalid(_("The amount must be more than zero."), field="amount")
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise Invalid(_("Enter the amount in yuan with at most two decimals."), field="amount")
    return amount


@transaction.atomic
def quote_request(request: ResidentRequest, *, by: Person, amount: Decimal, note: str) -> ResidentRequest:
    """The company asks the committee to pay (买单) for the work: amount and what it is for.
    A new quote replaces an earlier (rejected) one, and its votes."""
    request = _lock(request)
    if not permissions.can_quote(by, request):
        raise NotAllowed(_("Only the property company that took the request can quote a cost."))
    _require_move(request, Status.AWAITING_PAYMENT)
    amount = _amount(amount)
    note = _text(note, field="note", required=True, message=_("Say what the money is for."))
    now = timezone.now()
    request.payment_votes.all().delete()
    request.quote_amount = amount
    request.quote_note = note
    request.quoted_at = now
    request.payment_status = ResidentRequest.PaymentStatus.PENDING
    request.payment_decided_at = None
    request.payment_decided_by = None
    _move(
        request,
        Status.AWAITING_PAYMENT,
        action=Action.QUOTED,
        by=by,
        at=now,
        note=f"¥{amount:,.2f} · {note}",
        fields=[
            "quote_amount",
            "quote_note",
            "quoted_at",
            "payment_status",
            "payment_decided_at",
            "payment_decided_by",
        ],
    )
    return request


def committee_size(estate_id: int) -> int:
    """Active members of the estate's owners' or residents' management committee."""
    return (
        Membership.objects.active()
        .filter(
            role=Membership.Role.COMMITTEE_MEMBER,
            organisation__kind__in=Organisation.COMMITTEE_KINDS,
            organisation__estates=estate_id,
        )
        .values("user_id")
        .distinct()
        .count()
    )


def _decide_payment(request: ResidentRequest, *, by: Person, approve: bool, note: str) -> ResidentRequest:
    request = _lock(request)
    if not permissions.can_decide_payment(by, request):
        raise NotAllowed(_("Only members of the estate's committee decide on payments."))
    policy = EstatePolicy.for_estate(request.estate_id)
    by_director = policy.payment_rule == EstatePolicy.PaymentRule.DIRECTOR
    if by_director and not permissions.is_committee_director(by, request.estate_id):
        raise NotAllowed(_("Under this estate's rule, the committee's director (主任) decides on payments."))
    if request.status != Status.AWAITING_PAYMENT:
        raise Conflict(_("There is no quote waiting for a decision."))
    if PaymentVote.objects.filter(request=request, member=by).exists():
        raise Conflict(_("You have already voted on this payment."))
    note = _text(note, field="note", required=False, message="")
    now = timezone.now()
    PaymentVote.objects.create(request=request, member=by, approve=approve, note=note, at=now)

    if by_director:
        decided: bool | None = approve
    else:
        # Majority rule: decided once approvals, or rejections, pass half of the active members.
        members = committee_size(request.estate_id)
        tally = request.payment_votes.aggregate(
            yes=Count("id", filter=Q(approve=True)), no=Count("id", filter=Q(approve=False))
        )
        decided = None
        if tally["yes"] * 2 > members:
            decided = True
        elif tally["no"] * 2 > members:
            decided = False
        vote_note = _("approves") if approve else _("rejects")
        _event(
            request,
            Action.PAYMENT_VOTED,
            by=by,
            from_status=request.status,
            note=f"{vote_note}: {note}" if note else vote_note,
            at=now,
        )
    if decided is None:
        request.updated_at = now
        request.save(update_fields=["updated_at"])
        return request

    request.payment_status = (
        ResidentRequest.PaymentStatus.APPROVED if decided else ResidentRequest.PaymentStatus.REJECTED
    )
    request.payment_decided_at = now
    request.payment_decided_by = by
    request.started_at = request.started_at or now
    _move(
        request,
        Status.IN_PROGRESS,
        action=Action.PAYMENT_APPROVED if decided else Action.PAYMENT_REJECTED,
        by=by,
        at=now,
        note=note,
        fields=["payment_status", "payment_decided_at", "payment_decided_by", "started_at"],
    )
    return request


@transaction.atomic
def approve_payment(request: ResidentRequest, *, by: Person, note: str = "") -> ResidentRequest:
    """A committee member approves the quote: the director alone decides, or the vote counts
    towards a majority of the committee, by the estate's rule. Work goes on once decided."""
    return _decide_payment(request, by=by, approve=True, note=note)


@transaction.atomic
def reject_payment(request: ResidentRequest, *, by: Person, note: str = "") -> ResidentRequest:
    """A committee member rejects the quote (same rule as approving). Once rejected, the company
    may resolve the request without charge or quote again."""
    return _decide_payment(request, by=by, approve=False, note=note)


# ---------------------------------------------------------------- resolving and the resident's answer


@transaction.atomic
def resolve_request(request: ResidentRequest, *, by: Person, note: str = "") -> ResidentRequest:
    """Report the work done; the resident then confirms or reopens."""
    request = _lock(request)
    if not permissions.can_resolve(by, request):
        raise NotAllowed(_("Only whoever took the request can resolve it."))
    _require_move(request, Status.RESOLVED)
    note = _text(note, field="note", required=False, message="")
    now = timezone.now()
    request.resolved_at = now
    request.resolution_note = note
    _move(
        request,
        Status.RESOLVED,
        action=Action.RESOLVED,
        by=by,
        at=now,
        note=note,
        fields=["resolved_at", "resolution_note"],
    )
    return request


@transaction.atomic
def confirm_request(request: ResidentRequest, *, by: Person, rating: int, comment: str = "") -> ResidentRequest:
    """The resident (or the staff who filed for them) confirms the result with a rating of 1–5."""
    request = _lock(request)
    if not permissions.can_confirm(by, request):
        raise NotAllowed(_("Only the resident who asked can confirm the result."))
    _require_move(request, Status.CLOSED)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid(_("Rate from 1 to 5 stars."), field="rating")
    comment = _text(comment, field="comment", required=False, message="")
    now = timezone.now()
    request.rating = rating
    request.rating_comment = comment
    request.confirmed_at = now
    request.closed_at = now
    _move(
        request,
        Status.CLOSED,
        action=Action.CONFIRMED,
        by=by,
        at=now,
        note=f"{'★' * rating} {comment}".strip(),
        fields=["rating", "rating_comment", "confirmed_at", "closed_at"],
    )
    count_rating(request.estate_id, rating)
    return request


@transaction.atomic
def reopen_request(request: ResidentRequest, *, by: Person, reason: str) -> ResidentRequest:
    """The resident is not satisfied: the request goes back to work (reopens are counted)."""
    request = _lock(request)
    if not permissions.can_reopen(by, request):
        raise NotAllowed(_("Only the resident who asked can reopen the request."))
    if request.status != Status.RESOLVED:
        raise Conflict(_("Only a resolved request can be reopened."))
    reason = _text(reason, field="reason", required=True, message=_("Say what is still wrong."))
    now = timezone.now()
    request.reopen_count += 1
    request.resolved_at = None
    _move(
        request,
        Status.IN_PROGRESS,
        action=Action.REOPENED,
        by=by,
        at=now,
        note=reason,
        fields=["reopen_count", "resolved_at"],
    )
    return request


@transaction.atomic
def withdraw_request(request: ResidentRequest, *, by: Person, note: str = "") -> ResidentRequest:
    """The resident no longer needs it (before any payment is waiting or the work is done)."""
    request = _lock(request)
    if not permissions.can_withdraw(by, request):
        raise NotAllowed(_("Only the resident who asked can withdraw the request."))
    _require_move(request, Status.WITHDRAWN)
    note = _text(note, field="note", required=False, message="")
    _move(request, Status.WITHDRAWN, action=Action.WITHDRAWN, by=by, at=timezone.now(), note=note)
    return request


@transaction.atomic
def reject_request(request: ResidentRequest, *, by: Person, reason: str) -> ResidentRequest:
    """Turn a request down with a reason, e.g. a duplicate or not the estate's business."""
    request = _lock(request)
    if not permissions.can_reject(by, request):
        raise NotAllowed(_("Only the property company or the community's staff can reject a request."))
    _require_move(request, Status.REJECTED)
    reason = _text(reason, field="reason", required=True, message=_("Give the reason for rejecting it."))
    request.resolution_note = reason
    _move(
        request,
        Status.REJECTED,
        action=Action.REJECTED,
        by=by,
        at=timezone.now(),
        note=reason,
        fields=["resolution_note"],
    )
    return request


# ---------------------------------------------------------------- escalation and closing


@transaction.atomic
def escalate_request(request: ResidentRequest, *, by: Person, note: str = "") -> ResidentRequest:
    """Flag a request for the community's staff (and the joint meeting's agenda): staff at any
    time, the resident once it is overdue or was not taken in time. Not a status change."""
    request = _lock(request)
    if not permissions.can_escalate(by, request):
        raise NotAllowed(_("Only the resident or the community's staff can escalate a request."))
    if request.status not in ResidentRequest.OPEN_STATUSES:
        raise Conflict(_("Only an open request can be escalated."))
    if request.escalated_at is not None:
        raise Conflict(_("This request has already been escalated."))
    now = timezone.now()
    late = request.is_overdue(now) or request.is_not_taken_in_time(now)
    if not late and not permissions.is_estate_staff(by, request.estate_id):
        raise Conflict(_("A request can be escalated once it is overdue or has not been taken in time."))
    note = _text(note, field="note", required=False, message="")
    request.escalated_at = now
    request.escalation_reason = ResidentRequest.EscalationReason.MANUAL
    request.escalation_note = note
    request.updated_at = now
    request.save(update_fields=["escalated_at", "escalation_reason", "escalation_note", "updated_at"])
    _event(request, Action.ESCALATED, by=by, from_status=request.status, note=note, at=now)
    return request


def _flag(rows: list[tuple[int, str]], *, reason: str, now: datetime) -> int:
    if not rows:
        return 0
    ids = [pk for pk, _status in rows]
    ResidentRequest.objects.filter(pk__in=ids, escalated_at__isnull=True).update(
        escalated_at=now, escalation_reason=reason, updated_at=now
    )
    label = ResidentRequest.EscalationReason(reason).label
    RequestEvent.objects.bulk_create(
        RequestEvent(
            request_id=pk, action=Action.ESCALATED, from_status=status, to_status=status, note=str(label), at=now
        )
        for pk, status in rows
    )
    return len(rows)


@transaction.atomic
def escalate_overdue_requests(now: datetime | None = None) -> int:
    """The system's sweep: flag requests not taken within their category's time, and taken ones
    past their due time. Each request is flagged once; running it again changes nothing.
    Returns how many were flagged."""
    now = now or timezone.now()
    by_hours: dict[int, list[int]] = defaultdict(list)
    for category_id, hours in RequestCategory.objects.values_list("id", "take_within"):
        by_hours[hours].append(category_id)
    flagged = 0
    if by_hours:
        late = reduce(
            or_,
            (Q(category_id__in=ids, created_at__lt=now - timedelta(hours=h)) for h, ids in by_hours.items()),
        )
        # skip_locked: a request being moved right now is flagged on the next run, if still late.
        not_taken = list(
            ResidentRequest.objects.filter(late, status=Status.SUBMITTED, escalated_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", "status")
        )
        flagged += _flag(not_taken, reason=ResidentRequest.EscalationReason.NOT_TAKEN, now=now)
    overdue = list(
        ResidentRequest.objects.overdue(now)
        .filter(escalated_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("id", "status")
    )
    flagged += _flag(overdue, reason=ResidentRequest.EscalationReason.OVERDUE, now=now)
    return flagged


@transaction.atomic
def close_unanswered_requests(now: datetime | None = None) -> int:
    """The system's sweep: a request resolved at least the estate's `auto_close_days` ago that
    the resident neither confirmed nor reopened is closed, without a rating. Returns how many."""
    now = now or timezone.now()
    by_days: dict[int, list[int]] = defaultdict(list)
    for estate_id, days in EstatePolicy.objects.exclude(
        auto_close_days=EstatePolicy.DEFAULT_AUTO_CLOSE_DAYS
    ).values_list("estate_id", "auto_close_days"):
        by_days[days].append(estate_id)
    custom = [estate_id for ids in by_days.values() for estate_id in ids]
    due = Q(resolved_at__lte=now - timedelta(days=EstatePolicy.DEFAULT_AUTO_CLOSE_DAYS)) & ~Q(estate_id__in=custom)
    for days, ids in by_days.items():
        due |= Q(estate_id__in=ids, resolved_at__lte=now - timedelta(days=days))
    ids = list(
        ResidentRequest.objects.filter(due, status=Status.RESOLVED)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("id", flat=True)
    )
    if not ids:
        return 0
    ResidentRequest.objects.filter(pk__in=ids, status=Status.RESOLVED).update(
        status=Status.CLOSED, closed_at=now, updated_at=now
    )
    RequestEvent.objects.bulk_create(
        RequestEvent(
            request_id=pk, action=Action.AUTO_CLOSED, from_status=Status.RESOLVED, to_status=Status.CLOSED, at=now
        )
        for pk in ids
    )
    return len(ids)
