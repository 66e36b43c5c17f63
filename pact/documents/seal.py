"""The network's electronic seal (PAdES, pyHanko, EC P-256).

The key and certificate are PEM files named by the ``PACT_SEAL_KEY`` and
``PACT_SEAL_CERT`` settings (default: ``seal/seal-key.pem`` and
``seal/seal-cert.pem`` beside ``MEDIA_ROOT``). Documents are sealed only when
both files exist; ``manage.py create_seal_certificate`` makes a self-signed
pair for demos.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

SEAL_FIELD = "SigilloRete"


class SealNotConfigured(Exception):
    """Sealing was required but no key and certificate are set up."""


@dataclass(frozen=True)
class SealPaths:
    key: Path
    cert: Path

    def exist(self) -> bool:
        return self.key.is_file() and self.cert.is_file()


def seal_paths() -> SealPaths:
    """Where the seal's key and certificate live, from settings."""
    default_dir = Path(settings.MEDIA_ROOT).parent / "seal"
    return SealPaths(
        key=Path(getattr(settings, "PACT_SEAL_KEY", default_dir / "seal-key.pem")),
        cert=Path(getattr(settings, "PACT_SEAL_CERT", default_dir / "seal-cert.pem")),
    )


def seal_configured() -> bool:
    return seal_paths().exist()


@functools.lru_cache(maxsize=4)
def _signer(key: Path, cert: Path, key_mtime: float, cert_mtime: float):
    # Cached per file version: parsing the key costs more than signing with it.
    return signers.SimpleSigner.load(str(key), str(cert))


def _configured_signer():
    paths = seal_paths()
    if not paths.exist():
        raise SealNotConfigured(
            f"No seal configured: {paths.key} and {paths.cert} must both exist."
        )
    return _signer(
        paths.key, paths.cert, paths.key.stat().st_mtime, paths.cert.stat().st_mtime
    )


def seal_pdf(pdf: bytes, *, signer=None, reason: str = "", location: str = "") -> bytes:
    """Seal ``pdf`` (PAdES baseline, invisible) and return the final bytes."""
    signer = signer or _configured_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason or "Sigillo elettronico della rete",
        location=location or "Lucca",
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


@dataclass(frozen=True)
class SealStatus:
    """What the seal of a PDF says. ``ok`` is what genuineness needs."""

    present: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signed_at: dt.datetime | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.valid and self.whole_file


def trust_roots() -> list:
    cert = seal_paths().cert
    return [load_cert_from_pemder(str(cert))] if cert.is_file() else []


def validate_seal(pdf: bytes, *, roots=None) -> SealStatus:
    """Check every signature in ``pdf``; the document is only as good as the worst.

    ``trusted`` says the signer chains to ``roots`` (default: the configured
    certificate); a receiving instance without it still sees ``intact``.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises many kinds on a broken file
        return SealStatus(present=False, problem=f"unreadable PDF: {exc}")
    if not signatures:
        return SealStatus(present=False)
    roots = trust_roots() if roots is None else roots
    statuses = []
    for signature in signatures:
        try:
            statuses.append(_validate_one(signature, roots))
        except (PdfError, ValueError, KeyError) as exc:
            return SealStatus(present=True, problem=str(exc))
    return min(statuses, key=lambda s: (s.intact, s.valid, s.whole_file, s.trusted))


def _validate_one(signature, roots) -> SealStatus:
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    return SealStatus(
        present=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
    )


def create_seal_certificate(
    *,
    key_path: Path,
    cert_path: Path,
    common_name: str,
    organisation: str = "",
    days: int = 3650,
    serial_number: str = "",
) -> str:
    """Write a new EC P-256 key and a self-signed certificate; return its SHA-256.

    Meant for demos and tests: production uses a certificate from a trust
    service provider, placed at the same paths. ``serial_number`` is the
    subject's serialNumber, as Italian personal certificates carry the codice
    fiscale (``TINIT-…``).
    """
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if organisation:
        attributes.insert(
            1, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)
        )
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    name = x509.Name(attributes)
    now = dt.datetime.now(dt.UTC)
    usage = dict.fromkeys(
        (
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_cert_sign=True,
                crl_sign=True,
                **usage,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The key is readable by its owner only, from the moment it exists.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert.fingerprint(hashes.SHA256()).hex()
