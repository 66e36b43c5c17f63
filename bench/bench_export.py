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
                signed_at=signed_at + dt.timedelta(minutes=n),
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


def _standalone():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    for row in run():
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    _standalone()
