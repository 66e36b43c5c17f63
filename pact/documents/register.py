"""The register of signatures as a chain of entries.

Each link hashes the canonical form of one register entry (a signature: the
adhesion, member, signatory, method, time, pact version, commitments and
document hash; or a withdrawal) together with the previous link. Editing a
field, deleting, inserting or reordering an entry breaks a link that
:func:`verify_links` names; the last link (the *head*) and the length are
published and handed over, so a truncated or wholly rewritten chain shows
against them. A link can travel without its entry (a *tombstone*: hashes
only): the receiver still checks continuity.

Pure functions of plain data: the database side is
:mod:`pact.services.register`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64
SIGNATURE = "signature"
WITHDRAWAL = "withdrawal"
KINDS = (SIGNATURE, WITHDRAWAL)
HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical_time(value: dt.datetime | None) -> str:
    """UTC, microseconds always written: the same instant, the same text."""
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def commitment_lines(text: str | Iterable[str]) -> list[str]:
    lines = text.splitlines() if isinstance(text, str) else list(text)
    return [line.strip() for line in lines if line.strip()]


def signature_entry(
    *,
    adhesion: str,
    pact: str,
    version: int,
    text_sha256: str,
    member: dict,
    network_role: str,
    signatory: str,
    method: str,
    signed_at: dt.datetime,
    commitments,
    document_sha256: str,
    short_code: str,
) -> dict:
    """The canonical content of a signature entry."""
    return {
        "kind": SIGNATURE,
        "adhesion": adhesion,
        "pact": pact,
        "version": version,
        "text_sha256": text_sha256,
        "member": {
            "kind": member.get("kind", ""),
            "name": member.get("name", ""),
            "codice_fiscale": member.get("codice_fiscale", "") or "",
            "partita_iva": member.get("partita_iva", "") or "",
        },
        "network_role": network_role,
        "signatory": signatory.strip(),
        "method": method,
        "signed_at": canonical_time(signed_at),
        "commitments": commitment_lines(commitments),
        "document_sha256": document_sha256,
        "short_code": short_code,
    }


def withdrawal_entry(
    *, adhesion: str, withdrawn_at: dt.datetime, signature_link: str
) -> dict:
    """A withdrawal: no personal data, so it always travels whole."""
    return {
        "kind": WITHDRAWAL,
        "adhesion": adhesion,
        "withdrawn_at": canonical_time(withdrawn_at),
        "signature_link": signature_link,
    }


def entry_sha256(entry: dict) -> str:
    payload = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=",:")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def link_sha256(previous: str, entry_hash: str) -> str:
    return hashlib.sha256(f"{previous}:{entry_hash}".encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One link as stored or handed over. ``entry`` is ``None`` for a tombstone."""

    position: int
    kind: str
    previous: str
    entry_sha256: str
    link_sha256: str
    document_sha256: str = ""  # signature links: the signed PDF's hash
    entry: dict | None = None

    def to_manifest(self, *, with_entry: bool = False) -> dict:
        data = {
            "position": self.position,
            "kind": self.kind,
            "previous": self.previous,
            "entry_sha256": self.entry_sha256,
            "link_sha256": self.link_sha256,
            "document_sha256": self.document_sha256,
        }
        if with_entry and self.entry is not None:
            data["entry"] = self.entry
        return data


def build_links(entries: Iterable[dict], start: Sequence[Link] = ()) -> list[Link]:
    """Append ``entries`` after ``start`` and return the new links."""
    links = list(start)
    new = []
    for entry in entries:
        previous = links[-1].link_sha256 if links else GENESIS
        digest = entry_sha256(entry)
        link = Link(
            position=(links[-1].position + 1) if links else 1,
            kind=entry["kind"],
            previous=previous,
            entry_sha256=digest,
            link_sha256=link_sha256(previous, digest),
            document_sha256=entry.get("document_sha256", ""),
            entry=entry,
        )
        links.append(link)
        new.append(link)
    return new


@dataclass(frozen=True)
class LinkCheck:
    ok: bool
    count: int
    head: str
    broken_at: int | None = None  # position (1-based) of the first bad link
    reason: str = ""


def verify_links(links: Sequence[Link]) -> LinkCheck:
    """Check positions, hashes and continuity; name the first link that fails."""
    expected, documents = GENESIS, set()
    for index, link in enumerate(links, start=1):
        problem = _link_problem(link, index, expected, documents)
        if problem:
            return LinkCheck(False, len(links), expected, index, problem)
        expected = link.link_sha256
    return LinkCheck(True, len(links), expected)


def _link_problem(link: Link, index: int, expected: str, documents: set) -> str:
    hashes = (link.previous, link.entry_sha256, link.link_sha256)
    if not all(isinstance(h, str) and HEX64.fullmatch(h) for h in hashes):
        return "not a SHA-256 value"
    if link.kind not in KINDS:
        return f"unknown kind of entry {link.kind!r}"
    if link.position != index:
        return f"found at position {index} a link numbered {link.position}"
    if link.previous != expected:
        return (
            f"expected previous link {expected[:12]}…, found {link.previous[:12]}…"
            " (an entry before it was deleted, inserted or moved)"
        )
    if link.entry is not None and entry_sha256(link.entry) != link.entry_sha256:
        return "the entry's content does not match its hash (a field was edited)"
    if link.entry is not None and link.entry.get("document_sha256", "") != (
        link.document_sha256
    ):
        return "the link names another document than its entry"
    if link_sha256(link.previous, link.entry_sha256) != link.link_sha256:
        return "the link's hash does not match its content"
    if link.kind == SIGNATURE:
        if link.document_sha256 in documents:
            return "document listed twice"
        documents.add(link.document_sha256)
    return ""


def head_of(links: Sequence[Link]) -> str:
    return links[-1].link_sha256 if links else GENESIS
