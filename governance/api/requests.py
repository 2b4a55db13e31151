"""The REST API of resident requests: reads start from `visible_to`, every action calls a service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from estates.errors import NotAllowed
from estates.models import Estate, Organisation
from estates.permissions import SignedIn

from .. import services
from ..export import XLSX_CONTENT_TYPE, can_export_requests, export_response
from ..figures import approved_request_costs, request_figures
from ..models import PaymentVote, RequestCategory, RequestPhoto, ResidentRequest
from ..permissions import ReadOrSignedIn
from ..serializers import (
    AcceptSerializer,
    ConfirmSerializer,
    FiguresQuerySerializer,
    FiguresSerializer,
    MoneyQuerySerializer,
    MoneySerializer,
    NoteSerializer,
    PhotoUploadSerializer,
    QuoteSerializer,
    ReasonSerializer,
    RequestCategorySerializer,
    RequestCreateSerializer,
    RequestEventSerializer,
    RequestPhotoSerializer,
    RequestSummarySerializer,
    ResidentRequestSerializer,
    RouteSerializer,
)
from ..throttling import FilingThrottle, FilingThrottled

Status = ResidentRequest.Status


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class RequestFilter(django_filters.FilterSet):
    estate = django_filters.NumberFilter()
    company = django_filters.NumberFilter(field_name="accepted_by_organisation", label="Property company (id)")
    # A filter on the row's own column cannot repeat rows: no DISTINCT (django-filter adds one
    # by default), which over every selected column costs the planner more than the query.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    category = django_filters.CharFilter(field_name="category__code", label="Category code")
    urgency = django_filters.ChoiceFilter(choices=ResidentRequest.Urgency.choices)
    escalated = django_filters.BooleanFilter(method="filter_escalated", label="Escalated")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Past the due time, not resolved")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Filed by me or for me")
    # Days in the site's time zone, compared as moments so that the index on created_at serves.
    created_after = django_filters.DateFilter(method="filter_created_after", label="Filed on or after (day)")
    created_before = django_filters.DateFilter(method="filter_created_before", label="Filed on or before (day)")

    class Meta:
        model = ResidentRequest
        fields = ["estate", "company", "status", "category", "urgency"]

    def filter_created_after(self, queryset: QuerySet[ResidentRequest], name: str, value: date | None) -> QuerySet:
        return queryset if value is None else queryset.filter(created_at__gte=day_start(value))

    def filter_created_before(self, queryset: QuerySet[ResidentRequest], name: str, value: date | None) -> QuerySet:
        return queryset if value is None else queryset.filter(created_at__lt=day_start(value + timedelta(days=1)))

    def filter_escalated(self, queryset: QuerySet[ResidentRequest], name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(escalated_at__isnull=not value)

    def filter_overdue(self, queryset: QuerySet[ResidentRequest], name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(status__in=ResidentRequest.DUE_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_mine(self, queryset: QuerySet[ResidentRequest], name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        user_id = getattr(self.request.user, "pk", None)
        return queryset.filter(Q(filed_by_id=user_id) | Q(on_behalf_of_id=user_id))


Service = Callable[..., ResidentRequest]


class ResidentRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Resident requests (点单). A resident sees the requests they filed or that were filed for
    them; community staff, the estate's property company and committee see the estate's.
    Each workflow step is a POST action; an illegal move answers 409, a forbidden one 403,
    a request outside the user's scope 404."""

    serializer_class = ResidentRequestSerializer
    permission_classes = [ReadOrSignedIn]
    filterset_class = RequestFilter
    ordering_fields = ["due_at", "created_at", "updated_at", "id"]
    search_fields = ["description", "public_place"]
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ResidentRequest]:
        user = self.request.user
        if self.action in ("timeline", "photos"):
            # A sub-list needs the request only to know the user may see it.
            return ResidentRequest.objects.visible_to(user)
        requests = ResidentRequest.objects.visible_to(user).with_related().select_related("estate__request_policy")
        if self.action == "list":
            # A list's summary names no person and shows no photo (RequestSummarySerializer).
            requests = requests.without_people()
        else:
            requests = requests.prefetch_related(
                Prefetch("photos", queryset=RequestPhoto.objects.order_by("uploaded_at", "id"))
            )
        requests = requests.order_by("-created_at", "-id")
        if user.is_authenticated:
            # For the `actions` a committee member sees: no second vote on the same quote.
            votes = PaymentVote.objects.filter(request=OuterRef("pk"), member_id=user.pk)
            requests = requests.annotate(viewer_has_voted=Exists(votes))
        return requests

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return RequestSummarySerializer if self.action == "list" else ResidentRequestSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        # Filing is counted per person, with the person's Open311 filings; reading and the
        # workflow steps are not.
        if self.action == "create":
            return [*super().get_throttles(), FilingThrottle()]
        return super().get_throttles()

    def throttled(self, request: Request, wait: float | None) -> None:
        if self.action == "create":
            raise FilingThrottled(wait)
        super().throttled(request, wait)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": self._now()}

    def _now(self) -> datetime:
        if not hasattr(self, "_request_now"):
            self._request_now = timezone.now()
        return self._request_now

    def _body(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _act(self, service: Service, input_serializer: type[serializers.Serializer] | None = None) -> Response:
        target = self.get_object()
        data: dict[str, Any] = {}
        if input_serializer is not None:
            parsed = input_serializer(data=self.request.data)
            parsed.is_valid(raise_exception=True)
            data = dict(parsed.validated_data)
        service(target, by=self.request.user, **data)
        return self._body(target.pk)

    @extend_schema(
        request={"multipart/form-data": RequestCreateSerializer, "application/json": RequestCreateSerializer},
        responses={
            201: ResidentRequestSerializer,
            429: OpenApiResponse(description="Too many filings in a short time; the Retry-After header says when."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """File a request: a resident for their household or estate; community staff for a resident
        (`on_behalf_of`). With photos, send multipart; one unacceptable photo refuses the whole request."""
        parsed = RequestCreateSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        estate = data.pop("estate")
        created = services.file_request(estate, by=request.user, **data)
        return self._body(created.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=AcceptSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Take the request (接单) for your property company, due by `due_at`."""
        return self._act(services.accept_request, AcceptSerializer)

    @extend_schema(request=RouteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def route(self, request: Request, pk: str | None = None) -> Response:
        """Hand the request to the community."""
        return self._act(services.route_request, RouteSerializer)

    @extend_schema(request=NoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start the work."""
        return self._act(services.start_request, NoteSerializer)

    @extend_schema(request=QuoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def quote(self, request: Request, pk: str | None = None) -> Response:
        """Ask the committee to pay (买单): the amount and what it is for."""
        return self._act(services.quote_request, QuoteSerializer)

    @extend_schema(request=NoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"], url_path="approve-payment")
    def approve_payment(self, request: Request, pk: str | None = None) -> Response:
        """Approve the quote: as the committee's director, or as one vote of a majority (the estate's rule)."""
        return self._act(services.approve_payment, NoteSerializer)

    @extend_schema(request=NoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"], url_path="reject-payment")
    def reject_payment(self, request: Request, pk: str | None = None) -> Response:
        """Reject the quote (same rule as approving)."""
        return self._act(services.reject_payment, NoteSerializer)

    @extend_schema(request=NoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Report the work done."""
        return self._act(services.resolve_request, NoteSerializer)

    @extend_schema(request=ConfirmSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the result with a rating (1–5) and a comment."""
        return self._act(services.confirm_request, ConfirmSerializer)

    @extend_schema(request=ReasonSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Send a resolved request back to work, with the reason."""
        return self._act(services.reopen_request, ReasonSerializer)

    @extend_schema(request=NoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the request."""
        return self._act(services.withdraw_request, NoteSerializer)

    @extend_schema(request=ReasonSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Turn the request down with a reason (a duplicate, not the estate's business…)."""
        return self._act(services.reject_request, ReasonSerializer)

    @extend_schema(request=NoteSerializer, responses={200: ResidentRequestSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        """Flag the request for the community's staff and the joint meeting."""
        return self._act(services.escalate_request, NoteSerializer)

    @extend_schema(responses={200: RequestEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """Every step of the request: who, when, from which status to which, and the note."""
        target = self.get_object()
        events = target.events.select_related("by").order_by("at", "id")
        context = {**self.get_serializer_context(), "resident_request": target}
        return Response(RequestEventSerializer(events, many=True, context=context).data)

    @extend_schema(methods=["GET"], responses={200: RequestPhotoSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: RequestPhotoSerializer, 400: OpenApiResponse(description="Not an acceptable photo.")},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """The request's photos; POST adds one (multipart `image`)."""
        target = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            parsed = PhotoUploadSerializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            photo = services.add_request_photo(target, by=request.user, upload=parsed.validated_data["image"])
            return Response(RequestPhotoSerializer(photo, context=context).data, status=status.HTTP_201_CREATED)
        photos = target.photos.order_by("uploaded_at", "id")
        return Response(RequestPhotoSerializer(photos, many=True, context=context).data)

    @extend_schema(responses={200: RequestCategorySerializer(many=True)})
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[], pagination_class=None)
    def categories(self, request: Request) -> Response:
        """Public: the categories a request can be filed under, in order, named in the active language."""
        active = RequestCategory.objects.filter(is_active=True).order_by("position", "id")
        return Response(RequestCategorySerializer(active, many=True).data)

    @extend_schema(parameters=[FiguresQuerySerializer], responses={200: FiguresSerializer})
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[], pagination_class=None)
    def figures(self, request: Request) -> Response:
        """Public figures of an estate's (`estate`) or a property company's (`company`) requests,
        optionally for those filed `since` / `until` a day: count, median hours to take, on-time
        share, average rating, reopen share, escalations."""
        parsed = FiguresQuerySerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        query = parsed.validated_data
        requests = ResidentRequest.objects.all()
        if "estate" in query:
            estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=query["estate"])
            requests = requests.filter(estate=estate)
        else:
            company = get_object_or_404(
                Organisation.objects.visible_to(request.user).filter(kind=Organisation.Kind.PROPERTY_COMPANY),
                pk=query["company"],
            )
            requests = requests.filter(accepted_by_organisation=company)
        if "since" in query:
            requests = requests.filter(created_at__gte=day_start(query["since"]))
        if "until" in query:
            requests = requests.filter(created_at__lt=day_start(query["until"] + timedelta(days=1)))
        body = {
            "estate": query.get("estate"),
            "company": query.get("company"),
            "since": query.get("since"),
            "until": query.get("until"),
            **request_figures(requests),
        }
        return Response(FiguresSerializer(body).data)

    @extend_schema(parameters=[MoneyQuerySerializer], responses={200: MoneySerializer})
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[], pagination_class=None)
    def money(self, request: Request) -> Response:
        """Public: what the estate's committee approved to pay for requests (买单), in total."""
        parsed = MoneyQuerySerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=parsed.validated_data["estate"])
        return Response(MoneySerializer({"estate": estate.pk, **approved_request_costs(estate.pk)}).data)

    @extend_schema(
        filters=True,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="An Excel workbook (.xlsx) of the requests, one row each, as an attachment.",
            ),
            401: OpenApiResponse(description="Not signed in."),
            403: OpenApiResponse(description="Only community staff, property staff and committee members export."),
        },
    )
    @action(detail=False, methods=["get"], permission_classes=[SignedIn], pagination_class=None)
    def export(self, request: Request) -> Any:
        """The requests the user may see, with the list's filters, as an Excel workbook: number, dates,
        estate, category, place, description, status, company, rating, payment; the resident's name
        and phone only where the user may see them. For staff, property companies and committees."""
        if not can_export_requests(request.user):
            raise NotAllowed(_("Only community staff, property staff and committee members can export requests."))
        requests = self.filter_queryset(ResidentRequest.objects.visible_to(request.user))
        return export_response(requests, viewer=request.user)
