"""Exporting 1,000 signed pacts as a handover bundle (ZIP).

Time as a ratio against the ``zip`` command-line tool zipping the same files
in the same run. The bundle stores PDFs as they are (their streams are
compressed already), so the like-for-like baseline is ``zip -0``; plain
``zip`` (deflate) is timed too and given in the detail. Ours also hashes
every file and writes the registry CSV/XLSX and the manifest. Memory: tracemalloc
peak and the process's RSS growth while exporting, at 100 and 1,000 PDFs —
flat means the two are about the same (aim: under 150 MB). Reading back with
the strict verifier is compared with ``unzip -t`` (CRC check of every file).

The PDFs are real sealed documents: a few are rendered, then copied so the
bench does not spend minutes in WeasyPrint.

The full export path is measured too: 1,000 signed adhesions in the
database with their PDFs in storage, exported by the background job exactly
as a coordinator's request runs it (query, PDFs streamed from storage, registry
XLSX/CSV, ZIP to a temporary file, copied into the private storage, data-export
log) against ``zip -0 -r`` of the same stored PDFs; memory at 100 and 1,000.

Standalone: ``python bench/bench_export.py`` (needs ``zip`` and ``unzip``).
"""

import datetime as dt
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

DOCUMENTS = int(os.environ.get("BENCH_EXPORT_DOCUMENTS", "1000"))
DISTINCT = 10
ROUNDS = int(os.environ.get("BENCH_EXPORT_ROUNDS", "3"))


def _signed_pdfs(folder: Path, count: int) -> list[Path]:
    from pyhanko.sign.signers import SimpleSigner

    from pact.documents.pdf import render_adhesion_pdf
    from pact.documents.samples import sample_document
    from pact.documents.seal import create_seal_certificate, seal_pdf

    key, cert = folder / "key.pem", folder / "cert.pem"
    create_seal_certificate(key_path=key, cert_path=cert, common_name="Bench")
    signer = SimpleSigner.load(str(key), str(cert))
    originals = [
        seal_pdf(
            render_adhesion_pdf(sample_document(reference=f"ad-{i}"), seal=False),
            signer=signer,
        )
        for i in range(DISTINCT)
    ]
    pdf_dir = folder / "pdf"
    pdf_dir.mkdir()
    paths = []
    for n in range(count):
        path = pdf_dir / f"adesione-ad-{n:05d}.pdf"
        path.write_bytes(originals[n % DISTINCT])
        paths.append(path)
    return paths


def _adhesions(paths):
    from pact.documents.bundle import BundleAdhesion, BundleMember

    signed_at = dt.datetime(2020, 11, 12, 10, 0, tzinfo=dt.UTC)
    digests = {}
    result = []
    for n, path in enumerate(paths):
        data_key = n % DISTINCT
        if data_key not in digests:
            digests[data_key] = hashlib.sha256(path.read_bytes()).hexdigest()
        result.append(
            BundleAdhesion(
                reference=f"ad-{n:05d}",
                member=BundleMember(f"m-{n}", f"Soggetto {n}", "business"),
                network_role_code="nodo",
                network_role_name="Nodo",
                signatory_name="Maria Bianchi",
                signatory_capacity="legale rappresentante",
                signed_at=signed_at + dt.timedelta(days=n),
                method="online",
                sha256=digests[data_key],
            )
        )
    return result


def _export(target: Path, paths, adhesions):
    from pact.documents.bundle import BundlePactVersion, write_bundle_file

    by_reference = {a.reference: p for a, p in zip(adhesions, paths, strict=True)}

    @contextmanager
    def open_pdf(adhesion):
        with open(by_reference[adhesion.reference], "rb") as handle:
            yield handle

    version = BundlePactVersion("Patto", "patto", 1, "0" * 64)
    return write_bundle_file(
        target, pact_version=version, adhesions=adhesions, open_pdf=open_pdf
    )


class _RssPeak:
    """Sample the process's resident memory while something runs."""

    def __init__(self):
        import psutil

        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def _memory(folder, paths, adhesions):
    target = folder / "mem.zip"
    with _RssPeak() as rss:
        _export(target, paths, adhesions)
    tracemalloc.start()
    _export(target, paths, adhesions)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, rss.growth_mb, rss.peak / 2**20


def _registry_only(adhesions):
    from crm.spreadsheets import italian_csv_bytes, xlsx_bytes
    from pact.documents.bundle import registry_table

    headers, rows = registry_table(adhesions)
    italian_csv_bytes(headers, rows)
    xlsx_bytes(headers, rows)


def _zip_cli(folder: Path, target: Path, *options: str) -> None:
    subprocess.run(
        ["zip", "-q", *options, "-r", str(target), "pdf"], cwd=folder, check=True
    )


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run() -> list[dict]:
    return _library_rows() + _full_path_rows()


