"""Residents' requests (点单) with their timeline, photos and payments; Open311 API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch, Q, Subquery
from django.db.models.query import ModelIterable
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from estates.models import Building, Estate, Household, Organisation, Unit, User, phone_validator
from renovations.photos import photo_upload_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class RequestCategory(models.Model):
    """What a request is about (维修, 电梯, 保洁…), with the times the company has to take and resolve it."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    take_within = models.PositiveIntegerField(
        _("take within (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_("A request not taken within this time is escalated to the community."),
    )
    resolve_within = models.PositiveIntegerField(
        _("resolve within (hours)"),
        default=72,
        validators=[MinValueValidator(1)],
        help_text=_("The default due time, counted from the moment the request is taken."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        constraints = [
            models.CheckConstraint(condition=Q(take_within__gte=1), name="request_category_take_within_positive"),
            models.CheckConstraint(condition=Q(resolve_within__gte=1), name="request_category_resolve_within_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if language.lower().startswith("zh") else self.name_en


class EstatePolicy(models.Model):
    """How an estate's committee decides payments, and when unanswered requests close.
    Created with the defaults the first time it is needed."""

    class PaymentRule(models.TextChoices):
        DIRECTOR = "director", _("The committee's director decides")
        MAJORITY = "majority", _("A majority of the committee's members decides")

    DEFAULT_AUTO_CLOSE_DAYS = 7

    estate = models.OneToOneField(
        Estate, on_delete=models.CASCADE, related_name="request_policy", verbose_name=_("estate")
    )
    payment_rule = models.CharField(
        _("payment rule"), max_length=10, choices=PaymentRule.choices, default=PaymentRule.DIRECTOR
    )
    auto_close_days = models.PositiveSmallIntegerField(
        _("close resolved requests after (days)"),
        default=DEFAULT_AUTO_CLOSE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A resolved request the resident neither confirms nor reopens closes itself after this time."),
    )

    class Meta:
        verbose_name = _("estate request policy")
        verbose_name_plural = _("estate request policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_rule__in=["director", "majority"]), name="estate_policy_payment_rule_valid"
            ),
            models.CheckConstraint(
                condition=Q(auto_close_days__gte=1, auto_close_days__lte=365), name="estate_policy_auto_close_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.estate)

    @classmethod
    def for_estate(cls, estate: Estate | int) -> EstatePolicy:
        """The estate's policy, created with the defaults when it has none yet."""
        estate_id = estate if isinstance(estate, int) else estate.pk
        policy, _created = cls.objects.get_or_create(estate_id=estate_id)
        return policy


# The people a request names: fetched together, in one query, by `with_related`.
PEOPLE_FIELDS = ("filed_by", "on_behalf_of", "accepted_by", "payment_decided_by")


def attach_people(requests: list[ResidentRequest]) -> None:
    """Fetch every person the requests name in one query and put each in its request's cache
    (four prefetches would cost a query each)."""
    wanted = {getattr(r, f"{name}_id") for r in requests for name in PEOPLE_FIELDS} - {None}
    people = User.objects.in_bulk(wanted) if wanted else {}
    for request in requests:
        for name in PEOPLE_FIELDS:
            person_id = getattr(request, f"{name}_id")
            ResidentRequest._meta.get_field(name).set_cached_value(
                request, people.get(person_id) if person_id is not None else None
            )


class ResidentRequestQuerySet(models.QuerySet["ResidentRequest"]):
    _with_people = False

    def _clone(self) -> ResidentRequestQuerySet:
        clone = super()._clone()
        clone._with_people = self._with_people
        return clone

    def _fetch_all(self) -> None:
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._with_people and self._result_cache and self._iterable_class is ModelIterable:
            attach_people(self._result_cache)

    def visible_to(self, user: User | AnonymousUser) -> ResidentRequestQuerySet:
        """Community staff (and admins above) see every request of their estates; property
        staff those of the estates their company serves; committee members those of their
        estate; a resident only what they filed or what was filed for them. Mediators and
        the public see none."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        if not scope.user_id:
            return self.none()
        condition = Q(filed_by_id=scope.user_id) | Q(on_behalf_of_id=scope.user_id)
        if scope.staff_estate_ids:
            condition |= Q(estate_id__in=scope.staff_estate_ids)
        organisation_ids = [
            org_id
            for org_id, roles in scope.organisation_roles.items()
            if roles & {"property_staff", "committee_member"}
        ]
        if organisation_ids:
            served = Organisation.estates.through.objects.filter(
                organisation_id__in=organisation_ids,
                organisation__kind__in=[Organisation.Kind.PROPERTY_COMPANY, *Organisation.COMMITTEE_KINDS],
            ).values("estate_id")
            condition |= Q(estate_id__in=Subquery(served))
        return self.filter(condition)

    def open(self) -> ResidentRequestQuerySet:
        """Requests still waiting for someone to act."""
        return self.filter(status__in=ResidentRequest.OPEN_STATUSES)

    def overdue(self, now: datetime | None = None) -> ResidentRequestQuerySet:
        """Taken (or routed) requests whose due time has passed and that are not resolved yet."""
        return self.filter(status__in=ResidentRequest.DUE_STATUSES, due_at__lt=now or timezone.now())

    def with_related(self) -> ResidentRequestQuerySet:
        """Everything a request's API shape shows, in a fixed number of queries: the estate,
        category and company joined, the place fetched by id, and the people (filer, resident,
        taker, payer) in one query for the whole page (`attach_people`). Not all joined: past a
        few joins PostgreSQL spends longer planning the query than running it (eleven joins
        planned in 400 ms, four in under 1 ms, on a 10,000-request city)."""
        clone = self.select_related("estate", "category", "accepted_by_organisation").prefetch_related(
            Prefetch("household", queryset=Household.objects.select_related("unit__building")),
            Prefetch("unit", queryset=Unit.objects.select_related("building")),
            "building",
        )
        clone._with_people = True
        return clone

    def without_people(self) -> ResidentRequestQuerySet:
        """`with_related` for a shape that names no person: the people are not fetched."""
        clone = self._chain()
        clone._with_people = False
        return clone


class ResidentRequest(models.Model):
    """A resident's request (点单): filed by the resident or by staff on their behalf, taken
    by the property company (接单) or routed to the community, paid for by the committee
    when it costs money (买单), then resolved and confirmed with a rating."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        ROUTED = "routed", _("Routed to the community")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment approval")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REJECTED = "rejected", _("Rejected")

    class PlaceKind(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        UNIT = "unit", _("Unit")
        BUILDING = "building", _("Building")
        PUBLIC = "public", _("Public area")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    class PaymentStatus(models.TextChoices):
        NONE = "none", _("No payment")
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class EscalationReason(models.TextChoices):
        NOT_TAKEN = "not_taken", _("Not taken in time")
        OVERDUE = "overdue", _("Past its due time")
        MANUAL = "manual", _("Raised by hand")

    S = Status
    TRANSITIONS: dict[str, frozenset[str]] = {
        S.SUBMITTED: frozenset({S.ACCEPTED, S.ROUTED, S.WITHDRAWN, S.REJECTED}),
        S.ACCEPTED: frozenset({S.IN_PROGRESS, S.AWAITING_PAYMENT, S.WITHDRAWN}),
        S.ROUTED: frozenset({S.IN_PROGRESS, S.WITHDRAWN, S.REJECTED}),
        S.IN_PROGRESS: frozenset({S.AWAITING_PAYMENT, S.RESOLVED, S.WITHDRAWN}),
        S.AWAITING_PAYMENT: frozenset({S.IN_PROGRESS}),
        S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
        S.CLOSED: frozenset(),
        S.WITHDRAWN: frozenset(),
        S.REJECTED: frozenset(),
    }
    OPEN_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.ROUTED, S.IN_PROGRESS, S.AWAITING_PAYMENT)
    FINAL_STATUSES = (S.CLOSED, S.WITHDRAWN, S.REJECTED)
    # Statuses in which the due time runs against the party that took the request.
    DUE_STATUSES = (S.ACCEPTED, S.ROUTED, S.IN_PROGRESS)
    del S

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="requests", verbose_name=_("estate"))
    category = models.ForeignKey(
        RequestCategory, on_delete=models.PROTECT, related_name="requests", verbose_name=_("category")
    )
    place_kind = models.CharField(_("place"), max_length=10, choices=PlaceKind.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("household")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("unit")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("building")
    )
    public_place = models.CharField(
        _("public place"), max_length=200, blank=True, help_text=_("For a public area: where, e.g. 北门停车场.")
    )
    description = models.TextField(_("description"), max_length=2000)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)

    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filed_requests", verbose_name=_("filed by")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resident_requests",
        verbose_name=_("resident"),
        help_text=_("The resident the request is for: the filer, or the resident staff filed it for."),
    )
    is_filed_by_staff = models.BooleanField(_("filed by staff"), default=False)
    contact_phone = models.CharField(
        _("contact number"),
        max_length=20,
        blank=True,
        validators=[phone_validator],
        help_text=_("Where the resident can be reached about this request; cleared a while after it has ended."),
    )
    contact_cleared_at = models.DateTimeField(
        _("contact details cleared at"),
        null=True,
        blank=True,
        help_text=_("When the retention job cleared the contact number and the location."),
    )

    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    accepted_by_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accepted_requests",
        verbose_name=_("property company"),
    )
    accepted_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)

    quote_amount = models.DecimalField(_("quoted amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    quote_note = models.TextField(_("quote note"), blank=True)
    quoted_at = models.DateTimeField(_("quoted at"), null=True, blank=True)
    payment_status = models.CharField(
        _("payment"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.NONE
    )
    payment_decided_at = models.DateTimeField(_("payment decided at"), null=True, blank=True)
    payment_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment decided by"),
    )

    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_reason = models.CharField(
        _("escalation reason"), max_length=10, choices=EscalationReason.choices, blank=True
    )
    escalation_note = models.TextField(_("escalation note"), blank=True)

    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentRequestQuerySet.as_manager()

    class Meta:
        db_table = "governance_request"
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident request")
        verbose_name_plural = _("resident requests")
        indexes = [
            # The property company's queue and the staff overview: open requests by due time.
            models.Index(fields=["estate", "status", "due_at"], name="request_estate_queue"),
            models.Index(fields=["accepted_by_organisation", "status", "due_at"], name="request_company_queue"),
            # The sweeps: not taken in time, overdue, resolved and unanswered.
            models.Index(fields=["status", "created_at"], name="request_status_created"),
            models.Index(fields=["status", "resolved_at"], name="request_status_resolved"),
            # The overdue sweep and the overdue lists: open requests that carry a due time, by it.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["accepted", "routed", "in_progress"]),
                name="request_open_due",
            ),
            # The retention job: ended requests that still hold contact details, by their last change.
            models.Index(
                fields=["updated_at"],
                condition=Q(status__in=["closed", "withdrawn", "rejected"], contact_cleared_at__isnull=True),
                name="request_contact_retention",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "submitted",
                        "accepted",
                        "routed",
                        "in_progress",
                        "awaiting_payment",
                        "resolved",
                        "closed",
                        "withdrawn",
                        "rejected",
                    ]
                ),
                name="request_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(place_kind="household", household__isnull=False, unit__isnull=True, building__isnull=True)
                    | Q(place_kind="unit", household__isnull=True, unit__isnull=False, building__isnull=True)
                    | Q(place_kind="building", household__isnull=True, unit__isnull=True, building__isnull=False)
                    | (
                        Q(place_kind="public", household__isnull=True, unit__isnull=True, building__isnull=True)
                        & ~Q(public_place="")
                    )
                ),
                name="request_place_matches_kind",
            ),
            models.CheckConstraint(condition=Q(urgency__in=["normal", "urgent"]), name="request_urgency_valid"),
            models.CheckConstraint(
                condition=Q(payment_status__in=["none", "pending", "approved", "rejected"]),
                name="request_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(escalation_reason__in=["", "not_taken", "overdue", "manual"]),
                name="request_escalation_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="request_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(quote_amount__isnull=True) | Q(quote_amount__gt=0), name="request_quote_positive"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="request_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="request_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category} · {self.place_label}"

    @property
    def place_label(self) -> str:
        """Where, as residents say it: 3号楼3单元501, 3号楼3单元, 3号楼, or the public place."""
        if self.place_kind == self.PlaceKind.HOUSEHOLD and self.household is not None:
            return str(self.household)
        if self.place_kind == self.PlaceKind.UNIT and self.unit is not None:
            return str(self.unit)
        if self.place_kind == self.PlaceKind.BUILDING and self.building is not None:
            return str(self.building)
        return self.public_place

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status in self.DUE_STATUSES and self.due_at is not None and self.due_at < (now or timezone.now())

    def is_not_taken_in_time(self, now: datetime | None = None) -> bool:
        if self.status != self.Status.SUBMITTED:
            return False
        return (now or timezone.now()) - self.created_at > timedelta(hours=self.category.take_within)


