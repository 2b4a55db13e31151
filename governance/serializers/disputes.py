"""Shapes of disputes (纠纷) in the API; validation of input. Writes go through services.

Privacy (PIPL): everyone who sees a dispute sees the parties' households; the people behind
them (the person speaking for a household, who raised it) are named only to the estate's
staff and the mediators, and to the person themself. Phones follow `can_view_contact`
(whole for the estate's staff and the person, masked for everyone else).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.models import Estate, Household, User
from estates.permissions import can_view_contact
from estates.scope import scope_of
from estates.serializers import ChoiceLabelField, PersonSerializer, person_data

from ..models import Dispute, DisputeEvent, DisputeParty, DisputeSession
from ..permissions import disputes as permissions


def _viewer(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _person(viewer: Any, person: User | None, *, estate_id: int) -> dict[str, Any] | None:
    if person is None:
        return None
    return person_data(person, show_phone=can_view_contact(viewer, person, estate_ids={estate_id}))


def _sees_people(serializer: serializers.Serializer, dispute: Dispute) -> bool:
    """Cached per dispute for one response: a list asks once per row, not once per field."""
    cache: dict[int, bool] = serializer.context.setdefault("_sees_people", {})
    if dispute.pk not in cache:
        cache[dispute.pk] = permissions.can_see_people(_viewer(serializer), dispute)
    return cache[dispute.pk]


class DisputePartySerializer(serializers.ModelSerializer):
    household_label = serializers.CharField(source="household.__str__", read_only=True)
    side_display = ChoiceLabelField(source="side")
    person = serializers.SerializerMethodField()

    class Meta:
        model = DisputeParty
        fields = ["id", "household", "household_label", "side", "side_display", "person"]

    @extend_schema_field(
        PersonSerializer(
            allow_null=True,
            help_text=_("Who speaks for the household: for the staff, the mediators and the household itself."),
        )
    )
    def get_person(self, party: DisputeParty) -> dict[str, Any] | None:
        if party.person is None:
            return None
        viewer = _viewer(self)
        dispute: Dispute = self.context["dispute"]
        own = party.household_id in scope_of(viewer).household_ids or party.person_id == scope_of(viewer).user_id
        if not own and not _sees_people(self, dispute):
            return None
        return _person(viewer, party.person, estate_id=dispute.estate_id)


class AgendaLinkSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting_id")
    meeting_title = serializers.CharField(source="meeting.title")
    starts_at = serializers.DateTimeField(source="meeting.starts_at")


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute as the viewer may see it (stage, outcome and every workflow field read-only)."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    kind_display = ChoiceLabelField(source="kind")
    stage_display = ChoiceLabelField(source="stage")
    outcome_display = ChoiceLabelField(source="outcome")
    parties = serializers.SerializerMethodField()
    mediators = serializers.SerializerMethodField()
    raised_by = serializers.SerializerMethodField()
    session_count = serializers.IntegerField(read_only=True)
    agenda = serializers.SerializerMethodField()
    is_party = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields = [
            "id",
            "estate",
            "estate_name",
            "kind",
            "kind_display",
            "title",
            "description",
            "stage",
            "stage_display",
            "outcome",
            "outcome_display",
            "outcome_note",
            "parties",
            "mediators",
            "raised_by",
            "session_count",
            "agenda",
            "is_party",
            "actions",
            "created_at",
            "updated_at",
            "settled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DisputePartySerializer(many=True))
    def get_parties(self, dispute: Dispute) -> list[dict[str, Any]]:
        self.context.setdefault("_sees_people", {})  # shared with the parties' serializer
        context = {**self.context, "dispute": dispute}
        return DisputePartySerializer(dispute.parties.all(), many=True, context=context).data

    @extend_schema_field(PersonSerializer(many=True))
    def get_mediators(self, dispute: Dispute) -> list[dict[str, Any]]:
        viewer = _viewer(self)
        return [_person(viewer, mediator, estate_id=dispute.estate_id) for mediator in dispute.mediators.all()]

    @extend_schema_field(
        PersonSerializer(allow_null=True, help_text=_("For the staff and the mediators, and the person themself."))
    )
    def get_raised_by(self, dispute: Dispute) -> dict[str, Any] | None:
        viewer = _viewer(self)
        if dispute.raised_by_id != scope_of(viewer).user_id and not _sees_people(self, dispute):
            return None
        return _person(viewer, dispute.raised_by, estate_id=dispute.estate_id)

    @extend_schema_field(
        AgendaLinkSerializer(many=True, help_text=_("The meetings whose agenda the dispute is on, earliest first."))
    )
    def get_agenda(self, dispute: Dispute) -> list[dict[str, Any]]:
        items = sorted(dispute.agenda_items.all(), key=lambda item: (item.meeting.starts_at, item.meeting_id))
        return AgendaLinkSerializer(items, many=True).data

    def get_is_party(self, dispute: Dispute) -> bool:
        return permissions.is_party(_viewer(self), dispute)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text=_("The actions (POST /disputes/{id}/<action>/) the viewer may take now."),
        )
    )
    def get_actions(self, dispute: Dispute) -> list[str]:
        return permissions.allowed_actions(_viewer(self), dispute)


class DisputeSessionSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = DisputeSession
        fields = ["id", "held_at", "place", "notes", "recorded_by", "recorded_at"]

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_recorded_by(self, session: DisputeSession) -> dict[str, Any] | None:
        return _person(_viewer(self), session.recorded_by, estate_id=self.context["dispute"].estate_id)


class DisputeEventSerializer(serializers.ModelSerializer):
    action_display = ChoiceLabelField(source="action")
    by = serializers.SerializerMethodField()

    class Meta:
        model = DisputeEvent
        fields = ["id", "action", "action_display", "from_stage", "to_stage", "note", "by", "at"]

    @extend_schema_field(
        PersonSerializer(allow_null=True, help_text=_("Null for a party's resident unless the viewer may see them."))
    )
    def get_by(self, event: DisputeEvent) -> dict[str, Any] | None:
        dispute: Dispute = self.context["dispute"]
        viewer = _viewer(self)
        if event.by is None:
            return None
        officials = permissions.mediator_ids(dispute)
        private = event.by_id not in officials and (
            event.by_id == dispute.raised_by_id or any(p.person_id == event.by_id for p in dispute.parties.all())
        )
        if private and event.by_id != scope_of(viewer).user_id and not _sees_people(self, dispute):
            return None
        return _person(viewer, event.by, estate_id=dispute.estate_id)


@extend_schema_field(OpenApiTypes.INT)
class _VisibleHouseholds(serializers.PrimaryKeyRelatedField):
    """Households the user may see: a resident their own, staff and mediators their estates'."""

    def get_queryset(self) -> Any:
        user = getattr(self.context.get("request"), "user", None)
        return Household.objects.visible_to(user).select_related("unit__building")


