"""The register of signatures as a tamper-evident chain.

Each signed document of a pact version records the SHA-256 of the one
signed before it (the first records :data:`GENESIS`). Removing, inserting,
reordering or changing a record breaks a link that a check can point at.
:func:`chain_head` folds the whole chain into one digest that can be
published or handed over, so rewriting every link is noticed too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ChainRecord:
    sha256: str  # of the signed PDF
    previous: str  # sha256 of the previous signed PDF, GENESIS for the first


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    broken_at: int | None = None  # index of the first bad record
    reason: str = ""


def next_previous(records: Sequence[ChainRecord]) -> str:
    """What the next record must store as ``previous``."""
    return records[-1].sha256 if records else GENESIS


def build_chain(document_hashes: Iterable[str]) -> list[ChainRecord]:
    """Link SHA-256 values, in signing order, into chain records."""
    records: list[ChainRecord] = []
    for digest in document_hashes:
        records.append(ChainRecord(sha256=digest, previous=next_previous(records)))
    return records


def verify_chain(records: Sequence[ChainRecord]) -> ChainCheck:
    """Check every link; report the first record that does not fit."""
    seen: set[str] = set()
    expected = GENESIS
    for index, record in enumerate(records):
        if not (_HEX64.fullmatch(record.sha256) and _HEX64.fullmatch(record.previous)):
            return ChainCheck(False, len(records), index, "not a SHA-256 value")
        if record.previous != expected:
            return ChainCheck(
                False,
                len(records),
                index,
                f"expected previous {expected[:12]}…, found {record.previous[:12]}…",
            )
        if record.sha256 in seen:
            return ChainCheck(False, len(records), index, "document listed twice")
        seen.add(record.sha256)
        expected = record.sha256
    return ChainCheck(True, len(records))


def chain_head(records: Sequence[ChainRecord]) -> str:
    """One digest for the whole chain: h_i = sha256(h_{i-1} ‖ previous ‖ sha256)."""
    head = GENESIS
    for record in records:
        head = hashlib.sha256(
            f"{head}:{record.previous}:{record.sha256}".encode("ascii")
        ).hexdigest()
    return head
