"""The load runner's own parts: the cast it picks, the figures it prints, the cleanup after it.
The load run itself is `make load`, never part of the test suite."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from estates.models import User
from governance.models import RequestCategory, ResidentRequest
from governance.services import file_request
from tests.load.run import FILED_MARK, Sample, build_cast, remove_filed, server_times, summarise


@pytest.mark.django_db
def test_cast_holds_each_role_with_the_places_its_journey_needs(
    world: Any, resident: User, staff: User, committee: User, property_staff: User, outsider: User
) -> None:
    cast = build_cast()

    assert cast["residents"] == [{"username": "resident", "household": world.household.pk, "estate": world.estate.pk}]
    assert cast["property"] == [{"username": "property", "company": world.property_org.pk}]
    assert cast["committee"] == [{"username": "committee", "estate": world.estate.pk}]
    assert cast["staff"] == [
        {"username": "staff", "estates": [world.estate.pk]},
        {"username": "outsider", "estates": [world.other_estate.pk]},
    ]
    assert cast["estates"] == sorted([world.estate.pk, world.other_estate.pk])
    assert cast["filed_mark"] == FILED_MARK
    json.dumps(cast)  # handed to locust as a file


def _sample(start: float, name: str, ms: float, *, method: str = "GET", failed: bool = False) -> Sample:
    return Sample(1_800_000_000 + start, method, name, ms, failed)


def test_summary_gives_each_endpoint_and_the_p95_after_the_last_sign_in() -> None:
    samples = [
        _sample(0, "/accounts/login/", 900, method="POST"),
        _sample(1, "/accounts/login/", 1000, method="POST"),  # the last sign-in ends at 2 s
        *[_sample(1.5, "/", 5000) for _ in range(10)],  # queued behind the sign-ins
        *[_sample(2 + i / 20, "/", 100 + i) for i in range(90)],
        _sample(9, "/api/v1/me/", 20, failed=True),  # the last to end, at 9.02 s
    ]

    rows, total, signed_in_after = summarise(samples)

    assert signed_in_after == pytest.approx(2.0)
    by_name = {row.name: row for row in rows}
    assert [row.name for row in rows] == ["GET /", "POST /accounts/login/", "GET /api/v1/me/"]  # slowest p95 first
    home = by_name["GET /"]
    assert (home.requests, home.failures) == (100, 0)
    assert home.p95 == 5000  # the whole run counts the ten that queued
    assert home.p95_signed_in == 185  # 90 answers of 100–189 ms
    assert by_name["POST /accounts/login/"].p95_signed_in is None
    assert (total.requests, total.failures) == (103, 1)
    assert total.per_second == pytest.approx(103 / 9.02)  # from the first start to the last end


def test_server_times_group_paths_by_id_and_skip_what_is_not_a_request_line(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    lines = [
        {"message": "GET /requests/7/ 200", "method": "GET", "path": "/api/v1/requests/7/", "duration_ms": 30.0},
        {"message": "GET /requests/12/", "method": "GET", "path": "/api/v1/requests/12/", "duration_ms": 50.0},
        {"method": "GET", "path": "/open311/v2/requests/31.json", "duration_ms": 9.5},
        {"message": "Forbidden (CSRF cookie not set.)", "path": "/accounts/login/", "status": 403},
    ]
    log.write_text(
        "[2026-11-28 08:00:00 +0000] [1] [INFO] Starting gunicorn 27.0.1\n"
        + "\n".join(json.dumps(line) for line in lines)
        + "\n{not json\n"
    )

    assert server_times(log) == {
        "GET /api/v1/requests/{id}/": [30.0, 50.0],
        "GET /open311/v2/requests/{id}.json": [9.5],
    }


@pytest.mark.django_db
def test_removing_the_run_leaves_every_other_request(world: Any, resident: User) -> None:
    started = time.time()
    plumbing = RequestCategory.objects.get(code="plumbing")

    def filed(description: str) -> ResidentRequest:
        return file_request(
            world.estate,
            by=resident,
            category=plumbing,
            place_kind=ResidentRequest.PlaceKind.HOUSEHOLD,
            household=world.household,
            description=description,
        )

    from_the_run = filed(f"{FILED_MARK} 厨房水龙头漏水")
    real = filed("楼道灯不亮")

    assert remove_filed(started) >= 2  # the request and its timeline entry at least
    assert not ResidentRequest.objects.filter(pk=from_the_run.pk).exists()
    assert ResidentRequest.objects.filter(pk=real.pk).exists()
