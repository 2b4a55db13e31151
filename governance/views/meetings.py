"""HTML pages of meetings. Thin: pick the template, check who may open the page, give it its
choice labels; the data comes from the API (`governance.api.meetings`). The personal calendar
feed is served here, because calendar apps fetch it without signing in (its address is the key)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from estates.models import Community, Estate

from ..api.meetings import calendar_host, calendar_meetings, ics_response
from ..models import ActionItem, AgendaItem, CalendarFeed, Meeting
from ..permissions import meetings as rules
from ..serializers.meetings import meeting_calendar

# A feed lists the meetings of the last year and every one to come.
FEED_LIMIT = 500


def _render(request: HttpRequest, template: str, context: dict[str, Any] | None = None) -> HttpResponse:
    """Render a meeting page with the labels its badges and filters show."""
    return render(
        request,
        template,
        {
            "meeting_kinds": Meeting.Kind.choices,
            "meeting_statuses": Meeting.Status.choices,
            "agenda_sources": AgendaItem.Source.choices,
            "action_statuses": ActionItem.Status.choices,
            "meeting_access": rules.meeting_roles(request.user),
            **(context or {}),
        },
    )


def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings: upcoming and past ones the user may see, theirs, and their calendar feed.
    The public sees the meetings whose minutes are published."""
    return _render(request, "governance/meeting_list.html")


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Schedule a meeting: the community's staff."""
    communities = list(Community.objects.managed_by(request.user).order_by("name", "id"))
    if not communities:
        raise Http404
    estates = list(
        Estate.objects.filter(community__in=communities).only("id", "name", "community_id").order_by("name", "id")
    )
    return _render(request, "governance/meeting_new.html", {"communities": communities, "estates": estates})


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting for those taking part: time, place, agenda, participants, the calendar file.
    Anyone else is sent to the published minutes (or told there is no such page)."""
    if Meeting.objects.private_to(request.user).filter(pk=pk).exists():
        meeting = get_object_or_404(Meeting.objects.only("id", "title", "community_id"), pk=pk)
        return _render(
            request,
            "governance/meeting_detail.html",
            {"meeting": meeting, "can_run": rules.can_manage_meeting(request.user, meeting)},
        )
    if Meeting.objects.published().filter(pk=pk).exists():
        return redirect("governance:meeting-minutes", pk=pk)
    raise Http404


@login_required
def meeting_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff page to run a meeting on a tablet: agenda, attendance, notes, action items."""
    meeting = get_object_or_404(Meeting.objects.managed_by(request.user).only("id", "title", "community_id"), pk=pk)
    return _render(request, "governance/meeting_run.html", {"meeting": meeting})


def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes: public once published; a draft before that for those taking part."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user).only("id", "title"), pk=pk)
    return _render(request, "governance/meeting_minutes.html", {"meeting": meeting})


def meeting_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal iCalendar feed: the meetings the feed's owner takes part in or organises
    (METHOD:PUBLISH). It names neither attendees nor agenda items: calendar services keep
    what they fetch. An unknown address is a 404."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404
    meetings = calendar_meetings(Meeting.objects.mine(feed.user).order_by("-starts_at", "-id"), private=False)[
        :FEED_LIMIT
    ]
    body = meeting_calendar(
        meetings,
        host=calendar_host(request),
        url_of=lambda m: request.build_absolute_uri(reverse("governance:meeting-detail", args=[m.pk])),
        viewer_id=feed.user.pk,
        method="PUBLISH",
        private=False,
        name=_("My meetings · Huanxin"),
    )
    return ics_response(body, filename="meetings.ics")
