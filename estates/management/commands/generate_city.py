"""`python manage.py generate_city --scale N`: a synthetic city for benchmarks (see estates/city/)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from estates import city
from estates.errors import DomainError


class Command(BaseCommand):
    help = (
        "Fill a PostgreSQL database with a synthetic city for benchmarks: at scale 1, 2,000 estates, "
        "300,000 households, 1,000,000 requests, 20,000 projects, 24,000 meetings and 60,000 rating scores. "
        "The same scale, seed and --now give the same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="Multiplies every count (0.01: 20 estates).")
        parser.add_argument("--meetings", type=int, help="How many meetings, instead of the scaled count.")
        parser.add_argument("--requests", type=int, help="How many resident requests, instead of the scaled count.")
        parser.add_argument(
            "--now",
            help="The moment the city is generated as of (ISO date or date-time); default: today's local midnight.",
        )
        parser.add_argument("--seed", type=int, default=city.DEFAULT_SEED, help="The random seed.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty every table of estates, renovations and governance first: users included, with their "
            "API tokens and the admin log; the seeded request categories and rating criteria stay.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            counts = city.Counts.at_scale(options["scale"], meetings=options["meetings"], requests=options["requests"])
            now = city.parse_now(options["now"])
            self.stdout.write(
                _("Generating a city as of %(now)s: %(counts)s")
                % {"now": now.isoformat(), "counts": ", ".join(f"{k} {v:,}" for k, v in vars(counts).items())}
            )
            rows = city.generate_city(
                counts, now=now, flush=options["flush"], seed=options["seed"], log=self.stdout.write
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        width = max(len(name) for name in rows)
        self.stdout.write(_("Rows per table:"))
        for name, count in sorted(rows.items()):
            self.stdout.write(f"  {name:<{width}}  {count:>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Generated %(rows)s rows in %(seconds).1f s. Every generated person signs in with the "
                    "password %(password)s (demo accounts: only while DEBUG is on)."
                )
                % {"rows": f"{sum(rows.values()):,}", "seconds": time.monotonic() - started, "password": city.PASSWORD}
            )
        )
