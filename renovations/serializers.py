"""Shapes of renovation projects in the API, and validation of input. Writes go through services;
the status is read-only (it moves through the `transition` action)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.models import Building, Estate, Household, Organisation, Unit, User
from estates.serializers import ChoiceLabelField

from . import permissions
from .models import (
    Ballot,
    ConsentRule,
    ConsentScope,
    InspectionRecord,
    LedgerEntry,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectPhoto,
)

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}


class PersonBriefSerializer(serializers.Serializer):
    """A person on the public record: name only, never a phone number."""

    id = serializers.IntegerField()
    name = serializers.CharField()


def person_brief(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def _request_user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class FundingOverrideSerializer(serializers.Serializer):
    reason = serializers.CharField()
    by = PersonBriefSerializer(allow_null=True)
    at = serializers.DateTimeField()


class ProjectSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    community = serializers.IntegerField(source="estate.community_id", read_only=True)
    community_name = serializers.CharField(source="estate.community.name", read_only=True)
    kind_display = ChoiceLabelField(source="kind")
    status_display = ChoiceLabelField(source="status")
    consent_rule_display = ChoiceLabelField(source="consent_rule")
    consent_scope_display = ChoiceLabelField(source="consent_scope")
    buildings = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()
    budget = serializers.DecimalField(**MONEY, read_only=True)
    shared_cost = serializers.DecimalField(**MONEY, read_only=True, allow_null=True)
    contractor_name = serializers.CharField(source="contractor.name", read_only=True, default="")
    responsible = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    next_statuses = serializers.SerializerMethodField()
    consent_passed = serializers.SerializerMethodField()
    funding_override = serializers.SerializerMethodField()
    pledged = serializers.DecimalField(**MONEY, read_only=True, help_text=_("Sum of pledges, reversals netted."))
    received = serializers.DecimalField(**MONEY, read_only=True, help_text=_("Sum of receipts, reversals netted."))
    spent = serializers.DecimalField(**MONEY, read_only=True, help_text=_("Sum of expenses, reversals netted."))
    balance = serializers.DecimalField(**MONEY, read_only=True, help_text=_("Received minus spent."))
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "estate",
            "estate_name",
            "community",
            "community_name",
            "kind",
            "kind_display",
            "title",
            "description",
            "buildings",
            "units",
            "budget",
            "shared_cost",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "contractor",
            "contractor_name",
            "responsible",
            "status",
            "status_display",
            "next_statuses",
            "progress",
            "consent_rule",
            "consent_rule_display",
            "consent_scope",
            "consent_scope_display",
            "consent_closed_at",
            "consent_passed",
            "lift_floor_coefficients",
            "lift_weigh_by_area",
            "lift_compensations",
            "funding_override",
            "pledged",
            "received",
            "spent",
            "balance",
            "created_by",
            "created_at",
            "updated_at",
            "can_manage",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(), help_text=_("Buildings the project touches: id and name."))
    )
    def get_buildings(self, project: Project) -> list[dict[str, Any]]:
        return [{"id": b.pk, "name": b.name} for b in project.buildings.all()]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(), help_text=_("Units the project touches: id, building and name.")
        )
    )
    def get_units(self, project: Project) -> list[dict[str, Any]]:
        return [{"id": u.pk, "building": u.building_id, "name": str(u)} for u in project.units.all()]

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_responsible(self, project: Project) -> dict[str, Any] | None:
        return person_brief(project.responsible)

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_created_by(self, project: Project) -> dict[str, Any] | None:
        return person_brief(project.created_by)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=Project.Status.choices),
            help_text=_("Statuses the project may move to next (guards may still refuse)."),
        )
    )
    def get_next_statuses(self, project: Project) -> list[str]:
        return [str(status) for status in project.next_statuses()]

    @extend_schema_field(
        serializers.BooleanField(allow_null=True, help_text=_("The closed vote's result; null while none closed."))
    )
    def get_consent_passed(self, project: Project) -> bool | None:
        return project.consent_passed if project.consent_closed_at else None

    @extend_schema_field(FundingOverrideSerializer(allow_null=True))
    def get_funding_override(self, project: Project) -> dict[str, Any] | None:
        if not project.funding_override_reason:
            return None
        return {
            "reason": project.funding_override_reason,
            "by": person_brief(project.funding_override_by),
            "at": serializers.DateTimeField().to_representation(project.funding_override_at),
        }

    def get_can_manage(self, project: Project) -> bool:
        return permissions.can_manage_project(_request_user(self), project)


class FloorNumbersField(serializers.DictField):
    """{floor: number}: keys are floor numbers (as JSON object keys, strings)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        for key in value:
            try:
                int(key)
            except ValueError:
                raise serializers.ValidationError(_("“%(key)s” is not a floor number.") % {"key": key}) from None
        return value


