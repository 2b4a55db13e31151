"""/healthz: 200 when the database and the cache answer, 503 naming the one that does not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection, connections
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def client() -> Client:
    # enforce_csrf_checks: the monitor sends no CSRF token, and none must be needed.
    return Client(enforce_csrf_checks=True)


@pytest.mark.django_db
def test_healthz_answers_ok_after_checking_postgresql_and_the_cache(client: Client, settings: Any) -> None:
    assert connection.vendor == "postgresql"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert response["Cache-Control"] == "no-store"
    # The strict CSP and the other security headers still apply, and no session is started.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db
def test_healthz_checks_redis_when_redis_url_is_set(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    calls: list[str] = []
    redis_cache = caches["default"]
    original_set = redis_cache.set

    def counting_set(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original_set(*args, **kwargs)

    monkeypatch.setattr(redis_cache, "set", counting_set)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert len(calls) == 1
    assert calls[0].startswith("healthz:")
    # The probe key is deleted again.
    assert redis_cache.get(calls[0]) is None


@pytest.mark.django_db
def test_healthz_answers_ok_with_the_local_memory_cache(client: Client, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content)["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_database_when_it_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret_text = 'connection to server at "db.internal" failed: password authentication failed for "huanxin"'

    def broken_cursor(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(secret_text)

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "error",
        "checks": {"database": "OperationalError", "cache": "ok"},
    }
    assert response["Cache-Control"] == "no-store"
    assert b"db.internal" not in response.content
    # The details go to the log, where operators look.
    assert any("Health check database failed" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_cache_when_redis_is_unreachable(client: Client, settings: Any) -> None:
    # A port nothing listens on: a real connection failure, not a stub.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "error",
        "checks": {"database": "ok", "cache": "ConnectionError"},
    }
    assert b"127.0.0.1:1" not in response.content


@pytest.mark.django_db
def test_healthz_answers_503_when_the_cache_loses_the_value(client: Client, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {"database": "ok", "cache": "CacheRoundTripError"}


@pytest.mark.django_db
def test_healthz_needs_no_login_and_is_not_throttled(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/minute", "user": "1/minute"})

    statuses = [client.get("/healthz").status_code for _ in range(5)]

    assert statuses == [200] * 5


@pytest.mark.django_db
def test_healthz_answers_head_for_monitors_that_send_it(client: Client) -> None:
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
def test_healthz_keeps_the_host_check(client: Client) -> None:
    response = client.get("/healthz", HTTP_HOST="evil.example")

    assert response.status_code == 400
