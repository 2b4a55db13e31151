"""Structured logs: JSON lines with the agreed fields, one line per request, no secrets."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from config.logs import JsonFormatter, RedactPathFilter
from estates.models import User

ROOT = Path(__file__).resolve().parent.parent


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "huanxin.request"]


def test_json_formatter_writes_one_json_object_with_time_level_logger_and_message() -> None:
    record = logging.LogRecord("governance.tasks", logging.WARNING, __file__, 1, "sent %d reminders", (3,), None)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "governance.tasks"
    assert entry["message"] == "sent 3 reminders"
    assert datetime.fromisoformat(entry["time"]).utcoffset() is not None


def test_json_formatter_keeps_request_fields_and_the_traceback_but_no_other_extras() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    record.__dict__.update(method="GET", path="/estates/", status=500, duration_ms=1.5, user_id=7, secret="s3cret")

    entry = json.loads(JsonFormatter().format(record))

    assert {key: entry[key] for key in ("method", "path", "status", "duration_ms", "user_id")} == {
        "method": "GET",
        "path": "/estates/",
        "status": 500,
        "duration_ms": 1.5,
        "user_id": 7,
    }
    assert "ValueError: boom" in entry["exc_info"]
    assert "s3cret" not in json.dumps(entry)


@pytest.mark.django_db
def test_each_request_logs_method_path_status_and_duration_without_the_query_string(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="huanxin.request")

    Client().get("/healthz?token=abc123&phone=13812341234")

    [record] = request_records(caplog)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["logger"] == "huanxin.request"
    assert entry["level"] == "INFO"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)
    assert isinstance(entry["duration_ms"], float)
    assert entry["user_id"] is None
    assert entry["message"].startswith("GET /healthz 200 ")
    line = JsonFormatter().format(record)
    assert "abc123" not in line
    assert "13812341234" not in line


@pytest.mark.django_db
def test_request_line_names_the_signed_in_user(resident: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="huanxin.request")
    client = Client()
    client.force_login(resident)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    [record] = request_records(caplog)
    assert record.user_id == resident.pk
    assert "13812341234" not in JsonFormatter().format(record)


@pytest.mark.django_db
def test_request_logging_adds_no_query(resident: User, django_assert_num_queries: Any) -> None:
    client = Client()
    client.force_login(resident)

    # healthz never looks at the user: the log line must not look the user up either.
    with django_assert_num_queries(1):  # SELECT 1
        response = client.get("/healthz")

    assert response.status_code == 200


@pytest.mark.django_db
def test_calendar_feed_token_is_masked_in_request_and_error_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    token = "feedtoken-9f8e7d6c5b4a"

    response = Client().get(f"/meetings/feed/{token}.ics")

    assert response.status_code == 404
    records = [r for r in caplog.records if r.name in {"huanxin.request", "django.request"}]
    assert {r.name for r in records} == {"huanxin.request", "django.request"}
    for record in records:
        RedactPathFilter().filter(record)
        line = JsonFormatter().format(record)
        assert token not in line
        assert json.loads(line)["path"] == "/meetings/feed/[redacted].ics"


def log_from_fresh_process(**env: str) -> str:
    """Load the settings in a new interpreter, log one warning, and return what reached stderr."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        **env,
    }
    code = "import django, logging; django.setup(); logging.getLogger('huanxin.probe').warning('hello %s', 'log')"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_production_settings_log_json_lines_to_stderr() -> None:
    stderr = log_from_fresh_process(DEBUG="false", SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.org")

    entry = json.loads(stderr.strip().splitlines()[-1])
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "huanxin.probe"
    assert entry["message"] == "hello log"


def test_debug_settings_log_plain_text_unless_log_format_says_json() -> None:
    assert "WARNING huanxin.probe hello log" in log_from_fresh_process(DEBUG="true")
    line = log_from_fresh_process(DEBUG="true", LOG_FORMAT="json").strip().splitlines()[-1]
    assert json.loads(line)["message"] == "hello log"
