"""HTML pages of notices (公告). Thin: pick the template, check who may use the page; the data
comes from the API (`governance.api.notices`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from estates.models import Community, Estate
from estates.scope import scope_of

from ..models import Notice


def _places(request: HttpRequest) -> dict[str, Any]:
    """The communities whose notices the user writes, each with its estates (for the form's select)."""
    communities = list(Community.objects.managed_by(request.user).only("id", "name").order_by("name", "id"))
    estates = Estate.objects.filter(community__in=communities).only("id", "name", "community_id").order_by("name", "id")
    by_community: dict[int, list[Estate]] = {}
    for estate in estates:
        by_community.setdefault(estate.community_id, []).append(estate)
    return {"places": [(community, by_community.get(community.pk, [])) for community in communities]}


def notice_list(request: HttpRequest) -> HttpResponse:
    """Public: the notices being published, pinned first; the staff also see drafts and ended ones."""
    return render(
        request,
        "governance/notices_list.html",
        {"can_write": scope_of(request.user).is_staff_anywhere, "statuses": Notice.Status.choices},
    )


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.visible_to(request.user).only("id", "title"), pk=pk)
    return render(request, "governance/notices_detail.html", {"notice": notice, "statuses": Notice.Status.choices})


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    """The community's staff write a notice."""
    places = _places(request)
    if not places["places"]:
        raise Http404
    return render(request, "governance/notices_form.html", {**places, "notice": None})


@login_required
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.managed_by(request.user).only("id", "title"), pk=pk)
    return render(request, "governance/notices_form.html", {**_places(request), "notice": notice})
