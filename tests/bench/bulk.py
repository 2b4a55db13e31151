"""The bulk cases of `make bench`, each in a child process so that its peak memory is its own:

    python -m tests.bench.bulk export   # the Excel export of the newest 100,000 requests
    python -m tests.bench.bulk import   # the import of 100,000 households into a new estate

Each prints one JSON line: seconds, rows, bytes, the process's peak resident memory and the
same before the work began (Django and the code loaded). The import runs in a transaction
that is rolled back, so the city stays as generated.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROWS = 100_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export() -> dict[str, Any]:
    from django.test import Client

    from estates.models import User
    from governance.models import ResidentRequest

    # Since the day of the 100,000th newest request: a district's few months, as staff export them.
    since = ResidentRequest.objects.order_by("-created_at").values_list("created_at", flat=True)[ROWS - 1]
    admin, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    client = Client()
    client.force_login(admin)
    before = _peak_mb()
    start = time.perf_counter()
    response = client.get(f"/api/v1/requests/export/?created_after={since:%Y-%m-%d}", secure=True)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"The export answered {response.status_code}.")
    rows = ResidentRequest.objects.filter(created_at__date__gte=since.date()).count()
    return {"seconds": seconds, "rows": rows, "bytes": size, "peak_mb": _peak_mb(), "before_mb": before}


def import_() -> dict[str, Any]:
    from django.db import transaction

    from estates.importing import import_households
    from estates.models import Community, Estate

    # 100,000 households: 250 buildings × 4 units × 100 rooms (floors 1–25, four flats a floor).
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["楼栋", "单元", "房号", "楼层", "建筑面积"])
    for building in range(1, 251):
        for unit in range(1, 5):
            for floor in range(1, 26):
                for flat in range(1, 5):
                    writer.writerow([f"{building}号楼", f"{unit}单元", f"{floor}{flat:02d}", floor, "78.50"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        size = path.stat().st_size
        del buffer
        before = _peak_mb()
        start = time.perf_counter()
        with transaction.atomic():
            community = Community.objects.order_by("id").first()
            estate = Estate.objects.create(community=community, name="基准测试小区", management_mode="none")
            result = import_households(estate, str(path), by=None)
            seconds = time.perf_counter() - start
            transaction.set_rollback(True)
    if result.errors:
        raise SystemExit(f"The import refused rows: {result.errors[:3]}")
    return {"seconds": seconds, "rows": ROWS, "bytes": size, "peak_mb": _peak_mb(), "before_mb": before}


def main() -> None:
    from tests.bench.run import _setup

    which = sys.argv[1]
    _setup(sys.argv[2:])
    print(json.dumps({"export": export, "import": import_}[which]()))


if __name__ == "__main__":
    main()
