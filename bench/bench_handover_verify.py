"""Verifying a received handover bundle of 1,000 signed pacts, opening every PDF.

The whole check that ``verify_bundle`` and ``import_handover`` run (strict
reader, manifest seal, register chain, then every PDF through the one
verifier: seal intact, whole file, trusted certificate, embedded data equal to
the manifest) against ``unzip -t`` of the same file (a CRC check of every
entry) in the same run. Memory: tracemalloc peak and RSS growth at 100 and at
1,000 PDFs (flat means one PDF at a time).

The bundle is real: distinct sealed documents whose embedded data is each
manifest entry's, a register of 1,000 links and a sealed manifest. One pact
is rendered with WeasyPrint; each document is that PDF with its own embedded
data (an incremental update) and its own seal, so building takes about a
minute rather than seven.

Standalone: ``python bench/bench_handover_verify.py`` (needs ``unzip``).
"""

import datetime as dt
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

DOCUMENTS = int(os.environ.get("BENCH_VERIFY_DOCUMENTS", "1000"))
ROUNDS = int(os.environ.get("BENCH_VERIFY_ROUNDS", "1"))


def _with_data(pdf: bytes, data: dict) -> bytes:
    """``pdf`` with its embedded JSON replaced (an incremental update)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from pact.documents.pdf import ATTACHMENT_NAME
    from pact.documents.verify import _name_tree_lookup

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    spec = _name_tree_lookup(writer.root["/Names"]["/EmbeddedFiles"], ATTACHMENT_NAME)
    stream = generic.StreamObject(
        {generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile")},
        stream_data=json.dumps(data, ensure_ascii=False).encode("utf-8"),
    )
    ref = writer.add_object(stream)
    spec["/EF"][generic.NameObject("/F")] = ref
    spec["/EF"][generic.NameObject("/UF")] = ref
    writer.update_container(spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _build(folder: Path, count: int):
    """A sealed bundle of ``count`` documents; returns (path, trusted roots)."""
    import dataclasses

    from pyhanko.sign.signers import SimpleSigner

    from pact.documents import context
    from pact.documents import register as chain
    from pact.documents.bundle import (
        BundleAdhesion,
        BundleMember,
        BundlePactVersion,
        write_bundle_file,
    )
    from pact.documents.bundle_check import canonical_entry
    from pact.documents.manifest_seal import load_certificate, seal_digest
    from pact.documents.pdf import render_adhesion_pdf
    from pact.documents.samples import sample_document
    from pact.documents.seal import create_seal_certificate, seal_pdf
    from pact.documents.verify import sha256_hex

    key, cert = folder / "key.pem", folder / "cert.pem"
    create_seal_certificate(key_path=key, cert_path=cert, common_name="Bench")
    signer = SimpleSigner.load(str(key), str(cert))
    base = sample_document()
    unsealed = render_adhesion_pdf(base, seal=False)
    version = BundlePactVersion(
        "Patto", base.pact.slug, base.pact.version_number, base.pact.text_sha256
    )
    signed_at = dt.datetime(2020, 11, 12, 10, 0, tzinfo=dt.UTC)
    pdf_dir = folder / "pdf"
    pdf_dir.mkdir()
    adhesions, previous = [], chain.GENESIS
    for n in range(count):
        member = BundleMember(f"m-{n}", f"Soggetto {n}", "business", "", f"{n:011d}")
        document = dataclasses.replace(
            base,
            reference=f"ad-{n:05d}",
            short_code=f"LIF-B{n:05d}",
            member=context.Party(
                f"m-{n}", member.name, member.kind, partita_iva=member.partita_iva
            ),
            signatory=context.Signatory("Maria Bianchi", "legale rappresentante"),
            evidence=context.Evidence("online", signed_at + dt.timedelta(hours=n)),
            commitments=(context.Commitment("Doposcuola il martedì."),),
            previous_sha256=previous,
        )
        pdf = seal_pdf(_with_data(unsealed, document.data()), signer=signer)
        path = pdf_dir / f"ad-{n:05d}.pdf"
        path.write_bytes(pdf)
        adhesions.append(
            BundleAdhesion(
                reference=document.reference,
                member=member,
                network_role_code=base.network_role.code,
                network_role_name=base.network_role.name,
                signatory_name="Maria Bianchi",
                signatory_capacity="legale rappresentante",
                signed_at=document.evidence.signed_at,
                method="online",
                sha256=sha256_hex(pdf),
                short_code=document.short_code,
                previous_sha256=previous,
                commitments=("Doposcuola il martedì.",),
            )
        )
        previous = adhesions[-1].sha256
    links = chain.build_links(canonical_entry(version, a) for a in adhesions)
    register = {
        "length": len(links),
        "head": chain.head_of(links),
        "links": [link.to_manifest() for link in links],
    }

    @contextmanager
    def open_pdf(adhesion):
        with open(pdf_dir / f"{adhesion.reference}.pdf", "rb") as handle:
            yield handle

    target = folder / f"bundle-{count}.zip"
    write_bundle_file(
        target,
        pact_version=version,
        adhesions=adhesions,
        open_pdf=open_pdf,
        register=register,
        seal=lambda digest: seal_digest(digest, signer=signer),
    )
    return target, [load_certificate(cert.read_bytes())]


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _checked(path, roots) -> tuple[float, float]:
    """Seconds for the whole check, which must pass; RSS growth sampled."""
    from bench_export import _RssPeak

    from pact.documents.bundle_check import check_bundle

    with _RssPeak() as rss:
        seconds = _timed(lambda: check_bundle(path, roots=roots))
    return seconds, rss.growth_mb


def _traced_peak(path, roots) -> float:
    from pact.documents.bundle_check import check_bundle

    tracemalloc.start()
    check_bundle(path, roots=roots)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def run() -> list[dict]:
    if not shutil.which("unzip"):
        raise RuntimeError("bench_handover_verify needs unzip (apt-get install unzip)")
    folder = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    try:
        small_count = max(DOCUMENTS // 10, 1)
        (folder / "small").mkdir()
        small, small_roots = _build(folder / "small", small_count)
        path, roots = _build(folder, DOCUMENTS)
        _checked(small, small_roots)  # warm-up
        runs, growth = {"ours": [], "unzip": []}, []
        for _ in range(ROUNDS):
            runs["unzip"].append(
                _timed(
                    lambda: subprocess.run(
                        ["unzip", "-tq", str(path)],
                        check=True,
                        stdout=subprocess.DEVNULL,
                    )
                )
            )
            seconds, rss = _checked(path, roots)
            runs["ours"].append(seconds)
            growth.append(rss)
        ours_s, unzip_s = (statistics.median(runs[k]) for k in ("ours", "unzip"))
        small_rss = _checked(small, small_roots)[1]
        small_peak, peak = _traced_peak(small, small_roots), _traced_peak(path, roots)
        rss = max(growth)
        size_mb = path.stat().st_size / 2**20
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        {
            "scenario": f"verify a sealed bundle of {DOCUMENTS} PDFs, opening each",
            "ratio": round(ours_s / unzip_s, 1),
            "baseline": "unzip -tq (CRC check) of the same bundle",
            "queries": None,
            "peak_mb": round(peak, 1),
            "detail": (
                f"median of {ROUNDS}: ours {ours_s:.2f} s "
                f"({ours_s / DOCUMENTS * 1000:.1f} ms a PDF; {size_mb:.1f} MB: "
                f"manifest seal, register of {DOCUMENTS} links, every PDF's seal, "
                f"trust and embedded data), unzip -t {unzip_s:.2f} s; "
                f"tracemalloc peak {small_peak:.1f} MB at {small_count} PDFs vs "
                f"{peak:.1f} MB at {DOCUMENTS}; RSS growth {small_rss:.1f} MB vs "
                f"{rss:.1f} MB"
            ),
        }
    ]


def _standalone():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common

    common.setup_django()
    print(common.format_table(run()))


if __name__ == "__main__":
    _standalone()
