"""Signed pact PDF: template + PDF/A-3b + JSON attachment + seal, per document,
against WeasyPrint rendering the same HTML alone (aim: ratio ≤ 1.3); and the
long-term seal (time-stamp + validation data, PAdES B-LT) against the plain
seal (B-B) (aim: ratio ≤ 1.5).

The time-stamping authority is in-process (certomancer's RFC 3161 responder
with an EC key, behind pyHanko's TimeStamper interface): the bench measures
our work, not a provider's network round trip, which production adds once per
signed pact.

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
    from django.conf import settings
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
    tsa, tsa_pem = _in_process_tsa(folder)
    settings.PACT_TSA_ROOTS = [tsa_pem]

    html = adhesion_html(document)

    def baseline():
        fetcher = LocalOnlyFetcher(allowed_dirs=[font_dir()])
        return HTML(string=html, url_fetcher=fetcher).write_pdf()

    def ours():
        # What render_adhesion_pdf does (template included), with the bench's
        # seal and time-stamping authority: PAdES B-LT.
        pdf = html_to_pdf(adhesion_html(document), data=document.data())
        return seal_pdf(pdf, signer=signer, timestamper=tsa)

    unsealed = html_to_pdf(adhesion_html(document), data=document.data())
    ours(), baseline()  # warm-up: fonts, templates, imports, the TSA's certificate
    times = {name: [] for name in ("base", "ours", "b_b", "b_lt", "check")}
    for _ in range(ROUNDS):
        times["base"].append(_clock(baseline))
        times["ours"].append(_clock(ours))
        times["b_b"].append(
            _clock(lambda: seal_pdf(unsealed, signer=signer, timestamper=None))
        )
        times["b_lt"].append(
            _clock(lambda: seal_pdf(unsealed, signer=signer, timestamper=tsa))
        )
    sealed = ours()
    level = validate_seal(sealed, roots=roots).level
    for _ in range(ROUNDS):
        times["check"].append(_clock(lambda: validate_seal(sealed, roots=roots)))

    tracemalloc.start()
    ours()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    ms = {name: _median_ms(samples) for name, samples in times.items()}
    return [
        {
            "scenario": f"signed pact PDF: render + PDF/A-3b + JSON + seal {level}",
            "ratio": round(ms["ours"] / ms["base"], 2),
            "baseline": "WeasyPrint write_pdf of the same HTML, already rendered",
            "queries": 0,
            "peak_mb": round(peak, 1),
            "detail": (
                f"median of {ROUNDS}: ours {ms['ours']:.0f} ms, WeasyPrint alone "
                f"{ms['base']:.0f} ms; seal validation {ms['check']:.0f} ms; "
                f"{len(sealed):,} bytes"
            ),
        },
        {
            "scenario": f"seal with time-stamp and validation data ({level})",
            "ratio": round(ms["b_lt"] / ms["b_b"], 2),
            "baseline": "the seal without time-stamp (B-B), same key and PDF",
            "queries": 0,
            "peak_mb": None,
            "detail": (
                f"median of {ROUNDS}: {level} {ms['b_lt']:.0f} ms, "
                f"B-B {ms['b_b']:.0f} ms (EC P-256, in-process TSA)"
            ),
        },
    ]


def _clock(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _in_process_tsa(folder: Path):
    """An RFC 3161 authority answering in-process, with an EC P-256 key."""
    import datetime as dt

    from asn1crypto import keys, x509
    from certomancer.services import TimeStamper as Responder
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import TimeStamper

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Bench TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    pem_path = folder / "tsa.pem"
    pem_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    responder = Responder(
        tsa_cert=x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )

    class InProcess(TimeStamper):
        async def async_request_tsa_response(self, req):
            return responder.request_tsa_response(req)

    return InProcess(), pem_path


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
