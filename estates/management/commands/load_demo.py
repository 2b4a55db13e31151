"""`python manage.py load_demo`: the three estates of the Yangquan report and a login for each role."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from estates import demo
from estates.errors import DomainError


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Load the demo estates, organisations, households and demo users, and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even when DEBUG is off (every demo account has the same public password).",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        started = time.monotonic()
        try:
            summary = demo.load_demo(force=force)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo loaded in %(seconds).1f s: %(estates)d estates, %(buildings)d buildings, "
                    "%(households)d households, %(organisations)d organisations, %(people)d people."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "estates": summary.estates,
                    "buildings": summary.buildings,
                    "households": summary.households,
                    "organisations": summary.organisations,
                    "people": summary.people,
                }
            )
        )
        from renovations.demo import load_renovations_demo

        try:
            projects = load_renovations_demo(stdout=self.stdout if options.get("verbosity", 1) > 1 else None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Renovation projects: %(projects)d (%(created)d new), %(entries)d ledger entries, "
                    "%(ballots)d ballots, %(updates)d progress updates."
                )
                % {
                    "projects": projects.projects,
                    "created": projects.created,
                    "entries": projects.ledger_entries,
                    "ballots": projects.ballots,
                    "updates": projects.updates,
                }
            )
        )
        from governance.demo import load_requests_demo

        try:
            requests = load_requests_demo(stdout=self.stdout if options.get("verbosity", 1) > 1 else None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Resident requests: %(requests)d (%(created)d new), %(open)d open, %(escalated)d escalated, "
                    "%(photos)d photos."
                )
                % {
                    "requests": requests.requests,
                    "created": requests.created,
                    "open": requests.open,
                    "escalated": requests.escalated,
                    "photos": requests.photos,
                }
            )
        )
        from governance.demo import load_governance_demo

        try:
            governance = load_governance_demo(stdout=self.stdout if options.get("verbosity", 1) > 1 else None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Ratings, meetings, disputes and notices (%(created)d new): %(rounds)d rating rounds "
                    "(%(published)d published), %(meetings)d meetings (%(minutes)d with published minutes), "
                    "%(actions)d action items, %(disputes)d disputes, %(notices)d notices."
                )
                % {
                    "created": governance.created,
                    "rounds": governance.rating_rounds,
                    "published": governance.published_rounds,
                    "meetings": governance.meetings,
                    "minutes": governance.published_minutes,
                    "actions": governance.action_items,
                    "disputes": governance.disputes,
                    "notices": governance.notices,
                }
            )
        )
        self.stdout.write("")
        self.stdout.write(_("Open %(url)s and sign in as:") % {"url": demo.DEMO_URL})
        self.stdout.write("")
        rows = [(_("Role"), _("Username"), _("Password"), _("Can do and see"))]
        rows += [
            (f"{login.role_zh} {login.role_en}", person.username, demo.DEMO_PASSWORD, str(login.can))
            for person, login in summary.logins
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for i, row in enumerate(rows):
            line = "  ".join(_pad(cell, widths[n]) for n, cell in enumerate(row[:3]))
            self.stdout.write(f"  {line}  {row[3]}")
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths) + "  " + "-" * _width(row[3]))
        self.stdout.write("")
        if not settings.DEMO_LOGINS_ENABLED:
            self.stdout.write(
                self.style.WARNING(
                    _("Demo logins are disabled (DEMO_LOGINS_ENABLED is off): these accounts cannot sign in.")
                )
            )
