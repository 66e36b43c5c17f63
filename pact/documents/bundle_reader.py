"""Strict reader of handover bundles.

Nothing in a received ZIP is trusted: names, sizes and the manifest are
checked before anything is decompressed, then every file is hashed. A bundle
passes whole or not at all; :class:`~.bundle.BundleError` lists the reasons.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from .bundle import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    HEX64,
    MANIFEST,
    PDF_NAME,
    REGISTRY_CSV,
    REGISTRY_XLSX,
    SAFE_REFERENCE,
    BundleAdhesion,
    BundleError,
    BundleMember,
    BundlePactVersion,
)
from .manifest_seal import MANIFEST_SEAL
from .register import KINDS, Link

FIXED_NAMES = (MANIFEST, REGISTRY_CSV, REGISTRY_XLSX)


@dataclass(frozen=True)
class BundleLimits:
    """Bounds that keep a hostile ZIP (a "zip bomb") from exhausting the host."""

    max_entries: int = 20_000
    max_total_bytes: int = 8 * 1024**3
    max_entry_bytes: int = 256 * 1024**2
    max_manifest_bytes: int = 32 * 1024**2
    max_ratio: int = 100
    ratio_floor_bytes: int = 1024**2  # small files may compress very well


@dataclass(frozen=True)
class BundleRegister:
    """The register as the manifest carries it: every link, most as tombstones."""

    length: int
    head: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose every file matched the manifest when it was read."""

    source: str | Path | BinaryIO
    created_at: dt.datetime
    format_version: int
    pact_version: BundlePactVersion
    adhesions: tuple[BundleAdhesion, ...]
    files: dict[str, str]
    register: BundleRegister
    manifest_raw: bytes = b""
    manifest_seal: bytes | None = None

    def read_file(self, name: str) -> bytes:
        """A file's bytes, hashed again: the ZIP may have changed since."""
        if name not in self.files:
            raise KeyError(name)
        with zipfile.ZipFile(self.source) as zf:
            data = read_entry(zf, name)
        if hashlib.sha256(data).hexdigest() != self.files[name]:
            raise BundleError(
                _("%(name)s changed after verification.") % {"name": name}
            )
        return data

    def read_pdf(self, adhesion: BundleAdhesion) -> bytes:
        return self.read_file(adhesion.file_name)


def read_bundle(source, *, limits: BundleLimits | None = None) -> VerifiedBundle:
    """Open, check and hash a bundle; raise :class:`BundleError` if anything is off."""
    limits = limits or BundleLimits()
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise BundleError(_("The file is not a valid ZIP archive.")) from exc
    with zf:
        infos = _check_entries(zf, limits)
        raw = _read_manifest(zf, infos, limits)
        parsed = parse_manifest(_parse_json(raw))
        _check_contents(zf, infos, parsed)
        seal = infos.get(MANIFEST_SEAL)
        signature = read_entry(zf, seal, limit=1024**2) if seal else None
    return VerifiedBundle(
        source=source, manifest_raw=raw, manifest_seal=signature, **parsed
    )


