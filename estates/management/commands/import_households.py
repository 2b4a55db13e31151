"""`python manage.py import_households FILE --estate X [--dry-run]`.

Runs as the system (the service's `by=None`): whoever can run manage.py already holds the
database. Prints each bad row and the counts; exits with status 1 when the file has errors.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from estates.errors import DomainError
from estates.importing import ImportResult, import_households
from estates.models import Estate


class Command(BaseCommand):
    help = "Import buildings, units and households of one estate from an Excel (.xlsx) or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The .xlsx or .csv file: columns 楼栋, 单元, 房号, 楼层, 建筑面积 (总层数).")
        parser.add_argument("--estate", required=True, help="The estate's id or exact name.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show the counts; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        estate = self._estate(options["estate"])
        try:
            result = import_households(estate, options["file"], by=None, dry_run=options["dry_run"])
        except OSError as exc:
            raise CommandError(
                _("Cannot open %(file)s: %(error)s") % {"file": options["file"], "error": exc.strerror or exc}
            ) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for error in result.errors:
            self.stderr.write(error.message)
        hidden = result.error_count - len(result.errors)
        if hidden:
            self.stderr.write(
                ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", hidden) % {"count": hidden}
            )
        self.stdout.write(self._summary(estate, result))
        if not result.ok:
            raise CommandError(
                ngettext(
                    "%(count)s problem found; nothing was imported.",
                    "%(count)s problems found; nothing was imported.",
                    result.error_count,
                )
                % {"count": result.error_count}
            )

    def _estate(self, value: str) -> Estate:
        value = value.strip()
        if value.isdigit():
            estate = Estate.objects.filter(pk=int(value)).first()
            if estate is not None:
                return estate
        matches = list(Estate.objects.filter(name=value).select_related("community"))
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise CommandError(_("No estate has the id or name “%(estate)s”.") % {"estate": value})
        choices = ", ".join(f"{e.pk} ({e.community.name})" for e in matches)
        raise CommandError(
            _("Several estates are named “%(estate)s”; give the id instead: %(choices)s.")
            % {"estate": value, "choices": choices}
        )

    def _summary(self, estate: Estate, result: ImportResult) -> str:
        if result.committed:
            heading = _("Imported into %(estate)s:") % {"estate": estate.name}
        else:
            heading = _("Checked for %(estate)s (nothing written):") % {"estate": estate.name}
        lines = [
            heading,
            _("rows read: %(count)s") % {"count": result.rows},
            _("buildings created: %(count)s") % {"count": result.buildings_created},
            _("units created: %(count)s") % {"count": result.units_created},
            _("households created: %(count)s") % {"count": result.households_created},
            _("households updated: %(count)s") % {"count": result.households_updated},
            _("households unchanged: %(count)s") % {"count": result.households_unchanged},
        ]
        if result.ignored_columns:
            lines.append(_("columns ignored: %(columns)s") % {"columns": ", ".join(result.ignored_columns)})
        return "\n".join(lines)
