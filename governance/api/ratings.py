"""The REST API of rating rounds (物业服务评定): reads start from `visible_to`, every move calls a service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from estates.models import Community, District, Estate, Organisation, Street

from .. import permissions, services
from ..models import RatingCriterion, RatingRound, RatingScore, RatingSheet
from ..permissions import ReadOrSignedIn
from ..serializers import (
    RankingQuerySerializer,
    RankingSerializer,
    RatingCriterionSerializer,
    RatingRoundCreateSerializer,
    RatingRoundSerializer,
    RatingSheetInputSerializer,
    RatingSheetSerializer,
    ReopenSerializer,
    TrendQuerySerializer,
    TrendSerializer,
)
from ..serializers.ratings import trend_point

GRADE_DESCRIPTION = """Rating rounds (物业服务评定): each period (a month by default, or a quarter, set per
estate), the members of an estate's committee score its property company on the criteria in use
(保洁, 秩序安保, 维修, 绿化, 响应速度, 服务态度; weights set in the admin), each 0–100, on one sheet
each that they may change until the round closes. Closing computes the grade:

- committee score = the mean over the sheets of Σ(weight × score) / Σ weight (criteria in use);
- the residents' figures of the estate's requests resolved in the period (resolved or closed):
  average rating (1–5 stars) → (rating − 1) / 4 × 100, on-time share → × 100;
