"""HTML pages of resident requests (点单). Thin: pick the template, check who may use the page,
give its filters their choice labels; the data comes from the API (`governance.api`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from estates.models import Estate
from estates.scope import scope_of

from .. import permissions
from ..models import RequestCategory, ResidentRequest

# The statuses in which a request is still in the property company's hands.
QUEUE_TAKEN_STATUSES = (
    ResidentRequest.Status.ACCEPTED,
    ResidentRequest.Status.IN_PROGRESS,
    ResidentRequest.Status.AWAITING_PAYMENT,
)


def _access(request: HttpRequest) -> dict[str, bool]:
    """Which request pages the user may open (the pages link to each other with these)."""
    scope = scope_of(request.user)
    roles = permissions.roles_of(request.user)
    return {
        "can_file": bool(scope.resident_estate_ids) or scope.is_staff_anywhere,
        "can_queue": bool(roles.company_estates),
        "can_approve": bool(roles.committee_estates),
        "can_overview": scope.is_staff_anywhere,
    }


def _render(request: HttpRequest, template: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """Render a request page with the labels its badges, filters and timeline show."""
    return render(
        request,
        template,
        {
            "statuses": ResidentRequest.Status.choices,
            "urgencies": ResidentRequest.Urgency.choices,
            "payment_statuses": ResidentRequest.PaymentStatus.choices,
            "access": _access(request),
            **(context or {}),
        },
    )


def _estates(ids: set[int] | frozenset[int]) -> list[Estate]:
    return list(Estate.objects.filter(pk__in=ids).only("id", "name").order_by("name", "id"))


def _categories() -> list[RequestCategory]:
    return list(RequestCategory.objects.filter(is_active=True).order_by("position", "id"))


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    """我要点单: residents file for their home; community staff file for a resident."""
    scope = scope_of(request.user)
    staff_estates = (
        list(Estate.objects.managed_by(request.user).only("id", "name").order_by("name", "id"))
        if scope.is_staff_anywhere
        else []
    )
    if not scope.resident_estate_ids and not staff_estates:
        raise Http404
    return _render(
        request,
        "governance/request_new.html",
        {"staff_estates": staff_estates, "is_resident": bool(scope.resident_estate_ids)},
    )


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """我的点单: the requests the user filed, or that were filed for them."""
    return _render(request, "governance/request_list.html")


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ResidentRequest.objects.visible_to(request.user).only("id"), pk=pk)
    return _render(request, "governance/request_detail.html", {"resident_request": target})


@login_required
def request_queue(request: HttpRequest) -> HttpResponse:
    """The property company's queue: open requests of the estates its staff serve."""
    roles = permissions.roles_of(request.user)
    if not roles.company_estates:
        raise Http404
    served = set().union(*roles.company_estates.values())
    companies = sorted(roles.company_estates)
    return _render(
        request,
        "governance/request_queue.html",
        {
            "estates": _estates(served),
            "categories": _categories(),
            "queue_statuses": [(ResidentRequest.Status.SUBMITTED.value, ResidentRequest.Status.SUBMITTED.label)]
            + [(status.value, status.label) for status in QUEUE_TAKEN_STATUSES],
            # With one company (the usual case), "in hand" lists only what that company took.
            "company_id": companies[0] if len(companies) == 1 else "",
        },
    )


@login_required
def request_approvals(request: HttpRequest) -> HttpResponse:
    """The committee's payment approvals (买单) for its estate."""
    committee_estates = permissions.roles_of(request.user).committee_estates
    if not committee_estates:
        raise Http404
    return _render(request, "governance/request_approvals.html", {"estates": _estates(committee_estates)})


@login_required
def request_overview(request: HttpRequest) -> HttpResponse:
    """Community staff's overview of every request of their estates, with filters and the export."""
    if not scope_of(request.user).is_staff_anywhere:
        raise Http404
    estates = list(Estate.objects.managed_by(request.user).only("id", "name").order_by("name", "id"))
    return _render(request, "governance/request_overview.html", {"estates": estates, "categories": _categories()})
