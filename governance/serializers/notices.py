"""Shapes of notices (公告) in the API; validation of input. Writes go through services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.models import Community, Estate

from ..models import Notice, NoticeImage
from ..permissions import notices as permissions


class NoticeImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeImage
        fields = ["id", "image", "thumbnail", "width", "height", "caption", "uploaded_at"]


class NoticeSerializer(serializers.ModelSerializer):
    """A notice as anyone who may read it sees it; `status` is derived from its window."""

    community_name = serializers.CharField(source="community.name", read_only=True)
    estate_name = serializers.CharField(source="estate.name", read_only=True, allow_null=True, default=None)
    status = serializers.SerializerMethodField()
    status_display = serializers.SerializerMethodField()
    images = NoticeImageSerializer(many=True, read_only=True)
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "community",
            "community_name",
            "estate",
            "estate_name",
            "title",
            "body",
            "publish_from",
            "publish_until",
            "is_pinned",
            "status",
            "status_display",
            "images",
            "can_manage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _now(self) -> datetime:
        return self.context.get("now") or timezone.now()

    @extend_schema_field(serializers.ChoiceField(choices=Notice.Status.choices))
    def get_status(self, notice: Notice) -> str:
        return str(notice.status_at(self._now()))

    def get_status_display(self, notice: Notice) -> str:
        return str(Notice.Status(notice.status_at(self._now())).label)

    def get_can_manage(self, notice: Notice) -> bool:
        request = self.context.get("request")
        return permissions.can_manage_notice(getattr(request, "user", None), notice)


class NoticeCreateSerializer(serializers.Serializer):
    """A new notice: for an estate (its community is implied), or a whole community (no estate)."""

    community = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), required=False, help_text=_("Optional when an estate is given.")
    )
    estate = serializers.PrimaryKeyRelatedField(
        queryset=Estate.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Empty: the notice is for every estate of the community."),
    )
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=5000)
    publish_from = serializers.DateTimeField(required=False, allow_null=True, help_text=_("By default, now."))
    publish_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("Empty: until it is withdrawn.")
    )
    is_pinned = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        estate = attrs.get("estate")
        community = attrs.get("community")
        if community is None and estate is None:
            raise serializers.ValidationError({"community": [_("Choose the community or the estate.")]})
        if community is None:
            attrs["community"] = estate.community
        elif estate is not None and estate.community_id != community.pk:
            raise serializers.ValidationError({"estate": [_("This estate is not in the notice's community.")]})
        return attrs


class NoticeUpdateSerializer(serializers.Serializer):
    """Change a notice: only the fields sent change (pinning and withdrawing are actions)."""

    estate = serializers.PrimaryKeyRelatedField(
        queryset=Estate.objects.all(), required=False, allow_null=True, help_text=_("Empty: the whole community.")
    )
    title = serializers.CharField(max_length=120, required=False)
    body = serializers.CharField(max_length=5000, required=False)
    publish_from = serializers.DateTimeField(required=False)
    publish_until = serializers.DateTimeField(required=False, allow_null=True)


class NoticeImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text=_("A JPEG, PNG or WEBP image of at most 10 MB."))
    caption = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
