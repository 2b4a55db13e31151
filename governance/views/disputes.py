"""HTML pages of disputes (纠纷). Thin: pick the template, check who may use the page, give its
forms their choice labels; the data comes from the API (`governance.api.disputes`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from estates.models import Estate, Household
from estates.scope import scope_of

from ..models import Dispute, DisputeParty
from ..permissions.disputes import mediation_estate_ids


def _official_estates(request: HttpRequest) -> list[Estate]:
    """The estates whose disputes the user handles: as staff, or as a mediator of the team."""
    scope = scope_of(request.user)
    mediated = mediation_estate_ids(request.user)
    if not scope.is_superuser and not scope.staff_estate_ids and not mediated:
        return []
    estates = (
        Estate.objects.all() if scope.is_superuser else Estate.objects.filter(pk__in=scope.staff_estate_ids | mediated)
    )
    return list(estates.only("id", "name").order_by("name", "id"))


def _own_households(request: HttpRequest) -> list[Household]:
    ids = scope_of(request.user).household_ids
    return list(Household.objects.filter(pk__in=ids).select_related("unit__building__estate").order_by("id"))


def _render(request: HttpRequest, template: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """Render a dispute page with the labels its badges, filters and forms show."""
    return render(
        request,
        template,
        {
            "stages": Dispute.Stage.choices,
            "kinds": Dispute.Kind.choices,
            "outcomes": Dispute.Outcome.choices,
            "sides": DisputeParty.Side.choices,
            **(context or {}),
        },
    )


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """My disputes; for mediators and staff, the disputes of their estates with filters."""
    scope = scope_of(request.user)
    official_estates = _official_estates(request)
    return _render(
        request,
        "governance/disputes_list.html",
        {
            "official_estates": official_estates,
            "can_raise": bool(official_estates) or bool(scope.resident_estate_ids),
        },
    )


@login_required
def dispute_new(request: HttpRequest) -> HttpResponse:
    """邻里来说事: a resident raises a dispute for their household; staff and mediators for residents."""
    households = _own_households(request)
    official_estates = _official_estates(request)
    if not households and not official_estates:
        raise Http404
    return _render(
        request, "governance/disputes_new.html", {"households": households, "official_estates": official_estates}
    )


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user).only("id", "title", "estate_id"), pk=pk)
    return _render(request, "governance/disputes_detail.html", {"dispute": dispute})
