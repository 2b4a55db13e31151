"""django-axes locks out a password guesser: per username and address, after the set number of
failures, for an hour; the right password from the locked address is refused too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from estates.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _three_failures(settings: Any) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(user: User, password: str, address: str) -> int:
    response = Client(REMOTE_ADDR=address).post(LOGIN, {"username": user.username, "password": password})
    return response.status_code


def test_the_right_password_signs_in(staff: User) -> None:
    assert sign_in(staff, "pw-staff", "203.0.113.7") == 302


def test_three_wrong_passwords_lock_the_username_from_that_address(staff: User) -> None:
    assert [sign_in(staff, "guess", "203.0.113.7") for _ in range(2)] == [200, 200]
    assert sign_in(staff, "guess", "203.0.113.7") == 429
    # Locked: even the right password is refused from that address.
    assert sign_in(staff, "pw-staff", "203.0.113.7") == 429


def test_the_lockout_is_per_username_and_address(staff: User, resident: User) -> None:
    for _ in range(3):
        sign_in(staff, "guess", "203.0.113.7")
    assert sign_in(staff, "pw-staff", "198.51.100.9") == 302  # the same person elsewhere
    assert sign_in(resident, "pw-resident", "203.0.113.7") == 302  # someone else at that address