def _library_rows() -> list[dict]:
    from pact.documents.bundle_reader import read_bundle

    if not (shutil.which("zip") and shutil.which("unzip")):
        raise RuntimeError("bench_export needs zip and unzip (apt-get install zip)")
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        paths = _signed_pdfs(folder, DOCUMENTS)
        adhesions = _adhesions(paths)
        ours_zip, cli_zip = folder / "ours.zip", folder / "cli.zip"
        _export(ours_zip, paths[:10], adhesions[:10])  # warm-up
        runs = {"ours": [], "zip -0": [], "zip": []}
        for _ in range(ROUNDS):  # alternate: the machine's load hits all alike
            for label, options in (("zip", ()), ("zip -0", ("-0",))):
                cli_zip.unlink(missing_ok=True)
                runs[label].append(
                    _timed(lambda o=options: _zip_cli(folder, cli_zip, *o))
                )
            runs["ours"].append(_timed(lambda: _export(ours_zip, paths, adhesions)))
        ours_s, cli_s, deflate_s = (
            statistics.median(runs[k]) for k in ("ours", "zip -0", "zip")
        )
        registry_s = _timed(lambda: _registry_only(adhesions))
        read_s = _timed(lambda: read_bundle(ours_zip))
        unzip_s = _timed(
            lambda: subprocess.run(
                ["unzip", "-tq", str(cli_zip)], check=True, stdout=subprocess.DEVNULL
            )
        )
        small = max(DOCUMENTS // 10, 1)
        small_peak, small_rss, _ = _memory(folder, paths[:small], adhesions[:small])
        peak, rss_growth, rss_total = _memory(folder, paths, adhesions)
        size_mb = ours_zip.stat().st_size / 2**20
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        {
            "scenario": f"handover bundle of {DOCUMENTS} signed PDFs",
            "ratio": round(ours_s / cli_s, 2),
            "baseline": "zip -0 -r of the same PDFs (stored, like the bundle's PDFs)",
            "queries": None,
            "peak_mb": round(peak, 1),
            "detail": (
                f"median of {ROUNDS}: ours {ours_s:.2f} s ({size_mb:.1f} MB, with "
                f"SHA-256 of every file, manifest, registry CSV/XLSX - the registry "
                f"alone {registry_s:.2f} s), zip -0 "
                f"{cli_s:.2f} s, zip (deflate) {deflate_s:.2f} s = ratio "
                f"{ours_s / deflate_s:.2f}; tracemalloc peak {small_peak:.1f} MB at "
                f"{small} PDFs vs {peak:.1f} MB at {DOCUMENTS}; RSS growth "
                f"{small_rss:.1f} MB vs {rss_growth:.1f} MB (process RSS "
                f"{rss_total:.0f} MB)"
            ),
        },
        {
            "scenario": f"verify a bundle of {DOCUMENTS} signed PDFs",
            "ratio": round(read_s / unzip_s, 2),
            "baseline": "unzip -tq (CRC check) of the zip -0 archive",
            "queries": None,
            "peak_mb": None,
            "detail": f"strict reader (names, sizes, manifest, SHA-256 of every "
            f"file) {read_s:.2f} s, unzip -t {unzip_s:.2f} s",
        },
    ]


# --- the full export path: database, storage, background job -----------------


def _seed_signed(pdfs: list[bytes], count: int):
    """``count`` signed adhesions of one open version, PDFs in storage."""
    import uuid

    from django.db import transaction

    from crm.models import Member, MemberKind, Municipality, Person
    from pact.documents.chain import GENESIS
    from pact.models import Adhesion, AdhesionStatus, Pact
    from pact.models.storage import private_storage

    storage = private_storage()
    from pact.services import (
        article_save,
        network_role_save,
        pact_version_create,
        pact_version_open,
        pact_version_update,
    )

    with transaction.atomic():
        pact = Pact.objects.create(title="Patto (bench)", slug=f"bench-{uuid.uuid4()}")
        version = pact_version_create(pact=pact)
        pact_version_update(version=version, effective_date=dt.date(2020, 11, 4))
        article_save(version=version, title="Finalità", body="<p>Rete.</p>")
        role = network_role_save(
            version=version, code="nodo", name="Nodo", description="Servizi."
        )
        version = pact_version_open(version=version)
        town = Municipality.objects.filter(is_piana=True).first()
        kinds = [MemberKind.FAMILY, MemberKind.THIRD_SECTOR, MemberKind.BUSINESS]
        members = Member.objects.bulk_create(
            Member(kind=kinds[n % 3], name=f"Soggetto {n}", municipality=town)
            for n in range(count)
        )
        people = Person.objects.bulk_create(
            Person(first_name="Maria", last_name=f"Bianchi {n}") for n in range(count)
        )
        signed_at = dt.datetime(2020, 11, 12, 10, 0, tzinfo=dt.UTC)
        adhesions, previous = [], GENESIS
        for n in range(count):
            # Unique bytes per document: its SHA-256 is its identity.
            data = pdfs[n % len(pdfs)] + f"\n% copy {n}\n".encode()
            ref = uuid.uuid4()
            name = storage.save(
                f"pacts/signed/{version.pk}/adesione-{ref}.pdf", _content(data)
            )
            digest = hashlib.sha256(data).hexdigest()
            adhesions.append(
                Adhesion(
                    uuid=ref,
                    version=version,
                    member=members[n],
                    network_role=role,
                    status=AdhesionStatus.SIGNED,
                    signatory=people[n],
                    signatory_capacity="legal_representative",
                    signature_method="online",
                    signed_at=signed_at + dt.timedelta(days=n),
                    document=name,
                    document_sha256=digest,
                    previous_sha256=previous,
                    chain_position=n + 1,
                    short_code=f"LIF-B{n:05d}",
                )
            )
            previous = digest
        Adhesion.objects.bulk_create(adhesions, batch_size=500)
    return version, Path(storage.path(f"pacts/signed/{version.pk}"))


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def _run_job(filters, user=None):
    from pact.services import exports

    job = exports.export_job_create(by=user, filters=filters)
    job = exports.export_job_run(job_id=job.pk)
    if job.status != "done":
        raise RuntimeError(f"export failed: {job.error}")
    job.file.delete(save=False)  # keep the disk free across rounds
    return job


