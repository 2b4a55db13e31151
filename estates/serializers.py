"""Shapes of the registry in the API; validation of input. Writes go through services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Building, Community, Estate, Household, Membership, Organisation, Unit, User, phone_validator
from .privacy import note_contact_read
from .scope import Scope, scope_of


class ChoiceLabelField(serializers.CharField):
    """The label of a choice field's value, as `get_FOO_display()` gives it, looked up in a dict
    made once: DRF calling `get_FOO_display` inspects the method's signature on every row, which
    cost more than the rest of a list's row."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def bind(self, field_name: str, parent: serializers.BaseSerializer) -> None:
        super().bind(field_name, parent)
        model = parent.Meta.model  # type: ignore[attr-defined]
        self.labels = dict(model._meta.get_field(self.source).flatchoices)

    def to_representation(self, value: Any) -> str:
        return str(self.labels.get(value, value))


def _scope(serializer: serializers.Serializer) -> Scope:
    request = serializer.context.get("request")
    return scope_of(getattr(request, "user", None))


class PersonSerializer(serializers.Serializer):
    """A person as others see them: the phone masked unless the viewer needs it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("Masked (138****1234) unless the viewer may see it whole."))


def person_data(user: User, *, show_phone: bool) -> dict[str, Any]:
    """A person for others: the whole phone number only where the viewer needs it, and then
    noted for the log of contact reads (estates.privacy)."""
    if show_phone and user.phone:
        note_contact_read(user.pk)
        return {"id": user.pk, "name": user.display_name, "phone": user.phone}
    return {"id": user.pk, "name": user.display_name, "phone": user.masked_phone}


class CommunitySerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)
    district = serializers.IntegerField(source="street.district_id", read_only=True)
    district_name = serializers.CharField(source="street.district.name", read_only=True)

    class Meta:
        model = Community
        fields = ["id", "name", "street", "street_name", "district", "district_name", "address", "phone"]
        read_only_fields = ["street"]


class OrganisationBriefSerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(source="kind")

    class Meta:
        model = Organisation
        fields = ["id", "kind", "kind_display", "name"]


class EstateSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    street = serializers.IntegerField(source="community.street_id", read_only=True)
    street_name = serializers.CharField(source="community.street.name", read_only=True)
    district_name = serializers.CharField(source="community.street.district.name", read_only=True)
    management_mode_display = ChoiceLabelField(source="management_mode")
    building_count = serializers.IntegerField(read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    organisations = OrganisationBriefSerializer(many=True, read_only=True)
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Estate
        fields = [
            "id",
            "name",
            "community",
            "community_name",
            "street",
            "street_name",
            "district_name",
            "address",
            "management_mode",
            "management_mode_display",
            "built_year",
            "description",
            "latitude",
            "longitude",
            "building_count",
            "household_count",
            "organisations",
            "can_manage",
        ]

    def get_can_manage(self, estate: Estate) -> bool:
        scope = _scope(self)
        return scope.is_superuser or estate.pk in scope.staff_estate_ids


class BuildingSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_count = serializers.IntegerField(read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Building
        fields = [
            "id",
            "estate",
            "estate_name",
            "name",
            "floors",
            "has_lift",
            "built_year",
            "unit_count",
            "household_count",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple) and hasattr(self.instance, "pk"):
            fields["estate"].read_only = True
        return fields


class UnitSerializer(serializers.ModelSerializer):
    building_name = serializers.CharField(source="building.name", read_only=True)
    estate = serializers.IntegerField(source="building.estate_id", read_only=True)
    estate_name = serializers.CharField(source="building.estate.name", read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "building", "building_name", "estate", "estate_name", "name", "household_count"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and hasattr(self.instance, "pk"):
            fields["building"].read_only = True
        return fields


class HouseholdSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    building = serializers.IntegerField(source="unit.building_id", read_only=True)
    building_name = serializers.CharField(source="unit.building.name", read_only=True)
    estate = serializers.IntegerField(source="unit.building.estate_id", read_only=True)
    estate_name = serializers.CharField(source="unit.building.estate.name", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)
    residents = serializers.SerializerMethodField()
    floor_area = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=True
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "unit",
            "unit_name",
            "building",
            "building_name",
            "estate",
            "estate_name",
            "label",
            "room",
            "floor",
            "floor_area",
            "residents",
        ]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(),
            help_text=_("People living here: id, name, phone (masked unless the viewer may see it) and is_owner."),
        )
    )
    def get_residents(self, household: Household) -> list[dict[str, Any]]:
        scope = _scope(self)
        estate_id = household.unit.building.estate_id
        staff = scope.is_superuser or estate_id in scope.staff_estate_ids
        return [
            {
                **person_data(m.user, show_phone=staff or m.user_id == scope.user_id),
                "is_owner": m.is_owner,
            }
            for m in household.residents.all()
        ]


class MemberSerializer(serializers.ModelSerializer):
    role_display = ChoiceLabelField(source="role")
    person = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "role", "role_display", "position", "person", "started_on"]

    @extend_schema_field(PersonSerializer)
    def get_person(self, membership: Membership) -> dict[str, Any]:
        scope = _scope(self)
        organisation = membership.organisation
        staff = scope.is_superuser or (
            organisation is not None and organisation.community_id in scope.staff_community_ids
        )
        return person_data(membership.user, show_phone=staff or membership.user_id == scope.user_id)


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(source="kind")
    community_name = serializers.CharField(source="community.name", read_only=True)
    estates = serializers.PrimaryKeyRelatedField(many=True, queryset=Estate.objects.all(), required=False)
    estate_names = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "community",
            "community_name",
            "estates",
            "estate_names",
            "phone",
            "description",
            "founded_on",
            "members",
        ]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and hasattr(self.instance, "pk"):
            fields["community"].read_only = True
        return fields

    def get_estate_names(self, organisation: Organisation) -> list[str]:
        return [estate.name for estate in organisation.estates.all()]

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, organisation: Organisation) -> list[dict[str, Any]]:
        """Members are listed to the community's staff and to the organisation's own members."""
        scope = _scope(self)
        if not (
            scope.is_superuser
            or organisation.community_id in scope.staff_community_ids
            or organisation.pk in scope.organisation_ids
        ):
            return []
        return MemberSerializer(organisation.members.all(), many=True, context=self.context).data


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField()
    position = serializers.CharField()
    scope_type = serializers.CharField()
    scope_id = serializers.IntegerField()
    scope_name = serializers.CharField()
    estate_ids = serializers.ListField(child=serializers.IntegerField())


class ScopeSerializer(serializers.Serializer):
    is_superuser = serializers.BooleanField()
    staff_community_ids = serializers.ListField(child=serializers.IntegerField())
    staff_estate_ids = serializers.ListField(child=serializers.IntegerField())
    member_estate_ids = serializers.ListField(child=serializers.IntegerField())
    organisation_ids = serializers.ListField(child=serializers.IntegerField())
    household_ids = serializers.ListField(child=serializers.IntegerField())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField(help_text=_("Empty when the account has no e-mail address."))
    is_superuser = serializers.BooleanField()
    roles = RoleSerializer(many=True)
    scope = ScopeSerializer()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class HouseholdImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # the importer explains an empty file in its own words
        help_text=_(
            "An Excel workbook (.xlsx) or CSV file, at most 5 MB. Header row with the columns 楼栋/building, "
            "单元/unit, 房号/room, 建筑面积/floor_area, and optionally 楼层/floor and 总层数/floors."
        ),
    )
    dry_run = serializers.BooleanField(default=False, help_text=_("Check the file and count; write nothing."))


class HouseholdImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row number as Excel shows it (the header row is row 1)."))
    sheet = serializers.CharField(help_text=_("The sheet, when the workbook has data on several sheets."))
    field = serializers.CharField(help_text=_("building, unit, room, floor, floor_area or floors."))
    message = serializers.CharField()


class HouseholdImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    committed = serializers.BooleanField(help_text=_("Whether anything was written."))
    rows = serializers.IntegerField(help_text=_("Rows of data read from the file."))
    buildings_created = serializers.IntegerField()
    units_created = serializers.IntegerField()
    households_created = serializers.IntegerField()
    households_updated = serializers.IntegerField()
    households_unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField(help_text=_("All problems found; `errors` lists the first 1,000."))
    errors = HouseholdImportErrorSerializer(many=True)
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text=_("Columns of the file that were not imported.")
    )


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, help_text=_("Letters, digits and @ . + - _ only; the community office links the account by it.")
    )
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    password_confirm = serializers.CharField(
        required=False,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("The password again; when given, it must be the same."),
    )
    full_name = serializers.CharField(max_length=60)
    phone = serializers.CharField(max_length=20, validators=[phone_validator])
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    privacy_consent = serializers.BooleanField(
        required=False, default=False, help_text=_("Must be true: the person agrees to the privacy notice (/privacy/).")
    )
    consent_version = serializers.CharField(
        max_length=20, help_text=_("The version of the privacy notice the person read; it must be the current one.")
    )

    def validate_privacy_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("You need to agree to the privacy notice to register."))
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "password_confirm" in data and data["password_confirm"] != data["password"]:
            raise serializers.ValidationError({"password_confirm": [_("The two passwords are not the same.")]})
        return data


class RegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class ResidentAddSerializer(serializers.Serializer):
    """Who to link to the household: a registered person, found by username or by phone number."""

    username = serializers.CharField(required=False, allow_blank=True, help_text=_("The person's username."))
    phone = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Or the phone number the person registered with.")
    )
    is_owner = serializers.BooleanField(default=False, help_text=_("The person owns the flat."))

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        username, phone = data.get("username", ""), data.get("phone", "")
        if bool(username) == bool(phone):
            raise serializers.ValidationError(_("Give the person's username or their phone number, one of the two."))
        if username:
            people = list(User.objects.filter(username=username)) or list(
                User.objects.filter(username__iexact=username)[:2]
            )
            if len(people) != 1:
                raise serializers.ValidationError({"username": [_("No one has registered with this username.")]})
        else:
            people = list(User.objects.filter(phone=phone, is_active=True, erased_at__isnull=True)[:2])
            if not people:
                raise serializers.ValidationError({"phone": [_("No one has registered with this phone number.")]})
            if len(people) > 1:
                raise serializers.ValidationError(
                    {"phone": [_("Several people registered with this phone number; give the username instead.")]}
                )
        data["person"] = people[0]
        return data
