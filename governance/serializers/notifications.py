"""Shapes of notifications and notification preferences in the API. Writes go through services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.serializers import ChoiceLabelField

from ..models import Notification, NotificationPreference


class NotificationSerializer(serializers.ModelSerializer):
    """One notification of the signed-in user; everything but its read state is fixed."""

    kind_display = ChoiceLabelField(source="kind")
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text=_("How many of the user's notifications are unread."))


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were marked read."))


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "22:00"})
class HourMinuteField(serializers.TimeField):
    """A local time of day as HH:MM, in and out (the schema's `format: time` would want seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    """How the user hears about reminders. PUT replaces all of it: quiet hours left out (or
    null) mean none, a language left out (or empty) means the site's."""

    email_enabled = serializers.BooleanField(
        help_text=_("Send reminders by e-mail as well (only when the account has an e-mail address).")
    )
    quiet_start = HourMinuteField(
        allow_null=True,
        required=False,
        default=None,
        help_text=_("Local time (HH:MM) from which e-mail waits; the in-app notification still arrives."),
    )
    quiet_end = HourMinuteField(
        allow_null=True,
        required=False,
        default=None,
        help_text=_("Local time (HH:MM) at which held e-mail is sent. May be earlier than the start (overnight)."),
    )
    language = serializers.ChoiceField(
        choices=[("", _("The site's language")), *settings.LANGUAGES],
        required=False,
        default="",
        help_text=_("The language of reminders and their e-mail."),
    )
    has_email = serializers.SerializerMethodField(help_text=_("Whether the account has an e-mail address."))

    class Meta:
        model = NotificationPreference
        fields = ["email_enabled", "quiet_start", "quiet_end", "language", "has_email"]

    def get_has_email(self, pref: NotificationPreference) -> bool:
        request = self.context.get("request")
        return bool(getattr(getattr(request, "user", None), "email", ""))
