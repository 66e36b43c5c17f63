"""Helpers shared by the benchmarks: Django set-up, timing, queries, memory.

Figures are ratios against a baseline measured in the same process and run;
absolute times depend on the machine and are only given as detail.
"""

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = ROOT / "var" / "bench.sqlite3"

_ready = False


def setup_django(*, fresh: bool = True) -> None:
    """Configure Django on the benchmark database and migrate it once.

    ``DATABASE_URL`` wins; otherwise ``var/bench.sqlite3``, recreated when
    ``fresh`` so every run starts from the same empty network.
    """
    global _ready
    if _ready:
        return
    for path in (str(ROOT), str(ROOT / "bench")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    if not os.environ.get("DATABASE_URL"):
        BENCH_DB.parent.mkdir(parents=True, exist_ok=True)
        if fresh and BENCH_DB.exists():
            BENCH_DB.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _ready = True


def timed(fn, *, repeat: int = 5, warmup: int = 1) -> tuple[float, int, object]:
    """Median seconds of ``repeat`` calls, queries of the last call, its result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _i in range(warmup):
        fn()
    seconds = []
    for _i in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), len(ctx.captured_queries), result


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def peak_mb(fn) -> float:
    """Peak Python memory allocated while ``fn`` runs, in MB (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 1024 / 1024, 1)


def coordinator_client():
    """A test Client logged in as a network coordinator, second factor included
    (the back office asks coordinators for it)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from crm.roles import COORDINATOR, GROUP_NAMES

    user, _created = get_user_model().objects.get_or_create(
        username="bench-coordinator@example.org",
        defaults={"email": "bench-coordinator@example.org"},
    )
    user.groups.add(Group.objects.get(name=GROUP_NAMES[COORDINATOR]))
    from tests.conftest import pass_mfa

    return pass_mfa(Client(), user)


COLUMNS = ("scenario", "ratio", "baseline", "queries", "peak_mb", "detail")


def format_table(rows: list[dict]) -> str:
    """One plain-text table, a row per scenario, the columns of ``COLUMNS``."""
    headers = ["scenario", "ratio", "baseline", "queries", "peak MB", "detail"]
    cells = [
        ["" if row.get(key) is None else f"{row[key]}" for key in COLUMNS]
        for row in rows
    ]
    widths = [
        max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
        for i, h in enumerate(headers)
    ]
    widths[-1] = len(headers[-1])  # detail runs free to the end of the line

    def line(values):
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))

    out = [line(headers), "-+-".join("-" * w for w in widths)]
    out += [line(c) for c in cells]
    return "\n".join(out)
