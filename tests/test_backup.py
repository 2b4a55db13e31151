"""backup_site and restore_site: a backup restored into a fresh database gives back every row and file."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg2 import sql

from config.backups import Database, row_counts
from estates.models import User

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scratch_database() -> Iterator[Database]:
    """An empty database beside the test database, dropped afterwards."""
    source = Database.from_settings(connection.settings_dict)
    scratch = Database(**{**source.__dict__, "name": f"huanxin_restore_{secrets.token_hex(4)}"})
    admin = Database(**{**source.__dict__, "name": "postgres"}).connect()
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch.name)))
        yield scratch
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch.name)))
        admin.close()


def write_media(root: Path) -> dict[str, bytes]:
    files = {
        "projects/2025/06/photo-a.jpg": secrets.token_bytes(50_000),
        "projects/2025/06/photo-b.webp": secrets.token_bytes(1_000),
        "requests/2025/07/门禁.png": secrets.token_bytes(3_000),
        "empty.txt": b"",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return files


def backup_now(output_dir: Path) -> Path:
    out = io.StringIO()
    call_command("backup_site", output_dir=output_dir, stdout=out)
    [backup] = output_dir.iterdir()
    assert f"to {backup} (" in out.getvalue()
    return backup


def database_url(database: Database) -> str:
    credentials = quote(database.user) + (":" + quote(database.password) if database.password else "")
    return f"postgres://{credentials}@{database.host}:{database.port or 5432}/{database.name}"


def counts_in(database: Database) -> dict[str, int]:
    conn = database.connect()
    try:
        with conn.cursor() as cursor:
            return row_counts(cursor)
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_restore_gives_back_every_row_and_media_file_of_the_backup(
    resident: User, neighbour: User, scratch_database: Database, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    files = write_media(settings.MEDIA_ROOT)
    source_counts = counts_in(Database.from_settings(connection.settings_dict))

    backup = backup_now(tmp_path / "backups")

    assert sorted(path.name for path in backup.iterdir()) == ["db.dump", "manifest.json", "media.tar.gz"]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["tables"] == source_counts
    assert manifest["tables"]["estates_user"] == 2
    assert manifest["tables"]["estates_household"] == 3
    assert manifest["media"] == {"files": 4, "bytes": sum(len(content) for content in files.values())}
    assert (backup.stat().st_mode & 0o777) == 0o700

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    out = io.StringIO()
    call_command(
        "restore_site", str(backup), database_url=database_url(scratch_database), interactive=False, stdout=out
    )

    assert "Restored" in out.getvalue()
    restored_counts = counts_in(scratch_database)
    assert restored_counts == source_counts
    assert sum(restored_counts.values()) > 50
    conn = scratch_database.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT username, phone FROM estates_user ORDER BY username")
            assert cursor.fetchall() == [("neighbour", "13955556666"), ("resident", "13812341234")]
    finally:
        conn.close()
    for name, content in files.items():
        assert (settings.MEDIA_ROOT / name).read_bytes() == content


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_backup_before_touching_the_database(
    world: Any, scratch_database: Database, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    backup = backup_now(tmp_path / "backups")
    dump = backup / "db.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore_site", str(backup), database_url=database_url(scratch_database), interactive=False)

    assert counts_in(scratch_database) == {}


def test_backup_refuses_sqlite_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "backup_site", "--output-dir", str(tmp_path / "backups")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "Backups need PostgreSQL" in result.stderr
    assert not (tmp_path / "backups").exists()
