"""Lists count their rows only up to a cap: a million-row list does not count a million rows
on every page."""

from __future__ import annotations

from typing import Any

import pytest

from estates import pagination
from estates.models import Building, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_buildings(world: Any) -> None:
    Building.objects.bulk_create(Building(estate=world.estate, name=f"{n}号楼", floors=6) for n in range(10, 17))


def test_a_count_under_the_cap_is_exact(world: Any, staff: User, api_as: Any, seven_buildings: None) -> None:
    body = api_as(staff).get("/api/v1/buildings/", {"estate": world.estate.pk}).json()
    assert (body["count"], body["count_is_exact"]) == (8, True)


def test_a_count_over_the_cap_stops_at_it(
    world: Any, staff: User, api_as: Any, seven_buildings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    client = api_as(staff)
    body = client.get("/api/v1/buildings/", {"estate": world.estate.pk, "page_size": 2}).json()
    assert (body["count"], body["count_is_exact"], len(body["results"])) == (5, False, 2)
    assert body["next"] is not None
    # The pages within the cap are reached; the rows past it by narrowing the filters.
    assert (
        len(client.get("/api/v1/buildings/", {"estate": world.estate.pk, "page_size": 2, "page": 3}).json()["results"])
        == 1
    )
    assert client.get("/api/v1/buildings/", {"estate": world.estate.pk, "page_size": 2, "page": 4}).status_code == 404


def test_the_count_is_one_query_with_a_limit(
    world: Any, staff: User, api_as: Any, seven_buildings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    with CaptureQueriesContext(connection) as queries:
        api_as(staff).get("/api/v1/buildings/", {"estate": world.estate.pk})
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]
