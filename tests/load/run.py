"""`make load`: a load test of Huanxin behind gunicorn, as one table.

    python -m tests.load.run [--users 100] [--spawn-rate 10] [--time 5m] [--workers 3] [--fail-over-target]

Runs against DATABASE_URL, the city `make bench` generated (it is never generated or flushed
here), with DEBUG off and sessions, cache and throttles in REDIS_URL. Steps:

1. collect the static files (DEBUG off serves them from the manifest) and pick the people of
   the journey from the city: residents, property staff, committee members, community staff,
   public estates (`bench-results/load-cast.json`);
2. start gunicorn with `--workers` sync workers on a free port of 127.0.0.1 and wait for
   /healthz;
3. run locust headless (`tests/load/locustfile.py`, from its own virtual environment) with
   `--users` people, `--csv bench-results/load`;
4. stop gunicorn, remove the requests the run filed (unless `--keep-filed`), and print
   requests, failures, requests per second, p50, p95 and p99 per endpoint and in total, then
   the time spent inside Django per path from the server's request log.

Exits 1 when any request failed; with `--fail-over-target`, also when the total p95 is over
`--target-ms` (250).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
# Every request the journey files starts with this, so that the run can take them away again.
FILED_MARK = "[load test]"
# How many people of each role the cast offers; locust takes them in turn.
CAST_SIZES = {"residents": 300, "property": 60, "committee": 40, "staff": 40, "estates": 300}
SEED = 20261128


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", default="5m", help="locust's run time, e.g. 30s or 5m")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--target-ms", type=float, default=250, help="the p95 target of all requests together")
    parser.add_argument("--fail-over-target", action="store_true", help="exit 1 when the total p95 is over target")
    parser.add_argument("--keep-filed", action="store_true", help="keep the requests the run filed")
    parser.add_argument("--csv", default=str(RESULTS / "load"), help="locust's --csv prefix")
    parser.add_argument(
        "--locust",
        default=os.environ.get("LOCUST", str(ROOT / ".venv-load" / "bin" / "locust")),
        help="the locust executable (its own virtual environment: make load creates .venv-load)",
    )
    return parser.parse_args(argv)


def _environment() -> None:
    """The server's settings: production-like, with the generated demo people allowed in."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    # The generated people are demo accounts (password huanxin-city).
    os.environ["DEMO_LOGINS_ENABLED"] = "true"
    os.environ.setdefault("SECRET_KEY", "load-only-not-secret-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("LOG_FORMAT", "json")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("make load needs the benchmark's PostgreSQL database: set DATABASE_URL (postgres://…).")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("make load needs Redis for sessions, cache and throttles: set REDIS_URL.")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _check_city() -> None:
    from estates.models import Estate

    if not Estate.objects.exists():
        raise SystemExit("The database holds no city: run `make bench` once to generate it.")


def _collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def _sample(ids: list[int], k: int, rng: random.Random) -> list[int]:
    return sorted(rng.sample(ids, min(k, len(ids))))


def build_cast(rng: random.Random | None = None) -> dict[str, Any]:
    """The people and places of the journey, picked at random (with a fixed seed) from the city."""
    from django.contrib.auth.models import AnonymousUser

    from estates.models import Estate, Membership

    rng = rng or random.Random(SEED)
    active = Membership.objects.active().filter(user__is_active=True)
    Role = Membership.Role

    def memberships(role: str, size: int, **filters: Any) -> Any:
        ids = list(active.filter(role=role, **filters).values_list("id", flat=True))
        return Membership.objects.filter(id__in=_sample(ids, size, rng)).order_by("id")

    residents = [
        {"username": m.user.username, "household": m.household_id, "estate": m.household.unit.building.estate_id}
        for m in memberships(Role.RESIDENT, CAST_SIZES["residents"], household__isnull=False).select_related(
            "user", "household__unit__building"
        )
    ]
    property_staff = [
        {"username": m.user.username, "company": m.organisation_id}
        for m in memberships(Role.PROPERTY_STAFF, CAST_SIZES["property"], organisation__isnull=False).select_related(
            "user"
        )
    ]
    committee = []
    for m in memberships(Role.COMMITTEE_MEMBER, CAST_SIZES["committee"], organisation__isnull=False).select_related(
        "user"
    ):
        estate = m.organisation.estates.order_by("id").values_list("id", flat=True).first()
        if estate is not None:
            committee.append({"username": m.user.username, "estate": estate})
    staff = []
    for m in memberships(Role.COMMUNITY_STAFF, CAST_SIZES["staff"], community__isnull=False).select_related("user"):
        estates = list(Estate.objects.filter(community_id=m.community_id).order_by("id").values_list("id", flat=True))
        if estates:
            staff.append({"username": m.user.username, "estates": estates})
    public = list(Estate.objects.visible_to(AnonymousUser()).values_list("id", flat=True))
    return {
        "residents": residents,
        "property": property_staff,
        "committee": committee,
        "staff": staff,
        "estates": _sample(public, CAST_SIZES["estates"], rng),
        "filed_mark": FILED_MARK,
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int, log_path: Path) -> subprocess.Popen[bytes]:
    """gunicorn with sync workers on the loopback; its log (the app's JSON request lines) to a file."""
    from django import db

    db.connections.close_all()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        raise SystemExit(f"gunicorn is missing from {gunicorn.parent}: run `make venv`.")
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped with exit code {server.returncode}: see bench-results/load-server.log")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer 200 within {timeout:g} s.")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown of the master and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_locust(args: argparse.Namespace, port: int, cast_path: Path, requests_path: Path) -> int:
    if not Path(args.locust).exists():
        raise SystemExit(f"locust is missing ({args.locust}): run `make load`, which creates .venv-load.")
    command = [
        args.locust,
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.time,
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        args.csv,
        "--html",
        f"{args.csv}.html",
        "--only-summary",
        "--stop-timeout",
        "15",
    ]
    env = {**os.environ, "LOAD_CAST": str(cast_path), "LOAD_REQUESTS": str(requests_path)}
    print(" ".join(command[1:]), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def remove_filed(since: float) -> int:
    """Take away the requests the run filed, so that the city stays as generated."""
    from datetime import UTC, datetime, timedelta

    from governance.models import ResidentRequest

    started = datetime.fromtimestamp(since, tz=UTC) - timedelta(minutes=1)
    filed = ResidentRequest.objects.filter(description__startswith=FILED_MARK, created_at__gte=started)
    deleted, _by_model = filed.delete()
    return deleted


# ---------------------------------------------------------------- the figures


@dataclass
class Sample:
    start: float  # seconds since the epoch
    method: str
    name: str
    ms: float
    failed: bool

    @property
    def end(self) -> float:
        return self.start + self.ms / 1000


def read_requests(path: Path) -> list[Sample]:
    """The locustfile's line per request."""
    if not path.exists():
        raise SystemExit(f"locust recorded no requests ({path}).")
    with path.open(newline="") as handle:
        return [
            Sample(float(start), method, name, float(ms), failed == "1")
            for start, method, name, ms, failed in csv.reader(handle)
        ]


@dataclass
class Figures:
    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    p95_signed_in: float | None  # over the requests made after the last sign-in


def figures(name: str, samples: list[Sample], seconds: float, signed_in_at: float) -> Figures:
    times = [s.ms for s in samples]
    later = [s.ms for s in samples if s.start >= signed_in_at]
    return Figures(
        name,
        len(samples),
        sum(s.failed for s in samples),
        len(samples) / seconds,
        _p(times, 0.50),
        _p(times, 0.95),
        _p(times, 0.99),
        _p(later, 0.95) if later else None,
    )


def summarise(samples: list[Sample]) -> tuple[list[Figures], Figures, float]:
    """Per endpoint (slowest p95 first) and in total; and the seconds from the start to the end
    of the last sign-in, after which the `p95_signed_in` figures count."""
    first = min(s.start for s in samples)
    seconds = max(s.end for s in samples) - first
    sign_ins = [s.end for s in samples if s.method == "POST" and s.name == "/accounts/login/"]
    signed_in_at = max(sign_ins) if sign_ins else first
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[f"{sample.method} {sample.name}"].append(sample)
    rows = [figures(name, group, seconds, signed_in_at) for name, group in groups.items()]
    rows.sort(key=lambda row: -row.p95)
    return rows, figures("total", samples, seconds, signed_in_at), signed_in_at - first


def print_figures(rows: list[Figures], total: Figures, signed_in_after: float) -> None:
    header = (
        f"{'endpoint':<52} {'requests':>8} {'fails':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'p95 later':>9}"
    )
    print()
    print(header)
    print("-" * len(header))
    for row in [*rows, total]:
        if row is total:
            print("-" * len(header))
        later = f"{row.p95_signed_in:9.0f}" if row.p95_signed_in is not None else f"{'-':>9}"
        print(
            f"{row.name[:52]:<52} {row.requests:>8} {row.failures:>6} {row.per_second:6.1f} "
            f"{row.p50:7.0f} {row.p95:7.0f} {row.p99:7.0f} {later}"
        )
    print(f"p95 later: over the requests made after the last sign-in, {signed_in_after:.0f} s into the run.")


_ID = re.compile(r"/\d+(?=/|\.|$)")


def server_times(log_path: Path) -> dict[str, list[float]]:
    """Time inside Django per method and path (ids as {id}), from the request log's JSON lines."""
    times: dict[str, list[float]] = defaultdict(list)
    if not log_path.exists():
        return times
    with log_path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if "duration_ms" not in entry or "path" not in entry:
                continue
            key = f"{entry.get('method', '?')} {_ID.sub('/{id}', entry['path'])}"
            times[key].append(float(entry["duration_ms"]))
    return times


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def print_server_times(times: dict[str, list[float]]) -> None:
    if not times:
        print("\n(The server's log held no request lines.)")
        return
    header = f"{'inside Django (server log)':<58} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'share':>6}"
    print()
    print(header)
    print("-" * len(header))
    busy = sum(sum(values) for values in times.values())
    for key, values in sorted(times.items(), key=lambda item: -_p(item[1], 0.95)):
        if key.startswith("GET /healthz"):
            continue
        print(
            f"{key[:58]:<58} {len(values):>8} {statistics.median(values):8.1f} {_p(values, 0.95):8.1f} "
            f"{sum(values) / busy:6.1%}"
        )
    print("share: of all the time the workers spent inside Django.")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    _environment()
    _check_city()
    RESULTS.mkdir(exist_ok=True)
    print("Collecting static files and picking the cast…", flush=True)
    _collect_static()
    cast_path = RESULTS / "load-cast.json"
    cast_path.write_text(json.dumps(build_cast(), ensure_ascii=False, indent=1))
    port = _free_port()
    log_path = RESULTS / "load-server.log"
    requests_path = Path(f"{args.csv}_requests.csv")
    started = time.time()
    load_before = os.getloadavg()
    server = start_server(port, args.workers, log_path)
    try:
        wait_healthy(port, server)
        print(f"gunicorn: {args.workers} workers on 127.0.0.1:{port}", flush=True)
        locust_code = run_locust(args, port, cast_path, requests_path)
    finally:
        stop_server(server)
    if not args.keep_filed:
        print(f"Removed the run's filed requests and their rows: {remove_filed(started)}.")
    load_after = os.getloadavg()
    rows, total, signed_in_after = summarise(read_requests(requests_path))
    print_figures(rows, total, signed_in_after)
    print_server_times(server_times(log_path))
    failures, p95 = total.failures, total.p95
    verdict = "ok" if p95 <= args.target_ms else "OVER TARGET"
    # Other work on the machine competes with the server for its cores: say how busy it was.
    print(
        f"\nMachine: {os.cpu_count()} cores; load average (1 min) {load_before[0]:.1f} before the run, "
        f"{load_after[0]:.1f} at its end (this run included)."
    )
    print(f"Total p95 {p95:.0f} ms (target ≤ {args.target_ms:g} ms: {verdict}); failures: {failures}.")
    if failures:
        print(f"Failures: {args.csv}_failures.csv")
    if failures or locust_code not in (0, 1):
        return 1
    if args.fail_over_target and p95 > args.target_ms:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
