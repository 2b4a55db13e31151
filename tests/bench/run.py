"""`make bench`: the figures of Huanxin at city scale, as one table.

    python -m tests.bench.run [--scale 1] [--runs 30] [--only NAME …] [--explain FILE]

Runs against DATABASE_URL (PostgreSQL) with DEBUG off. The first run generates the city
(`generate_city --scale N`, a few minutes at scale 1); later runs reuse it while its scale
matches. Each case is an HTTP request through the whole Django stack (middleware, session,
DRF, serializers) in this process, repeated `--runs` times after a warm-up, and reported as:

    case, rows, queries, p50 and p95 in ms, the raw SQL's p50 (the same statements the case
    ran, executed bare with a cursor and fetched) and the ratio of the two.

The reminder sweep is timed the same way inside a transaction that is rolled back after each
run, so every run sees the same due moments; the EXPLAIN of its queries goes to `--explain`.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    name: str
    rows: int
    queries: int
    times: list[float]
    raw: list[float] = field(default_factory=list)
    target_ms: float | None = None
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000

    @property
    def raw_p50(self) -> float | None:
        return statistics.median(self.raw) * 1000 if self.raw else None


@dataclass
class Case:
    name: str
    run: Callable[[], int]  # performs the work once, returns the rows it produced
    target_ms: float | None = None  # the p95 target
    rollback: bool = False  # run inside a transaction rolled back each time
    raw: bool = True  # time the captured statements bare
    setup: Callable[[], None] | None = None  # run once (committed) before the case is measured
    runs: int | None = None  # fewer runs for a case that takes seconds


def _setup(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--meetings", type=int, default=None, help="meetings to generate (default: the scale's)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "30")))
    parser.add_argument("--only", nargs="*", default=None, help="case names (prefixes) to run")
    parser.add_argument("--explain", default=str(ROOT / "bench-results" / "explain.txt"))
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    # The generated people are demo accounts (password huanxin-city): let them sign in.
    os.environ.setdefault("DEMO_LOGINS_ENABLED", "true")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    sys.path.insert(0, str(ROOT))
    _create_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    # No log line per measured request, no warning about collectstatic not having run.
    logging.getLogger("huanxin.request").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    return args


def _create_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("make bench needs PostgreSQL: set BENCH_DATABASE_URL (postgres://…).")
    config = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    connection.close()


def _ensure_city(scale: float, meetings: int | None) -> None:
    from django.core.management import call_command
    from django.db import connection

    from estates.models import Estate

    if connection.vendor != "postgresql":
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL (the Makefile's BENCH_DATABASE_URL).")
    call_command("migrate", verbosity=0)
    wanted = round(2000 * scale)
    have = Estate.objects.count()
    if have == wanted and (meetings is None or _count("governance_meeting") >= meetings):
        print(f"Reusing the generated city ({have} estates).")
        return
    print(f"Generating the city at scale {scale} (this takes a while once)…", flush=True)
    options: dict[str, Any] = {"scale": scale, "flush": True}
    if meetings is not None:
        options["meetings"] = meetings
    call_command("generate_city", **options)


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@contextmanager
def _rolled_back() -> Iterator[None]:
    from django.db import transaction

    class _Undo(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def _captured(case: Case) -> tuple[int, list[str], int]:
    """Run the case once with the queries captured: (rows, statements, query count)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        if case.rollback:
            with _rolled_back():
                rows = case.run()
        else:
            rows = case.run()
    statements = [q["sql"] for q in captured.captured_queries]
    return rows, statements, len(statements)


def _time_raw(statements: list[str], runs: int) -> list[float]:
    """The bare database time of the statements a case ran: reads only (writes are not repeated)."""
    from django.db import connection

    reads = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    if not reads:
        return []
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql in reads:
                cursor.execute(sql)
                cursor.fetchall()
            times.append(time.perf_counter() - start)
    return times


