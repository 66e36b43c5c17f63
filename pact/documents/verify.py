"""Read a signed pact PDF back and decide whether it is genuine.

Genuine means: the SHA-256 of the exact bytes is in the register of signed
pacts, and the seal, when the file carries one, is intact, covers the whole
file and was made with a trusted certificate (:func:`.seal.validate_seal`).
The register is not known here: it is a callable (:data:`DocumentRegistry`)
named by the ``PACT_DOCUMENT_REGISTRY`` setting, which the adhesion service
implements.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader

from .context import DATA_FORMAT
from .pdf import ATTACHMENT_NAME
from .seal import SealStatus, validate_seal

DEFAULT_REGISTRY = "pact.services.signed_document_by_sha256"
MAX_EMBEDDED_JSON = 1024 * 1024


@dataclass(frozen=True)
class RegistryRecord:
    """What the register knows about a signed document, found by its SHA-256."""

    sha256: str
    reference: str  # the adhesion
    in_force: bool = True  # False once withdrawn; the document stays genuine
    pact_title: str = ""
    pact_version: int | None = None
    member_public_name: str = ""  # families only as "adhering family"
    signed_at: object = None
    method: str = ""


# The interface the adhesion work implements: sha256 hex -> record or None.
DocumentRegistry = Callable[[str], RegistryRecord | None]


class RegistryUnavailable(Exception):
    """No register of signed documents is wired in (setting or import fails)."""


def configured_registry() -> DocumentRegistry:
    path = getattr(settings, "PACT_DOCUMENT_REGISTRY", DEFAULT_REGISTRY)
    try:
        return import_string(path)
    except ImportError as exc:
        raise RegistryUnavailable(path) from exc


@dataclass(frozen=True)
class DocumentReport:
    """What a PDF says about itself, before asking the register."""

    sha256: str
    size: int
    readable: bool
    pdfa: str = ""  # e.g. "3B", from the XMP identification
    data: dict | None = None
    seal: SealStatus = field(default_factory=lambda: SealStatus(present=False))
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    genuine: bool
    reason: str
    report: DocumentReport
    record: RegistryRecord | None = None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inspect_pdf(data: bytes, *, roots=None) -> DocumentReport:
    """Hash, PDF/A identification, embedded JSON and seal of a PDF.

    ``roots``: the certificates the seal may chain to (default: this
    instance's, :func:`.seal.trust_roots`).
    """
    digest = sha256_hex(data)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        root = reader.root
    except Exception:  # any parse failure means "not a PDF we made"
        return DocumentReport(digest, len(data), readable=False)
    problems = []
    pdfa = _safely(lambda: pdfa_identification(root), problems, "XMP")
    embedded = _safely(lambda: embedded_json(root), problems, ATTACHMENT_NAME)
    return DocumentReport(
        sha256=digest,
        size=len(data),
        readable=True,
        pdfa=pdfa or "",
        data=embedded,
        seal=validate_seal(data, roots=roots),
        problems=tuple(problems),
    )


def _safely(read, problems, what):
    try:
        return read()
    except Exception as exc:  # report, do not crash: the verdict rests on the hash
        problems.append(f"{what}: {exc}")
        return None


_PDFAID = re.compile(
    r"pdfaid:(part|conformance)\s*(?:=\s*[\"']([^\"']*)[\"']|>([^<]*)<)"
)


def pdfa_identification(root) -> str:
    """``"3B"`` for a PDF/A-3b file, ``""`` when the XMP claims no PDF/A."""
    if "/Metadata" not in root:
        return ""
    xmp = root["/Metadata"].get_object().data.decode("utf-8", "replace")
    found = {m[1]: (m[2] or m[3] or "").strip() for m in _PDFAID.finditer(xmp)}
    if "part" not in found:
        return ""
    return found["part"] + found.get("conformance", "").upper()


def embedded_json(root, name: str = ATTACHMENT_NAME) -> dict | None:
    """The embedded ``name`` file parsed as JSON, or ``None`` if absent."""
    try:
        tree = root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return None
    spec = _name_tree_lookup(tree, name)
    if spec is None:
        return None
    raw = spec["/EF"]["/F"].get_object().data
    if len(raw) > MAX_EMBEDDED_JSON:
        raise ValueError("embedded data too large")
    return json.loads(raw.decode("utf-8"))


def _name_tree_lookup(node, name: str, depth: int = 0):
    if depth > 8:  # a real name tree is shallow; a loop is not
        raise ValueError("name tree too deep")
    names = node.get("/Names", [])
    for index in range(0, len(names) - 1, 2):
        if str(names[index]) == name:
            return names[index + 1]
    for kid in node.get("/Kids", []):
        found = _name_tree_lookup(kid, name, depth + 1)
        if found is not None:
            return found
    return None


def verify_document(
    data: bytes, *, registry: DocumentRegistry | None = None, roots=None
) -> Verdict:
    """Decide whether ``data`` is a genuine signed pact, and say why.

    The one verification of a signed PDF: a readable file, a seal that is
    intact, covers the whole file and is trusted (chains to ``roots``), and
    the exact bytes in the register.
    """
    report = inspect_pdf(data, roots=roots)
    if not report.readable:
        return Verdict(False, _("The file is not a readable PDF."), report)
    seal = report.seal
    if seal.present and not (seal.intact and seal.valid and seal.whole_file):
        return Verdict(
            False,
            _(
                "The seal of the document is broken: the file was changed after "
                "it was sealed."
            ),
            report,
        )
    if seal.present and not seal.trusted:
        return Verdict(
            False,
            _(
                "The document is sealed with a certificate this network does not "
                "trust: the seal is unknown or untrusted, so the document cannot "
                "be taken as issued by the network."
            ),
            report,
        )
    try:
        lookup = registry or configured_registry()
    except RegistryUnavailable:
        return Verdict(
            False, _("The register of signed pacts is not available."), report
        )
    record = lookup(report.sha256)
    if record is None:
        return Verdict(False, _not_registered_reason(report), report)
    return Verdict(
        True,
        _(
            "Genuine: the document is in the register of signed "
            "pacts and has not been changed."
        ),
        report,
        record,
    )


def _not_registered_reason(report: DocumentReport) -> str:
    data = report.data or {}
    if data.get("format") == DATA_FORMAT:
        return _(
            "The document looks like a signed pact but it is not in the register "
            "in this exact form: it has been altered, or it was not issued by the "
            "network."
        )
    return _("The document is not in the register of signed pacts.")
