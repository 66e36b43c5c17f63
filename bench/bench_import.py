"""Importing 10,000 rows against a raw ``bulk_create`` of the same members,
and against the same ``MemberResource`` run with the library's default settings.

Both run in the same process on the same database, each inside a transaction
that is rolled back, so the benchmark leaves no data behind and can run again.
Memory is measured in a separate pass: tracemalloc slows the code it watches.

Standalone: ``DATABASE_URL=... python bench/bench_import.py`` (migrates first).
"""

import os
import sys
import time
import tracemalloc
from pathlib import Path

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "3"))
COMUNI = ["Lucca", "Capannori", "Altopascio", "Porcari", "Montecarlo", "Pescaglia"]
TOPICS = ["Nido d'infanzia", "Doposcuola", "Centri estivi", "Babysitting"]


class _Rollback(Exception):
    pass


def partita_iva(n: int) -> str:
    """A valid partita IVA built from ``n`` (Luhn-style check digit)."""
    base = f"{n:07d}" + "046"  # Lucca's office code
    total = 0
    for i, ch in enumerate(base):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return base + str((10 - total % 10) % 10)


def generated_rows(count: int = ROWS) -> list[list[str]]:
    rows = []
    for n in range(count):
        comune, topic = COMUNI[n % len(COMUNI)], TOPICS[n % len(TOPICS)]
        phone = f"333{n:07d}"
        if n % 10 < 7:
            rows.append(
                [
                    "famiglia",
                    f"Famiglia Bench {n}",
                    "aderente",
                    comune,
                    "",
                    "",
                    f"famiglia{n}@bench.example",
                    phone,
                    "15/01/2025",
                    topic,
                    "",
                    "Anna",
                    f"Bench{n}",
                    f"anna{n}@bench.example",
                    "genitore",
                ]
            )
        else:
            rows.append(
                [
                    "impresa",
                    f"Impresa Bench {n} srl",
                    "aderente",
                    comune,
                    "",
                    partita_iva(n),
                    f"info{n}@bench.example",
                    phone,
                    "15/01/2025",
                    "",
                    topic,
                    "Marco",
                    f"Bench{n}",
                    f"marco{n}@bench.example",
                    "legale rappresentante",
                ]
            )
    return rows


HEADERS = [
    "Tipo",
    "Nome",
    "Stato",
    "Comune",
    "Codice fiscale",
    "Partita IVA",
    "E-mail",
    "Telefono",
    "Data adesione",
    "Esigenze",
    "Offerte",
    "Referente nome",
    "Referente cognome",
    "Referente e-mail",
    "Ruolo referente",
]


def _timed(fn, repeat: int = REPEAT):
    """Best wall and CPU seconds of ``repeat`` runs, each rolled back; queries
    (counted, not logged: the query log keeps only the last 9,000)."""
    from django.db import connection, transaction

    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        count = [0]

        def counted(execute, *args, count=count):
            count[0] += 1
            return execute(*args)

        with connection.execute_wrapper(counted):
            try:
                with transaction.atomic():
                    wall, cpu = time.perf_counter(), time.process_time()
                    value = fn()
                    wall = time.perf_counter() - wall
                    cpu = time.process_time() - cpu
                    raise _Rollback
            except _Rollback:
                pass
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu, count[0], value


def _peak_mb(fn) -> float:
    from django.db import transaction

    tracemalloc.start()
    try:
        with transaction.atomic():
            fn()
            raise _Rollback
    except _Rollback:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return round(peak / 2**20, 1)


class _Sized:
    """The member import's resource as a plain call: dataset in, result out."""

    def __init__(self, content, resource_class=None):
        from crm.importing import dataset_for, is_header, read_spreadsheet

        sheet = read_spreadsheet(content, "bench.csv", is_header=is_header)
        self.dataset, self.headers, _ignored, problems = dataset_for(sheet)
        assert not problems, problems
        self.resource_class = resource_class

    def __call__(self, *, dry_run=False):
        from crm.importing import MemberResource, run_import

        resource = (self.resource_class or MemberResource)(file_headers=self.headers)
        result = run_import(resource, self.dataset, dry_run=dry_run)
        assert not result.has_validation_errors(), result.invalid_rows[:3]
        return resource


