"""HTML pages of the registry. Thin: pick the template, check access; data comes from the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from .dashboard import sections_for
from .models import Estate, Organisation
from .privacy import PRIVACY_NOTICE_VERSION
from .scope import scope_of


def _render(request: HttpRequest, template: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """Render a page with the choice labels that the page's forms and filters show."""
    return render(
        request,
        template,
        {
            "management_modes": Estate.ManagementMode.choices,
            **(context or {}),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's dashboard, with a section for each of their roles; or the public overview."""
    if not request.user.is_authenticated:
        return _render(request, "estates/home_public.html")
    return _render(
        request,
        "estates/home_dashboard.html",
        # A person with no role yet (just registered) is told how to get their home linked.
        {"sections": sections_for(request.user), "has_roles": bool(scope_of(request.user).roles)},
    )


def estate_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "estates/estate_list.html")


def estate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=pk)
    return _render(request, "estates/estate_detail.html", {"estate": estate})


@login_required
def registry(request: HttpRequest) -> HttpResponse:
    """Staff's entry to the registry: the estates they manage."""
    if not scope_of(request.user).is_staff_anywhere:
        raise Http404
    return _render(request, "estates/registry.html")


@login_required
def estate_manage(request: HttpRequest, pk: int) -> HttpResponse:
    estate = get_object_or_404(Estate.objects.managed_by(request.user).select_related("community"), pk=pk)
    return _render(
        request,
        "estates/estate_manage.html",
        {"estate": estate, "organisation_kinds": Organisation.Kind.choices},
    )


@login_required
def household_import(request: HttpRequest, pk: int) -> HttpResponse:
    estate = get_object_or_404(Estate.objects.managed_by(request.user).select_related("community"), pk=pk)
    return _render(request, "estates/household_import.html", {"estate": estate})


def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice (个人信息保护法 art. 17) that people agree to when they register."""
    return render(
        request,
        "registration/privacy_notice.html",
        {
            "version": PRIVACY_NOTICE_VERSION,
            "retention_days": getattr(settings, "REQUEST_CONTACT_RETENTION_DAYS", 730),
        },
    )


@ensure_csrf_cookie
def register(request: HttpRequest) -> HttpResponse:
    """Sign-up page; its form posts to the API (auth/register/). Signed-in people go home."""
    if request.user.is_authenticated:
        return redirect("estates:home")
    return render(request, "registration/register.html", {"consent_version": PRIVACY_NOTICE_VERSION})
