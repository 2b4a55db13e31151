"""HTML pages of the registry. Thin: pick the template, check access; data comes from the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Estate
from .permissions import can_manage_estate
from .scope import scope_of


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's dashboard, or the public overview."""
    if request.user.is_authenticated:
        return render(request, "estates/home_dashboard.html", {"scope": scope_of(request.user)})
    return render(request, "estates/home_public.html")


def estate_list(request: HttpRequest) -> HttpResponse:
    return render(request, "estates/estate_list.html")


def estate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    estate = get_object_or_404(Estate.objects.visible_to(request.user).select_related("community"), pk=pk)
    return render(
        request, "estates/estate_detail.html", {"estate": estate, "can_manage": can_manage_estate(request.user, estate)}
    )


@login_required
def registry(request: HttpRequest) -> HttpResponse:
    """Staff's entry to the registry: the estates they manage."""
    scope = scope_of(request.user)
    if not scope.is_staff_anywhere:
        raise Http404
    return render(request, "estates/registry.html")


@login_required
def estate_manage(request: HttpRequest, pk: int) -> HttpResponse:
    estate = get_object_or_404(Estate.objects.managed_by(request.user).select_related("community"), pk=pk)
    return render(request, "estates/estate_manage.html", {"estate": estate})


@login_required
def household_import(request: HttpRequest, pk: int) -> HttpResponse:
    estate = get_object_or_404(Estate.objects.managed_by(request.user).select_related("community"), pk=pk)
    return render(request, "estates/household_import.html", {"estate": estate})
