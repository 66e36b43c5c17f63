"""Signed pact PDF: template + PDF/A-3b + JSON attachment + seal, per document,
against WeasyPrint rendering the same HTML alone (aim: ratio ≤ 1.3).

Both sides run in the same process, alternating, after a warm-up; medians are
compared. Memory is measured in a separate pass (tracemalloc slows the code).

Standalone: ``python bench/bench_pdf.py``.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_PDF_ROUNDS", "8"))


def _median_ms(samples):
    return statistics.median(samples) * 1000


def run() -> list[dict]:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.sign.signers import SimpleSigner
    from weasyprint import HTML

    from pact.documents.pdf import (
        LocalOnlyFetcher,
        adhesion_html,
        font_dir,
        html_to_pdf,
    )
    from pact.documents.samples import sample_document
    from pact.documents.seal import create_seal_certificate, seal_pdf, validate_seal

    document = sample_document()
    folder = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    key, cert = folder / "key.pem", folder / "cert.pem"
    create_seal_certificate(key_path=key, cert_path=cert, common_name="Bench")
    signer = SimpleSigner.load(str(key), str(cert))
    roots = [load_cert_from_pemder(str(cert))]

    html = adhesion_html(document)

    def baseline():
        fetcher = LocalOnlyFetcher(allowed_dirs=[font_dir()])
        return HTML(string=html, url_fetcher=fetcher).write_pdf()

    def ours():
        # What render_adhesion_pdf does (template included), with the bench's seal.
        pdf = html_to_pdf(adhesion_html(document), data=document.data())
        return seal_pdf(pdf, signer=signer)

    ours(), baseline()  # warm-up: fonts, templates, imports
    base_t, ours_t, seal_t, check_t = [], [], [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        baseline()
        base_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        sealed = ours()
        ours_t.append(time.perf_counter() - start)
        unsealed = html_to_pdf(adhesion_html(document), data=document.data())
        start = time.perf_counter()
        seal_pdf(unsealed, signer=signer)
        seal_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        validate_seal(sealed, roots=roots)
        check_t.append(time.perf_counter() - start)

    tracemalloc.start()
    ours()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    base_ms, ours_ms = _median_ms(base_t), _median_ms(ours_t)
    return [
        {
            "scenario": "signed pact PDF: render + PDF/A-3b + JSON + seal",
            "ratio": round(ours_ms / base_ms, 2),
            "baseline": "WeasyPrint write_pdf of the same HTML, already rendered",
            "queries": None,
            "peak_mb": round(peak, 1),
            "detail": (
                f"median of {ROUNDS}: ours {ours_ms:.0f} ms, WeasyPrint alone "
                f"{base_ms:.0f} ms; seal (EC P-256) {_median_ms(seal_t):.0f} ms, "
                f"seal validation {_median_ms(check_t):.0f} ms; {len(sealed):,} bytes"
            ),
        }
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
