"""The handover bundle to Lucca Family net: format and streamed writer.

A ZIP holding ``manifest.json`` (format name and version, the pact version
and its text hash, one entry per adhesion, the register's links with its head
and length, every other file's SHA-256), ``manifest.json.p7s`` (the sender's
seal of the manifest, :mod:`.manifest_seal`), ``registry.csv`` (Italian
Excel), ``registry.xlsx`` and ``pdf/…``. The
writer streams each PDF from its file in chunks, so memory does not grow
with the number of documents. The strict reader is in :mod:`.bundle_reader`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.spreadsheets import italian_csv_bytes, xlsx_bytes

from .manifest_seal import MANIFEST_SEAL
from .register import GENESIS

FORMAT = "lucca-in-famiglia/handover"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
REGISTRY_CSV = "registry.csv"
REGISTRY_XLSX = "registry.xlsx"
PDF_DIR = "pdf/"
CHUNK = 256 * 1024

SAFE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
PDF_NAME = re.compile(r"pdf/[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.pdf")
HEX64 = re.compile(r"[0-9a-f]{64}")


class BundleError(Exception):
    """A bundle cannot be built or trusted; ``problems`` says why, in words."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class BundlePactVersion:
    pact_title: str
    pact_slug: str
    number: int
    text_sha256: str
    opened_at: dt.datetime | None = None
    effective_date: dt.date | None = None


@dataclass(frozen=True)
class BundleMember:
    reference: str
    name: str
    kind: str
    codice_fiscale: str = ""
    partita_iva: str = ""
    municipality_istat: str = ""
    municipality: str = ""


@dataclass(frozen=True)
class BundleAdhesion:
    """One signed adhesion as the bundle carries it."""

    reference: str
    member: BundleMember
    network_role_code: str
    network_role_name: str
    signatory_name: str
    signatory_capacity: str
    signed_at: dt.datetime
    method: str
    sha256: str
    short_code: str = ""
    previous_sha256: str = ""
    status: str = "signed"
    withdrawn_at: dt.datetime | None = None
    commitments: tuple[str, ...] = field(default_factory=tuple)

    @property
    def file_name(self) -> str:
        return f"{PDF_DIR}adesione-{self.reference}.pdf"

    def to_manifest(self) -> dict:
        # Shallow on purpose: asdict() deep-copies, slow over thousands of entries.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["member"] = {
            f.name: getattr(self.member, f.name) for f in fields(BundleMember)
        }
        data["file"] = self.file_name
        return _jsonable(data)


@dataclass(frozen=True)
class BundleSummary:
    count: int
    files: dict[str, str]
    manifest_sha256: str


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


PdfOpener = Callable[[BundleAdhesion], AbstractContextManager[BinaryIO]]


