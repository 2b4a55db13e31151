"""The running tally of residents' ratings per estate (`RequestTally`): kept by the confirming
service in its transaction, rebuilt from the requests by `recount_request_tallies` after a bulk
load, and never out of the 1–5 stars range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from estates.errors import Invalid
from estates.models import User
from governance import permissions, services
from governance.figures import recount_request_tallies
from governance.models import RequestCategory, RequestTally, ResidentRequest
from tests.conftest import World
from tests.governance.conftest import fresh
from tests.governance.test_concurrency import race, slowed


def tally(estate_id: int) -> tuple[int, int] | None:
    row = RequestTally.objects.filter(estate_id=estate_id).values_list("rated_count", "rating_sum").first()
    return None if row is None else (row[0], row[1])


def test_confirming_adds_the_rating_to_the_estates_tally(
    world: World, request_in: Callable[[str], ResidentRequest], resident: User
) -> None:
    assert tally(world.estate.pk) is None
    request_in("closed")  # five stars
    assert tally(world.estate.pk) == (1, 5)
    services.confirm_request(request_in("resolved"), by=fresh(resident), rating=2)
    assert tally(world.estate.pk) == (2, 7)
    assert tally(world.other_estate.pk) is None


def test_a_refused_confirmation_leaves_the_tally_as_it_was(
    world: World, request_in: Callable[[str], ResidentRequest], resident: User
) -> None:
    request_in("closed")
    resolved = request_in("resolved")
    with pytest.raises(Invalid):
        services.confirm_request(resolved, by=fresh(resident), rating=6)
    assert tally(world.estate.pk) == (1, 5)


def test_requests_closed_without_a_rating_count_nothing(
    world: World, request_in: Callable[[str], ResidentRequest]
) -> None:
    resolved = request_in("resolved")
    assert services.close_unanswered_requests(timezone.now() + timedelta(days=30)) == 1
    resolved.refresh_from_db()
    assert (resolved.status, resolved.rating) == ("closed", None)
    assert tally(world.estate.pk) is None


def bulk_rated(world: World, resident: User, category: RequestCategory, ratings: list[int], **fields: Any) -> None:
    """Rated requests written without the services, as the generated city writes them."""
    ResidentRequest.objects.bulk_create(
        ResidentRequest(
            estate=fields.get("estate", world.estate),
            category=category,
            place_kind="household",
            household=fields.get("household", world.household),
            description="批量写入",
            filed_by=resident,
            on_behalf_of=resident,
            status="closed",
            rating=rating,
        )
        for rating in ratings
    )


def test_recount_rebuilds_every_tally_from_the_requests(
    world: World, request_in: Callable[[str], ResidentRequest], resident: User, plumbing: RequestCategory
) -> None:
    request_in("closed")  # counted by the service: (1, 5)
    bulk_rated(world, resident, plumbing, [3, 4])  # not counted
    bulk_rated(world, resident, plumbing, [1], estate=world.other_estate, household=world.other_household)
    # A tally left over for an estate whose rated requests are gone.
    stale = world.estate.community.estates.create(name="旧小区")
    RequestTally.objects.create(estate=stale, rated_count=2, rating_sum=9)

    assert recount_request_tallies() == 2
    assert tally(world.estate.pk) == (3, 12)
    assert tally(world.other_estate.pk) == (1, 1)
    assert tally(stale.pk) is None


def test_recount_then_confirm_counts_each_rating_once(
    world: World, request_in: Callable[[str], ResidentRequest], resident: User
) -> None:
    request_in("closed")
    recount_request_tallies()
    services.confirm_request(request_in("resolved"), by=fresh(resident), rating=4)
    assert tally(world.estate.pk) == (2, 9)


@pytest.mark.parametrize(("rated_count", "rating_sum"), [(2, 1), (1, 6)])
def test_a_tally_outside_one_to_five_stars_is_refused(world: World, rated_count: int, rating_sum: int) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestTally.objects.create(estate=world.estate, rated_count=rated_count, rating_sum=rating_sum)


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_in_a_new_estate_count_both(
    world: World, request_in: Callable[[str], ResidentRequest], resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = request_in("resolved"), request_in("resolved")
    # Both read that the estate has no tally yet, then both make it.
    monkeypatch.setattr(permissions, "can_confirm", slowed(permissions.can_confirm))
    codes = race(
        [
            (resident, f"/api/v1/requests/{first.pk}/confirm/", {"rating": 5}),
            (resident, f"/api/v1/requests/{second.pk}/confirm/", {"rating": 2}),
        ]
    )
    assert codes == [200, 200]
    assert tally(world.estate.pk) == (2, 7)
