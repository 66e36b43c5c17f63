"""The network's electronic seal: PAdES with pyHanko, trusted roots, levels.

The seal's key and certificate come from a PKCS#12 file (``PACT_SEAL_PKCS12``
and ``PACT_SEAL_PKCS12_PASSPHRASE``, production) or from two PEM files
(``PACT_SEAL_KEY``, ``PACT_SEAL_CERT``; ``manage.py create_seal_certificate``
makes a self-signed pair for demos). Documents are sealed only when one of
the two is set up.

With ``PACT_TSA_URL`` the seal carries an RFC 3161 time-stamp (PAdES B-T) and
the validation data of the certificates involved (B-LT), so it can be checked
after the certificate has expired. A seal is trusted only when its
certificate chains to the instance's own seal certificate or to one of the
certificates listed in ``PACT_TRUST_ROOTS``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import DocumentMetadata
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import constants
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    SigDSSPlacementPreference,
)
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

SEAL_FIELD = "SigilloRete"
B_B, B_T, B_LT = "B-B", "B-T", "B-LT"
LEVELS = {"": 0, B_B: 1, B_T: 2, B_LT: 3}
log = logging.getLogger(__name__)


class SealNotConfigured(Exception):
    """Sealing was required but no key and certificate are set up."""


@dataclass(frozen=True)
class SealPaths:
    key: Path
    cert: Path

    def exist(self) -> bool:
        return self.key.is_file() and self.cert.is_file()


def seal_paths() -> SealPaths:
    """Where the seal's PEM key and certificate live, from settings."""
    default_dir = Path(settings.MEDIA_ROOT).parent / "seal"
    return SealPaths(
        key=Path(getattr(settings, "PACT_SEAL_KEY", default_dir / "seal-key.pem")),
        cert=Path(getattr(settings, "PACT_SEAL_CERT", default_dir / "seal-cert.pem")),
    )


def _pkcs12_path() -> Path | None:
    path = getattr(settings, "PACT_SEAL_PKCS12", None)
    return Path(path) if path else None


def seal_configured() -> bool:
    pkcs12 = _pkcs12_path()
    return pkcs12.is_file() if pkcs12 else seal_paths().exist()


@functools.lru_cache(maxsize=4)
def _pem_signer(key: Path, cert: Path, key_mtime: float, cert_mtime: float):
    # Cached per file version: parsing the key costs more than signing with it.
    return signers.SimpleSigner.load(str(key), str(cert))


@functools.lru_cache(maxsize=4)
def _pkcs12_signer(path: Path, mtime: float, passphrase: str):
    signer = signers.SimpleSigner.load_pkcs12(
        str(path), passphrase=passphrase.encode() if passphrase else None
    )
    if signer is None:
        raise ImproperlyConfigured(
            f"PACT_SEAL_PKCS12: {path} cannot be opened with the passphrase given."
        )
    return signer


def configured_signer():
    """The instance's seal as a pyHanko signer; :class:`SealNotConfigured` if none."""
    pkcs12 = _pkcs12_path()
    if pkcs12 is not None:
        if not pkcs12.is_file():
            raise SealNotConfigured(f"No seal configured: {pkcs12} does not exist.")
        passphrase = getattr(settings, "PACT_SEAL_PKCS12_PASSPHRASE", "") or ""
        return _pkcs12_signer(pkcs12, pkcs12.stat().st_mtime, passphrase)
    paths = seal_paths()
    if not paths.exist():
        raise SealNotConfigured(
            f"No seal configured: {paths.key} and {paths.cert} must both exist."
        )
    return _pem_signer(
        paths.key, paths.cert, paths.key.stat().st_mtime, paths.cert.stat().st_mtime
    )


@functools.lru_cache(maxsize=4)
def _cached_timestamper(url: str, user: str, password: str):
    # One client per TSA: it keeps the TSA's certificates from its first answer.
    return HTTPTimeStamper(url, auth=(user, password) if user else None, timeout=20)