class RequestEvent(models.Model):
    """One step of a request's timeline: who did what, when, from which status to which."""

    class Action(models.TextChoices):
        FILED = "filed", _("Filed")
        ACCEPTED = "accepted", _("Taken")
        ROUTED = "routed", _("Routed to the community")
        STARTED = "started", _("Work started")
        QUOTED = "quoted", _("Cost quoted")
        PAYMENT_VOTED = "payment_voted", _("Committee member voted on the payment")
        PAYMENT_APPROVED = "payment_approved", _("Payment approved")
        PAYMENT_REJECTED = "payment_rejected", _("Payment rejected")
        RESOLVED = "resolved", _("Resolved")
        CONFIRMED = "confirmed", _("Confirmed and rated")
        REOPENED = "reopened", _("Reopened")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REJECTED = "rejected", _("Rejected")
        ESCALATED = "escalated", _("Escalated")
        AUTO_CLOSED = "auto_closed", _("Closed without an answer")
        PHOTO_ADDED = "photo_added", _("Photo added")

    request = models.ForeignKey(
        ResidentRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(
        _("from"), max_length=20, choices=ResidentRequest.Status.choices, blank=True, help_text=_("Empty when filed.")
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ResidentRequest.Status.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when the system acted (escalation, closing)."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "filed",
                        "accepted",
                        "routed",
                        "started",
                        "quoted",
                        "payment_voted",
                        "payment_approved",
                        "payment_rejected",
                        "resolved",
                        "confirmed",
                        "reopened",
                        "withdrawn",
                        "rejected",
                        "escalated",
                        "auto_closed",
                        "photo_added",
                    ]
                ),
                name="request_event_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.get_action_display()}"


