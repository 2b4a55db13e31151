"""The registry's REST API: reads start from `visible_to`, writes call services."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import authenticate, login
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import CSRFCheck
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import accounts, importing, services
from .dashboard import DashboardSerializer, dashboard_for
from .errors import Conflict, NotAllowed
from .models import Building, Community, Estate, Household, Membership, Organisation, Unit
from .permissions import ReadOnlyOrStaff, SignedIn, can_manage_estate, can_manage_organisation
from .scope import scope_of
from .serializers import (
    BuildingSerializer,
    CommunitySerializer,
    EstateSerializer,
    HouseholdImportResultSerializer,
    HouseholdImportSerializer,
    HouseholdSerializer,
    MeSerializer,
    OrganisationSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    ResidentAddSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UnitSerializer,
)


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": _("The username or password is not correct.")}, status=status.HTTP_400_BAD_REQUEST
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class SignedOut(BasePermission):
    """Registration is for people without an account: a signed-in person is refused."""

    message = gettext_lazy("You are already signed in. Sign out first to register another account.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method != "POST":
            return True  # OPTIONS describes the endpoint; other methods answer 405
        return not (request.user and request.user.is_authenticated)


def _from_own_page(request: Request) -> bool:
    """Whether the request carries a session and passes Django's CSRF check, as a request from
    one of our pages does. Only then is a new person signed in: another site could otherwise
    sign a visitor in to an account of its own making."""
    django_request = request._request
    if not hasattr(django_request, "session"):
        return False
    check = CSRFCheck(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(django_request)
    return check.process_view(django_request, None, (), {}) is None


class RegisterView(APIView):
    """Sign up: a person creates their own account, agreeing to the privacy notice (/privacy/)."""

    permission_classes = [SignedOut]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredSerializer})
    def post(self, request: Request) -> Response:
        """Create an account with no role yet: the person then asks their community office to link
        their household to it. `privacy_consent` must be true and `consent_version` the current
        version of the notice; the agreement is recorded with the time and the client's address.
        From the site's own page (a session and a valid CSRF token) the person is signed in too."""
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = accounts.register_person(
            username=values["username"],
            password=values["password"],
            full_name=values["full_name"],
            phone=values["phone"],
            email=values["email"],
            consent_version=values["consent_version"],
            address=request._request.META.get("REMOTE_ADDR"),
        )
        if _from_own_page(request):
            login(request._request, user, backend="estates.auth.HuanxinBackend")
        body = {"id": user.pk, "username": user.username, "name": user.display_name}
        return Response(RegisteredSerializer(body).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    """The signed-in user, their roles and the scope each role gives."""

    permission_classes = [SignedIn]

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        scope = scope_of(user)
        memberships = (
            Membership.objects.active()
            .filter(user=user)
            .select_related("district", "street", "community", "household__unit__building__estate", "organisation")
            .prefetch_related("organisation__estates", "community__estates")
        )
        roles = []
        for m in memberships:
            target = m.scope_object
            if m.household_id:
                estate_ids = [m.household.unit.building.estate_id]
            elif m.organisation_id:
                estate_ids = [e.pk for e in m.organisation.estates.all()]
            elif m.community_id:
                estate_ids = [e.pk for e in m.community.estates.all()]
            else:
                estate_ids = sorted(scope.staff_estate_ids)
            roles.append(
                {
                    "role": m.role,
                    "role_display": m.get_role_display(),
                    "position": m.position,
                    "scope_type": m.scope_field,
                    "scope_id": target.pk if target else None,
                    "scope_name": str(target) if target else "",
                    "estate_ids": estate_ids,
                }
            )
        body = {
            "id": user.pk,
            "username": user.username,
            "name": user.display_name,
            "full_name": user.full_name,
            "phone": user.phone,
            "email": user.email,
            "is_superuser": user.is_superuser,
            "roles": roles,
            "scope": {
                "is_superuser": scope.is_superuser,
                "staff_community_ids": sorted(scope.staff_community_ids),
                "staff_estate_ids": sorted(scope.staff_estate_ids),
                "member_estate_ids": sorted(scope.member_estate_ids),
                "organisation_ids": sorted(scope.organisation_ids),
                "household_ids": sorted(scope.household_ids),
            },
        }
        return Response(MeSerializer(body).data)


class DashboardView(APIView):
    """The signed-in person's dashboard: the sections their roles give, in one call (see
    estates/dashboard.py)."""

    permission_classes = [SignedIn]

    @extend_schema(responses={200: DashboardSerializer})
    def get(self, request: Request) -> Response:
        """For each role the person holds, what needs their attention: community staff — open and
        overdue requests, the next meetings, their estates' grades; property staff — the company's
        queue by the time to act; committee members — payments to approve and rounds to score;
        residents — their latest requests and their estate's projects; street and district admins —
        communities and property companies compared. `sections` lists the sections present; a
        section the person's roles do not give is left out. Projects by stage and their money are
        at `projects/stats/?managed=true`."""
        body = dashboard_for(request.user)
        return Response(DashboardSerializer(body, context={"request": request}).data)


class RegistryViewSet(viewsets.ModelViewSet):
    """Shared wiring: reads from `visible_to`, writes through a service."""

    permission_classes = [ReadOnlyOrStaff]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.base_queryset().visible_to(self.request.user)


class CommunityFilter(django_filters.FilterSet):
    street = django_filters.NumberFilter()
    district = django_filters.NumberFilter(field_name="street__district")

    class Meta:
        model = Community
        fields = ["street", "district"]


class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    """Communities (社区). Public."""

    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self) -> QuerySet[Community]:
        return Community.objects.visible_to(self.request.user).select_related("street__district").order_by("name", "id")


class EstateFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter()
    street = django_filters.NumberFilter(field_name="community__street")
    district = django_filters.NumberFilter(field_name="community__street__district")
    management_mode = django_filters.ChoiceFilter(choices=Estate.ManagementMode.choices)
    managed = django_filters.BooleanFilter(method="filter_managed", label="Only estates I manage")

    class Meta:
        model = Estate
        fields = ["community", "street", "district", "management_mode"]

    def filter_managed(self, queryset: QuerySet[Estate], name: str, value: bool | None) -> QuerySet[Estate]:
        if value:
            return queryset & Estate.objects.managed_by(self.request.user)
        return queryset


class EstateViewSet(RegistryViewSet):
    """Estates (小区). Public to read; staff register and edit the estates of their communities."""

    serializer_class = EstateSerializer
    filterset_class = EstateFilter
    search_fields = ["name", "address", "community__name"]
    ordering_fields = ["name", "id", "built_year"]

    def base_queryset(self) -> QuerySet[Estate]:
        return Estate.objects.all()

    def get_queryset(self) -> QuerySet[Estate]:
        return (
            super()
            .get_queryset()
            .with_counts()
            .select_related("community__street__district")
            .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("kind", "name")))
            .order_by("name", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        estate = services.create_estate(data.pop("community"), by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=estate.pk)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        estate = services.update_estate(serializer.instance, by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=estate.pk)

    def perform_destroy(self, instance: Estate) -> None:
        if not can_manage_estate(self.request.user, instance):
            raise NotAllowed(_("Only the community's staff can change this estate's registry."))
        raise Conflict(_("Estates are not deleted; their history stays on record."))

    @extend_schema(
        request={"multipart/form-data": HouseholdImportSerializer},
        responses={200: HouseholdImportResultSerializer, 400: HouseholdImportResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="import-households", parser_classes=[MultiPartParser])
    def import_households(self, request: Request, pk: str | None = None) -> Response:
        """Import buildings, units and households from an .xlsx or CSV file. With `dry_run`, only
        check and count (200, with any errors). Otherwise a file with any bad row imports nothing
        and answers 400 with the errors; a file that cannot be read answers 400 with `file`."""
        estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=pk)
        data = HouseholdImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = importing.import_households(
            estate, data.validated_data["file"], by=request.user, dry_run=data.validated_data["dry_run"]
        )
        body = HouseholdImportResultSerializer(result.as_dict()).data
        return Response(body, status=status.HTTP_200_OK if result.ok or result.dry_run else status.HTTP_400_BAD_REQUEST)


class BuildingFilter(django_filters.FilterSet):
    estate = django_filters.NumberFilter()
    community = django_filters.NumberFilter(field_name="estate__community")

    class Meta:
        model = Building
        fields = ["estate", "community", "has_lift"]


class BuildingViewSet(RegistryViewSet):
    """Buildings (楼). Public to read."""

    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter
    ordering_fields = ["name", "id"]

    def base_queryset(self) -> QuerySet[Building]:
        return Building.objects.all()

    def get_queryset(self) -> QuerySet[Building]:
        return (
            super()
            .get_queryset()
            .select_related("estate")
            .annotate(unit_count=Count("units", distinct=True), household_count=Count("units__households"))
            .order_by("estate_id", "name", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        building = services.create_building(data.pop("estate"), by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=building.pk)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        building = services.update_building(serializer.instance, by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=building.pk)

    def perform_destroy(self, instance: Building) -> None:
        services.delete_building(instance, by=self.request.user)


class UnitFilter(django_filters.FilterSet):
    building = django_filters.NumberFilter()
    estate = django_filters.NumberFilter(field_name="building__estate")

    class Meta:
        model = Unit
        fields = ["building", "estate"]


class UnitViewSet(RegistryViewSet):
    """Units (单元) of a building. Public to read."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["name", "id"]

    def base_queryset(self) -> QuerySet[Unit]:
        return Unit.objects.all()

    def get_queryset(self) -> QuerySet[Unit]:
        return (
            super()
            .get_queryset()
            .select_related("building__estate")
            .annotate(household_count=Count("households"))
            .order_by("building__estate_id", "building__name", "name", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        unit = services.create_unit(data.pop("building"), by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=unit.pk)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        unit = services.update_unit(serializer.instance, by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=unit.pk)

    def perform_destroy(self, instance: Unit) -> None:
        services.delete_unit(instance, by=self.request.user)


class HouseholdFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter()
    building = django_filters.NumberFilter(field_name="unit__building")
    estate = django_filters.NumberFilter(field_name="unit__building__estate")
    floor = django_filters.NumberFilter()

    class Meta:
        model = Household
        fields = ["unit", "building", "estate", "floor"]


class HouseholdViewSet(RegistryViewSet):
    """Households (户). Private: the estate's staff and organisations, and the residents themselves."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    # Staff find a resident's home by room, building or the resident's name (filing on their behalf).
    search_fields = ["room", "unit__building__name", "residents__user__full_name"]
    ordering_fields = ["room", "floor", "floor_area", "id"]
    permission_classes = [SignedIn]

    def base_queryset(self) -> QuerySet[Household]:
        return Household.objects.all()

    def get_queryset(self) -> QuerySet[Household]:
        residents = Membership.objects.active().filter(role=Membership.Role.RESIDENT).select_related("user")
        return (
            super()
            .get_queryset()
            .select_related("unit__building__estate")
            .prefetch_related(Prefetch("residents", queryset=residents.order_by("-is_owner", "id")))
            .order_by("unit__building__estate_id", "unit__building__name", "unit__name", "floor", "room", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        household = services.create_household(data.pop("unit"), by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=household.pk)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        household = services.update_household(serializer.instance, by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=household.pk)

    def perform_destroy(self, instance: Household) -> None:
        services.delete_household(instance, by=self.request.user)

    def _managed(self, household: Household) -> None:
        # Refuse before reading the body, so that only staff learn whether an account exists.
        if not can_manage_estate(self.request.user, household.unit.building.estate_id):
            raise NotAllowed(_("Only the community's staff can change who lives in this household."))

    def _household_body(self, household: Household) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=household.pk)
        return HouseholdSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=ResidentAddSerializer, responses={200: HouseholdSerializer, 201: HouseholdSerializer})
    @action(detail=True, methods=["post"], url_path="residents")
    def add_resident(self, request: Request, pk: str | None = None) -> Response:
        """Link a registered person, found by `username` or by `phone`, to this household as a
        resident (`is_owner` for an owner). 201 with the household and its residents; 200 when the
        person already lived here (only `is_owner` is updated). Community staff of the estate only."""
        household = self.get_object()
        self._managed(household)
        data = ResidentAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = data.validated_data["person"]
        already = household.residents.active().filter(user=person).exists()
        accounts.add_resident(household, by=request.user, person=person, is_owner=data.validated_data["is_owner"])
        return Response(
            self._household_body(household), status=status.HTTP_200_OK if already else status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The person.")],
        responses={200: HouseholdSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"residents/(?P<user_id>\d+)/end")
    def end_resident(self, request: Request, pk: str | None = None, user_id: str | None = None) -> Response:
        """The person no longer lives here: their resident role ends today (it stays as history)
        and they lose access to the household's private information. 404 when the person is not
        a current resident. Community staff of the estate only."""
        household = self.get_object()
        self._managed(household)
        membership = get_object_or_404(household.residents.active(), user_id=user_id)
        services.end_membership(membership, by=request.user, on=timezone.localdate())
        return Response(self._household_body(household))


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)
    community = django_filters.NumberFilter()
    estate = django_filters.NumberFilter(field_name="estates")

    class Meta:
        model = Organisation
        fields = ["kind", "community", "estate"]


class OrganisationViewSet(RegistryViewSet):
    """Organisations: property companies, committees, party branches, mediation teams, …
    Public to read; members are listed only to the community's staff and the members."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind", "id"]

    def base_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.all()

    def get_queryset(self) -> QuerySet[Organisation]:
        members = Membership.objects.active().filter(organisation__isnull=False).select_related("user", "organisation")
        return (
            super()
            .get_queryset()
            .select_related("community")
            .prefetch_related(
                Prefetch("estates", queryset=Estate.objects.order_by("name")),
                Prefetch("members", queryset=members.order_by("role", "id")),
            )
            .order_by("kind", "name", "id")
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        organisation = services.create_organisation(data.pop("community"), by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=organisation.pk)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        organisation = services.update_organisation(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=organisation.pk)

    def perform_destroy(self, instance: Organisation) -> None:
        if not can_manage_organisation(self.request.user, instance):
            raise NotAllowed(_("Only the community's staff can change this organisation."))
        raise Conflict(_("Organisations are not deleted; unlink them from their estates instead."))
