"""`python manage.py backup_site` (`make backup`): dump the database and pack the media into backups/<UTC time>/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from config.backups import BackupError, Database, create_backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump --format=custom) and MEDIA_ROOT into "
        "backups/<UTC timestamp>/, with a manifest of row counts and checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=settings.BASE_DIR / "backups",
            help="Folder that receives the timestamped backup folder (default: backups/ in the checkout).",
        )

    def handle(self, *args: Any, output_dir: Path, **options: Any) -> None:
        started = time.monotonic()
        try:
            database = Database.from_settings(connections["default"].settings_dict)
            target = create_backup(
                database=database, media_root=Path(settings.MEDIA_ROOT), output_dir=output_dir, now=timezone.now()
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = sum(path.stat().st_size for path in target.iterdir())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {database.describe()} and {settings.MEDIA_ROOT} to {target} "
                f"({size / 1024:.0f} KiB, {time.monotonic() - started:.1f} s)."
            )
        )
