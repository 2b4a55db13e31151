"""HTML pages of the service ratings (物业服务评定). Thin: pick the template, check who may use
the page, give it its choice labels; the data comes from the API (`governance.api.ratings`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from estates.models import Community, District, Estate, Membership, Street
from estates.scope import scope_of

from .. import permissions
from ..models import RatingRound


def _access(request: HttpRequest) -> dict[str, bool]:
    """Which rating pages the user may open (the pages link to each other with these)."""
    return {
        "can_score": bool(permissions.roles_of(request.user).committee_estates),
        "can_manage": scope_of(request.user).is_staff_anywhere,
    }


def _render(request: HttpRequest, template: str, context: dict[str, Any] | None = None) -> HttpResponse:
    return render(
        request,
        template,
        {
            "round_statuses": RatingRound.Status.choices,
            "grades": RatingRound.Grade.choices,
            "access": _access(request),
            **(context or {}),
        },
    )


def rating_home(request: HttpRequest) -> HttpResponse:
    """本月评分: a committee member scores the open round(s) of their estate. Staff go on to run
    the rounds; everyone else to the public grades of the property companies."""
    committee_estates = permissions.roles_of(request.user).committee_estates
    if not committee_estates:
        if scope_of(request.user).is_staff_anywhere:
            return redirect("governance:rating-manage")
        return redirect("governance:rating-companies")
    estates = list(Estate.objects.filter(pk__in=committee_estates).only("id", "name").order_by("name", "id"))
    return _render(request, "governance/ratings_score.html", {"estates": estates})


@login_required
def rating_manage(request: HttpRequest) -> HttpResponse:
    """Community staff open, close, publish and reopen the rounds of their estates."""
    if not scope_of(request.user).is_staff_anywhere:
        raise Http404
    estates = list(Estate.objects.managed_by(request.user).only("id", "name").order_by("name", "id"))
    return _render(
        request,
        "governance/ratings_manage.html",
        {"estates": estates, "this_month": timezone.localdate().strftime("%Y-%m")},
    )


def _own_area(request: HttpRequest) -> str:
    """The area a street or district admin (or community staff) ranks first: "street-3" and so on."""
    if not request.user.is_authenticated:
        return ""
    rows = Membership.objects.active().filter(
        user=request.user, role__in=["street_admin", "district_admin", "community_staff"]
    )
    found = {kind: [] for kind in ("street", "district", "community")}
    for street_id, district_id, community_id in rows.values_list("street_id", "district_id", "community_id"):
        for kind, value in (("street", street_id), ("district", district_id), ("community", community_id)):
            if value:
                found[kind].append(value)
    for kind, ids in found.items():
        if ids:
            return f"{kind}-{min(ids)}"
    return ""


def rating_companies(request: HttpRequest) -> HttpResponse:
    """Public: property companies ranked by their published grades in an area, and each
    company's grades over time. Street and district admins start with their own area."""
    areas = {
        "districts": list(District.objects.order_by("name", "id")),
        "streets": list(Street.objects.order_by("name", "id")),
        "communities": list(Community.objects.order_by("name", "id")),
    }
    return _render(request, "governance/ratings_companies.html", {"areas": areas, "default_area": _own_area(request)})