def default_settings_resource():
    """The same resource with the library's defaults: a savepoint and a
    ``save()`` per row (history by signal), no bulk, HTML diffs computed."""
    from crm.importing import MemberResource

    class DefaultSettings(MemberResource):
        class Meta(MemberResource.Meta):
            use_bulk = False
            skip_html_diff = False

    return DefaultSettings


def run() -> list[dict]:
    from crm.importing import preview
    from crm.models import Member, MemberSource
    from crm.services import members_import
    from crm.spreadsheets import italian_csv_bytes

    content = italian_csv_bytes(HEADERS, generated_rows())
    resource = _Sized(content)(dry_run=True)
    validated = [
        dict(line.instance.__dict__)
        for line in resource.lines
        if line.first == line.row
    ]
    assert len(validated) == ROWS, len(validated)

    def baseline():
        members = []
        for state in validated:
            member = Member()
            member.__dict__.update(state)
            member.pk, member.source = None, MemberSource.IMPORT
            members.append(member)
        return Member.objects.bulk_create(members, batch_size=500)

    def importer():
        return members_import(content=content, filename="bench.csv")

    ours = _Sized(content)
    library_defaults = _Sized(content, default_settings_resource())
    base_s, base_cpu, base_q, _ = _timed(baseline)
    imp_s, imp_cpu, imp_q, result = _timed(importer)
    our_s, our_cpu, our_q, _ = _timed(ours)
    dry_s, dry_cpu, dry_q, _ = _timed(lambda: preview(content, "bench.csv"))
    def_s, def_cpu, def_q, _ = _timed(library_defaults, repeat=1)
    assert result.members_created == ROWS, result.summary()
    peak = _peak_mb(importer)
    dry_peak = _peak_mb(lambda: preview(content, "bench.csv"))
    baseline_name = "Member.objects.bulk_create of the same validated rows"
    return [
        {
            "scenario": f"import {ROWS:,} rows (CSV, commit)",
            "ratio": round(imp_cpu / base_cpu, 2),
            "baseline": baseline_name,
            "queries": imp_q,
            "peak_mb": peak,
            "detail": (
                f"CPU-time ratio (target ≤ 4); wall ratio {imp_s / base_s:.2f}; "
                f"{ROWS / imp_s:,.0f} rows/s vs {ROWS / base_s:,.0f} rows/s; best "
                f"of {REPEAT}; also writes {result.people_created:,} people, "
                f"{result.affiliations_created:,} roles, history rows; baseline "
                f"{base_q} queries"
            ),
        },
        {
            "scenario": f"import {ROWS:,} rows, library defaults (row by row)",
            "ratio": round(def_cpu / our_cpu, 2),
            "baseline": "the same MemberResource with use_bulk (ours)",
            "queries": def_q,
            "peak_mb": None,
            "detail": (
                f"CPU-time ratio defaults / ours (target ≥ 3); wall ratio "
                f"{def_s / our_s:.2f}; {ROWS / def_s:,.0f} rows/s (one run) vs "
                f"{ROWS / our_s:,.0f}; ours {our_q} queries; the people stage "
                f"is bulk in both"
            ),
        },
        {
            "scenario": f"dry run {ROWS:,} rows (preview)",
            "ratio": round(dry_cpu / imp_cpu, 2),
            "baseline": "the commit above (target ≤ 2)",
            "queries": dry_q,
            "peak_mb": dry_peak,
            "detail": (
                f"{ROWS / dry_s:,.0f} rows/s; CPU-time ratio to bulk_create "
                f"{dry_cpu / base_cpu:.2f}"
            ),
        },
    ]


def _standalone():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-import.sqlite3")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    for row in run():
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    _standalone()
