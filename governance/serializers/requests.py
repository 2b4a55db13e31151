"""Shapes of resident requests in the API; validation of input. Writes go through services.

Privacy (PIPL): the resident's (and the filer's) name and phone appear only to the
community's staff, to the staff of the company that took the request, and to the resident;
everyone else gets null. The resident's phone and the request's contact number are whole
for those who see them on a request's own page (they must be able to call), and each whole
number shown is logged (estates.privacy); other people's phones are whole only where
`can_view_contact` allows, and masked in a request's history. A list's summary names nobody.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.models import Building, ContactRead, Estate, Household, Unit, User, phone_validator
from estates.permissions import can_view_contact
from estates.privacy import note_contact_read
from estates.serializers import ChoiceLabelField, PersonSerializer, person_data

from .. import permissions
from ..models import RequestCategory, RequestEvent, RequestPhoto, ResidentRequest


def _user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _person(viewer: Any, person: User | None, *, estate_id: int, listing: bool = False) -> dict[str, Any] | None:
    """A person for the viewer; in a list (`listing`) every phone is masked: nobody calls from one."""
    if person is None:
        return None
    show = not listing and can_view_contact(viewer, person, estate_ids={estate_id})
    return person_data(person, show_phone=show)


class RequestCategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the active language."))

    class Meta:
        model = RequestCategory
        fields = ["id", "code", "name", "name_zh", "name_en", "take_within", "resolve_within"]


class RequestPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestPhoto
        fields = ["id", "image", "thumbnail", "width", "height", "uploaded_at"]


class ResidentRequestSerializer(serializers.ModelSerializer):
    """A request as the viewer may see it (status and every workflow field are read-only)."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    place_kind_display = ChoiceLabelField(source="place_kind")
    place_label = serializers.CharField(read_only=True)
    urgency_display = ChoiceLabelField(source="urgency")
    status_display = ChoiceLabelField(source="status")
    resident = serializers.SerializerMethodField()
    filed_by = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    accepted_by = serializers.SerializerMethodField()
    accepted_by_organisation_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    quote_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    payment_status_display = ChoiceLabelField(source="payment_status")
    payment_decided_by = serializers.SerializerMethodField()
    escalation_reason_display = ChoiceLabelField(source="escalation_reason")
    photos = RequestPhotoSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = ResidentRequest
        fields = [
            "id",
            "estate",
            "estate_name",
            "category",
            "category_name",
            "place_kind",
            "place_kind_display",
            "household",
            "unit",
            "building",
            "public_place",
            "place_label",
            "description",
            "urgency",
            "urgency_display",
            "status",
            "status_display",
            "resident",
            "filed_by",
            "is_filed_by_staff",
            "contact_phone",
            "contact_cleared_at",
            "accepted_by",
            "accepted_by_organisation",
            "accepted_by_organisation_name",
            "accepted_at",
            "due_at",
            "is_overdue",
            "routed_at",
            "started_at",
            "quote_amount",
            "quote_note",
            "quoted_at",
            "payment_status",
            "payment_status_display",
            "payment_decided_at",
            "payment_decided_by",
            "resolved_at",
            "resolution_note",
            "closed_at",
            "rating",
            "rating_comment",
            "confirmed_at",
            "reopen_count",
            "escalated_at",
            "escalation_reason",
            "escalation_reason_display",
            "escalation_note",
            "latitude",
            "longitude",
            "photos",
            "actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True, help_text=_("Null unless the viewer may see it.")))
    def get_resident(self, obj: ResidentRequest) -> dict[str, Any] | None:
        viewer = _user(self)
        if not permissions.can_see_people(viewer, obj) or obj.on_behalf_of is None:
            return None
        # Whoever may see the resident at all is someone who has to reach them: the
        # community's staff or the company that took the request (PIPL: purpose-bound). Lists
        # use RequestSummarySerializer, which names nobody.
        return person_data(obj.on_behalf_of, show_phone=True)

    @extend_schema_field(PersonSerializer(allow_null=True, help_text=_("Null unless the viewer may see it.")))
    def get_filed_by(self, obj: ResidentRequest) -> dict[str, Any] | None:
        viewer = _user(self)
        if not permissions.can_see_people(viewer, obj) or obj.filed_by is None:
            return None
        return person_data(obj.filed_by, show_phone=True)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text=_(
                "The number to call about this request: null unless the viewer may see the resident, empty once "
                "cleared by the retention job."
            ),
        )
    )
    def get_contact_phone(self, obj: ResidentRequest) -> str | None:
        viewer = _user(self)
        if not permissions.can_see_people(viewer, obj):
            return None
        if obj.contact_phone:
            note_contact_read(obj.on_behalf_of_id, ContactRead.Field.REQUEST_CONTACT)
        return obj.contact_phone

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_accepted_by(self, obj: ResidentRequest) -> dict[str, Any] | None:
        return _person(_user(self), obj.accepted_by, estate_id=obj.estate_id)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_accepted_by_organisation_name(self, obj: ResidentRequest) -> str | None:
        organisation = obj.accepted_by_organisation
        return organisation.name if organisation is not None else None

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_payment_decided_by(self, obj: ResidentRequest) -> dict[str, Any] | None:
        return _person(_user(self), obj.payment_decided_by, estate_id=obj.estate_id)

    def get_is_overdue(self, obj: ResidentRequest) -> bool:
        return obj.is_overdue(self.context.get("now"))

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text=_("The actions (POST /requests/{id}/<action>/) the viewer may take now."),
        )
    )
    def get_actions(self, obj: ResidentRequest) -> list[str]:
        return permissions.allowed_actions(_user(self), obj, now=self.context.get("now"))