def write_bundle(
    target: BinaryIO,
    *,
    pact_version: BundlePactVersion,
    adhesions: Iterable[BundleAdhesion],
    open_pdf: PdfOpener,
    created_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    register: dict | None = None,
    seal: Callable[[bytes], bytes] | None = None,
) -> BundleSummary:
    """Write the bundle to ``target`` (a seekable or streaming binary file).

    ``open_pdf(adhesion)`` returns a context manager yielding the stored PDF;
    each file is hashed as it is copied and must match ``adhesion.sha256``:
    a document that no longer matches its identity is never handed over.
    ``register`` is the manifest's register section (``length``, ``head``,
    ``links``); ``seal(sha256_digest)`` returns the manifest's detached
    signature, written as ``manifest.json.p7s``.
    """
    adhesions = list(adhesions)
    _check_writable(adhesions)
    created_at = created_at or timezone.now()
    stamp = timezone.localtime(created_at).timetuple()[:6]
    files: dict[str, str] = {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for done, adhesion in enumerate(adhesions, start=1):
            with open_pdf(adhesion) as source:
                info = _info(adhesion.file_name, stamp, zipfile.ZIP_STORED)
                digest = _copy_entry(zf, info, source)
            if digest != adhesion.sha256:
                raise BundleError(
                    _("The stored PDF of adhesion %(ref)s does not match its SHA-256.")
                    % {"ref": adhesion.reference}
                )
            files[adhesion.file_name] = digest
            if progress:
                progress(done, len(adhesions))
        headers, rows = registry_table(adhesions)
        for name, data in (
            (REGISTRY_CSV, italian_csv_bytes(headers, rows)),
            (REGISTRY_XLSX, xlsx_bytes(headers, rows, title=_("Adherents"))),
        ):
            zf.writestr(_info(name, stamp), data)
            files[name] = hashlib.sha256(data).hexdigest()
        manifest_sha256 = _write_manifest(
            zf,
            _info(MANIFEST, stamp),
            pact_version,
            adhesions,
            files,
            created_at,
            register or {"length": 0, "head": GENESIS, "links": []},
        )
        if seal is not None:
            signature = seal(bytes.fromhex(manifest_sha256))
            zf.writestr(_info(MANIFEST_SEAL, stamp), signature)
    return BundleSummary(len(adhesions), files, manifest_sha256)


def write_bundle_file(path: Path, **kwargs) -> BundleSummary:
    """:func:`write_bundle` to ``path``, which appears only once complete."""
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "wb") as handle:
            summary = write_bundle(handle, **kwargs)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _check_writable(adhesions: list[BundleAdhesion]) -> None:
    references = [a.reference for a in adhesions]
    if len(set(references)) != len(references):
        raise BundleError(_("An adhesion appears twice in the bundle."))
    for adhesion in adhesions:
        if not SAFE_REFERENCE.fullmatch(adhesion.reference):
            raise BundleError(
                _("Adhesion reference %(ref)r cannot name a file.")
                % {"ref": adhesion.reference}
            )
        if not HEX64.fullmatch(adhesion.sha256):
            raise BundleError(
                _("Adhesion %(ref)s has no valid SHA-256.")
                % {"ref": adhesion.reference}
            )


def _info(name: str, stamp, compression=zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    # PDFs are stored as they are: their streams are compressed already, and
    # deflating them again costs six times the time to save about a tenth.
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def _copy_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source) -> str:
    digest = hashlib.sha256()
    with zf.open(info, "w") as entry:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            entry.write(chunk)
    return digest.hexdigest()


def _write_manifest(
    zf, info, pact_version, adhesions, files, created_at, register
) -> str:
    """Write manifest.json one adhesion at a time; return its SHA-256.

    Built whole, the JSON of a thousand entries costs more memory than the
    rest of the export together.
    """
    digest = hashlib.sha256()
    head = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "pact_version": _jsonable(asdict(pact_version)),
        "count": len(adhesions),
    }
    with zf.open(info, "w") as entry:

        def out(text: str) -> None:
            data = text.encode("utf-8")
            digest.update(data)
            entry.write(data)

        out("{\n")
        for key, value in head.items():
            out(f"  {_dumps(key)}: {_dumps(value)},\n")
        out('  "adhesions": [')
        for index, adhesion in enumerate(adhesions):
            out(
                ("\n    " if index == 0 else ",\n    ") + _dumps(adhesion.to_manifest())
            )
        out("\n  ],\n")
        out(f'  "register": {_dumps(register)},\n')
        out(f'  "files": {_dumps(dict(sorted(files.items())))}\n}}\n')
    return digest.hexdigest()


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def registry_table(adhesions: list[BundleAdhesion]):
    """Headers and rows of the registry of adherents (CSV and XLSX)."""
    headers = [
        _("Adhesion"),
        _("Member"),
        _("Kind"),
        _("Codice fiscale"),
        _("Partita IVA"),
        _("ISTAT code"),
        _("Municipality"),
        _("Role in the network"),
        _("Signatory"),
        _("Capacity"),
        _("Signature method"),
        _("Signed at"),
        _("Status"),
        _("Withdrawn at"),
        _("Verification code"),
        _("File"),
        "SHA-256",
    ]
    rows = (
        [
            a.reference,
            a.member.name,
            a.member.kind,
            a.member.codice_fiscale,
            a.member.partita_iva,
            a.member.municipality_istat,
            a.member.municipality,
            a.network_role_name,
            a.signatory_name,
            a.signatory_capacity,
            a.method,
            _local(a.signed_at),
            a.status,
            _local(a.withdrawn_at),
            a.short_code,
            a.file_name,
            a.sha256,
        ]
        for a in adhesions
    )
    return headers, list(rows)


def _local(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y %H:%M")
