"""The cases `make bench` measures, each a person doing one thing on the generated city.

People and objects are picked from the data (the busiest estate, its staff, its company's staff),
so the cases work on any city `generate_city` made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from django.db.models import Count
from django.test import Client
from django.utils import timezone

from estates.models import Estate, Membership, Organisation, User
from governance import services
from governance.models import Meeting, ResidentRequest

from .run import Case

LIST_TARGET_MS = 40
DETAIL_TARGET_MS = 10
DASHBOARD_TARGET_MS = 100
SWEEP_TARGET_MS = 1000


@cache
def busiest_estate() -> Estate:
    """The estate served by a property company with the most requests among the latest 20,000
    (a sample: counting a million rows per estate would be a benchmark of its own)."""
    served = Estate.objects.filter(organisations__kind=Organisation.Kind.PROPERTY_COMPANY).values("pk")
    latest = ResidentRequest.objects.filter(estate__in=served).order_by("-id").values("pk")[:20000]
    busiest = (
        ResidentRequest.objects.filter(pk__in=latest)
        .values("estate_id")
        .annotate(n=Count("id"))
        .order_by("-n", "estate_id")
        .values_list("estate_id", flat=True)[:1]
    )
    return Estate.objects.select_related("community").get(pk=busiest[0])


def _member(role: str, **scope: Any) -> User:
    membership = Membership.objects.active().filter(role=role, user__is_active=True, **scope).order_by("id").first()
    if membership is None:
        raise SystemExit(f"The generated city has no active {role} for {scope}.")
    return membership.user


@cache
def staff() -> User:
    return _member(Membership.Role.COMMUNITY_STAFF, community_id=busiest_estate().community_id)


@cache
def company_staff() -> tuple[User, int]:
    membership = (
        Membership.objects.active()
        .filter(role=Membership.Role.PROPERTY_STAFF, organisation__estates=busiest_estate())
        .order_by("id")
        .first()
    )
    if membership is None:
        raise SystemExit("The busiest estate has no property company staff.")
    return membership.user, membership.organisation_id


@cache
def street_admin() -> User:
    return _member(Membership.Role.STREET_ADMIN, street_id=busiest_estate().community.street_id)


@cache
def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def get(user: User | None, path: str, *, count: Callable[[Any], int] | None = None) -> Callable[[], int]:
    """A case body: GET `path` as `user`, check the answer, return how many rows it carried."""

    def run() -> int:
        # secure: as behind the TLS proxy (DEBUG off redirects plain HTTP).
        response = client_for(user).get(path, secure=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
        if count is not None:
            return count(response)
        if response.get("Content-Type", "").startswith("application/json"):
            data = json.loads(response.content)
            if isinstance(data, dict) and "results" in data:
                return len(data["results"])
            return len(data) if isinstance(data, list) else 1
        return 1

    return run


def _ics_events(response: Any) -> int:
    return response.content.count(b"BEGIN:VEVENT")


def _open311_rows(response: Any) -> int:
    return len(json.loads(response.content))


def sweep(moment: Callable[[], Any] = timezone.now) -> int:
    """One turn of the reminder machinery as beat runs it: the three producers, then delivery."""
    now = moment()
    made = services.schedule_request_reminders(now)
    made += services.schedule_meeting_reminders(now)
    made += services.schedule_rating_reminders(now)
    return made + services.deliver_due_reminders(now)


def sweep_a_minute_ago() -> None:
    """Bring the reminders up to a minute ago (committed): the steady state of a sweep every
    minute, where each turn finds what fell due since the last."""
    sweep(lambda: timezone.now() - timedelta(minutes=1))


def catch_up() -> int:
    """A turn after a day without a worker: every moment of a day at once (rolled back). Seen
    from a day ahead, so that no reminder of that day exists yet."""
    return sweep(lambda: timezone.now() + timedelta(days=1))


def all_cases() -> list[Case]:
    estate = busiest_estate()
    person = staff()
    taker, company = company_staff()
    request_id = (
        ResidentRequest.objects.filter(estate=estate, status=ResidentRequest.Status.CLOSED)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    meeting = (
        Meeting.objects.filter(community_id=estate.community_id, minutes_published_at__isnull=False)
        .order_by("-starts_at")
        .first()
    )
    soon = timezone.now() + timedelta(days=30)
    cases = [
        Case(
            "requests: estate + status",
            get(person, f"/api/v1/requests/?estate={estate.pk}&status=closed"),
            LIST_TARGET_MS,
        ),
        Case("requests: overdue", get(person, "/api/v1/requests/?overdue=true"), LIST_TARGET_MS),
        Case(
            "requests: company queue",
            get(taker, f"/api/v1/requests/?company={company}&status=accepted&status=in_progress"),
            LIST_TARGET_MS,
        ),
        Case(
            "requests: page 10 of estate",
            get(person, f"/api/v1/requests/?estate={estate.pk}&page=10&page_size=20"),
            LIST_TARGET_MS,
        ),
        Case("staff dashboard", get(person, "/api/v1/dashboard/"), DASHBOARD_TARGET_MS),
        Case("street admin comparison", get(street_admin(), "/api/v1/dashboard/"), DASHBOARD_TARGET_MS),
        Case("request detail", get(person, f"/api/v1/requests/{request_id}/"), DETAIL_TARGET_MS),
        Case("projects list", get(person, f"/api/v1/projects/?estate={estate.pk}"), LIST_TARGET_MS),
        Case("estate detail (public)", get(None, f"/api/v1/estates/{estate.pk}/"), DETAIL_TARGET_MS),
        Case(
            "estate figures (public)",
            get(None, f"/api/v1/requests/figures/?estate={estate.pk}"),
            DASHBOARD_TARGET_MS,
        ),
        Case(
            "grade trend (public)",
            get(None, f"/api/v1/rating-rounds/trend/?estate={estate.pk}"),
            DASHBOARD_TARGET_MS,
        ),
        Case(
            "Open311 requests.json",
            get(None, "/open311/v2/requests.json", count=_open311_rows),
            LIST_TARGET_MS,
        ),
        Case("meetings list", get(person, f"/api/v1/meetings/?before={soon:%Y-%m-%d}"), LIST_TARGET_MS),
    ]
    if meeting is not None:
        cases.append(
            Case(
                "meeting iCalendar",
                get(person, f"/api/v1/meetings/{meeting.pk}/ics/", count=_ics_events),
                DETAIL_TARGET_MS,
            )
        )
    cases.append(Case("reminder sweep (every minute)", sweep, SWEEP_TARGET_MS, rollback=True, setup=sweep_a_minute_ago))
    cases.append(Case("reminder sweep (a day's catch-up)", catch_up, rollback=True, runs=5))
    return cases
