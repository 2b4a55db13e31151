"""A person's own personal data (PIPL): what they agreed to, who read their contact details,
a copy of everything, erasure. The API under /api/v1/me/ and the page at /accounts/privacy/."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import privacy
from .models import ContactRead
from .permissions import SignedIn
from .serializers import ChoiceLabelField


class PrivacyConsentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    version = serializers.CharField()
    given_at = serializers.DateTimeField()


class PrivacySummarySerializer(serializers.Serializer):
    notice_version = serializers.CharField(help_text=gettext_lazy("The privacy notice's current version."))
    has_current_consent = serializers.BooleanField()
    consents = PrivacyConsentSerializer(many=True)
    retention_days = serializers.IntegerField(
        help_text=gettext_lazy("Days after a request has ended before its contact number and location are cleared.")
    )
    erasure_blockers = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Why the account cannot be erased yet; empty when it can."),
    )


class ContactReadSerializer(serializers.ModelSerializer):
    reader = serializers.SerializerMethodField()
    field_display = ChoiceLabelField(source="field")

    class Meta:
        model = ContactRead
        fields = ["id", "reader", "field", "field_display", "path", "at"]

    def get_reader(self, read: ContactRead) -> str:
        return read.reader.display_name


class EraseSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, help_text=gettext_lazy("The account's password, to confirm.")
    )
    confirm = serializers.BooleanField(help_text=gettext_lazy("Must be true: the erasure cannot be undone."))

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Tick the box to confirm that you want your data erased."))
        return value


class PrivacySummaryView(APIView):
    """What the signed-in person agreed to, how long requests keep contact details, and
    whether their account can be erased now."""

    permission_classes = [SignedIn]

    @extend_schema(responses={200: PrivacySummarySerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        consents = [
            {"kind": c.kind, "kind_display": c.get_kind_display(), "version": c.version, "given_at": c.given_at}
            for c in user.consents.order_by("-given_at")
        ]
        body = {
            "notice_version": privacy.PRIVACY_NOTICE_VERSION,
            "has_current_consent": any(c["version"] == privacy.PRIVACY_NOTICE_VERSION for c in consents),
            "consents": consents,
            "retention_days": settings.REQUEST_CONTACT_RETENTION_DAYS,
            "erasure_blockers": privacy.erasure_blockers(user),
        }
        return Response(PrivacySummarySerializer(body).data)


class ContactReadListView(generics.ListAPIView):
    """Who was shown the signed-in person's full phone number or a request's contact number,
    where and when, newest first."""

    permission_classes = [SignedIn]
    serializer_class = ContactReadSerializer
    queryset = ContactRead.objects.none()  # for the schema; the reads are the person's own

    def get_queryset(self) -> Any:
        return ContactRead.objects.filter(person=self.request.user).select_related("reader").order_by("-at", "-id")


class PersonalDataView(APIView):
    """A copy of everything the portal holds about the signed-in person, as a JSON file."""

    permission_classes = [SignedIn]

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        body = json.dumps(privacy.personal_data(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = f"huanxin-my-data-{timezone.localdate():%Y%m%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class EraseView(APIView):
    """Erase the signed-in person's data (PIPL art. 47). Their requests, votes and minutes keep
    their history with the person shown as an erased account; the account is closed and signed
    out everywhere. Refused (409) while requests or disputes of theirs are open or they hold a
    role other than resident."""

    permission_classes = [SignedIn]

    @extend_schema(
        request=EraseSerializer,
        responses={200: OpenApiResponse(description=gettext_lazy("Erased; the session has ended."))},
    )
    def post(self, request: Request) -> Response:
        data = EraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        privacy.erase_person(request.user, by=request.user, password=data.validated_data["password"])
        if hasattr(request._request, "session"):
            logout(request._request)
        return Response({"detail": _("Your data has been erased and your account closed.")}, status=status.HTTP_200_OK)


@login_required
def my_privacy(request: HttpRequest) -> HttpResponse:
    """我的个人信息: consents, who read my number, a copy of my data, erasure."""
    return render(request, "estates/my_privacy.html", {"notice_version": privacy.PRIVACY_NOTICE_VERSION})