def _registry_of(filters) -> None:
    from crm.spreadsheets import italian_csv_bytes, xlsx_bytes
    from pact.services import exports

    labels = exports._Labels()
    rows = [exports.registry_row(r, labels) for r in exports.export_rows(filters)]
    headers = exports.registry_headers()
    italian_csv_bytes(headers, rows)
    xlsx_bytes(headers, rows)


def _job_memory(filters) -> tuple[float, float]:
    with _RssPeak() as rss:
        _run_job(filters)
    tracemalloc.start()
    _run_job(filters)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, rss.growth_mb


def _full_path_rows() -> list[dict]:
    import common
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from pact.services.exports import ExportFilters

    common.setup_django()
    folder = Path(tempfile.mkdtemp(prefix="bench-export-job-"))
    try:
        with override_settings(
            MEDIA_ROOT=folder / "media", PRIVATE_MEDIA_ROOT=folder / "private"
        ):
            originals = [p.read_bytes() for p in _signed_pdfs(folder, DISTINCT)]
            version, stored = _seed_signed(originals, DOCUMENTS)
            every = ExportFilters(version=version.pk)
            small_to = dt.date(2020, 11, 12) + dt.timedelta(
                days=max(DOCUMENTS // 10, 1) - 1
            )
            small = ExportFilters(version=version.pk, signed_to=small_to)
            _run_job(small)  # warm-up
            runs = {"ours": [], "zip -0": []}
            cli_zip = folder / "cli.zip"
            for _ in range(ROUNDS):
                cli_zip.unlink(missing_ok=True)
                runs["zip -0"].append(
                    _timed(
                        lambda: subprocess.run(
                            ["zip", "-q", "-0", "-r", str(cli_zip), "."],
                            cwd=stored,
                            check=True,
                        )
                    )
                )
                runs["ours"].append(_timed(lambda: _run_job(every)))
            with CaptureQueriesContext(connection) as queries:
                job = _run_job(every)
            small_count = _run_job(small).total
            small_peak, small_rss = _job_memory(small)
            peak, rss_growth = _job_memory(every)
            ours_s, cli_s = (statistics.median(runs[k]) for k in ("ours", "zip -0"))
            registry_s = _timed(lambda: _registry_of(every))
            size_mb = job.file_size / 2**20  # recorded before the file went
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        {
            "scenario": f"export job of {job.total} signed pacts (DB + storage)",
            "ratio": round(ours_s / cli_s, 2),
            "baseline": "zip -0 -r of the same stored PDFs",
            "queries": len(queries.captured_queries),
            "peak_mb": round(peak, 1),
            "detail": (
                f"median of {ROUNDS}: job {ours_s:.2f} s ({size_mb:.1f} MB: query, "
                f"PDFs streamed from storage with SHA-256 check, registry XLSX/CSV, "
                f"copy into private storage, export log; the registry alone "
                f"{registry_s:.2f} s), zip -0 {cli_s:.2f} s; "
                f"tracemalloc peak {small_peak:.1f} MB at {small_count} PDFs vs "
                f"{peak:.1f} MB at {job.total}; RSS growth {small_rss:.1f} MB vs "
                f"{rss_growth:.1f} MB"
            ),
        }
    ]


def _standalone():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import logging

    import common

    common.setup_django()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    for row in run():
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    _standalone()
