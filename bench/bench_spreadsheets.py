"""Exporting a list of 100,000 rows as XLSX and Italian CSV, streamed.

Two lists: people through their Resource (``crm.spreadsheets``), and members
through the registry's “members” entry (today the member exporter of
``crm.importing``, one row per member and affiliation). Each is written to a
temporary file exactly as ``export_data`` and the admin's download write it.

- Memory: tracemalloc peak and the process's RSS growth at 10,000 and
  100,000 rows. Streamed means flat: the ratio 100k/10k stays near 1, where
  an export held in memory would grow tenfold.
- Time: against a plain ``csv.writer`` over the same queryset (the same
  joins and prefetches, read in the same chunks, raw attribute values), in
  the same run; the detail also compares with the barest export, a
  ``values_list`` into ``csv.writer``. Ours renders each cell the Italian way
  (phones, dates, choice labels), neutralises formulas and, for XLSX, zips
  the workbook.
- Queries: the number a whole export reads, at both sizes (flat: chunks of
  1,000 rows, prefetches per chunk).

Standalone: ``python bench/bench_spreadsheets.py``; ``BENCH_SHEET_ROWS``
changes the large size (the small one is a tenth of it).
"""

import csv
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROWS = int(os.environ.get("BENCH_SHEET_ROWS", "100000"))
SMALL = ROWS // 10


def _seed(count: int) -> None:
    """``count`` families, each with its guardian: people and members both."""
    from crm.models import Affiliation, Member, Municipality, Person

    if Person.objects.filter(email__startswith="sheet").count() >= count:
        return
    lucca = Municipality.objects.get(name="Lucca")
    batch = 5000
    for start in range(0, count, batch):
        numbers = range(start, min(start + batch, count))
        people = Person.objects.bulk_create(
            Person(
                first_name="Anna",
                last_name=f"Foglio {n}",
                email=f"sheet{n}@bench.example",
                phone=f"+39333{n:07d}",
            )
            for n in numbers
        )
        members = Member.objects.bulk_create(
            Member(
                kind="family",
                name=f"Famiglia Foglio {n}",
                status="active",
                municipality=lucca,
                email=f"casa{n}@bench.example",
            )
            for n in numbers
        )
        Affiliation.objects.bulk_create(
            Affiliation(person=p, member=m, role="guardian")
            for p, m in zip(people, members, strict=True)
        )


def _lists(size: int):
    """The first ``size`` people and members, as querysets an admin filter gives."""
    from crm.models import Member, Person

    people = Person.objects.filter(email__startswith="sheet").order_by("pk")
    members = Member.objects.filter(email__startswith="casa").order_by("pk")
    last_person = people.values_list("pk", flat=True)[size - 1]
    last_member = members.values_list("pk", flat=True)[size - 1]
    return {
        "people": people.filter(pk__lte=last_person),
        "members": members.filter(pk__lte=last_member),
    }


def _ours(name, queryset, fmt, target: Path) -> None:
    from crm.spreadsheets import files, registry
    from crm.spreadsheets.exporting import table

    headers, rows = table(registry.get(name), queryset)
    with target.open("wb") as out:
        files.write(fmt, headers, rows, out)


_FIELDS = {
    "people": ("pk", "first_name", "last_name", "email", "phone", "codice_fiscale"),
    "members": ("kind", "name", "status", "email", "phone", "notes"),
}


def _baseline(name, queryset, target: Path) -> None:
    """A plain ``csv.writer`` over the same queryset, joins and prefetches as
    ours: raw attribute values, no Italian rendering, no workbook."""
    from crm.importing.exporting import members_for_export
    from crm.spreadsheets.resources import PersonResource

    fields = _FIELDS[name]
    if name == "people":
        objects = PersonResource().for_export(queryset)
    else:
        objects = members_for_export(queryset)
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        for obj in objects.iterator(chunk_size=500):
            links = obj.affiliations.all()
            writer.writerow([getattr(obj, f) for f in fields] + [len(links)])


def _values_baseline(name, queryset, target: Path) -> None:
    """The barest export: ``values_list`` tuples straight into ``csv.writer``."""
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        for row in queryset.values_list(*_FIELDS[name]).iterator(chunk_size=1000):
            writer.writerow(row)


def _measured(fn) -> tuple[float, int, float]:
    """(seconds, queries, RSS growth MB) of one call of ``fn``."""
    from bench_export import _RssPeak
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with _RssPeak() as rss, CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
    return seconds, len(queries.captured_queries), rss.growth_mb


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _traced_peak(fn) -> float:
    """tracemalloc's peak while ``fn`` runs, in MB (slows ``fn`` down)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _scenario(name, fmt, small, large, folder: Path) -> dict:
    target = folder / f"{name}.{fmt}"
    base = folder / f"{name}-baseline.csv"

    def ours(queryset):
        _ours(name, queryset, fmt, target)

    _s, q_small, rss_small = _measured(lambda: ours(small))
    ours_s, q_large, rss_large = _measured(lambda: ours(large))
    base_s = _seconds(lambda: _baseline(name, large, base))
    bare_s = _seconds(lambda: _values_baseline(name, large, base))
    peak_small = _traced_peak(lambda: ours(small))
    peak_large = _traced_peak(lambda: ours(large))
    return {
        "scenario": f"export {ROWS:,} {name} as {fmt.upper()}",
        "ratio": round(ours_s / base_s, 1),
        "baseline": "csv.writer, same queryset",
        "queries": f"{q_small} at {SMALL:,} / {q_large} at {ROWS:,}",
        "peak_mb": round(peak_large, 1),
        "detail": (
            f"{ours_s:.1f} s vs {base_s:.1f} s (×{ours_s / bare_s:.0f} a "
            f"values_list csv.writer); tracemalloc peak {peak_small:.1f} MB at "
            f"{SMALL:,} vs {peak_large:.1f} MB at {ROWS:,} "
            f"(×{peak_large / peak_small:.2f}); RSS growth {rss_small:.0f} MB vs "
            f"{rss_large:.0f} MB; file {target.stat().st_size / 2**20:.1f} MB"
        ),
    }


def run() -> list[dict]:
    _seed(ROWS)
    small, large = _lists(SMALL), _lists(ROWS)
    with tempfile.TemporaryDirectory() as folder:
        return [
            _scenario(name, fmt, small[name], large[name], Path(folder))
            for name in ("people", "members")
            for fmt in ("xlsx", "csv")
        ]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common

    common.setup_django()
    print(common.format_table(run()))