# What only a request's own page shows: the people and the number to call, the photos, the
# notes and the workflow's other moments.
DETAIL_ONLY = frozenset(
    {
        "resident",
        "filed_by",
        "contact_phone",
        "contact_cleared_at",
        "accepted_by",
        "routed_at",
        "started_at",
        "payment_decided_at",
        "payment_decided_by",
        "resolution_note",
        "rating_comment",
        "confirmed_at",
        "reopen_count",
        "escalation_reason",
        "escalation_reason_display",
        "escalation_note",
        "latitude",
        "longitude",
        "photos",
    }
)


class RequestSummarySerializer(ResidentRequestSerializer):
    """A request in a list: what the list pages show (its card: what, where, status, due time,
    cost, rating and the actions open to the viewer). The people, the photos, the notes and
    the workflow's times are on the request's own page (GET /requests/{id}/)."""

    class Meta(ResidentRequestSerializer.Meta):
        fields = [name for name in ResidentRequestSerializer.Meta.fields if name not in DETAIL_ONLY]
        read_only_fields = fields


class RequestEventSerializer(serializers.ModelSerializer):
    action_display = ChoiceLabelField(source="action")
    by = serializers.SerializerMethodField()
    is_system = serializers.SerializerMethodField()

    class Meta:
        model = RequestEvent
        fields = ["id", "action", "action_display", "from_status", "to_status", "note", "by", "is_system", "at"]

    @extend_schema_field(
        PersonSerializer(allow_null=True, help_text=_("Null for the system, or when the viewer may not see it."))
    )
    def get_by(self, event: RequestEvent) -> dict[str, Any] | None:
        request: ResidentRequest = self.context["resident_request"]
        viewer = _user(self)
        if event.by is None:
            return None
        private = event.by_id in (request.on_behalf_of_id, request.filed_by_id)
        if private and not permissions.can_see_people(viewer, request):
            return None
        # The numbers to call are on the request itself; its history masks them.
        return _person(viewer, event.by, estate_id=request.estate_id, listing=True)

    def get_is_system(self, event: RequestEvent) -> bool:
        return event.by_id is None