class RequestPhoto(models.Model):
    """A photo of a request, cleaned of EXIF and stored under a random dated name."""

    request = models.ForeignKey(
        ResidentRequest, on_delete=models.CASCADE, related_name="photos", verbose_name=_("request")
    )
    image = models.ImageField(_("image"), upload_to=photo_upload_to("requests"))
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=photo_upload_to("requests/thumbnails"), null=True, blank=True
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")

    def __str__(self) -> str:
        return f"{self.request_id} · {self.image.name}"


class PaymentVote(models.Model):
    """A committee member's vote on a request's quote (买单). Votes count for the current quote only."""

    request = models.ForeignKey(
        ResidentRequest, on_delete=models.CASCADE, related_name="payment_votes", verbose_name=_("request")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("committee member")
    )
    approve = models.BooleanField(_("approve"))
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("payment vote")
        verbose_name_plural = _("payment votes")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "member"],
                name="payment_vote_once_per_member",
                violation_error_message=_("You have already voted on this payment."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.member_id} · {'+' if self.approve else '-'}"


class ApiKey(models.Model):
    """A key with which an Open311 client files requests as one user (GeoReport v2 `api_key`).

    Only a SHA-256 digest of the key is stored; the key itself is shown once, when issued.
    A key acts for its user alone: it files what the user may file, nothing more."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="open311_keys", verbose_name=_("user")
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("What the key is for, e.g. the app using it."))
    prefix = models.CharField(_("key starts with"), max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Untick to revoke the key."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    @staticmethod
    def digest(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()

    def set_new_key(self) -> str:
        """Give the key a fresh random value (not saved); returns the value, which is stored only as a digest."""
        raw_key = secrets.token_urlsafe(32)
        self.prefix = raw_key[: self.PREFIX_LENGTH]
        self.key_hash = self.digest(raw_key)
        return raw_key