- overall score = (committee_weight × committee + rating_weight × rating + on_time_weight ×
  on-time) / the sum of the weights of the parts that exist (by default 0.70 / 0.20 / 0.10;
  with no closed requests only the committee's score counts); each part and the result are
  rounded to two decimals, half up;
- grade: excellent (优秀) ≥ 90, good (良好) ≥ 80, pass (合格) ≥ 60, else fail (不合格).

Publishing needs the quorum: members who scored ≥ quorum (by default 0.5) × the committee's
active members, both counted at closing; otherwise 409 with a message. Published rounds are
public; open and closed ones are seen by the estate's staff, committee and property company."""

Service = Callable[..., RatingRound]


class RatingRoundFilter(django_filters.FilterSet):
    estate = django_filters.NumberFilter()
    company = django_filters.NumberFilter(label="Property company (id)")
    status = django_filters.MultipleChoiceFilter(choices=RatingRound.Status.choices, distinct=False)
    year = django_filters.NumberFilter(method="filter_year", label="Year of the period")
    to_score = django_filters.BooleanFilter(method="filter_to_score", label="Open rounds I may score now")

    class Meta:
        model = RatingRound
        fields = ["estate", "company", "status", "year"]

    def filter_year(self, queryset: QuerySet[RatingRound], name: str, value: Any) -> QuerySet[RatingRound]:
        if value is None:
            return queryset
        year = int(value)
        # A year the database cannot hold as a date (0, 10000) matches nothing rather than failing.
        if not 1900 <= year <= 2100:
            return queryset.none()
        return queryset.filter(period_start__year=year)

    def filter_to_score(self, queryset: QuerySet[RatingRound], name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        estates = permissions.roles_of(self.request.user).committee_estates
        return queryset.filter(
            estate_id__in=estates, status=RatingRound.Status.OPEN, closes_on__gte=timezone.localdate()
        )


@extend_schema_view(
    list=extend_schema(description=GRADE_DESCRIPTION), retrieve=extend_schema(description=GRADE_DESCRIPTION)
)
class RatingRoundViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Rating rounds of estates' property companies (物业服务评定). Published ones are public;
    an illegal move answers 409, a forbidden one 403, a round outside the user's scope 404."""

    serializer_class = RatingRoundSerializer
    permission_classes = [ReadOrSignedIn]
    filterset_class = RatingRoundFilter
    ordering_fields = ["period_start", "closes_on", "score", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[RatingRound]:
        user = self.request.user
        rounds = (
            RatingRound.objects.visible_to(user)
            .with_counts()
            .select_related("estate__rating_policy", "company")
            .order_by("-period_start", "estate__name", "id")
        )
        if user.is_authenticated:
            rounds = rounds.annotate(
                viewer_has_scored=Exists(RatingSheet.objects.filter(round=OuterRef("pk"), member_id=user.pk))
            )
        return rounds

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": self._today()}

    def _today(self) -> date:
        if not hasattr(self, "_request_today"):
            self._request_today = timezone.localdate()
        return self._request_today

    def _body(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _act(self, service: Service, input_serializer: type[serializers.Serializer] | None = None) -> Response:
        target = self.get_object()
        data: dict[str, Any] = {}
        if input_serializer is not None:
            parsed = input_serializer(data=self.request.data)
            parsed.is_valid(raise_exception=True)
            data = {key: value for key, value in parsed.validated_data.items() if value is not None}
        service(target, by=self.request.user, **data)
        return self._body(target.pk)

    @extend_schema(request=RatingRoundCreateSerializer, responses={201: RatingRoundSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a round for an estate and period (the estate's community staff). One round per period."""
        parsed = RatingRoundCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        opened = services.open_rating_round(
            data["estate"], by=request.user, period_start=data["period_start"], closes_on=data.get("closes_on")
        )
        return self._body(opened.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RatingRoundSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close scoring and compute the grade (staff)."""
        return self._act(services.close_rating_round)

    @extend_schema(request=None, responses={200: RatingRoundSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish the grade (staff); 409 with a message without the quorum."""
        return self._act(services.publish_rating_round)

    @extend_schema(request=ReopenSerializer, responses={200: RatingRoundSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Open a closed, unpublished round for scoring again (staff), until `closes_on`."""
        return self._act(services.reopen_rating_round, ReopenSerializer)

    @extend_schema(methods=["GET"], responses={200: RatingSheetSerializer(many=True)})
    @extend_schema(
        methods=["POST", "PUT"],
        request=RatingSheetInputSerializer,
        responses={200: RatingSheetSerializer, 201: RatingSheetSerializer},
    )
    @action(detail=True, methods=["get", "post", "put"], filter_backends=[], pagination_class=None)
    def scores(self, request: Request, pk: str | None = None) -> Response:
        """The round's sheets: the estate's staff see every member's, a committee member their own,
        anyone else none. POST or PUT (a committee member, while the round is open): submit your
        sheet — every criterion's code with a score 0–100 and a comment — or change it; 201 when
        it is your first, 200 when changed. There is one sheet per member per round."""
        target = self.get_object()
        user = request.user
        if request.method in ("POST", "PUT"):
            parsed = RatingSheetInputSerializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            had_sheet = RatingSheet.objects.filter(round=target, member_id=user.pk).exists()
            sheet = services.submit_rating(target, by=user, **parsed.validated_data)
            code = status.HTTP_200_OK if had_sheet else status.HTTP_201_CREATED
            return Response(RatingSheetSerializer(self._sheets(target).get(pk=sheet.pk)).data, status=code)
        sheets = self._sheets(target)
        if not permissions.can_see_all_sheets(user, target):
            sheets = sheets.filter(member_id=user.pk) if user.is_authenticated else sheets.none()
        return Response(RatingSheetSerializer(sheets, many=True).data)

    def _sheets(self, target: RatingRound) -> QuerySet[RatingSheet]:
        scores = RatingScore.objects.select_related("criterion")
        return (
            RatingSheet.objects.filter(round=target)
            .select_related("member")
            .prefetch_related(Prefetch("scores", queryset=scores))
            .order_by("submitted_at", "id")
        )

    @extend_schema(responses={200: RatingCriterionSerializer(many=True)})
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[], pagination_class=None)
    def criteria(self, request: Request) -> Response:
        """Public: the criteria in use, in order, with their weights, named in the active language."""
        active = RatingCriterion.objects.filter(is_active=True).order_by("position", "id")
        return Response(RatingCriterionSerializer(active, many=True).data)

    @extend_schema(parameters=[TrendQuerySerializer], responses={200: TrendSerializer})
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[], pagination_class=None)
    def trend(self, request: Request) -> Response:
        """Public: the published grades of an estate (`estate`) or of a property company (`company`,
        one point per estate and period), oldest first."""
        parsed = TrendQuerySerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        query = parsed.validated_data
        rounds = RatingRound.objects.visible_to(request.user).published().select_related("estate")
        if "estate" in query:
            subject: Estate | Organisation = get_object_or_404(
                Estate.objects.visible_to(request.user), pk=query["estate"]
            )
            rounds = rounds.filter(estate=subject)
        else:
            subject = get_object_or_404(
                Organisation.objects.visible_to(request.user).filter(kind=Organisation.Kind.PROPERTY_COMPANY),
                pk=query["company"],
            )
            rounds = rounds.filter(company=subject)
        points = [trend_point(r) for r in rounds.order_by("period_start", "estate__name", "id")]
        body = {"estate": query.get("estate"), "company": query.get("company"), "name": subject.name, "points": points}
        return Response(TrendSerializer(body).data)

    @extend_schema(parameters=[RankingQuerySerializer], responses={200: RankingSerializer})
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[], pagination_class=None)
    def ranking(self, request: Request) -> Response:
        """Public: the property companies of a street, district or community ranked by their
        latest published scores — for each company, the mean of its latest published score in
        each estate of the area. Built from published grades only."""
        parsed = RankingQuerySerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        ((kind, area_id),) = parsed.validated_data.items()
        model, lookup = {
            "district": (District, "estate__community__street__district"),
            "street": (Street, "estate__community__street"),
            "community": (Community, "estate__community"),
        }[kind]
        area = get_object_or_404(model.objects.all(), pk=area_id)
        published = RatingRound.objects.visible_to(request.user).published().filter(company__isnull=False)
        latest = (
            RatingRound.objects.published()
            .filter(company_id=OuterRef("company_id"), estate_id=OuterRef("estate_id"))
            .order_by("-period_start")
            .values("period_start")[:1]
        )
        rows = (
            published.filter(**{lookup: area}, period_start=Subquery(latest), score__isnull=False)
            .order_by()
            .values_list("company_id", "company__name", "score", "period_start")
        )
        companies: dict[int, dict[str, Any]] = {}
        for company_id, name, score, period_start in rows:
            entry = companies.setdefault(company_id, {"name": name, "scores": [], "latest": period_start})
            entry["scores"].append(score)
            entry["latest"] = max(entry["latest"], period_start)
        ranked = sorted(
            (
                {
                    "company": company_id,
                    "company_name": entry["name"],
                    "score": (sum(entry["scores"], Decimal(0)) / len(entry["scores"])).quantize(
                        Decimal("0.01"), rounding=ROUND_HALF_UP
                    ),
                    "estate_count": len(entry["scores"]),
                    "latest_period_start": entry["latest"],
                }
                for company_id, entry in companies.items()
            ),
            key=lambda row: (-row["score"], row["company_name"], row["company"]),
        )
        previous: Decimal | None = None
        rank = 0
        for position, row in enumerate(ranked, start=1):
            if row["score"] != previous:
                rank, previous = position, row["score"]
            grade = RatingRound.grade_for(row["score"])
            row.update(rank=rank, grade=grade, grade_display=RatingRound.Grade(grade).label)
        body = {"area": {"kind": kind, "id": area.pk, "name": area.name}, "rows": ranked}
        return Response(RankingSerializer(body).data)
