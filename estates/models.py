"""Places, organisations and people: the registry every other app builds on."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scope import scope_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$",
    _("Enter a mobile number of 11 digits or a landline such as 0353-1234567."),
)


def mask_phone(phone: str) -> str:
    """138****1234: keep the first three and last four digits of a mobile number."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


class EstateScopedQuerySet(models.QuerySet):
    """Rows that belong to an estate; `estate_field` is the lookup from the row to the estate's id.

    Other apps' QuerySets (projects, requests, …) build on this, so that "managed by" means the
    same thing everywhere: the staff of the estate's community and the admins above them.
    """

    estate_field = "estate_id"

    def managed_by(self, user: User | AnonymousUser) -> Any:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(**{f"{self.estate_field}__in": scope.staff_estate_ids})

    def in_private_scope_of(self, user: User | AnonymousUser) -> Any:
        """Rows of the estates whose private information the user may read (staff, the
        estate's organisations, residents)."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(**{f"{self.estate_field}__in": scope.private_estate_ids})


class User(AbstractUser):
    """A person who signs in. Roles come from `Membership` rows, each with its scope."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True, validators=[phone_validator])
    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Demo accounts can sign in only while DEBUG is on.")
    )
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        help_text=_(
            "When the person's data was erased at their request; the account stays as a name-less placeholder."
        ),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return str(_("Erased account"))
        return self.full_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class District(models.Model):
    """A city district (城区) — the top of the hierarchy."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    city = models.CharField(_("city"), max_length=60, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A sub-district (街道)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"],
                name="street_unique_name",
                violation_error_message=_("A street of this name is already registered in this district."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CommunityQuerySet(models.QuerySet["Community"]):
    def visible_to(self, user: User | AnonymousUser) -> CommunityQuerySet:
        """Communities are public: their names and places are on every estate page."""
        return self.all()

    def managed_by(self, user: User | AnonymousUser) -> CommunityQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(pk__in=scope.staff_community_ids)


class Community(models.Model):
    """A community (社区) with its residents' committee; staff work at this level."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street"))
    name = models.CharField(_("name"), max_length=60)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"],
                name="community_unique_name",
                violation_error_message=_("A community of this name is already registered on this street."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class EstateQuerySet(EstateScopedQuerySet):
    estate_field = "pk"

    def visible_to(self, user: User | AnonymousUser) -> EstateQuerySet:
        """Estates are public: every estate has a public page."""
        return self.all()

    def with_counts(self) -> EstateQuerySet:
        """Buildings and households per estate, as correlated subqueries: computed for the rows
        of the page only (a GROUP BY over the joins would count every household of the city
        before the first row, and again for the list's count)."""
        buildings = (
            Building.objects.filter(estate=models.OuterRef("pk"))
            .order_by()
            .values("estate")
            .annotate(n=models.Count("*"))
            .values("n")
        )
        households = (
            Household.objects.filter(unit__building__estate=models.OuterRef("pk"))
            .order_by()
            .values("unit__building__estate")
            .annotate(n=models.Count("*"))
            .values("n")
        )
        return self.annotate(
            building_count=Coalesce(models.Subquery(buildings), 0),
            household_count=Coalesce(models.Subquery(households), 0),
        )


class Estate(models.Model):
    """A residential estate (小区)."""

    class ManagementMode(models.TextChoices):
        PROPERTY_COMPANY = "property_company", _("Property company")
        SELF_MANAGED = "self_managed", _("Residents' management committee")
        NONE = "none", _("Unmanaged (三无)")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="estates", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=60)
    address = models.CharField(_("address"), max_length=200, blank=True)
    management_mode = models.CharField(
        _("management mode"), max_length=20, choices=ManagementMode.choices, default=ManagementMode.NONE
    )
    built_year = models.PositiveSmallIntegerField(
        _("year built"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    description = models.TextField(_("description"), blank=True)
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EstateQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                name="estate_unique_name",
                violation_error_message=_("An estate of this name is already registered in this community."),
            ),
            models.CheckConstraint(
                condition=Q(management_mode__in=["property_company", "self_managed", "none"]),
                name="estate_management_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(built_year__isnull=True) | Q(built_year__gte=1900, built_year__lte=2100),
                name="estate_built_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BuildingQuerySet(EstateScopedQuerySet):
    estate_field = "estate_id"

    def visible_to(self, user: User | AnonymousUser) -> BuildingQuerySet:
        """Buildings are public, like the estates they stand in."""
        return self.all()


class Building(models.Model):
    """A building (楼) of an estate, named as residents say it: 3号楼."""

    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("estate"))
    name = models.CharField(_("name"), max_length=30)
    floors = models.PositiveSmallIntegerField(
        _("floors above ground"), default=6, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    has_lift = models.BooleanField(_("has a lift"), default=False)
    built_year = models.PositiveSmallIntegerField(
        _("year built"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )

    objects = BuildingQuerySet.as_manager()

    class Meta:
        ordering = ["estate", "name", "id"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "name"],
                name="building_unique_name",
                violation_error_message=_("A building of this name is already registered in this estate."),
            ),
            models.CheckConstraint(condition=Q(floors__gte=1, floors__lte=200), name="building_floors_range"),
            models.CheckConstraint(
                condition=Q(built_year__isnull=True) | Q(built_year__gte=1900, built_year__lte=2100),
                name="building_built_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(EstateScopedQuerySet):
    estate_field = "building__estate_id"

    def visible_to(self, user: User | AnonymousUser) -> UnitQuerySet:
        """Units (stairwells) are public, like their buildings."""
        return self.all()


class Unit(models.Model):
    """A unit (单元): one stairwell of a building."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("building"))
    name = models.CharField(_("name"), max_length=30)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["building", "name", "id"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "name"],
                name="unit_unique_name",
                violation_error_message=_("A unit of this name is already registered in this building."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.building.name}{self.name}"


class HouseholdQuerySet(EstateScopedQuerySet):
    estate_field = "unit__building__estate_id"

    def visible_to(self, user: User | AnonymousUser) -> HouseholdQuerySet:
        """Households are private: staff of the estate's community (and admins above),
        the estate's organisations (committee, property company, mediators), and the
        household's own residents."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(unit__building__estate_id__in=scope.staff_estate_ids | scope.member_estate_ids)
            | Q(pk__in=scope.household_ids)
        )


class Household(models.Model):
    """A household (户): one flat, with the floor area that owners' votes weigh."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="households", verbose_name=_("unit"))
    room = models.CharField(_("room number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), validators=[MinValueValidator(-5), MaxValueValidator(200)])
    floor_area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "floor", "room", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "room"],
                name="household_unique_room",
                violation_error_message=_("This room is already registered in this unit."),
            ),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="household_floor_area_positive"),
            models.CheckConstraint(condition=Q(floor__gte=-5, floor__lte=200), name="household_floor_range"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.building.name}{self.unit.name}{self.room}"


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: User | AnonymousUser) -> OrganisationQuerySet:
        """Organisations are public (who runs an estate is shown on its page);
        their members are not — see `Membership.objects.visible_to`."""
        return self.all()

    def managed_by(self, user: User | AnonymousUser) -> OrganisationQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(community_id__in=scope.staff_community_ids)


class Organisation(models.Model):
    """A body that takes part in running estates, registered by a community."""

    class Kind(models.TextChoices):
        PROPERTY_COMPANY = "property_company", _("Property company")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
        MANAGEMENT_COMMITTEE = "management_committee", _("Residents' management committee")
        PARTY_BRANCH = "party_branch", _("Party branch")
        MEDIATION_TEAM = "mediation_team", _("Dispute-mediation team")
        PROPERTY_RIGHTS_UNIT = "property_rights_unit", _("Property-rights unit")
        CONTRACTOR = "contractor", _("Contractor")
        DEVELOPER = "developer", _("Developer")

    # Committees that may approve payments and grade the property company.
    COMMITTEE_KINDS = (Kind.OWNERS_COMMITTEE, Kind.MANAGEMENT_COMMITTEE)

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("registered by community"),
    )
    estates = models.ManyToManyField(Estate, related_name="organisations", blank=True, verbose_name=_("estates served"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind", "name"],
                name="organisation_unique_name",
                violation_error_message=_(
                    "An organisation of this kind and name is already registered in this community."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "property_company",
                        "owners_committee",
                        "management_committee",
                        "party_branch",
                        "mediation_team",
                        "property_rights_unit",
                        "contractor",
                        "developer",
                    ]
                ),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(ended_on__isnull=True)

    def visible_to(self, user: User | AnonymousUser) -> MembershipQuerySet:
        """Who holds which role: the person themself, and staff over the scope."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        if not scope.user_id:
            return self.none()
        return self.filter(
            Q(user_id=scope.user_id)
            | Q(community_id__in=scope.staff_community_ids)
            | Q(organisation__community_id__in=scope.staff_community_ids)
            | Q(household__unit__building__estate_id__in=scope.staff_estate_ids)
            | Q(organisation_id__in=scope.organisation_ids)
        )


# Which scope column each role uses; Membership's check constraint enforces it.
SCOPE_OF_ROLE: dict[str, str] = {
    "district_admin": "district",
    "street_admin": "street",
    "community_staff": "community",
    "resident": "household",
    "committee_member": "organisation",
    "property_staff": "organisation",
    "mediator": "organisation",
    "organisation_member": "organisation",
}
SCOPE_FIELDS = ("district", "street", "community", "household", "organisation")


class Membership(models.Model):
    """A role a person holds, with the one scope the role applies to."""

    class Role(models.TextChoices):
        DISTRICT_ADMIN = "district_admin", _("District admin")
        STREET_ADMIN = "street_admin", _("Street admin")
        COMMUNITY_STAFF = "community_staff", _("Community staff")
        RESIDENT = "resident", _("Resident")
        COMMITTEE_MEMBER = "committee_member", _("Committee member")
        PROPERTY_STAFF = "property_staff", _("Property-company staff")
        MEDIATOR = "mediator", _("Mediator")
        ORGANISATION_MEMBER = "organisation_member", _("Organisation member")

    SCOPE_OF_ROLE = SCOPE_OF_ROLE
    SCOPE_FIELDS = SCOPE_FIELDS

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    position = models.CharField(_("position"), max_length=30, blank=True, help_text=_("For example 主任, 委员."))
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, blank=True, related_name="staff")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, null=True, blank=True, related_name="residents")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="members"
    )
    is_owner = models.BooleanField(_("owner"), default=False, help_text=_("For residents: owns the flat."))
    started_on = models.DateField(_("since"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role", "id"]
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    *[
                        Q(role=role, **{f"{field}__isnull": False})
                        & Q(**{f"{other}__isnull": True for other in SCOPE_FIELDS if other != field})
                        for role, field in SCOPE_OF_ROLE.items()
                    ],
                    _connector=Q.OR,
                ),
                name="membership_scope_matches_role",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", "role", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"membership_unique_{field}",
                )
                for field in SCOPE_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_object}"

    @property
    def scope_field(self) -> str:
        return SCOPE_OF_ROLE[self.role]

    @property
    def scope_object(self) -> models.Model | None:
        return getattr(self, self.scope_field, None)


