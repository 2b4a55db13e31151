"""Hardening: throttles on filing (counted in Redis), session expiry, password rules, and the
security headers and cookies of a production-like site.

Already shown elsewhere, not repeated here: the production settings' values
(tests/test_settings.py::test_production_settings_are_secure), `check --deploy`
(tests/test_codebase.py), the token endpoint's throttle (tests/estates/test_acceptance.py) and
the lockout of password guessers (tests/estates/test_lockout.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.utils import translation
from django_redis import get_redis_connection
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from estates.models import User
from governance.models import ResidentRequest
from governance.open311 import issue_api_key
from governance.throttling import FilingThrottle, too_many_filings
from tests.conftest import World
from tests.governance.conftest import client_as

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PROXY = "203.0.113.7"  # the client address as the site's TLS proxy appends it to X-Forwarded-For


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[Any]:
    """The Redis cache of REDIS_URL under a key prefix of this test's own, emptied afterwards: the
    throttle counters (and sessions) of other tests, and of other pytest workers sharing the Redis
    database, never mix in."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: throttles and sessions are kept in Redis")
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    yield cache
    cache.delete_pattern("*")


@pytest.fixture
def configured_rates(monkeypatch: pytest.MonkeyPatch, settings: Any) -> dict[str, str]:
    """The throttle rates of config/settings.py (tests/conftest.py raises them for every other test)."""
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return rates


def ttl(key: str) -> int:
    """Seconds Redis keeps the cache entry `key` (made into the cache's full key)."""
    return get_redis_connection("default").ttl(cache.make_key(key))


