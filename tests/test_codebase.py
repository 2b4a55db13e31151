"""The code base stays clean: lint, format, migrations, the OpenAPI schema and Django's checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args: str | Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root with the embedded defaults plus `env`."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # A throw-away SQLite file: these commands must not depend on (or touch) a real database.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [str(a) for a in args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=300, check=False
    )


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "manage.py", *args, tmp_path=tmp_path, **env)


def test_ruff_lint_passes(tmp_path: Path) -> None:
    result = run(BIN / "ruff", "check", ".", "--no-cache", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_passes(tmp_path: Path) -> None:
    result = run(BIN / "ruff", "format", "--check", ".", "--no-cache", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_match_the_models(tmp_path: Path) -> None:
    result = manage("makemigrations", "--check", "--dry-run", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_schema_validates_without_warnings(tmp_path: Path) -> None:
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stderr, result.stderr


def test_django_system_checks_pass(tmp_path: Path) -> None:
    result = manage("check", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deployment_checks_pass_with_production_settings(tmp_path: Path) -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