@extend_schema_field(OpenApiTypes.INT)
class _VisibleHouseholds(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        user = getattr(self.context.get("request"), "user", None)
        return Household.objects.visible_to(user).select_related("unit__building")


class RequestCreateSerializer(serializers.Serializer):
    """A new request. Send JSON, or multipart with up to six `photos`."""

    estate = serializers.PrimaryKeyRelatedField(
        queryset=Estate.objects.all(),
        required=False,
        help_text=_("Optional when a household, unit or building is given (its estate is used)."),
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=RequestCategory.objects.all(), help_text=_("A category code, e.g. plumbing.")
    )
    place_kind = serializers.ChoiceField(choices=ResidentRequest.PlaceKind.choices)
    household = _VisibleHouseholds(required=False, allow_null=True)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.select_related("building"), required=False, allow_null=True
    )
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.all(), required=False, allow_null=True)
    public_place = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    description = serializers.CharField(max_length=2000)
    urgency = serializers.ChoiceField(choices=ResidentRequest.Urgency.choices, default=ResidentRequest.Urgency.NORMAL)
    on_behalf_of = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("Staff only: the resident this request is filed for."),
    )
    contact_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        validators=[phone_validator],
        help_text=_("The number to call about this request; by default the resident's own."),
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=Decimal(-90), max_value=Decimal(90), required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        required=False,
        allow_null=True,
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=6,
        help_text=_("Up to six photos (JPEG, PNG or WEBP, at most 10 MB each); multipart only."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("estate") is None:
            place = attrs.get("household") or attrs.get("unit") or attrs.get("building")
            if isinstance(place, Household):
                attrs["estate"] = place.unit.building.estate
            elif isinstance(place, Unit):
                attrs["estate"] = place.building.estate
            elif isinstance(place, Building):
                attrs["estate"] = place.estate
            else:
                raise serializers.ValidationError({"estate": [_("Choose the estate.")]})
        return attrs


class AcceptSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("By default, the category's time to resolve from now.")
    )


class RouteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class QuoteSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), help_text=_("In yuan, e.g. 350.00.")
    )
    note = serializers.CharField(max_length=2000, help_text=_("What the money is for."))


class ConfirmSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text=_("A JPEG, PNG or WEBP photo of at most 10 MB."))


class FiguresQuerySerializer(serializers.Serializer):
    estate = serializers.IntegerField(required=False, min_value=1, help_text=_("An estate's id."))
    company = serializers.IntegerField(required=False, min_value=1, help_text=_("A property company's id."))
    since = serializers.DateField(required=False, help_text=_("Requests filed on or after this day."))
    until = serializers.DateField(required=False, help_text=_("Requests filed on or before this day."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("estate" in attrs) == ("company" in attrs):
            raise serializers.ValidationError({"detail": [_("Give either an estate or a company.")]})
        if "since" in attrs and "until" in attrs and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": [_("The end comes before the start.")]})
        return attrs


class FiguresSerializer(serializers.Serializer):
    estate = serializers.IntegerField(allow_null=True)
    company = serializers.IntegerField(allow_null=True)
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    taken_count = serializers.IntegerField()
    median_hours_to_take = serializers.FloatField(allow_null=True)
    resolved_count = serializers.IntegerField()
    on_time_count = serializers.IntegerField()
    on_time_share = serializers.FloatField(
        allow_null=True, help_text=_("Resolved by the due time, among resolved and closed requests with one (0–1).")
    )
    rated_count = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True)
    reopened_count = serializers.IntegerField()
    reopen_share = serializers.FloatField(allow_null=True, help_text=_("Among resolved and closed requests (0–1)."))
    escalated_count = serializers.IntegerField()


class MoneyQuerySerializer(serializers.Serializer):
    estate = serializers.IntegerField(min_value=1)


class MoneySerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    count = serializers.IntegerField()
