"""Structured logs: one JSON object per line on stderr, and one line per request.

Log collectors (journald, Docker, Loki, …) read JSON lines without a parsing rule per
message. What goes in is chosen on purpose: a request line has the method, the path, the
status, the duration and the user's id — never the query string, the body or a path
segment that is a secret (the calendar feed's token), because logs are kept longer and
read by more people than the database.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

request_logger = logging.getLogger("huanxin.request")

# Extra attributes a record may carry (`logger.info(..., extra={...})`) that go into the JSON
# object. Anything else passed as extra stays out: it might be an object whose repr leaks.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

# URL keyword arguments whose values are credentials: they are replaced in logged paths.
SECRET_URL_KWARGS = ("token", "secret", "key")


def loggable_path(request: HttpRequest) -> str:
    """The request's path without its query string and with secret URL arguments masked."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if any(word in name for word in SECRET_URL_KWARGS) and str(value):
                path = path.replace(str(value), "[redacted]")
    return path


def resolved_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request has already looked the user up, else None.

    Looking the user up here would cost a session and a user query on requests that never
    needed them (and would show up in every view's query budget).
    """
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RedactPathFilter(logging.Filter):
    """Mask secret path segments in Django's own messages ("Not Found: /meetings/feed/…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            path = loggable_path(request)
            if path != request.path:
                record.msg = record.getMessage().replace(request.path, path)
                record.args = ()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time (ISO 8601, UTC), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # django.request attaches the request and the status code to its error records.
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            entry["method"] = request.method
            entry["path"] = loggable_path(request)
        if hasattr(record, "status_code"):
            entry["status"] = record.status_code
        for field in EXTRA_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """One INFO line per request (WARNING for 4xx, ERROR for 5xx) on the `huanxin.request` logger.

    Django logs only failing requests (`django.request`), and `django.server` exists only
    under runserver; behind gunicorn or uWSGI nothing else records that a request happened.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        path = loggable_path(request)
        request_logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": resolved_user_id(request),
            },
        )
        return response