@extend_schema_field(OpenApiTypes.INT)
class _ActiveUsers(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return User.objects.filter(is_active=True)


class PartyInputSerializer(serializers.Serializer):
    household = _VisibleHouseholds()
    side = serializers.ChoiceField(choices=DisputeParty.Side.choices, default=DisputeParty.Side.APPLICANT)
    person = _ActiveUsers(
        required=False, allow_null=True, help_text=_("A resident of the household who speaks for it.")
    )


class DisputeCreateSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(
        queryset=Estate.objects.all(),
        required=False,
        help_text=_("Optional: by default the estate of the first household."),
    )
    kind = serializers.ChoiceField(choices=Dispute.Kind.choices)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000)
    parties = PartyInputSerializer(many=True, help_text=_("The households: at least the one raising it."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("estate") is None:
            if not attrs["parties"]:
                raise serializers.ValidationError({"parties": [_("Name the household that raises the dispute.")]})
            attrs["estate"] = attrs["parties"][0]["household"].unit.building.estate
        return attrs


class AddPartySerializer(serializers.Serializer):
    household = _VisibleHouseholds()
    side = serializers.ChoiceField(choices=DisputeParty.Side.choices, default=DisputeParty.Side.RESPONDENT)
    person = _ActiveUsers(required=False, allow_null=True)


class AssignMediatorsSerializer(serializers.Serializer):
    mediators = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=True,
        max_length=20,
        help_text=_("Ids of mediators of the estate's dispute-mediation team; replaces the current list."),
    )


class HearSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class SessionInputSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("By default, now."))
    place = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    notes = serializers.CharField(max_length=2000)


class SettleSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Dispute.Outcome.choices)
    note = serializers.CharField(max_length=2000)


class MediatorsQuerySerializer(serializers.Serializer):
    estate = serializers.IntegerField(min_value=1, help_text=_("An estate's id."))