class Consent(models.Model):
    """A person's agreement to a version of the privacy notice (个人信息保护法 art. 14), kept
    as the record of why their data may be processed."""

    class Kind(models.TextChoices):
        PRIVACY_NOTICE = "privacy_notice", _("Privacy notice")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person"))
    kind = models.CharField(_("what was agreed to"), max_length=20, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        ordering = ["user", "-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "version"], name="consent_once_per_version"),
            models.CheckConstraint(condition=Q(kind__in=["privacy_notice"]), name="consent_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} {self.version}"


class ContactRead(models.Model):
    """Someone was shown a person's full contact details (PIPL: a log of who read whose phone
    number, where and when). Written by `estates.privacy`, never edited."""

    class Field(models.TextChoices):
        PHONE = "phone", _("Phone number")
        REQUEST_CONTACT = "request_contact", _("Contact number of a request")

    reader = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("read by"))
    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="contact_reads", verbose_name=_("whose details")
    )
    field = models.CharField(_("what"), max_length=20, choices=Field.choices)
    path = models.CharField(_("where"), max_length=200, help_text=_("The page or API address, without its query."))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("contact details read")
        verbose_name_plural = _("contact details read")
        indexes = [
            models.Index(fields=["person", "-at"], name="contact_read_person"),
            models.Index(fields=["reader", "-at"], name="contact_read_reader"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=["phone", "request_contact"]), name="contact_read_field_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reader} → {self.person} ({self.get_field_display()})"
