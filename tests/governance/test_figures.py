"""Figures from known inputs: median time to take, on-time share, average rating, reopen share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from estates.models import User
from governance import figures, services
from governance.models import ResidentRequest
from tests.conftest import World
from tests.governance.conftest import T0, fresh

FileRequest = Callable[..., ResidentRequest]


def at(hours: float) -> Any:
    return time_machine.travel(T0 + timedelta(hours=hours), tick=False)


@pytest.fixture
def history(
    world: World, file_request: FileRequest, resident: User, property_staff: User, staff: User
) -> dict[str, ResidentRequest]:
    """Six requests filed at T0 (and one ten days later):

    A taken after 2 h, resolved in time, rated 5; B taken after 4 h with 1 h to do it, resolved
    late, rated 3; C taken after 6 h, resolved, reopened, resolved again in time, rated 4;
    D routed to the community after 8 h; E never taken (escalated by the sweep after a day);
    F withdrawn; G filed ten days later and left alone.
    """
    company, person = fresh(property_staff), fresh(resident)
    with at(0):
        a, b, c, d, e, f = (file_request() for _ in range(6))
    with at(2):
        services.accept_request(a, by=company)
    with at(4):
        services.accept_request(b, by=company, due_at=T0 + timedelta(hours=5))
    with at(6):
        services.accept_request(c, by=company)
        services.withdraw_request(f, by=person)
    with at(8):
        services.route_request(d, by=fresh(staff))
    with at(10):
        for request in (a, c):
            services.start_request(request, by=company)
            services.resolve_request(request, by=company)
        services.confirm_request(a, by=person, rating=5)
        services.reopen_request(c, by=person, reason="又漏了")
    with at(12):
        services.resolve_request(c, by=company)
        services.confirm_request(c, by=person, rating=4)
    with at(20):
        services.start_request(b, by=company)
        services.resolve_request(b, by=company)
        services.confirm_request(b, by=person, rating=3)
    with at(25):
        assert services.escalate_overdue_requests() == 1  # E, not taken within 24 hours
    with at(240):
        g = file_request()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


ESTATE_FIGURES = {
    "count": 7,
    "taken_count": 4,
    "median_hours_to_take": 5.0,  # 2, 4, 6, 8
    "resolved_count": 3,
    "on_time_count": 2,
    "on_time_share": 0.6667,  # A and C of A, B, C
    "rated_count": 3,
    "average_rating": 4.0,  # 5, 3, 4
    "reopened_count": 1,
    "reopen_share": 0.3333,  # C of A, B, C
    "escalated_count": 1,  # E
}


def test_estate_figures_from_known_inputs(world: World, history: dict[str, ResidentRequest]) -> None:
    assert figures.request_figures(ResidentRequest.objects.filter(estate=world.estate)) == ESTATE_FIGURES


def test_company_figures_count_what_the_company_took(world: World, history: dict[str, ResidentRequest]) -> None:
    assert figures.request_figures(ResidentRequest.objects.filter(accepted_by_organisation=world.property_org)) == {
        **ESTATE_FIGURES,
        "count": 3,
        "taken_count": 3,
        "median_hours_to_take": 4.0,  # 2, 4, 6
        "escalated_count": 0,
    }


def test_python_median_agrees_with_postgresql(
    world: World, history: dict[str, ResidentRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "_median_in_sql", lambda alias: False)
    assert figures.request_figures(ResidentRequest.objects.filter(estate=world.estate)) == ESTATE_FIGURES


def test_odd_count_median_is_the_middle_value(world: World, file_request: FileRequest, property_staff: User) -> None:
    with at(0):
        requests = [file_request() for _ in range(3)]
    for hours, request in zip((1, 3, 11), requests, strict=True):
        with at(hours):
            services.accept_request(request, by=fresh(property_staff))
    assert figures.request_figures(ResidentRequest.objects.all())["median_hours_to_take"] == 3.0


def test_figures_of_nothing(world: World) -> None:
    assert figures.request_figures(ResidentRequest.objects.filter(estate=world.estate)) == {
        "count": 0,
        "taken_count": 0,
        "median_hours_to_take": None,
        "resolved_count": 0,
        "on_time_count": 0,
        "on_time_share": None,
        "rated_count": 0,
        "average_rating": None,
        "reopened_count": 0,
        "reopen_share": None,
        "escalated_count": 0,
    }


def test_figures_in_one_query_on_postgresql(
    world: World, history: dict[str, ResidentRequest], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        figures.request_figures(ResidentRequest.objects.filter(estate=world.estate))


# ---------------------------------------------------------------- the API


def test_estate_figures_are_public(world: World, history: dict[str, ResidentRequest]) -> None:
    response = APIClient().get("/api/v1/requests/figures/", {"estate": world.estate.pk})
    assert response.status_code == 200
    assert response.json() == {
        "estate": world.estate.pk,
        "company": None,
        "since": None,
        "until": None,
        **ESTATE_FIGURES,
    }


def test_company_figures_through_the_api(world: World, history: dict[str, ResidentRequest]) -> None:
    body = APIClient().get("/api/v1/requests/figures/", {"company": world.property_org.pk}).json()
    assert (body["company"], body["count"], body["median_hours_to_take"]) == (world.property_org.pk, 3, 4.0)


def test_figures_for_a_period(world: World, history: dict[str, ResidentRequest]) -> None:
    client = APIClient()
    until = client.get("/api/v1/requests/figures/", {"estate": world.estate.pk, "until": "2025-03-05"}).json()
    assert (until["until"], until["count"]) == ("2025-03-05", 6)
    since = client.get("/api/v1/requests/figures/", {"estate": world.estate.pk, "since": "2025-03-13"}).json()
    assert (since["count"], since["taken_count"], since["median_hours_to_take"]) == (1, 0, None)


@pytest.mark.parametrize(
    "params",
    [{}, {"estate": 1, "company": 1}, {"estate": "x"}, {"estate": 1, "since": "2025-03-05", "until": "2025-03-01"}],
)
def test_figures_refuse_unclear_questions(world: World, params: dict[str, Any]) -> None:
    response = APIClient().get("/api/v1/requests/figures/", params)
    assert response.status_code == 400
    assert response.json()


def test_figures_of_unknown_estates_and_non_companies_are_404(world: World) -> None:
    client = APIClient()
    assert client.get("/api/v1/requests/figures/", {"estate": 999999}).status_code == 404
    assert client.get("/api/v1/requests/figures/", {"company": world.committee_org.pk}).status_code == 404


def test_figures_endpoint_query_budget(
    world: World, history: dict[str, ResidentRequest], django_assert_num_queries: Any
) -> None:
    client = APIClient()
    # the estate; the figures
    with django_assert_num_queries(2):
        assert client.get("/api/v1/requests/figures/", {"estate": world.estate.pk}).status_code == 200
    # the estate; the total
    with django_assert_num_queries(2):
        assert client.get("/api/v1/requests/money/", {"estate": world.estate.pk}).status_code == 200