def configured_timestamper():
    """An RFC 3161 client for ``PACT_TSA_URL``, or ``None`` when not set."""
    url = getattr(settings, "PACT_TSA_URL", "") or ""
    if not url:
        return None
    return _cached_timestamper(
        url,
        getattr(settings, "PACT_TSA_USERNAME", "") or "",
        getattr(settings, "PACT_TSA_PASSWORD", "") or "",
    )


def _pem_certificates(paths) -> list:
    certs = []
    for path in paths or ():
        try:
            certs.append(load_cert_from_pemder(str(path)))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"Cannot read certificate {path}: {exc}"
            ) from exc
    return certs


def own_certificate():
    """The instance's seal certificate (asn1crypto), or ``None`` without a seal."""
    if _pkcs12_path() is not None:
        return configured_signer().signing_cert if seal_configured() else None
    cert = seal_paths().cert
    return load_cert_from_pemder(str(cert)) if cert.is_file() else None


def trust_roots() -> list:
    """The certificates a seal may chain to: this instance's own seal
    certificate and those listed in ``PACT_TRUST_ROOTS`` (PEM paths).

    A certificate authority's root is deliberately not trusted by default: it
    would also vouch for every other seal it has issued.
    """
    own = own_certificate()
    extra = _pem_certificates(getattr(settings, "PACT_TRUST_ROOTS", ()))
    return ([own] if own is not None else []) + extra


def tsa_roots() -> list:
    """Roots a time-stamp may chain to (``PACT_TSA_ROOTS``, PEM paths)."""
    return _pem_certificates(getattr(settings, "PACT_TSA_ROOTS", ()))


class _PdfA3Signer(signers.PdfSigner):
    """A PAdES signer that keeps the file at PDF 1.7, which PDF/A-3 is built on.

    pyHanko declares ISO 32002 (and so PDF 2.0) for an EC key; PAdES on PDF
    1.7 only needs the ETSI extension.
    """

    def register_extensions(self, pdf_out, *, md_algorithm):
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


class _OneClockMetadata(DocumentMetadata):
    """pyHanko stamps "now" twice, into Info and into XMP, at whatever
    microsecond each is written: PDF/A wants the two to agree, so both get
    the same second."""

    def __setattr__(self, name, value):
        if name == "last_modified" and value == "now":
            value = dt.datetime.now().astimezone().replace(microsecond=0)
        super().__setattr__(name, value)


_CONFIGURED = object()


def seal_pdf(
    pdf: bytes,
    *,
    signer=None,
    timestamper=_CONFIGURED,
    reason: str = "",
    location: str = "",
) -> bytes:
    """Seal ``pdf`` (PAdES, invisible) and return the final bytes.

    With a time-stamping authority (``PACT_TSA_URL``, or ``timestamper``) the
    seal is time-stamped (B-T) and carries its validation data (B-LT). If the
    authority cannot be reached the document is still sealed, at B-B, and the
    failure is logged: the verification report shows the level reached.
    """
    signer = signer or configured_signer()
    if timestamper is _CONFIGURED:
        timestamper = configured_timestamper()
    attempts = [(timestamper, True), (timestamper, False)] if timestamper else []
    for stamper, with_ltv in attempts:
        try:
            return _sign(pdf, signer, stamper, with_ltv, reason, location)
        except TimestampRequestError as exc:
            log.error("Time-stamping failed, sealing at B-B: %s", exc)
            break
        except (PathBuildingError, PathValidationError, signers.SigningError) as exc:
            log.warning("Validation data not embedded (B-T only): %s", exc)
    return _sign(pdf, signer, None, False, reason, location)


def _sign(pdf, signer, timestamper, with_ltv, reason, location) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # Private attribute: the writer offers no other way to choose its clock.
    writer._meta = _OneClockMetadata()
    ltv = {}
    if with_ltv:
        ltv = dict(
            embed_validation_info=True,
            validation_context=_signing_context(signer),
            # One revision: the seal still covers the whole file.
            dss_settings=DSSContentSettings(
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                include_vri=False,
            ),
        )
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason or "Sigillo elettronico della rete",
        location=location or "Lucca",
        **ltv,
    )
    pdf_signer = _PdfA3Signer(meta, signer=signer, timestamper=timestamper)
    return pdf_signer.sign_pdf(writer).getvalue()


