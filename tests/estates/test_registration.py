"""Signing oneself up: the account, the recorded agreement to the privacy notice, the checks on
what is typed, the throttle, and the pages (sign-up, privacy notice, the next step on /)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from estates.accounts import register_person
from estates.errors import Invalid
from estates.models import Consent, Membership, User
from estates.privacy import PRIVACY_NOTICE_VERSION
from tests.estates.test_pages import assert_strict_page

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CJK = re.compile(r"[\u3400-\u9fff]")


def form(**changes: Any) -> dict[str, Any]:
    """What the sign-up page sends for 黄新人, with `changes` applied (None leaves a field out)."""
    data = {
        "username": "newcomer",
        "password": "Lift-3-unit-3",
        "password_confirm": "Lift-3-unit-3",
        "full_name": "黄新人",
        "phone": "13912345678",
        "email": "",
        "privacy_consent": True,
        "consent_version": PRIVACY_NOTICE_VERSION,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def register(data: dict[str, Any], *, client: APIClient | None = None, address: str = "203.0.113.9") -> Any:
    return (client or APIClient()).post(URL, data, format="json", REMOTE_ADDR=address, **EN)


# ---------------------------------------------------------------- the account and the consent


def test_visitor_registers_and_the_agreement_is_recorded_with_the_address(world: Any) -> None:
    before = timezone.now()
    response = register(form(email="huang@example.com"))

    assert response.status_code == 201, response.content
    user = User.objects.get(username="newcomer")
    assert response.json() == {"id": user.pk, "username": "newcomer", "name": "黄新人"}
    assert (user.full_name, user.phone, user.email) == ("黄新人", "13912345678", "huang@example.com")
    assert user.check_password("Lift-3-unit-3")
    assert (user.is_active, user.is_demo, user.is_staff, user.is_superuser) == (True, False, False, False)
    assert not Membership.objects.filter(user=user).exists()
    consent = Consent.objects.get(user=user)
    assert (consent.kind, consent.version, consent.address) == ("privacy_notice", PRIVACY_NOTICE_VERSION, "203.0.113.9")
    assert before <= consent.given_at <= timezone.now()


def test_the_password_confirmation_may_be_left_out(world: Any) -> None:
    assert register(form(password_confirm=None)).status_code == 201


def test_the_service_creates_the_account_and_consent_in_one_go(world: Any) -> None:
    user = register_person(
        username="laowang",
        password="Roof-leak-2025",
        full_name="王老先生",
        phone="0353-1234567",
        consent_version=PRIVACY_NOTICE_VERSION,
        address="198.51.100.4",
    )
    assert user.consents.get().address == "198.51.100.4"


def test_a_refused_consent_version_leaves_no_account(world: Any) -> None:
    with pytest.raises(Invalid):
        register_person(
            username="laowang",
            password="Roof-leak-2025",
            full_name="王老先生",
            phone="13912345678",
            consent_version="2020-01",
        )
    assert not User.objects.filter(username="laowang").exists()


# ---------------------------------------------------------------- signing in afterwards


def test_registering_from_the_page_signs_the_person_in(world: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/register/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        URL, form(), content_type="application/json", headers={"X-CSRFToken": token}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 201
    me = browser.get("/api/v1/me/")
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["roles"]) == ("newcomer", [])


def test_an_api_client_without_the_csrf_token_is_not_signed_in(world: Any) -> None:
    """Another site could post a form here: the account is made, but nobody is signed in to it."""
    client = APIClient(enforce_csrf_checks=True)  # as a browser is: the test client skips the check
    assert register(form(), client=client).status_code == 201
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_the_new_person_signs_in_with_the_login_form_and_gets_a_token(world: Any) -> None:
    register(form())
    response = Client().post("/accounts/login/", {"username": "newcomer", "password": "Lift-3-unit-3"})
    assert response.status_code == 302
    token = APIClient().post("/api/v1/auth/token/", {"username": "newcomer", "password": "Lift-3-unit-3"})
    assert token.status_code == 200 and token.json()["token"]


def test_a_signed_in_person_cannot_register(api_as: Any, resident: User) -> None:
    response = api_as(resident).post(URL, form(), format="json", **EN)
    assert response.status_code == 403
    assert response.json() == {"detail": "You are already signed in. Sign out first to register another account."}
    assert not User.objects.filter(username="newcomer").exists()


# ---------------------------------------------------------------- bad input: 400 with a message


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"privacy_consent": False}, "privacy_consent", "You need to agree to the privacy notice to register."),
        ({"privacy_consent": None}, "privacy_consent", "You need to agree to the privacy notice to register."),
        ({"consent_version": "2020-01"}, "consent_version", "reload the page"),
        ({"consent_version": None}, "consent_version", "required"),
        ({"phone": "12345"}, "phone", "11 digits"),
        ({"phone": None}, "phone", "required"),
        ({"phone": ""}, "phone", "blank"),
        ({"full_name": "   "}, "full_name", "blank"),
        ({"username": "李 四!"}, "username", "letters"),
        ({"username": ""}, "username", "blank"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"password": "12345678", "password_confirm": "12345678"}, "password", "too common"),
        ({"password": "Ab1", "password_confirm": "Ab1"}, "password", "too short"),
        ({"password": "newcomer1", "password_confirm": "newcomer1"}, "password", "too similar"),
        ({"password_confirm": "Lift-3-unit-4"}, "password_confirm", "not the same"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_input_is_refused_with_a_message(world: Any, changes: dict[str, Any], field: str, message: str) -> None:
    response = register(form(**changes))
    assert response.status_code == 400, response.content
    body = response.json()
    assert message in " ".join(body[field]), body
    assert not User.objects.filter(full_name="黄新人").exists()
    assert not Consent.objects.exists()


@pytest.mark.parametrize("taken", ["resident", "Resident"])
def test_a_username_taken_in_any_case_is_a_400(world: Any, resident: User, taken: str) -> None:
    response = register(form(username=taken))
    assert response.status_code == 400
    assert response.json() == {"username": ["This username is already taken; choose another one."]}
    assert User.objects.filter(username__iexact="resident").count() == 1


def test_password_messages_come_in_the_persons_language(world: Any) -> None:
    response = APIClient().post(
        URL, form(password="12345678", password_confirm="12345678"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert CJK.search(" ".join(response.json()["password"]))


# ---------------------------------------------------------------- the throttle


def test_the_eleventh_attempt_within_an_hour_is_throttled(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "10/hour"})
    answers = [register(form(privacy_consent=False), address="192.0.2.77").status_code for _ in range(10)]
    assert answers == [400] * 10
    response = register(form(), address="192.0.2.77")
    assert response.status_code == 429
    assert not User.objects.filter(username="newcomer").exists()
    # Another address is not held up by the first one's attempts.
    assert register(form(), address="192.0.2.78").status_code == 201


# ---------------------------------------------------------------- the pages


def test_the_sign_up_page_carries_the_current_notice_version(world: Any) -> None:
    response = Client().get("/accounts/register/", **EN)
    assert response.status_code == 200
    assert_strict_page(response)
    html = response.content.decode()
    assert f'name="consent_version" value="{PRIVACY_NOTICE_VERSION}"' in html
    assert 'href="/privacy/"' in html
    assert "js/register.js" in html
    assert "csrftoken" in response.cookies


def test_a_signed_in_person_is_sent_home_from_the_sign_up_page(resident: User) -> None:
    client = Client()
    client.force_login(resident)
    response = client.get("/accounts/register/")
    assert (response.status_code, response.headers["Location"]) == (302, "/")


def test_the_login_page_links_to_sign_up_and_every_page_to_the_notice(world: Any) -> None:
    html = Client().get("/accounts/login/", **EN).content.decode()
    assert 'href="/accounts/register/"' in html
    assert 'href="/privacy/"' in html  # the footer's link


def test_the_privacy_notice_is_public_and_says_what_how_long_and_where_to_act(world: Any, settings: Any) -> None:
    settings.REQUEST_CONTACT_RETENTION_DAYS = 365
    response = Client().get("/privacy/", **EN)
    assert response.status_code == 200
    assert_strict_page(response)
    html = response.content.decode()
    assert f"Version {PRIVACY_NOTICE_VERSION}" in html
    assert "cleared 365 days after the request ended" in html
    assert "138****1234" in html
    assert 'href="/accounts/privacy/"' in html
    assert 'href="/accounts/register/"' in html


def test_a_person_with_no_role_is_told_to_have_their_home_linked(world: Any) -> None:
    register(form())
    client = Client()
    client.force_login(User.objects.get(username="newcomer"))
    response = client.get("/", **EN)
    html = response.content.decode()
    assert 'id="next-step"' in html
    assert "Ask your community office to link your home to your account" in html
    assert "<strong data-username>newcomer</strong>" in html


def test_a_resident_is_not_shown_the_next_step(resident: User) -> None:
    client = Client()
    client.force_login(resident)
    assert 'id="next-step"' not in client.get("/").content.decode()
