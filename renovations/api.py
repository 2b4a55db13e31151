"""The renovations REST API: projects, and below each project its updates, photos, ledger,
inspections, ballots, consent tally, cost shares and timeline. Reads start from `visible_to`;
writes parse input and call one service."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Building, Unit
from estates.permissions import SignedIn
from estates.scope import scope_of

from . import permissions, services
from .models import (
    ZERO,
    Ballot,
    InspectionRecord,
    LedgerEntry,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectPhoto,
    money_totals,
)
from .permissions import ReadOnlyOrSignedIn
from .serializers import (
    BallotCastSerializer,
    BallotSerializer,
    ConsentSerializer,
    CostSharesSerializer,
    InspectionRecordCreateSerializer,
    InspectionRecordSerializer,
    LedgerEntryCreateSerializer,
    LedgerEntrySerializer,
    LedgerReverseSerializer,
    MoneyTotalsSerializer,
    ProgressUpdateCreateSerializer,
    ProgressUpdateSerializer,
    ProjectEventSerializer,
    ProjectPhotoSerializer,
    ProjectPhotoUploadSerializer,
    ProjectSerializer,
    ProjectsMoneySerializer,
    ProjectStatsSerializer,
    ProjectWriteSerializer,
    TransitionSerializer,
)

PROJECT_PK = OpenApiParameter(
    "project_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The id of the project."
)
HOUSEHOLD = OpenApiParameter(
    "household", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description="Only this household."
)


def _household_param(request: Request) -> int | None:
    raw = request.query_params.get("household")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid(_("Give a household id."), field="household") from None


class ProjectFilter(django_filters.FilterSet):
    estate = django_filters.NumberFilter()
    community = django_filters.NumberFilter(field_name="estate__community")
    street = django_filters.NumberFilter(field_name="estate__community__street")
    kind = django_filters.ChoiceFilter(choices=Project.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Project.Status.choices)
    year = django_filters.NumberFilter(method="filter_year", label="Year of the planned start (or of creation)")
    managed = django_filters.BooleanFilter(method="filter_managed", label="Only projects I manage")

    class Meta:
        model = Project
        fields = ["estate", "community", "street", "kind", "status"]

    def filter_year(self, queryset: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        if value is None:
            return queryset
        year = int(value)
        if not 1900 <= year <= 2100:
            return queryset.none()
        return queryset.filter(Q(planned_start__year=year) | Q(planned_start__isnull=True, created_at__year=year))

    def filter_managed(self, queryset: QuerySet[Project], name: str, value: bool | None) -> QuerySet[Project]:
        if value:
            return queryset & Project.objects.managed_by(self.request.user)
        return queryset


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Renovation projects. Public to read (every estate's projects, progress and money are on
    its public page); the community's staff create, edit and move them."""

    serializer_class = ProjectSerializer
    permission_classes = [ReadOnlyOrSignedIn]
    filterset_class = ProjectFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "planned_start", "budget", "progress", "title", "id"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Project]:
        return (
            Project.objects.visible_to(self.request.user)
            .with_money()
            .select_related("estate__community", "contractor", "responsible", "created_by", "funding_override_by")
            .prefetch_related(
                Prefetch("buildings", queryset=Building.objects.order_by("name", "id")),
                Prefetch("units", queryset=Unit.objects.select_related("building").order_by("building__name", "name")),
            )
            .order_by("-created_at", "-id")
        )

    def _respond(self, project: Project, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=ProjectWriteSerializer, responses={201: ProjectSerializer})
    def create(self, request: Request) -> Response:
        data = ProjectWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = services.create_project(fields.pop("estate"), by=request.user, **fields)
        return self._respond(project, status.HTTP_201_CREATED)

    @extend_schema(request=ProjectWriteSerializer, responses={200: ProjectSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a project's fields. The status is read-only: use `transition`."""
        project = self.get_object()
        if not permissions.can_manage_project(request.user, project):
            raise NotAllowed(_("Only the community's staff can change this project."))
        if "status" in request.data:
            raise Invalid(_("The status changes only through a transition."), field="status")
        data = ProjectWriteSerializer(project, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        project = services.update_project(project, by=request.user, **data.validated_data)
        return self._respond(project)

    @extend_schema(request=TransitionSerializer, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the project to its next status (409 when the move or its guard refuses; 403 for non-staff)."""
        project = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.transition_project(project, by=request.user, **data.validated_data)
        return self._respond(project)

    @extend_schema(responses={200: ConsentSerializer})
    @action(detail=True, methods=["get"])
    def consent(self, request: Request, pk: str | None = None) -> Response:
        """The owners' vote: counts and exact fractions, never who voted what. Public."""
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
        if project.status == Project.Status.CONSENT:
            result = services.current_tally(project)
            tally = result.as_dict() if result is not None else None
        else:
            tally = project.consent_result or None
        body = {
            "rule": project.consent_rule,
            "rule_display": project.get_consent_rule_display(),
            "scope": project.consent_scope,
            "scope_display": project.get_consent_scope_display(),
            "is_open": project.status == Project.Status.CONSENT,
            "closed_at": project.consent_closed_at,
            "ballot_count": project.ballots.count(),
            "tally": tally,
        }
        return Response(ConsentSerializer(body).data)

    @extend_schema(responses={200: CostSharesSerializer}, parameters=[HOUSEHOLD])
    @action(detail=True, methods=["get"], url_path="cost-shares", permission_classes=[SignedIn])
    def cost_shares(self, request: Request, pk: str | None = None) -> Response:
        """Each household's share of a lift's cost. Staff see every household of the consent
        scope; a resident sees their own household's share (before they vote)."""
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
        sees_all = permissions.can_manage_project(request.user, project)
        own = scope_of(request.user).household_ids
        households = (
            project.scope_households()
            .select_related("unit__building")
            .order_by("unit__building__name", "unit__name", "floor", "room", "id")
        )
        wanted = _household_param(request)
        if wanted is not None:
            if not sees_all and wanted not in own:
                raise NotFound()
            households = households.filter(pk=wanted)
        elif not sees_all:
            households = households.filter(pk__in=own)
        try:
            shares = services.lift_cost_shares(project)
        except Invalid as exc:
            raise Conflict(exc.message) from None
        rows = []
        if shares is not None:
            rows = [
                {
                    "household": h.pk,
                    "household_label": str(h),
                    "floor": h.floor,
                    "floor_area": h.floor_area,
                    "share": shares[h.pk],
                }
                for h in households
                if h.pk in shares
            ]
        body = {
            "configured": shares is not None,
            "total": project.shared_cost if project.shared_cost is not None else project.budget,
            "weigh_by_area": project.lift_weigh_by_area,
            "floor_coefficients": project.lift_floor_coefficients,
            "compensations": project.lift_compensations,
            "shares": rows,
        }
        return Response(CostSharesSerializer(body).data)

    @extend_schema(responses={200: ProjectsMoneySerializer}, filters=True)
    @action(detail=False, methods=["get"])
    def money(self, request: Request) -> Response:
        """Money totals (资金公示) of the projects the filters select, e.g. `?estate=ID`: pledged,
        received, spent, balance, and pledged and received by source. Public."""
        projects = self.filter_queryset(Project.objects.visible_to(request.user))
        body = {
            **money_totals(projects),
            "project_count": projects.count(),
            "budget": projects.aggregate(total=Sum("budget"))["total"] or ZERO,
        }
        return Response(ProjectsMoneySerializer(body).data)

    @extend_schema(responses={200: ProjectStatsSerializer}, filters=True)
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        """Counts by status and by kind, and the money (as `money/`), of the projects the filters
        select, e.g. `?managed=true`, `?community=ID` or `?estate=ID`: a dashboard's charts in
        one call. Public, like the projects."""
        projects = self.filter_queryset(Project.objects.visible_to(request.user))
        by_status: dict[str, int] = {}
        by_kind: dict[str, int] = {}
        budget = ZERO
        # One grouped query gives both counts and the budget.
        for row in projects.order_by().values("status", "kind").annotate(n=Count("id"), budget=Sum("budget")):
            by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
            by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["n"]
            budget += row["budget"] or ZERO
        kind_labels = dict(Project.Kind.choices)
        body = {
            "project_count": sum(by_status.values()),
            "by_status": [
                {"status": value, "status_display": label, "count": by_status.get(value, 0)}
                for value, label in Project.Status.choices
            ],
            "by_kind": [
                {"kind": kind, "kind_display": kind_labels[kind], "count": count}
                for kind, count in sorted(by_kind.items(), key=lambda item: (-item[1], item[0]))
            ],
            "money": {**money_totals(projects), "project_count": sum(by_status.values()), "budget": budget},
        }
        return Response(ProjectStatsSerializer(body).data)


class ProjectChildViewSet(viewsets.GenericViewSet):
    """Shared wiring for the resources below a project: the project comes from the URL and
    must be visible (404 otherwise); writes call a service that checks the scope."""

    permission_classes = [ReadOnlyOrSignedIn]
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    child_model: type[Any]

    def get_project(self) -> Project:
        cached: Project | None = getattr(self, "_project", None)
        if cached is None:
            cached = get_object_or_404(
                Project.objects.visible_to(self.request.user).select_related("estate"), pk=self.kwargs["project_pk"]
            )
            self._project = cached
        return cached

    def child_queryset(self) -> QuerySet[Any]:
        return self.child_model.objects.all()

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.child_model.objects.none()
        return self.child_queryset().filter(project=self.get_project())

    def _created(self, instance: Any, code: int = status.HTTP_201_CREATED) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=code)


@extend_schema(parameters=[PROJECT_PK])
class ProgressUpdateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """Progress updates of a project, newest first, with their photos. Public."""

    serializer_class = ProgressUpdateSerializer
    child_model = ProgressUpdate

    def child_queryset(self) -> QuerySet[ProgressUpdate]:
        photos = ProjectPhoto.objects.select_related("uploaded_by").order_by("uploaded_at", "id")
        return (
            ProgressUpdate.objects.select_related("created_by")
            .prefetch_related(Prefetch("photos", queryset=photos))
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=ProgressUpdateCreateSerializer, responses={201: ProgressUpdateSerializer})
    def create(self, request: Request, project_pk: str | None = None) -> Response:
        data = ProgressUpdateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.add_progress_update(self.get_project(), by=request.user, **data.validated_data)
        return self._created(update)


@extend_schema(parameters=[PROJECT_PK])
class ProjectPhotoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """Photos of the works (before, during, after). Public. Uploads: multipart, by the staff."""

    serializer_class = ProjectPhotoSerializer
    child_model = ProjectPhoto
    parser_classes = [MultiPartParser, FormParser]

    def child_queryset(self) -> QuerySet[ProjectPhoto]:
        return ProjectPhoto.objects.select_related("uploaded_by").order_by("uploaded_at", "id")

    @extend_schema(
        request={"multipart/form-data": ProjectPhotoUploadSerializer}, responses={201: ProjectPhotoSerializer}
    )
    def create(self, request: Request, project_pk: str | None = None) -> Response:
        """Upload a photo: JPEG, PNG or WEBP, at most 10 MB and 40 megapixels. It is re-encoded
        without EXIF (no GPS position survives); a bad file answers 400 and nothing is stored."""
        project = self.get_project()
        # The scope is checked before the file is read.
        if not permissions.can_manage_project(request.user, project):
            raise NotAllowed(_("Only the community's staff can change this project."))
        data = ProjectPhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        photo = services.add_project_photo(project, by=request.user, upload=fields.pop("image"), **fields)
        return self._created(photo)


@extend_schema(parameters=[PROJECT_PK])
class LedgerEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """The project's money ledger (资金公示): public, append-only. A mistake is corrected with
    `reverse`, which appends the negated entry. Totals are at `ledger/totals/`."""

    serializer_class = LedgerEntrySerializer
    child_model = LedgerEntry
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_fields = ["kind", "source"]

    def child_queryset(self) -> QuerySet[LedgerEntry]:
        return LedgerEntry.objects.select_related("recorded_by", "reversed_by").order_by("occurred_on", "id")

    @extend_schema(request=LedgerEntryCreateSerializer, responses={201: LedgerEntrySerializer})
    def create(self, request: Request, project_pk: str | None = None) -> Response:
        data = LedgerEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.record_ledger_entry(self.get_project(), by=request.user, **data.validated_data)
        return self._created(entry)

    @extend_schema(request=LedgerReverseSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, project_pk: str | None = None, pk: str | None = None) -> Response:
        """Append the reversing entry of this one (409 if it was reversed already or is a reversal)."""
        entry = self.get_object()
        data = LedgerReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = services.reverse_ledger_entry(entry, by=request.user, note=data.validated_data["note"])
        return self._created(reversal)

    @extend_schema(responses={200: MoneyTotalsSerializer}, filters=False)
    @action(detail=False, methods=["get"])
    def totals(self, request: Request, project_pk: str | None = None) -> Response:
        """Pledged, received, spent and balance of this project, and by source. Public."""
        project = self.get_project()
        return Response(MoneyTotalsSerializer(money_totals(Project.objects.filter(pk=project.pk))).data)


@extend_schema(parameters=[PROJECT_PK])
class InspectionRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """Acceptance inspections (验收) of the project. Public; the staff record them."""

    serializer_class = InspectionRecordSerializer
    child_model = InspectionRecord

    def child_queryset(self) -> QuerySet[InspectionRecord]:
        return InspectionRecord.objects.select_related("recorded_by").order_by("inspected_on", "id")

    @extend_schema(request=InspectionRecordCreateSerializer, responses={201: InspectionRecordSerializer})
    def create(self, request: Request, project_pk: str | None = None) -> Response:
        data = InspectionRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_inspection(self.get_project(), by=request.user, **data.validated_data)
        return self._created(record)


@extend_schema(parameters=[PROJECT_PK])
class BallotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """Ballots of the owners' vote. Private: the estate's staff see all, an owner their own
    households' ballots (the public sees the tally at `consent/`). Owners vote for their
    households; staff record paper ballots. A second ballot for a household changes its vote
    while the vote is open."""

    serializer_class = BallotSerializer
    child_model = Ballot

    def child_queryset(self) -> QuerySet[Ballot]:
        return (
            Ballot.objects.visible_to(self.request.user)
            .select_related("household__unit__building", "cast_by")
            .order_by("household__unit__building__name", "household__unit__name", "household__room", "id")
        )

    @extend_schema(parameters=[HOUSEHOLD])
    def list(self, request: Request, project_pk: str | None = None) -> Response:
        project = self.get_project()
        if not request.user.is_authenticated:
            raise NotAuthenticated(_("Sign in to see ballots."))
        if not permissions.can_read_ballots(request.user, project):
            raise NotAllowed(_("Only the estate's staff and its owners can see ballots."))
        queryset = self.get_queryset()
        household = _household_param(request)
        if household is not None:
            if not (
                permissions.can_manage_project(request.user, project)
                or household in permissions.owned_household_ids(request.user)
            ):
                raise NotFound()
            queryset = queryset.filter(household_id=household)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=BallotCastSerializer, responses={201: BallotSerializer, 200: BallotSerializer})
    def create(self, request: Request, project_pk: str | None = None) -> Response:
        """Cast a ballot (201), or change the household's ballot while the vote is open (200)."""
        data = BallotCastSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ballot, created = services.cast_ballot(self.get_project(), by=request.user, **data.validated_data)
        return self._created(ballot, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(parameters=[PROJECT_PK])
class ProjectEventViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's timeline, oldest first: who did what, when and why. Public; ballots appear
    as counts only."""

    serializer_class = ProjectEventSerializer
    child_model = ProjectEvent

    def child_queryset(self) -> QuerySet[ProjectEvent]:
        return ProjectEvent.objects.select_related("actor").order_by("at", "id")
