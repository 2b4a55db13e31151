"""HTML pages of the registry. Thin: pick the template, check access; data comes from the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .dashboard import sections_for
from .models import Estate, Organisation
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
    return _render(request, "estates/home_dashboard.html", {"sections": sections_for(request.user)})


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