def file_in_app(user: User, world: World, number: int, *, language: str = "en") -> Any:
    body = {
        "estate": world.estate.pk,
        "category": "plumbing",
        "place_kind": "public",
        "public_place": "3号楼北侧",
        "description": f"窨井冒水（第{number}次）",
    }
    return client_as(user).post("/api/v1/requests/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)


def file_with_open311(api_key: str, *, forged: str = "198.51.100.1", language: str = "en") -> Any:
    """A GeoReport POST through the TLS proxy: whatever the client wrote into X-Forwarded-For
    (`forged`) comes first, the address the proxy saw last."""
    body = {
        "api_key": api_key,
        "service_code": "plumbing",
        "address_string": "北门停车场",
        "description": "路灯不亮",
    }
    return Client().post(
        "/open311/v2/requests.json",
        body,
        HTTP_X_FORWARDED_FOR=f"{forged}, {PROXY}",
        REMOTE_ADDR="10.0.0.2",  # the proxy itself
        HTTP_ACCEPT_LANGUAGE=language,
    )


def expected_refusal(wait: int, language: str) -> str:
    with translation.override(language):
        return too_many_filings(wait)


# ---------------------------------------------------------------- throttles on filing


def test_filing_is_throttled_per_person_and_per_address_at_the_configured_rates(settings: Any) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert (rates["filing"], rates["filing_anon"], rates["filing_staff"]) == ("30/hour", "60/hour", "300/hour")
    # Throttles identify a client by the address the one TLS proxy saw (not by what it claims).
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_filing_after_the_hours_allowance_is_429_with_retry_after_and_counted_in_redis(
    world: World,
    resident: User,
    neighbour: User,
    redis_cache: Any,
    configured_rates: dict[str, str],
    language: str,
) -> None:
    allowed, window = FilingThrottle().parse_rate(configured_rates["filing"])
    with time_machine.travel(T0, tick=False):
        answers = [file_in_app(resident, world, n).status_code for n in range(allowed)]
        assert answers == [201] * allowed
        refused = file_in_app(resident, world, allowed + 1, language=language)
        # Someone else in the estate still files: the counter is per person.
        assert file_in_app(neighbour, world, 1).status_code == 201

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(window)
    assert refused.json() == {"detail": expected_refusal(window, language)}
    assert "Expected available" not in refused.json()["detail"]  # DRF's untranslated default
    assert ResidentRequest.objects.filter(filed_by=resident).count() == allowed  # the 429 stored nothing
    # The counter is in Redis: one timestamp per filing that went through, kept for the window.
    key = f"throttle_filing_{resident.pk}"
    assert len(redis_cache.get(key)) == allowed
    assert 0 < ttl(key) <= window

    with time_machine.travel(T0 + timedelta(seconds=window - 1), tick=False):
        assert file_in_app(resident, world, allowed + 2).status_code == 429
    with time_machine.travel(T0 + timedelta(seconds=window + 1), tick=False):
        assert file_in_app(resident, world, allowed + 3).status_code == 201


def test_every_api_call_is_counted_per_address_for_the_public_and_per_person_once_signed_in(
    world: World, resident: User, neighbour: User, redis_cache: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ]
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute", "user": "4/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)

    def public(address: str, forged: str = "192.0.2.99") -> int:
        # The TLS proxy appends the address it saw to what the client wrote.
        return Client().get("/api/v1/estates/", HTTP_X_FORWARDED_FOR=f"{forged}, {address}").status_code

    with time_machine.travel(T0, tick=False):
        assert [public("198.51.100.1") for _ in range(4)] == [200, 200, 200, 429]
        assert public("198.51.100.2") == 200  # another address, another count
        signed_in = client_as(resident)
        assert [signed_in.get("/api/v1/me/").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
        assert client_as(neighbour).get("/api/v1/me/").status_code == 200
    # Counted in Redis, the answers let through: per address (as the proxy saw it) and per person.
    assert len(redis_cache.get("throttle_anon_198.51.100.1")) == 3
    assert len(redis_cache.get(f"throttle_user_{resident.pk}")) == 4
    with time_machine.travel(T0 + timedelta(minutes=1, seconds=1), tick=False):
        assert public("198.51.100.1") == 200


def test_staff_filing_for_residents_count_against_a_rate_of_their_own(
    staff: User, resident: User, redis_cache: Any, configured_rates: dict[str, str]
) -> None:
    request = RequestFactory().post("/api/v1/requests/")
    for person, scope, rate in ((staff, "filing_staff", "300/hour"), (resident, "filing", "30/hour")):
        throttle = FilingThrottle(filer=User.objects.get(pk=person.pk))
        assert throttle.allow_request(request, None)
        assert throttle.rate == rate
        assert len(redis_cache.get(f"throttle_{scope}_{person.pk}")) == 1


def test_open311_filings_share_the_persons_counter_with_the_app(
    world: World, resident: User, redis_cache: Any, configured_rates: dict[str, str]
) -> None:
    allowed, window = FilingThrottle().parse_rate(configured_rates["filing"])
    _key, api_key = issue_api_key(resident, label="街道小程序")
    with time_machine.travel(T0, tick=False):
        assert file_with_open311(api_key).status_code == 200
        assert [file_in_app(resident, world, n).status_code for n in range(allowed - 1)] == [201] * (allowed - 1)
        refused = file_with_open311(api_key)
        in_app = file_in_app(resident, world, allowed)

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(window)
    assert refused.json() == [{"code": 429, "description": expected_refusal(window, "en")}]
    assert in_app.status_code == 429
    assert ResidentRequest.objects.filter(filed_by=resident).count() == allowed


def test_open311_posts_from_one_address_are_limited_before_the_key_is_read(
    world: World, resident: User, redis_cache: Any, configured_rates: dict[str, str]
) -> None:
    allowed, window = FilingThrottle().parse_rate(configured_rates["filing_anon"])
    _key, api_key = issue_api_key(resident, label="街道小程序")
    with time_machine.travel(T0, tick=False):
        # Guessing keys, each time claiming another address in X-Forwarded-For.
        guesses = [file_with_open311(f"guess-{n}", forged=f"10.1.{n}.1").status_code for n in range(allowed)]
        assert guesses == [403] * allowed
        refused = file_with_open311(api_key, forged="192.0.2.99", language="zh-hans")
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(window)
        assert refused.json() == [{"code": 429, "description": expected_refusal(window, "zh-hans")}]
        assert not ResidentRequest.objects.exists()
        # The same key through another address files (the person's own counter is untouched).
        other = Client().post(
            "/open311/v2/requests.json",
            {"api_key": api_key, "service_code": "plumbing", "address_string": "北门", "description": "路灯不亮"},
            REMOTE_ADDR="198.51.100.20",
        )
        assert other.status_code == 200, other.content
    key = f"throttle_filing_anon_{PROXY}"
    assert len(redis_cache.get(key)) == allowed
    assert 0 < ttl(key) <= window


def test_reading_and_workflow_steps_are_not_counted_as_filings(
    world: World, resident: User, redis_cache: Any, configured_rates: dict[str, str]
) -> None:
    filed = file_in_app(resident, world, 1).json()
    api = client_as(resident)
    for _ in range(40):
        assert api.get(f"/api/v1/requests/{filed['id']}/").status_code == 200
    assert api.post(f"/api/v1/requests/{filed['id']}/withdraw/", {}, format="json").status_code == 200
    assert len(redis_cache.get(f"throttle_filing_{resident.pk}")) == 1


def test_every_signed_in_attempt_counts_and_an_anonymous_one_is_refused_first(
    world: World, outsider: User, redis_cache: Any, configured_rates: dict[str, str]
) -> None:
    assert file_in_app(outsider, world, 1).status_code == 403
    assert APIClient().post("/api/v1/requests/", {}, format="json").status_code in (401, 403)
    # The outsider's refused attempt still counts against them (staff of another community: the
    # staff's rate); the anonymous one counts nowhere.
    assert len(redis_cache.get(f"throttle_filing_staff_{outsider.pk}")) == 1
    assert redis_cache.keys("throttle_filing*") == [f"throttle_filing_staff_{outsider.pk}"]


# ---------------------------------------------------------------- sessions


def test_a_session_is_refused_once_older_than_session_cookie_age(
    resident: User, redis_cache: Any, settings: Any
) -> None:
    age = settings.SESSION_COOKIE_AGE
    assert age == 12 * 60 * 60
    client = Client()
    with time_machine.travel(T0, tick=False):
        response = client.post("/accounts/login/", {"username": "resident", "password": "pw-resident"})
        assert response.status_code == 302
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert int(cookie["max-age"]) == age
        session_key = cookie.value
        # Kept in Redis (cached_db) for no longer than the cookie lives, and in the database.
        assert 0 < ttl(SESSION_KEY_PREFIX + session_key) <= age
        assert Session.objects.get(session_key=session_key).expire_date == T0 + timedelta(seconds=age)
        assert client.get("/api/v1/me/").json()["username"] == "resident"

    with time_machine.travel(T0 + timedelta(seconds=age - 60), tick=False):
        assert client.get("/api/v1/me/").status_code == 200

    with time_machine.travel(T0 + timedelta(seconds=age + 1), tick=False):
        # Redis has dropped the cached copy by then (its TTL, checked above); Redis keeps real
        # time, not the test's, so the copy is dropped here by hand. The old cookie still comes.
        redis_cache.delete(SESSION_KEY_PREFIX + session_key)
        assert client.get("/api/v1/me/").status_code in (401, 403)
        page = client.get("/requests/new/")
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------- passwords


def test_the_four_django_password_validators_are_on(settings: Any) -> None:
    names = [validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS]
    assert sorted(names) == [
        "CommonPasswordValidator",
        "MinimumLengthValidator",
        "NumericPasswordValidator",
        "UserAttributeSimilarityValidator",
    ]


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("12345678", {"password_too_common", "password_entirely_numeric"}),
        ("password", {"password_too_common"}),
        ("87120394", {"password_entirely_numeric"}),
        ("Lx7#q", {"password_too_short"}),
        ("resident", {"password_too_similar"}),
    ],
)
def test_weak_passwords_are_refused(resident: User, password: str, codes: set[str]) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=resident)
    assert {error.code for error in refused.value.error_list} >= codes