class ProjectWriteSerializer(serializers.Serializer):
    """Create a project (with `estate`) or change one (PATCH: any subset; the estate and status stay)."""

    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    kind = serializers.ChoiceField(choices=Project.Kind.choices)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    buildings = serializers.PrimaryKeyRelatedField(queryset=Building.objects.all(), many=True, required=False)
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False)
    shared_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text=_("What the households share (lift projects); null: the whole budget."),
    )
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)
    contractor = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    responsible = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    consent_rule = serializers.ChoiceField(choices=ConsentRule.choices, required=False)
    consent_scope = serializers.ChoiceField(choices=ConsentScope.choices, required=False)
    lift_floor_coefficients = FloorNumbersField(
        child=serializers.DecimalField(max_digits=12, decimal_places=6, min_value=Decimal("0")),
        required=False,
        help_text=_('Cost-share weight per floor, for example {"1": "0", "2": "0.6", "6": "1.4"}.'),
    )
    lift_weigh_by_area = serializers.BooleanField(required=False)
    lift_compensations = FloorNumbersField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0")),
        required=False,
        help_text=_('Yuan paid to each household of a floor, for example {"1": "3000.00"}.'),
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:
            del fields["estate"]
        return fields


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Project.Status.choices, help_text=_("The next status."))
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Required to cancel."))
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Funding → construction only: why works start before the money covers the budget."),
    )
    on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The day construction started or the project went into service; default today."),
    )


class ProjectPhotoSerializer(serializers.ModelSerializer):
    stage_display = ChoiceLabelField(source="stage")
    uploaded_by = serializers.SerializerMethodField()

    class Meta:
        model = ProjectPhoto
        fields = [
            "id",
            "project",
            "update",
            "stage",
            "stage_display",
            "caption",
            "image",
            "thumbnail",
            "width",
            "height",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_uploaded_by(self, photo: ProjectPhoto) -> dict[str, Any] | None:
        return person_brief(photo.uploaded_by)


class ProjectPhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text=_("A JPEG, PNG or WEBP photo of at most 10 MB and 40 megapixels; EXIF (GPS) is removed.")
    )
    stage = serializers.ChoiceField(choices=ProjectPhoto.Stage.choices)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    update = serializers.PrimaryKeyRelatedField(
        queryset=ProgressUpdate.objects.all(), required=False, allow_null=True, default=None
    )


class ProgressUpdateSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    photos = ProjectPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "project", "text", "percent", "created_by", "created_at", "photos"]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_created_by(self, update: ProgressUpdate) -> dict[str, Any] | None:
        return person_brief(update.created_by)


class ProgressUpdateCreateSerializer(serializers.Serializer):
    text = serializers.CharField()
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text=_("The project's progress now, 0–100."))


class LedgerEntrySerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(source="kind")
    source_display = ChoiceLabelField(source="source")
    amount = serializers.DecimalField(**MONEY, read_only=True)
    recorded_by = serializers.SerializerMethodField()
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "source",
            "source_display",
            "payer_or_payee",
            "amount",
            "occurred_on",
            "note",
            "recorded_by",
            "recorded_at",
            "reverses",
            "reversed_by",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_recorded_by(self, entry: LedgerEntry) -> dict[str, Any] | None:
        return person_brief(entry.recorded_by)

    @extend_schema_field(
        serializers.IntegerField(allow_null=True, help_text=_("The entry that reverses this one, if any."))
    )
    def get_reversed_by(self, entry: LedgerEntry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class LedgerEntryCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    source = serializers.ChoiceField(
        choices=LedgerEntry.Source.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for pledges and receipts; empty for expenses."),
    )
    payer_or_payee = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    occurred_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LedgerReverseSerializer(serializers.Serializer):
    note = serializers.CharField(help_text=_("Why the entry is reversed."))


class SourceTotalSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=LedgerEntry.Source.choices)
    source_display = serializers.CharField()
    pledged = serializers.DecimalField(**MONEY)
    received = serializers.DecimalField(**MONEY)


class MoneyTotalsSerializer(serializers.Serializer):
    pledged = serializers.DecimalField(**MONEY)
    received = serializers.DecimalField(**MONEY)
    spent = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY, help_text=_("Received minus spent."))
    by_source = SourceTotalSerializer(many=True)


class ProjectsMoneySerializer(MoneyTotalsSerializer):
    project_count = serializers.IntegerField()
    budget = serializers.DecimalField(**MONEY, help_text=_("Sum of the projects' budgets."))


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Project.Status.choices)
    status_display = serializers.CharField()
    count = serializers.IntegerField()


class KindCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Project.Kind.choices)
    kind_display = serializers.CharField()
    count = serializers.IntegerField()


class ProjectStatsSerializer(serializers.Serializer):
    """What a dashboard charts: the selected projects by status and by kind, and their money."""

    project_count = serializers.IntegerField()
    by_status = StatusCountSerializer(many=True, help_text=_("Every status in workflow order, zeros included."))
    by_kind = KindCountSerializer(many=True, help_text=_("The kinds that have projects, most first."))
    money = ProjectsMoneySerializer()


class InspectionRecordSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = InspectionRecord
        fields = ["id", "project", "inspected_on", "inspectors", "passed", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_recorded_by(self, record: InspectionRecord) -> dict[str, Any] | None:
        return person_brief(record.recorded_by)


class InspectionRecordCreateSerializer(serializers.Serializer):
    inspected_on = serializers.DateField()
    inspectors = serializers.CharField(max_length=300)
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BallotSerializer(serializers.ModelSerializer):
    household_label = serializers.CharField(source="household.__str__", read_only=True)
    choice_display = ChoiceLabelField(source="choice")
    cast_by = serializers.SerializerMethodField()

    class Meta:
        model = Ballot
        fields = [
            "id",
            "project",
            "household",
            "household_label",
            "choice",
            "choice_display",
            "is_paper",
            "paper_reference",
            "cast_by",
            "cast_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer)
    def get_cast_by(self, ballot: Ballot) -> dict[str, Any] | None:
        return person_brief(ballot.cast_by)


class BallotCastSerializer(serializers.Serializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all())
    choice = serializers.ChoiceField(choices=Ballot.Choice.choices)
    is_paper = serializers.BooleanField(
        required=False, default=False, help_text=_("Staff recording a paper ballot (with its reference).")
    )
    paper_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)


class ProjectEventSerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(source="kind")
    from_status_display = ChoiceLabelField(source="from_status")
    to_status_display = ChoiceLabelField(source="to_status")
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ProjectEvent
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "actor",
            "at",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "note",
            "data",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonBriefSerializer(allow_null=True))
    def get_actor(self, event: ProjectEvent) -> dict[str, Any] | None:
        return person_brief(event.actor)


class TallySerializer(serializers.Serializer):
    """The counted vote (see renovations.consent): areas in m² as decimal strings, shares as
    exact fractions "n/d" with a rounded percent beside each."""

    rule = serializers.CharField(help_text=_("ordinary or major."))
    total_area = serializers.CharField()
    total_owners = serializers.IntegerField()
    participating_area = serializers.CharField()
    participating_owners = serializers.IntegerField()
    agree_area = serializers.CharField()
    agree_owners = serializers.IntegerField()
    disagree_area = serializers.CharField()
    disagree_owners = serializers.IntegerField()
    abstain_area = serializers.CharField()
    abstain_owners = serializers.IntegerField()
    participation_area_share = serializers.CharField()
    participation_area_share_percent = serializers.FloatField()
    participation_owner_share = serializers.CharField()
    participation_owner_share_percent = serializers.FloatField()
    agree_area_share = serializers.CharField()
    agree_area_share_percent = serializers.FloatField()
    agree_owner_share = serializers.CharField()
    agree_owner_share_percent = serializers.FloatField()
    participation_met = serializers.BooleanField()
    approval_met = serializers.BooleanField()
    passed = serializers.BooleanField()
    participation_required = serializers.CharField()
    approval_required = serializers.CharField()
    approval_bound_included = serializers.BooleanField()


class ConsentSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=ConsentRule.choices)
    rule_display = serializers.CharField()
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    scope_display = serializers.CharField()
    is_open = serializers.BooleanField(help_text=_("Whether ballots may be cast now."))
    closed_at = serializers.DateTimeField(allow_null=True)
    ballot_count = serializers.IntegerField(help_text=_("Households that have voted."))
    tally = TallySerializer(allow_null=True, help_text=_("Live while open; as closed afterwards; null: no vote."))


class CostShareSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    household_label = serializers.CharField()
    floor = serializers.IntegerField()
    floor_area = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=True)
    share = serializers.DecimalField(
        **MONEY, help_text=_("Yuan this household pays; negative: compensation paid to it.")
    )


class CostSharesSerializer(serializers.Serializer):
    configured = serializers.BooleanField(help_text=_("Whether floor coefficients are set."))
    total = serializers.DecimalField(**MONEY, help_text=_("The cost the households share."))
    weigh_by_area = serializers.BooleanField()
    floor_coefficients = serializers.DictField(child=serializers.CharField())
    compensations = serializers.DictField(child=serializers.CharField())
    shares = CostShareSerializer(many=True, help_text=_("Staff see every household; residents their own."))
