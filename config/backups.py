"""Back up and restore the site: the PostgreSQL database and the uploaded media.

A backup is one folder, `backups/<UTC timestamp>/`, holding
- `db.dump`        `pg_dump --format=custom` of the database,
- `media.tar.gz`   every file under MEDIA_ROOT,
- `manifest.json`  when, the row count of every table, and the size and SHA-256 of both files.

The row counts and the dump come from one exported snapshot, so the counts describe exactly
what the dump holds even while the site keeps writing; a restore checks the restored tables
against them. The checksums let a restore refuse a damaged backup before it drops anything.

Only PostgreSQL is supported: the SQLite file of a development checkout is copied by hand.
The connection comes from Django's DATABASES (that is, DATABASE_URL), and the password
reaches pg_dump through the environment, never the command line (which `ps` shows).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql

DUMP_NAME = "db.dump"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1

# Connection OPTIONS that libpq understands, with the environment variable pg_dump reads them from.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    """Where a PostgreSQL database is, as Django's settings describe it."""

    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        if "postgresql" not in settings_dict.get("ENGINE", ""):
            raise BackupError(
                "Backups need PostgreSQL (set DATABASE_URL=postgres://…). With SQLite, stop the "
                "server and copy the database file and the media folder instead."
            )
        return cls(
            name=str(settings_dict["NAME"]),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            options={
                key: str(value) for key, value in (settings_dict.get("OPTIONS") or {}).items() if key in LIBPQ_OPTIONS
            },
        )

    def environment(self) -> dict[str, str]:
        """The process environment for pg_dump and pg_restore, pointing them at this database."""
        env = {**os.environ, "PGDATABASE": self.name}
        for variable, value in (
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
            ("PGHOST", self.host),
            ("PGPORT", self.port),
        ):
            if value:
                env[variable] = value
        for key, value in self.options.items():
            env[LIBPQ_OPTIONS[key]] = value
        return env

    def connect(self) -> psycopg2.extensions.connection:
        params = {"user": self.user, "password": self.password, "host": self.host, "port": self.port}
        given = {key: value for key, value in params.items() if value}
        return psycopg2.connect(dbname=self.name, **given, **self.options)

    def describe(self) -> str:
        return f"{self.name} on {self.host or 'the local socket'}"


def row_counts(cursor: psycopg2.extensions.cursor) -> dict[str, int]:
    """The number of rows in every user table, by name (schema-qualified outside `public`)."""
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY schemaname, tablename"
    )
    counts: dict[str, int] = {}
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def create_backup(*, database: Database, media_root: Path, output_dir: Path, now: datetime) -> Path:
    """Dump the database and pack the media into a new folder under `output_dir`; return the folder."""
    pg_dump = _tool("pg_dump")
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = output_dir / stamp
    if target.exists():
        raise BackupError(f"{target} already exists.")
    # Built under a hidden name and renamed at the end: a folder with a timestamp name is complete.
    partial = output_dir / f".{stamp}.partial"
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(partial, ignore_errors=True)
    # The backup holds residents' names and phone numbers: readable by its owner only.
    partial.mkdir(mode=0o700)
    try:
        connection = database.connect()
        try:
            connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                server_version = cursor.fetchone()[0]
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                tables = row_counts(cursor)
                _run(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial / DUMP_NAME}"],
                    database,
                )
        finally:
            connection.close()
        media = _pack_media(media_root, partial / MEDIA_NAME)
        manifest = {
            "format": MANIFEST_FORMAT,
            "created_at": now.astimezone(UTC).isoformat(),
            "database": {"name": database.name, "host": database.host, "server_version": server_version},
            "tables": tables,
            "media": media,
            "files": {name: _describe_file(partial / name) for name in (DUMP_NAME, MEDIA_NAME)},
        }
        (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for path in partial.iterdir():
            path.chmod(0o600)
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def read_manifest(backup_dir: Path) -> dict[str, Any]:
    """The backup's manifest, after checking that both files are there, whole and unchanged."""
    manifest_path = backup_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError(f"{backup_dir} is not a backup: it has no {MANIFEST_NAME}.")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{manifest_path} has format {manifest.get('format')!r}; expected {MANIFEST_FORMAT}.")
    for name, expected in manifest["files"].items():
        path = backup_dir / name
        if not path.is_file():
            raise BackupError(f"{path} is missing.")
        if _describe_file(path) != expected:
            raise BackupError(f"{path} does not match its size and checksum in the manifest: the backup is damaged.")
    return manifest


def restore_backup(backup_dir: Path, *, database: Database, media_root: Path) -> dict[str, Any]:
    """Replace the database's tables and add the media files from a backup; return its manifest.

    Everything the dump holds is dropped and recreated in one transaction (`--single-transaction`),
    so a failing restore leaves the database as it was. Media files are written over the ones
    of the same name; files the backup does not know are left in place.
    """
    pg_restore = _tool("pg_restore")
    manifest = read_manifest(backup_dir)
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            # Roles differ between machines: grants to them would fail the single transaction.
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={database.name}",
            str(backup_dir / DUMP_NAME),
        ],
        database,
    )
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            restored = row_counts(cursor)
    finally:
        connection.close()
    wrong = {
        table: (count, restored.get(table))
        for table, count in manifest["tables"].items()
        if restored.get(table) != count
    }
    if wrong:
        details = ", ".join(f"{table}: {want} expected, {got} restored" for table, (want, got) in sorted(wrong.items()))
        raise BackupError(f"The restored row counts differ from the manifest: {details}.")
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup_dir / MEDIA_NAME, "r:gz") as archive:
        # The "data" filter refuses absolute paths, links out of MEDIA_ROOT and device files.
        archive.extractall(media_root, filter="data")
    return manifest


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on PATH: install the PostgreSQL client (postgresql-client-15).")
    return path


def _run(command: list[str], database: Database) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed PostgreSQL tool with our own arguments
        command, env=database.environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed on {database.describe()} ({result.returncode}): {result.stderr.strip()}")


def _pack_media(media_root: Path, archive_path: Path) -> dict[str, int]:
    """Pack every file under `media_root` (paths relative to it); return how many and how large."""
    files = [path for path in sorted(media_root.rglob("*")) if path.is_file() and not path.is_symlink()]
    with tarfile.open(archive_path, "w:gz") as archive:
        if media_root.is_dir():
            for child in sorted(media_root.iterdir()):
                archive.add(child, arcname=child.name)
    return {"files": len(files), "bytes": sum(path.stat().st_size for path in files)}


def _describe_file(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {"bytes": path.stat().st_size, "sha256": digest}
