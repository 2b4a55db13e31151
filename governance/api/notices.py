"""The REST API of notices (公告): public reading of published notices, writes by the community's
staff through the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from estates.models import Estate
from estates.scope import scope_of

from .. import services
from ..models import Notice, NoticeImage
from ..models.notices import published_condition
from ..permissions import ReadOrSignedIn
from ..serializers.notices import (
    NoticeCreateSerializer,
    NoticeImageSerializer,
    NoticeImageUploadSerializer,
    NoticeSerializer,
    NoticeUpdateSerializer,
)


class NoticeFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter()
    estate = django_filters.NumberFilter(
        method="filter_estate", label="Estate (id): its own notices and its community's notices for every estate"
    )
    pinned = django_filters.BooleanFilter(field_name="is_pinned")
    active = django_filters.BooleanFilter(method="filter_active", label="Published now")
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="For the estates I live in, serve or manage (and their communities)"
    )

    class Meta:
        model = Notice
        fields = ["community", "pinned"]

    def filter_estate(self, queryset: QuerySet[Notice], name: str, value: int | None) -> QuerySet[Notice]:
        if value is None:
            return queryset
        community = Estate.objects.filter(pk=value).values("community_id")
        return queryset.filter(Q(estate_id=value) | Q(estate__isnull=True, community_id=Subquery(community)))

    def filter_active(self, queryset: QuerySet[Notice], name: str, value: bool | None) -> QuerySet[Notice]:
        if value is None:
            return queryset
        published = published_condition(timezone.now())
        return queryset.filter(published) if value else queryset.exclude(published)

    def filter_mine(self, queryset: QuerySet[Notice], name: str, value: bool | None) -> QuerySet[Notice]:
        if not value:
            return queryset
        estate_ids = scope_of(self.request.user).private_estate_ids
        communities = Estate.objects.filter(pk__in=estate_ids).values("community_id")
        return queryset.filter(Q(estate_id__in=estate_ids) | Q(estate__isnull=True, community_id__in=communities))


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Notices (公告) of a community or one of its estates, pinned ones first. Published notices
    are public; drafts (not yet published) and ended ones are seen by the community's staff, who
    write, edit (PATCH), pin, unpin and withdraw them."""

    serializer_class = NoticeSerializer
    permission_classes = [ReadOrSignedIn]
    filterset_class = NoticeFilter
    ordering_fields = ["publish_from", "created_at", "id"]
    search_fields = ["title", "body"]
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Notice]:
        images = NoticeImage.objects.order_by("id")
        return (
            Notice.objects.visible_to(self.request.user, self._now())
            .select_related("community", "estate")
            .prefetch_related(Prefetch("images", queryset=images))
            .order_by("-is_pinned", "-publish_from", "-id")
        )

    def _now(self) -> datetime:
        if not hasattr(self, "_request_now"):
            self._request_now = timezone.now()
        return self._request_now

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": self._now()}

    def _body(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write a notice (the community's staff): for an `estate`, or a whole `community`."""
        parsed = NoticeCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        community = data.pop("community")
        created = services.create_notice(community, by=request.user, **data)
        return self._body(created.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=NoticeUpdateSerializer, responses={200: NoticeSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the notice's text, estate or publication window (the fields sent)."""
        target = self.get_object()
        parsed = NoticeUpdateSerializer(data=request.data, partial=True)
        parsed.is_valid(raise_exception=True)
        services.update_notice(target, by=request.user, **parsed.validated_data)
        return self._body(target.pk)

    def _act(self, service: Any) -> Response:
        target = self.get_object()
        service(target, by=self.request.user)
        return self._body(target.pk)

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take the notice down now (a scheduled notice never appears)."""
        return self._act(services.withdraw_notice)

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def pin(self, request: Request, pk: str | None = None) -> Response:
        """Pin the notice to the top of its lists."""
        return self._act(services.pin_notice)

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def unpin(self, request: Request, pk: str | None = None) -> Response:
        """Unpin the notice."""
        return self._act(services.unpin_notice)

    @extend_schema(methods=["GET"], responses={200: NoticeImageSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": NoticeImageUploadSerializer},
        responses={201: NoticeImageSerializer, 400: OpenApiResponse(description="Not an acceptable image.")},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def images(self, request: Request, pk: str | None = None) -> Response:
        """The notice's images; POST adds one (multipart `image`, optional `caption`): JPEG, PNG or
        WEBP, at most 10 MB and 40 megapixels, re-encoded without metadata."""
        target = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            parsed = NoticeImageUploadSerializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = parsed.validated_data
            image = services.add_notice_image(target, by=request.user, upload=data["image"], caption=data["caption"])
            return Response(NoticeImageSerializer(image, context=context).data, status=status.HTTP_201_CREATED)
        return Response(NoticeImageSerializer(target.images.all(), many=True, context=context).data)
