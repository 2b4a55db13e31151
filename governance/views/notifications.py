"""Pages of the notification centre. Thin: the data comes from the API (`governance.api.notifications`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """通知: the signed-in user's notifications, newest first, with mark read and mark all read."""
    return render(request, "governance/notification_list.html")


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """How the user hears about reminders: e-mail on or off, quiet hours, language."""
    return render(
        request,
        "governance/notification_preferences.html",
        {"languages": settings.LANGUAGES, "has_email": bool(request.user.email)},
    )
