"""Two people acting on one request at the same moment, on PostgreSQL: the row lock decides.

Each thread has its own database connection (Django's are per thread) and closes it at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from estates.models import User
from governance import permissions, services
from governance.models import EstatePolicy, PaymentVote, RequestEvent, ResidentRequest
from tests.governance.conftest import client_as

pytestmark = pytest.mark.django_db(transaction=True)

RequestIn = Callable[[str], ResidentRequest]


def slowed(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, made to take a moment: it runs after the row is read, so without the lock both
    threads would read the same state and both succeed."""

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return function(*args, **kwargs)

    return slow


def race(calls: list[tuple[User, str, dict[str, Any]]]) -> list[int]:
    """POST each (user, url, data) from its own thread, released together; the status codes in order."""
    barrier = threading.Barrier(len(calls))
    codes: list[int] = [0] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, user: User, url: str, data: dict[str, Any]) -> None:
        try:
            client = client_as(user)
            barrier.wait(timeout=10)
            codes[index] = client.post(url, data, format="json").status_code
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return codes


def test_two_property_staff_take_the_same_request_exactly_one_succeeds(
    request_in: RequestIn, property_staff: User, colleague: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = request_in("submitted")
    monkeypatch.setattr(permissions, "can_accept", slowed(permissions.can_accept))
    url = f"/api/v1/requests/{target.pk}/accept/"
    codes = race([(property_staff, url, {}), (colleague, url, {})])
    assert sorted(codes) == [200, 409]
    target.refresh_from_db()
    winner = property_staff if codes[0] == 200 else colleague
    assert (target.status, target.accepted_by_id) == ("accepted", winner.pk)
    assert RequestEvent.objects.filter(request=target, action="accepted").count() == 1


def test_confirming_twice_at_once_keeps_one_rating(
    request_in: RequestIn, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = request_in("resolved")
    monkeypatch.setattr(permissions, "can_confirm", slowed(permissions.can_confirm))
    url = f"/api/v1/requests/{target.pk}/confirm/"
    codes = race([(resident, url, {"rating": 5}), (resident, url, {"rating": 1})])
    assert sorted(codes) == [200, 409]
    target.refresh_from_db()
    assert target.status == "closed"
    assert target.rating == (5 if codes[0] == 200 else 1)
    assert RequestEvent.objects.filter(request=target, action="confirmed").count() == 1


def test_two_votes_at_once_make_one_decision(
    world: Any, request_in: RequestIn, committee: User, member2: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    EstatePolicy.objects.create(estate=world.estate, payment_rule="majority")
    target = request_in("awaiting_payment")  # three members: committee, director, member2
    monkeypatch.setattr(services.requests, "committee_size", slowed(services.requests.committee_size))
    url = f"/api/v1/requests/{target.pk}/approve-payment/"
    codes = race([(committee, url, {}), (member2, url, {})])
    assert codes == [200, 200]
    target.refresh_from_db()
    assert (target.status, target.payment_status) == ("in_progress", "approved")
    assert PaymentVote.objects.filter(request=target).count() == 2
    assert RequestEvent.objects.filter(request=target, action="payment_approved").count() == 1