def test_a_good_password_passes(resident: User) -> None:
    assert validate_password("3号楼-加装电梯-2021", user=resident) is None


def test_changing_ones_own_password_in_the_admin_refuses_a_weak_one(superuser: User) -> None:
    client = Client()
    client.force_login(superuser)
    weak = {"old_password": "pw-root", "new_password1": "12345678", "new_password2": "12345678"}
    response = client.post("/admin/password_change/", weak, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.check_password("pw-root")

    strong = {"old_password": "pw-root", "new_password1": "Rt6-蕴园-Lift", "new_password2": "Rt6-蕴园-Lift"}
    assert client.post("/admin/password_change/", strong).status_code == 302
    superuser.refresh_from_db()
    assert superuser.check_password("Rt6-蕴园-Lift")


def test_setting_a_users_password_in_the_admin_refuses_a_weak_one(superuser: User, resident: User) -> None:
    client = Client()
    client.force_login(superuser)
    url = f"/admin/estates/user/{resident.pk}/password/"
    response = client.post(url, {"password1": "password", "password2": "password"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "这个密码太常见了。" in response.content.decode()
    resident.refresh_from_db()
    assert resident.check_password("pw-resident")


@pytest.mark.parametrize("persona", ["staff", "outsider", "resident"])
def test_only_superusers_reach_the_admins_password_forms(
    request: pytest.FixtureRequest, superuser: User, resident: User, persona: str
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    for url in ("/admin/password_change/", f"/admin/estates/user/{resident.pk}/password/"):
        response = client.post(url, {"password1": "Rt6-蕴园-Lift", "password2": "Rt6-蕴园-Lift"})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    resident.refresh_from_db()
    assert resident.check_password("pw-resident")


# ---------------------------------------------------------------- a production-like site

SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CONTENT_SECURITY_POLICY",
]
PROBE = f"""
import json, django
from django.conf import settings
django.setup()
print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))
"""


@pytest.fixture(scope="module")
def production_security(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The security settings config/settings.py gives with DEBUG off, read in a fresh interpreter."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('probe') / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production_like(settings: Any, production_security: dict[str, Any]) -> dict[str, Any]:
    for name, value in production_security.items():
        setattr(settings, name, value)
    return production_security


def test_plain_http_is_sent_to_https_except_the_health_check(world: World, production_like: dict[str, Any]) -> None:
    for path in ("/", "/accounts/login/", "/api/v1/estates/", "/open311/v2/services.json"):
        response = Client().get(path)
        assert response.status_code == 301, path
        assert response["Location"] == f"https://testserver{path}"
    assert Client().get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/estates/", f"/estates/{0}/"])
@pytest.mark.parametrize("https", ["direct", "through the proxy"])
def test_https_answers_carry_the_security_headers(
    world: World, production_like: dict[str, Any], path: str, https: str
) -> None:
    path = path.replace("/0/", f"/{world.estate.pk}/")
    extra = {"secure": True} if https == "direct" else {"HTTP_X_FORWARDED_PROTO": "https"}
    response = Client().get(path, **extra)
    assert response.status_code == 200, path
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(directive.partition(" ")[::2] for directive in response["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert not any("unsafe" in sources or "*" in sources.split() for sources in policy.values())


def test_session_and_csrf_cookies_are_secure_and_http_only(
    resident: User, production_like: dict[str, Any], settings: Any
) -> None:
    client = Client()
    form = client.get("/accounts/login/", secure=True)
    csrf = form.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True
    response = client.post(
        "/accounts/login/",
        {"username": "resident", "password": "pw-resident", "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) == settings.SESSION_COOKIE_AGE
