"""`BACKUP=backups/<ts> make restore`: put a backup_site backup back into the database and MEDIA_ROOT."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from config.backups import BackupError, Database, read_manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_site: drop and recreate every table of the dump in the "
        "database (one transaction), then unpack the media into MEDIA_ROOT. Stop the web server "
        "and the Celery worker first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup folder, e.g. backups/20250101T020000Z.")
        parser.add_argument(
            "--database-url",
            default="",
            help="Restore into this database instead of the configured one (e.g. to try a backup out).",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )

    def handle(self, *args: Any, backup: Path, database_url: str, interactive: bool, **options: Any) -> None:
        started = time.monotonic()
        media_root = Path(settings.MEDIA_ROOT)
        try:
            settings_dict = (
                dj_database_url.parse(database_url) if database_url else connections["default"].settings_dict
            )
            database = Database.from_settings(settings_dict)
            manifest = read_manifest(backup)
            if interactive:
                answer = input(
                    f"This replaces the tables of {database.describe()} with the backup of "
                    f"{manifest['created_at']} and writes its files into {media_root}.\n"
                    "Type 'yes' to continue, or anything else to stop: "
                )
                if answer != "yes":
                    raise CommandError("Restore cancelled.")
            restore_backup(backup, database=database, media_root=media_root)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables and "
                f"{manifest['media']['files']} media files into {database.describe()} and {media_root} "
                f"({time.monotonic() - started:.1f} s)."
            )
        )
