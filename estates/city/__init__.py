"""A synthetic city for benchmarks: `manage.py generate_city --scale N` fills the tables the
portal reads with realistic, deterministic rows — at scale 1, 2,000 estates, 300,000 households
and a million requests — in a few minutes.

Why it is built this way:

- Rows go in with PostgreSQL's COPY, in chunks; a second thread sends one chunk while the next is
  generated, so that one core generates and the other loads. The foreign keys and plain indexes of
  the loaded tables are dropped first and recreated at the end (as pg_restore does): one pass
  validates every reference, instead of one lookup (and row lock) per inserted row. Check and
  unique constraints stay on, so PostgreSQL still checks every row against the models' rules.
- The same scale, seed and "now" give the same rows: ids are assigned here, times are whole
  seconds, and each part of the city draws from its own seeded random stream.
- Each part of the city is a module (places, ratings, requests, meetings, projects) with a
  `generate(city)` that reads what earlier parts made from the shared `City` (registry.py) and
  adds rows to its tables (loading.py).
- Each object's story is played out — a request filed, taken, started, paid for, resolved, rated;
  a project proposed, surveyed, voted on, funded, built — and cut at "now", so that its status, its
  denormalised fields and its timeline agree the way the services would have left them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estates.errors import Conflict, Invalid
from estates.models import Estate

from . import meetings, places, projects, ratings, requests
from .loading import COLUMNS, Clock, Copier, Table, db_table, references_and_indexes
from .places import PASSWORD
from .registry import City

__all__ = ["DEFAULT_SEED", "PASSWORD", "SCALE_ONE", "Counts", "flushed_tables", "generate_city", "parse_now"]

# What scale 1 means. Every count scales linearly, and is at least 1.
SCALE_ONE = {
    "estates": 2_000,
    "households": 300_000,
    "requests": 1_000_000,
    "projects": 20_000,
    "meetings": 24_000,
    "rating_scores": 60_000,
}
DEFAULT_SEED = 2024
# Seeded by migrations, and kept by --flush.
KEPT_MODELS = ("governance.RequestCategory", "governance.RatingCriterion")
CITY_APPS = ("estates", "governance", "renovations")
# The parts, in the order they are generated: each may read what the ones before it made.
PARTS = (
    (gettext_lazy("Places, organisations and people"), places.generate),
    (gettext_lazy("Rating rounds (planned)"), ratings.plan),
    (gettext_lazy("Requests and their timelines"), requests.generate),
    (gettext_lazy("Rating rounds, sheets and scores"), ratings.write),
    (gettext_lazy("Meetings"), meetings.generate),
    (gettext_lazy("Renovation projects"), projects.generate),
)


@dataclass(frozen=True)
class Counts:
    """How many of the main things to make."""

    estates: int
    households: int
    requests: int
    projects: int
    meetings: int
    rating_scores: int

    @classmethod
    def at_scale(cls, scale: float, *, meetings: int | None = None, requests: int | None = None) -> Counts:
        if not scale > 0:
            raise Invalid(_("The scale must be more than zero."), field="scale")
        sized = {name: max(1, round(base * scale)) for name, base in SCALE_ONE.items()}
        for name, override in (("meetings", meetings), ("requests", requests)):
            if override is not None:
                if override < 1:
                    raise Invalid(_("Counts must be at least 1."), field=name)
                sized[name] = override
        # Every estate has at least one household.
        sized["households"] = max(sized["households"], sized["estates"])
        return cls(**sized)


def flushed_tables() -> list[str]:
    """Every table of the city's apps, but the categories and criteria that migrations seed."""
    kept = {apps.get_model(path)._meta.db_table for path in KEPT_MODELS}
    tables = []
    for label in CITY_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy and model._meta.db_table not in kept:
                tables.append(model._meta.db_table)
    return sorted(set(tables))


def parse_now(value: str | None) -> datetime:
    """An ISO date (its local midnight) or date-time; by default today's local midnight, so that
    two runs on the same day make the same rows."""
    tz = timezone.get_current_timezone()
    if not value:
        return datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=tz)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(_("Give --now as an ISO date or date-time, e.g. 2026-11-27."), field="now") from exc
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment


def _generate(city: City, copier: Copier, log: Callable[[str], None]) -> None:
    for title, generate in PARTS:
        started = time.monotonic()
        log(_("%(step)s …") % {"step": title})
        before = {key: table.last_id for key, table in city.tables.items()}
        generate(city)
        for table in city.tables.values():
            table.flush()
        copier.wait()  # the next part may query the database
        detail = ", ".join(
            f"{table.name} {table.last_id - before[key]:,}"
            for key, table in city.tables.items()
            if table.last_id != before[key]
        )
        log(
            _("  %(seconds).1f s: %(detail)s")
            % {"seconds": time.monotonic() - started, "detail": detail or _("planned")}
        )


def generate_city(
    counts: Counts,
    *,
    now: datetime,
    flush: bool = False,
    seed: int = DEFAULT_SEED,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Fill the database with a synthetic city of `counts`, as of `now`, in one transaction.
    Returns the rows written per table. Refuses (Conflict) on another database than PostgreSQL,
    and when estates exist and `flush` is not set; `flush` empties the city's tables first."""
    if connection.vendor != "postgresql":
        raise Conflict(_("generate_city loads with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database."))
    tables_of = {key: db_table(path) for key, (path, _columns) in COLUMNS.items()}
    names = sorted(set(tables_of.values()))
    # Table names below come from the models, never from input.
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        # Pending deferred checks would forbid truncating and altering the tables: check them now,
        # and each statement at its end from here on.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if flush:
            cursor.execute(f"TRUNCATE {', '.join(flushed_tables())} RESTART IDENTITY CASCADE")
            log(_("Emptied the city's tables in %(seconds).1f s.") % {"seconds": time.monotonic() - started})
        elif Estate.objects.exists():
            raise Conflict(_("The database already holds estates: add --flush to replace everything with a new city."))
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        drop, create = references_and_indexes(cursor, names)
        for statement in drop:
            cursor.execute(statement)

        copier = Copier(cursor.cursor)
        tables: dict[str, Table] = {}
        for key, (_path, columns) in COLUMNS.items():
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {tables_of[key]}")  # noqa: S608
            tables[key] = Table(copier, tables_of[key], columns, cursor.fetchone()[0])
        try:
            _generate(City(counts, clock=Clock(now), seed=seed, tables=tables), copier, log)
        finally:
            copier.close()

        step = time.monotonic()
        for statement in create:
            cursor.execute(statement)
        log(
            _("Indexes and foreign keys rebuilt and checked in %(seconds).1f s.") % {"seconds": time.monotonic() - step}
        )
        step = time.monotonic()
        for name in names:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {name}"  # noqa: S608
            )
        cursor.execute(f"ANALYZE {', '.join(names)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        log(_("Sequences reset and tables analysed in %(seconds).1f s.") % {"seconds": time.monotonic() - step})
    # The estates' running totals of ratings, which the services keep and COPY bypassed.
    from governance.figures import recount_request_tallies

    recount_request_tallies()
    return {table.name: table.count for table in tables.values()}