def measure(case: Case, runs: int) -> Result:
    if case.setup is not None:
        case.setup()
    for _ in range(2):  # warm-up: sessions, caches and the planner's statistics
        _once(case)
    rows, statements, queries = _captured(case)
    runs = min(runs, case.runs or runs)
    times = [_once(case) for _ in range(runs)]
    raw = _time_raw(statements, runs) if case.raw else []
    return Result(case.name, rows, queries, times, raw, case.target_ms)


def _once(case: Case) -> float:
    start = time.perf_counter()
    if case.rollback:
        with _rolled_back():
            case.run()
    else:
        case.run()
    return time.perf_counter() - start


def explain(statements: list[str], path: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each read the sweep ran, to a file."""
    from django.db import connection

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor, out.open("w") as handle:
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            handle.write(sql + "\n")
            handle.write("\n".join(row[0] for row in cursor.fetchall()) + "\n\n")
    print(f"EXPLAIN of the sweep's queries: {out}")


def print_table(results: list[Result]) -> None:
    header = (
        f"{'case':<34} {'rows':>7} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'raw ms':>8} {'ratio':>6} {'target':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        raw = f"{r.raw_p50:8.2f}" if r.raw_p50 is not None else f"{'-':>8}"
        ratio = f"{r.p50 / r.raw_p50:6.1f}" if r.raw_p50 else f"{'-':>6}"
        target = f"≤{r.target_ms:g}" if r.target_ms is not None else ""
        verdict = "" if r.target_ms is None else (" ok" if r.p95 <= r.target_ms else " SLOW")
        print(
            f"{r.name:<34} {r.rows:>7} {r.queries:>7} {r.p50:8.2f} {r.p95:8.2f} {raw} {ratio} {target:>8}{verdict}"
            + (f"  {r.note}" if r.note else "")
        )


# The bulk cases' targets: seconds and peak memory (MB) of their process.
BULK_TARGETS = {"export": (20, 200), "import": (60, None)}


def _bulk(name: str) -> dict[str, Any]:
    """Run a bulk case in a child process (its peak memory is its own) and read its figures."""
    import json
    import subprocess

    print(f"… bulk {name}", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bulk", name], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bulk {name} failed:\n{done.stderr[-2000:]}")
    return {"name": name, **json.loads(done.stdout.strip().splitlines()[-1])}


def print_bulk(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'bulk case':<34} {'rows':>7} {'seconds':>8} {'MB file':>8} {'peak MB':>8} {'at start':>8} {'target':>12}"
    )
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        seconds, memory = BULK_TARGETS[row["name"]]
        target = f"≤{seconds} s" + (f", ≤{memory} MB" if memory else "")
        ok = row["seconds"] <= seconds and (memory is None or row["peak_mb"] <= memory)
        print(
            f"{row['name']:<34} {row['rows']:>7} {row['seconds']:8.1f} {row['bytes'] / 2**20:8.1f} "
            f"{row['peak_mb']:8.0f} {row['before_mb']:8.0f} {target:>12}{' ok' if ok else ' SLOW'}"
        )


def main(argv: list[str] | None = None) -> int:
    args = _setup(sys.argv[1:] if argv is None else argv)
    _ensure_city(args.scale, args.meetings)
    from tests.bench import cases

    chosen = cases.all_cases()
    if args.only:
        chosen = [c for c in chosen if any(c.name.startswith(prefix) for prefix in args.only)]
    results = []
    for case in chosen:
        print(f"… {case.name}", flush=True)
        results.append(measure(case, args.runs))
        if case.name == "reminder sweep (every minute)":
            _rows, statements, _n = _captured(case)
            explain(statements, args.explain)
    print_table(results)
    if not args.only or any("bulk".startswith(prefix) or prefix.startswith("bulk") for prefix in args.only):
        print_bulk([_bulk(name) for name in ("export", "import")])
    slow = [r.name for r in results if r.target_ms is not None and r.p95 > r.target_ms]
    if slow:
        print(f"\nOver target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
