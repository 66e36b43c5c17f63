"""Check a digitally signed pact: a PAdES PDF or a CAdES ``.p7m`` envelope.

The signature is checked with pyHanko: intact (the signed bytes are those
received), valid (the cryptography holds) and covering the whole file.
Whether the signer's certificate chains to a qualified trust service is
recorded as ``trusted``: these machines hold no EU trust list, so a
coordinator reads the signer's name and codice fiscale in the evidence.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import logging
import re
from dataclasses import asdict, dataclass

from asn1crypto import cms
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import (
    async_validate_cms_signature,
    extract_self_reported_ts,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from pact.documents.verify import embedded_json

# pyHanko logs a traceback for every certificate outside its trust list, which
# is every personal certificate here: the result is recorded, not logged.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

PADES = "pades"
CADES = "cades"
MAX_UPLOAD = 20 * 1024 * 1024
_TAX_ID = re.compile(r"(?:TINIT-|IT:?)?([A-Z0-9]{11,16})$")


class NotASignedFile(ValueError):
    """The file is neither a signed PDF nor a .p7m envelope."""


@dataclass(frozen=True)
class DigitalCheck:
    """What the signature of an uploaded file says."""

    kind: str
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signer_tax_id: str = ""
    signed_at: str = ""
    embedded_reference: str = ""  # the adhesion the signed PDF carries, if any
    embedded_text_sha256: str = ""  # the pact text it carries, if any
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.whole_file

    def as_evidence(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def check_signed_file(data: bytes) -> DigitalCheck:
    """Recognise and check a signed PDF or .p7m; :class:`NotASignedFile` if neither."""
    if data[:5] == b"%PDF-":
        return check_pades(data)
    envelope = _p7m_der(data)
    if envelope is None:
        raise NotASignedFile("not a PDF or a .p7m file")
    return check_cades(envelope)


def _context() -> ValidationContext:
    return ValidationContext(trust_roots=[], allow_fetching=False)


def _signer(cert) -> tuple[str, str]:
    subject = cert.subject
    serial = str(subject.native.get("serial_number", "") or "").upper()
    match = _TAX_ID.search(serial.replace(" ", ""))
    return subject.human_friendly, match.group(1) if match else ""


def check_pades(data: bytes) -> DigitalCheck:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        reference, text_sha256 = _reference(reader.root)
    except Exception as exc:  # pyHanko raises many kinds on a broken file
        log.info("Unreadable signed PDF: %s", exc)
        return DigitalCheck(PADES, problem=_("the PDF cannot be read"))
    if not signatures:
        return DigitalCheck(
            PADES,
            problem=_(
                "the PDF carries no digital signature: sign it with your "
                "signature software first"
            ),
        )
    # The signer is the first signature; any later one (a seal) must hold too.
    results = []
    for signature in signatures:
        try:
            status = validate_pdf_signature(signature, _context())
        except Exception as exc:
            log.info("Unreadable PDF signature: %s", exc)
            return DigitalCheck(PADES, problem=_("its signature cannot be read"))
        results.append(status)
    first = results[0]
    signer, tax_id = _signer(first.signing_cert)
    return DigitalCheck(
        kind=PADES,
        intact=all(s.intact for s in results),
        valid=all(s.valid for s in results),
        trusted=all(s.trusted for s in results),
        whole_file=results[-1].coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=signer,
        signer_tax_id=tax_id,
        signed_at=_iso(first.signer_reported_dt),
        embedded_reference=reference,
        embedded_text_sha256=text_sha256,
    )


def _reference(root) -> tuple[str, str]:
    """The adhesion reference and pact text SHA-256 a PDF of ours embeds."""
    try:
        data = embedded_json(root) or {}
    except Exception:  # a file we did not make: no reference, no crash
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    reference = data.get("adhesion")
    pact = data.get("pact")
    text = pact.get("text_sha256") if isinstance(pact, dict) else ""
    return (
        reference if isinstance(reference, str) else "",
        text if isinstance(text, str) else "",
    )


def _p7m_der(data: bytes) -> bytes | None:
    """The DER bytes of a .p7m, which Italian tools also write in base64/PEM."""
    if data[:1] == b"\x30":
        return data
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        text = b"".join(line for line in text.splitlines() if not line.startswith(b"-"))
    try:
        decoded = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded[:1] == b"\x30" else None


def check_cades(der: bytes) -> DigitalCheck:
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise ValueError("not a signed envelope")
        signed = info["content"]
        content = signed["encap_content_info"]["content"].native
        if not content:
            raise ValueError("detached signature: the signed document is missing")
        status = asyncio.run(
            async_validate_cms_signature(signed, validation_context=_context())
        )
    except Exception as exc:  # asn1crypto parses lazily and raises late
        log.info("Unreadable .p7m envelope: %s", exc)
        return DigitalCheck(CADES, problem=_("the .p7m envelope cannot be read"))
    signer, tax_id = _signer(status.signing_cert)
    reference = text_sha256 = ""
    if content[:5] == b"%PDF-":
        try:
            reference, text_sha256 = _reference(PdfFileReader(io.BytesIO(content)).root)
        except Exception:
            reference = text_sha256 = ""
    return DigitalCheck(
        kind=CADES,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=True,  # an attached envelope signs all it carries
        signer=signer,
        signer_tax_id=tax_id,
        signed_at=_iso(extract_self_reported_ts(signed["signer_infos"][0])),
        embedded_reference=reference,
        embedded_text_sha256=text_sha256,
    )


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""
