"""HTML pages of renovation projects. Thin: pick the template, check access, give the forms their
choice labels; the data comes from the API (`renovations.api`)."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from estates.models import Estate

from .models import Ballot, LedgerEntry, Project, ProjectPhoto

# The steps a project walks through, in order, as the status stepper shows them.
STEPS = [status for status in Project.Status if status != Project.Status.CANCELLED]


def _render(request: HttpRequest, template: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """Render a page with the choice labels that its filters, badges and forms show."""
    return render(
        request,
        template,
        {
            "kinds": Project.Kind.choices,
            "statuses": Project.Status.choices,
            "steps": [(status.value, status.label) for status in STEPS],
            "consent_rules": Project.ConsentRule.choices,
            "consent_scopes": Project.ConsentScope.choices,
            "ledger_kinds": LedgerEntry.Kind.choices,
            "ledger_sources": LedgerEntry.Source.choices,
            "photo_stages": ProjectPhoto.Stage.choices,
            "ballot_choices": Ballot.Choice.choices,
            **(context or {}),
        },
    )


def project_list(request: HttpRequest) -> HttpResponse:
    """All projects, public: filters by estate, kind, status and year, and a title search."""
    estates = Estate.objects.visible_to(request.user).only("id", "name").order_by("name", "id")
    can_create = Estate.objects.managed_by(request.user).exists() if request.user.is_authenticated else False
    return _render(request, "renovations/project_list.html", {"estates": estates, "can_create": can_create})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.visible_to(request.user).select_related("estate"), pk=pk)
    return _render(request, "renovations/project_detail.html", {"project": project})


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    """The form for a new project: of the estate in `?estate=` or of one the user chooses."""
    managed = Estate.objects.managed_by(request.user).select_related("community").order_by("name", "id")
    raw = request.GET.get("estate", "")
    estate = None
    if raw:
        if not raw.isdigit():
            raise Http404
        estate = get_object_or_404(managed, pk=int(raw))
    elif not managed.exists():
        raise Http404
    return _render(
        request,
        "renovations/project_form.html",
        {"estate": estate, "estates": [] if estate else managed, "project": None},
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.managed_by(request.user).select_related("estate__community"), pk=pk)
    return _render(
        request,
        "renovations/project_form.html",
        {
            "estate": project.estate,
            "project": project,
            "consent_locked": project.status not in Project.CONSENT_EDITABLE_STATUSES,
        },
    )


def project_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable 公示 sheet for the estate's notice board, with a QR code to the public page."""
    project = get_object_or_404(Project.objects.visible_to(request.user).select_related("estate__community"), pk=pk)
    public_url = request.build_absolute_uri(reverse("renovations:project-detail", args=[project.pk]))
    # Made by our code from our own URL (no user data in it), so the markup is safe to inline.
    qr_svg = mark_safe(segno.make(public_url, error="m").svg_inline(scale=4, omitsize=True, svgclass="qr__code"))  # noqa: S308
    return _render(
        request,
        "renovations/project_print.html",
        {"project": project, "community": project.estate.community, "public_url": public_url, "qr_svg": qr_svg},
    )