def unsafe_name_reason(name: str) -> str | None:
    """Why ``name`` must not be extracted anywhere, or ``None`` if it is safe."""
    if "\\" in name:
        return _("backslash in the name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return _("absolute path")
    if any(part in ("", ".", "..") for part in name.split("/")):
        return _("path traversal or empty path segment")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return _("control character in the name")
    return None


def _check_entries(zf: zipfile.ZipFile, limits: BundleLimits) -> dict:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise BundleError(
            _("The bundle has too many files (%(n)s).") % {"n": len(infos)}
        )
    problems, by_name, total = [], {}, 0
    for info in infos:
        name = info.filename
        reason = unsafe_name_reason(info.orig_filename) or unsafe_name_reason(name)
        if reason:
            problems.append(
                _("Unsafe file name %(name)r: %(reason)s.")
                % {"name": info.orig_filename, "reason": reason}
            )
            continue
        if name in by_name:
            problems.append(_("%(name)s appears twice.") % {"name": name})
        if info.flag_bits & 0x1:
            problems.append(_("%(name)s is encrypted.") % {"name": name})
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(
                _("%(name)s uses an unsupported compression.") % {"name": name}
            )
        problems.extend(_size_problems(info, limits))
        total += info.file_size
        by_name[name] = info
    if total > limits.max_total_bytes:
        problems.append(
            _("The bundle would expand to %(mb)s MB, beyond the limit.")
            % {"mb": total // 1024**2}
        )
    if problems:
        raise BundleError(problems)
    return by_name


def _size_problems(info: zipfile.ZipInfo, limits: BundleLimits) -> list[str]:
    if info.file_size > limits.max_entry_bytes:
        return [_("%(name)s is too large.") % {"name": info.filename}]
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
        return [
            _("%(name)s expands %(ratio)d times: refused as a possible zip bomb.")
            % {"name": info.filename, "ratio": ratio}
        ]
    return []


def _read_manifest(zf, infos: dict, limits: BundleLimits) -> bytes:
    info = infos.get(MANIFEST)
    if info is None:
        raise BundleError(_("The bundle has no manifest.json."))
    if info.file_size > limits.max_manifest_bytes:
        raise BundleError(_("manifest.json is too large."))
    return read_entry(zf, info, limit=limits.max_manifest_bytes)


def _parse_json(raw: bytes) -> dict:
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        # Not UTF-8, not JSON, nested past the parser's depth, or numbers
        # longer than Python converts (ValueError covers the first two).
        raise BundleError(_("manifest.json is not valid JSON.")) from exc


def read_entry(zf: zipfile.ZipFile, entry, *, limit: int | None = None) -> bytes:
    """One file of the archive, inflated a chunk at a time.

    Never more than its declared size (nor ``limit``): a size forged in the
    archive's headers cannot make a small file inflate to gigabytes, as
    ``ZipFile.read`` would before cutting it to size.
    """
    limit = BundleLimits().max_entry_bytes if limit is None else limit
    info = entry if isinstance(entry, zipfile.ZipInfo) else zf.getinfo(entry)
    if info.file_size > limit:
        raise BundleError(_("%(name)s is too large.") % {"name": info.filename})
    parts = []
    try:
        with zf.open(info) as handle:
            while chunk := handle.read(CHUNK):
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BundleError(
            _("%(name)s is corrupt in the archive.") % {"name": info.filename}
        ) from exc
    return b"".join(parts)


def _check_contents(zf, infos: dict, parsed: dict) -> None:
    files = parsed["files"]
    expected, present = set(files) | {MANIFEST}, set(infos) - {MANIFEST_SEAL}
    problems = [
        _("Missing file: %(name)s.") % {"name": n} for n in sorted(expected - present)
    ]
    problems += [
        _("Unexpected file: %(name)s.") % {"name": n}
        for n in sorted(present - expected)
    ]
    for name in sorted(expected & present - {MANIFEST}):
        actual = _hash_entry(zf, infos[name])
        if actual is None:
            problems.append(_("%(name)s is corrupt in the archive.") % {"name": name})
        elif actual != files[name]:
            problems.append(
                _("%(name)s does not match its SHA-256 in the manifest.")
                % {"name": name}
            )
    if problems:
        raise BundleError(problems)


def _hash_entry(zf, info) -> str | None:
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(info) as entry:
            while chunk := entry.read(CHUNK):
                size += len(chunk)
                digest.update(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return None
    return digest.hexdigest() if size == info.file_size else None


# Manifest parsing -----------------------------------------------------------


class _Malformed(Exception):
    """What is wrong with the manifest, naming the field (JSON path) at fault."""

    def __init__(self, message, **values):
        super().__init__(message % values if values else message)


def _kind_name(kind) -> str:
    return {
        str: _("text"),
        int: _("a whole number"),
        list: _("a list"),
        dict: _("an object"),
    }.get(kind, kind.__name__)


def parse_manifest(manifest) -> dict:
    """Validate a manifest's structure; the keyword arguments of a VerifiedBundle."""
    try:
        return _parse(manifest)
    except _Malformed as exc:
        raise BundleError(
            _("The manifest is malformed: %(why)s.") % {"why": exc}
        ) from None


def _get(obj, key, kind, *, optional=False, where="manifest"):
    if not isinstance(obj, dict):
        raise _Malformed(_("%(field)s is not an object"), field=where)
    value = obj.get(key)
    if value is None and optional:
        return None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise _Malformed(
            _("%(field)s is missing or is not %(kind)s"),
            field=f"{where}.{key}",
            kind=_kind_name(kind),
        )
    if kind is str and "\x00" in value:
        raise _Malformed(
            _("%(field)s contains a NUL character"), field=f"{where}.{key}"
        )
    return value


def _when(obj, key, parse, *, optional=False, where="manifest"):
    value = _get(obj, key, str, optional=optional, where=where)
    if value is None:
        return None
    try:
        parsed = parse(value)
    except ValueError:
        raise _Malformed(
            _("%(field)s is not a valid date"), field=f"{where}.{key}"
        ) from None
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
        raise _Malformed(_("%(field)s has no time zone"), field=f"{where}.{key}")
    return parsed


def _hash(obj, key, where) -> str:
    value = _get(obj, key, str, where=where)
    if not HEX64.fullmatch(value):
        raise _Malformed(_("%(field)s is not a SHA-256 value"), field=f"{where}.{key}")
    return value


def _parse(manifest) -> dict:
    if _get(manifest, "format", str) != FORMAT:
        raise _Malformed(_("format is not %(format)s"), format=FORMAT)
    version = _get(manifest, "format_version", int)
    if version == 1:
        raise BundleError(
            _(
                "This bundle is in the old format (version 1): its manifest is not "
                "sealed and it carries no register, so it is no longer accepted. "
                "Ask the sender to build the handover again."
            )
        )
    if version != FORMAT_VERSION:
        raise _Malformed(
            _("format_version %(version)s is not supported"), version=version
        )
    files = _parse_files(_get(manifest, "files", dict))
    adhesions = tuple(
        _parse_adhesion(item, f"adhesions[{i}]")
        for i, item in enumerate(_get(manifest, "adhesions", list))
    )
    if _get(manifest, "count", int) != len(adhesions):
        raise _Malformed(_("count does not match the adhesions listed"))
    _cross_check(adhesions, files)
    return {
        "created_at": _when(manifest, "created_at", dt.datetime.fromisoformat),
        "format_version": version,
        "pact_version": _parse_pact_version(_get(manifest, "pact_version", dict)),
        "adhesions": adhesions,
        "files": files,
        "register": _parse_register(_get(manifest, "register", dict)),
    }


def _parse_files(files: dict) -> dict[str, str]:
    for name, digest in files.items():
        if not (name in FIXED_NAMES[1:] or PDF_NAME.fullmatch(name)):
            raise _Malformed(_("files lists an unexpected name %(name)r"), name=name)
        if not isinstance(digest, str) or not HEX64.fullmatch(digest):
            raise _Malformed(
                _("%(field)s is not a SHA-256 value"), field=f"files[{name!r}]"
            )
    for required in FIXED_NAMES[1:]:
        if required not in files:
            raise _Malformed(_("files does not list %(name)s"), name=required)
    return dict(files)


def _parse_pact_version(obj: dict) -> BundlePactVersion:
    where = "pact_version"
    if not 0 < _get(obj, "number", int, where=where) < 2**31:
        raise _Malformed(
            _("%(field)s is not a version number"), field=f"{where}.number"
        )
    return BundlePactVersion(
        pact_title=_get(obj, "pact_title", str, where=where),
        pact_slug=_get(obj, "pact_slug", str, where=where),
        number=_get(obj, "number", int, where=where),
        text_sha256=_hash(obj, "text_sha256", where),
        opened_at=_when(
            obj, "opened_at", dt.datetime.fromisoformat, optional=True, where=where
        ),
        effective_date=_when(
            obj, "effective_date", dt.date.fromisoformat, optional=True, where=where
        ),
    )


def _parse_adhesion(obj, where: str) -> BundleAdhesion:
    member = _get(obj, "member", dict, where=where)
    reference = _get(obj, "reference", str, where=where)
    if not SAFE_REFERENCE.fullmatch(reference):
        raise _Malformed(
            _("%(field)s is not a safe reference"), field=f"{where}.reference"
        )
    text = {
        k: _get(obj, k, str, where=where)
        for k in (
            "network_role_code",
            "network_role_name",
            "signatory_name",
            "signatory_capacity",
            "method",
            "status",
            "short_code",
        )
    }
    commitments = _get(obj, "commitments", list, where=where)
    if not all(isinstance(c, str) and "\x00" not in c for c in commitments):
        raise _Malformed(_("%(field)s must be text"), field=f"{where}.commitments")
    adhesion = BundleAdhesion(
        reference=reference,
        member=_parse_member(member, f"{where}.member"),
        signed_at=_when(obj, "signed_at", dt.datetime.fromisoformat, where=where),
        sha256=_hash(obj, "sha256", where),
        previous_sha256=_get(obj, "previous_sha256", str, where=where),
        withdrawn_at=_when(
            obj, "withdrawn_at", dt.datetime.fromisoformat, optional=True, where=where
        ),
        commitments=tuple(commitments),
        **text,
    )
    if _get(obj, "file", str, where=where) != adhesion.file_name:
        raise _Malformed(
            _("%(field)s is not %(name)s"),
            field=f"{where}.file",
            name=adhesion.file_name,
        )
    return adhesion


def _parse_member(obj: dict, where: str) -> BundleMember:
    keys = (
        "reference",
        "name",
        "kind",
        "codice_fiscale",
        "partita_iva",
        "municipality_istat",
        "municipality",
    )
    return BundleMember(**{k: _get(obj, k, str, where=where) for k in keys})


def _cross_check(adhesions, files) -> None:
    references = [a.reference for a in adhesions]
    if len(set(references)) != len(references):
        raise _Malformed(_("an adhesion is listed twice"))
    listed_pdfs = {n for n in files if n.startswith("pdf/")}
    for adhesion in adhesions:
        if files.get(adhesion.file_name) != adhesion.sha256:
            raise _Malformed(
                _("files does not list %(name)s with its SHA-256"),
                name=adhesion.file_name,
            )
    orphans = listed_pdfs - {a.file_name for a in adhesions}
    if orphans:
        raise _Malformed(
            _("files lists PDFs of no adhesion: %(name)s"), name=sorted(orphans)[0]
        )


def _parse_register(obj: dict) -> BundleRegister:
    where = "register"
    links = tuple(
        _parse_link(item, f"{where}.links[{i}]")
        for i, item in enumerate(_get(obj, "links", list, where=where))
    )
    length = _get(obj, "length", int, where=where)
    if length != len(links):
        raise _Malformed(_("register.length does not match the links listed"))
    return BundleRegister(length=length, head=_hash(obj, "head", where), links=links)


def _parse_link(obj, where: str) -> Link:
    kind = _get(obj, "kind", str, where=where)
    if kind not in KINDS:
        raise _Malformed(_("%(field)s is not a kind of entry"), field=f"{where}.kind")
    entry = obj.get("entry")
    if entry is not None and not isinstance(entry, dict):
        raise _Malformed(_("%(field)s is not an object"), field=f"{where}.entry")
    document = _get(obj, "document_sha256", str, where=where)
    if document and not HEX64.fullmatch(document):
        raise _Malformed(
            _("%(field)s is not a SHA-256 value"), field=f"{where}.document_sha256"
        )
    return Link(
        position=_get(obj, "position", int, where=where),
        kind=kind,
        previous=_hash(obj, "previous", where),
        entry_sha256=_hash(obj, "entry_sha256", where),
        link_sha256=_hash(obj, "link_sha256", where),
        document_sha256=document,
        entry=entry,
    )
