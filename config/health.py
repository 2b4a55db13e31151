"""`/healthz`: is this process able to serve? For load balancers, monitors and `make` scripts.

A plain Django view rather than a DRF one, so that no authentication, session, CSRF or
throttle applies: a monitor polling every few seconds must never be locked out or counted.
It answers only with check names and exception class names: error texts can carry host
names, user names or parts of a connection string, so they go to the log, not the response.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


class CacheRoundTripError(Exception):
    """The cache accepted a value but gave back something else (or nothing)."""


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # A fresh key each time, so that concurrent probes cannot read each other's value.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise CacheRoundTripError
    finally:
        cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache}


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Run every check; 200 when all pass, 503 naming the failing check and its error class."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            logger.exception("Health check %s failed", name)
            results[name] = type(exc).__name__
        else:
            results[name] = "ok"
    healthy = all(result == "ok" for result in results.values())
    response = JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
