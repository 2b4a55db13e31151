"""config/settings.py read from the environment, each case in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Prints what the checks below need, as JSON, after loading the settings and the Celery app.
PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION", ""),
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "app_broker_url": app.conf.broker_url,
    "app_always_eager": app.conf.task_always_eager,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "TIME_ZONE": settings.TIME_ZONE,
    "USE_TZ": settings.USE_TZ,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
    "DEMO_LOGINS_ENABLED": settings.DEMO_LOGINS_ENABLED,
}))
"""

SECRET = "k" * 20 + "-Vq8#x2!mZp4&Lw9@Rt6^Yc1*Hn3%Jb7"


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a new interpreter with only `env` (and the basics) in the environment."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def loaded(**env: str) -> dict[str, Any]:
    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_without_secret_key_fails_loudly() -> None:
    result = run_settings(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_fails_loudly() -> None:
    result = run_settings(DEBUG="false", SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("value", ["false", "0", "no", "off", "False"])
def test_debug_is_switched_off_by_any_usual_spelling(value: str) -> None:
    result = run_settings(DEBUG=value)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_are_secure() -> None:
    config = loaded(DEBUG="false", SECRET_KEY=SECRET, ALLOWED_HOSTS="example.org, www.example.org")
    assert config["DEBUG"] is False
    assert config["SECRET_KEY"] == SECRET
    assert config["ALLOWED_HOSTS"] == ["example.org", "www.example.org"]
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["CSRF_COOKIE_SECURE"] is True
    assert config["SECURE_SSL_REDIRECT"] is True
    assert config["SECURE_HSTS_SECONDS"] >= 31536000
    assert config["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert config["DEMO_LOGINS_ENABLED"] is False


def test_database_url_switches_to_postgresql() -> None:
    config = loaded(DATABASE_URL="postgres://huanxin:secret@db.internal:5432/huanxin_prod")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"]) == ("huanxin_prod", "db.internal")


def test_redis_url_switches_cache_and_broker_to_redis() -> None:
    config = loaded(REDIS_URL="redis://cache.internal:6379/2")
    assert config["CACHE"] == "django_redis.cache.RedisCache"
    assert config["CACHE_LOCATION"] == "redis://cache.internal:6379/2"
    assert config["CELERY_BROKER_URL"] == "redis://cache.internal:6379/2"
    assert config["app_broker_url"] == "redis://cache.internal:6379/2"
    assert config["CELERY_TASK_ALWAYS_EAGER"] is False
    assert config["app_always_eager"] is False


def test_nothing_set_runs_a_fresh_checkout_embedded() -> None:
    config = loaded()
    assert config["DEBUG"] is True
    assert config["SECRET_KEY"]
    assert "localhost" in config["ALLOWED_HOSTS"]
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(ROOT / "db.sqlite3")
    assert config["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    # Celery runs for real on a broker that needs no server (make run starts a worker and beat).
    assert config["CELERY_BROKER_URL"] == "filesystem://"
    assert config["app_broker_url"] == "filesystem://"
    assert config["CELERY_TASK_ALWAYS_EAGER"] is False
    assert config["app_always_eager"] is False
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert config["LANGUAGE_CODE"] == "zh-hans"
    assert config["TIME_ZONE"] == "Asia/Shanghai"
    assert config["USE_TZ"] is True
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["DEMO_LOGINS_ENABLED"] is True


def test_email_host_switches_mail_to_smtp() -> None:
    config = loaded(EMAIL_HOST="smtp.example.org")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_demo_logins_can_be_enabled_explicitly_in_production() -> None:
    config = loaded(DEBUG="false", SECRET_KEY=SECRET, ALLOWED_HOSTS="example.org", DEMO_LOGINS_ENABLED="true")
    assert config["DEMO_LOGINS_ENABLED"] is True