def _signing_context(signer) -> ValidationContext:
    chain = list(signer.cert_registry)
    roots = [c for c in chain if c.self_signed] or [signer.signing_cert]
    return ValidationContext(
        trust_roots=roots + trust_roots() + tsa_roots(),
        other_certs=chain,
        allow_fetching=True,
        revocation_mode="soft-fail",
    )


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
    level: str = ""  # B-B, B-T or B-LT
    timestamp: dt.datetime | None = None
    timestamp_authority: str = ""
    timestamp_trusted: bool = False
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.present
            and self.intact
            and self.valid
            and self.whole_file
            and self.trusted
        )


def validate_seal(pdf: bytes, *, roots=None) -> SealStatus:
    """Check every signature in ``pdf``; the document is only as good as the worst.

    ``trusted`` says the signer chains to ``roots`` (asn1crypto certificates;
    default :func:`trust_roots`). ``level`` says what the seal carries: a
    time-stamp (B-T) and the validation data of every certificate (B-LT).
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises many kinds on a broken file
        return SealStatus(present=False, problem=f"unreadable PDF: {exc}")
    if not signatures:
        return SealStatus(present=False)
    roots = trust_roots() if roots is None else list(roots)
    statuses = []
    for signature in signatures:
        try:
            statuses.append(_validate_one(reader, signature, roots))
        except (PdfError, ValueError, KeyError) as exc:
            return SealStatus(present=True, problem=str(exc))
    return min(
        statuses,
        key=lambda s: (s.intact, s.valid, s.whole_file, s.trusted, LEVELS[s.level]),
    )


def _validate_one(reader, signature, roots) -> SealStatus:
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    ts_context = ValidationContext(
        trust_roots=tsa_roots() + roots, allow_fetching=False
    )
    status = validate_pdf_signature(signature, context, ts_context)
    stamp = status.timestamp_validity
    stamped = bool(stamp and stamp.intact and stamp.valid)
    level = B_B
    if stamped:
        level = B_LT if _long_term(reader, signature, roots) else B_T
    intact, valid = bool(status.intact), bool(status.valid)
    trusted = bool(status.trusted)
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return SealStatus(
        present=True,
        intact=intact,
        valid=valid,
        trusted=trusted,
        whole_file=whole_file,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        level=level,
        timestamp=stamp.timestamp if stamped else None,
        timestamp_authority=stamp.signing_cert.subject.human_friendly
        if stamped
        else "",
        timestamp_trusted=bool(stamped and stamp.trusted),
        problem=_problem(intact and valid, whole_file, trusted),
    )


def _problem(intact: bool, whole_file: bool, trusted: bool) -> str:
    if not intact:
        return _("the file was changed after it was sealed")
    if not whole_file:
        return _("something was added to the file after it was sealed")
    if not trusted:
        return _(
            "the seal was not made with a certificate this network trusts "
            "(unknown or untrusted certificate)"
        )
    return ""


def _long_term(reader, signature, roots) -> bool:
    """Does the file alone hold the validation data of the seal's and the
    time-stamp's certificates (DSS), with nothing fetched?"""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return False
    embedded = list(dss.load_certs()) + list(signature.other_embedded_certs)
    anchors = [c for c in embedded if c.self_signed] + list(roots)
    context = dss.as_validation_context(
        {
            "trust_roots": anchors,
            "allow_fetching": False,
            "revocation_mode": "hard-fail",
            "retroactive_revinfo": True,
        }
    )
    status = validate_pdf_signature(signature, context, context, skip_diff=True)
    stamp = status.timestamp_validity
    return bool(status.trusted and stamp and stamp.trusted)


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
