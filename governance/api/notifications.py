"""The REST API of the notification centre: the signed-in user's own notifications and preferences."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from estates.permissions import SignedIn

from .. import services
from ..models import Notification
from ..serializers.notifications import (
    MarkedSerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
    UnreadCountSerializer,
)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Unread only")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's notifications, newest first: reminders about meetings, requests,
    action items and rating rounds. Nobody sees another person's notifications (404)."""

    serializer_class = NotificationSerializer
    permission_classes = [SignedIn]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    search_fields = ["title", "body"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark the notification read."""
        notification = services.mark_notification_read(self.get_object(), by=request.user)
        return Response(NotificationSerializer(notification, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification of the user read."""
        return Response({"marked": services.mark_all_notifications_read(by=request.user)})

    @extend_schema(responses=UnreadCountSerializer, filters=False)
    @action(detail=False, methods=["get"], url_path="unread-count", filter_backends=[], pagination_class=None)
    def unread_count(self, request: Request) -> Response:
        """How many notifications are unread: the bell in the page header."""
        return Response({"unread": Notification.objects.visible_to(request.user).unread().count()})

    @extend_schema(methods=["GET"], responses=NotificationPreferenceSerializer, filters=False)
    @extend_schema(
        methods=["PUT"], request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer
    )
    @action(
        detail=False,
        methods=["get", "put"],
        url_path="preferences",
        filter_backends=[],
        pagination_class=None,
        serializer_class=NotificationPreferenceSerializer,
    )
    def preferences(self, request: Request) -> Response:
        """The user's notification preferences: e-mail on or off, quiet hours, language."""
        context = self.get_serializer_context()
        if request.method == "PUT":
            serializer = NotificationPreferenceSerializer(data=request.data, context=context)
            serializer.is_valid(raise_exception=True)
            pref = services.update_notification_preferences(by=request.user, **serializer.validated_data)
        else:
            pref = self.get_object()
        return Response(NotificationPreferenceSerializer(pref, context=context).data)

    def get_object(self) -> Any:
        # Without an id the object is the person's preferences: `preferences` itself, and DRF's
        # OPTIONS (action "metadata") describing its PUT from the object it would change.
        if "pk" not in self.kwargs:
            return services.notification_preferences_of(self.request.user)
        return super().get_object()
