"""The register of signatures: append, read and check the chain of entries.

Signing appends a signature link, withdrawing a withdrawal link, both under
the pact version's row lock, so a version's links grow one at a time. The
check recomputes every link, compares every entry with the adhesion the
database holds now, and measures the chain against the heads that handovers
carried (:class:`~pact.models.RegisterCheckpoint`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from pact.documents import register as chain
from pact.models import (
    SIGNED_STATUSES,
    Adhesion,
    AdhesionStatus,
    PactVersion,
    RegisterCheckpoint,
    RegisterLink,
)

# --- entries -------------------------------------------------------------------


def member_entry(member) -> dict:
    return {
        "kind": member.kind,
        "name": member.legal_name or member.name,  # as the signed PDF names it
        "codice_fiscale": member.codice_fiscale or "",
        "partita_iva": member.partita_iva or "",
    }


def signature_entry_of(adhesion) -> dict:
    """The canonical signature entry of a signed adhesion, from the database."""
    version = adhesion.version
    return chain.signature_entry(
        adhesion=str(adhesion.uuid),
        pact=version.pact.slug,
        version=version.number,
        text_sha256=version.text_sha256,
        member=member_entry(adhesion.member),
        network_role=adhesion.network_role.code,
        signatory=adhesion.signatory.full_name,
        method=adhesion.signature_method,
        signed_at=adhesion.signed_at,
        commitments=adhesion.commitments,
        document_sha256=adhesion.document_sha256,
        short_code=adhesion.short_code or "",
    )


def as_link(row: RegisterLink) -> chain.Link:
    return chain.Link(
        position=row.position,
        kind=row.kind,
        previous=row.previous_sha256,
        entry_sha256=row.entry_sha256,
        link_sha256=row.link_sha256,
        document_sha256=row.document_sha256,
        entry=row.entry,
    )


def links_of(version: PactVersion) -> list[chain.Link]:
    rows = RegisterLink.objects.filter(version=version).order_by("position")
    return [as_link(r) for r in rows]


def register_state(version: PactVersion) -> tuple[int, str]:
    """``(length, head)`` of the version's register."""
    last = (
        RegisterLink.objects.filter(version=version)
        .order_by("-position")
        .only("position", "link_sha256")
        .first()
    )
    return (last.position, last.link_sha256) if last else (0, chain.GENESIS)


# --- append --------------------------------------------------------------------


def _append(version_id: int, entry: dict, adhesion) -> RegisterLink:
    """Append one link; the caller holds the version's row lock."""
    last = (
        RegisterLink.objects.filter(version_id=version_id).order_by("-position").first()
    )
    (link,) = chain.build_links([entry], [as_link(last)] if last else [])
    return RegisterLink.objects.create(
        version_id=version_id,
        position=link.position,
        kind=link.kind,
        previous_sha256=link.previous,
        entry_sha256=link.entry_sha256,
        link_sha256=link.link_sha256,
        document_sha256=link.document_sha256,
        entry=entry,
        adhesion=adhesion,
    )


def _lock_version(version_id: int) -> None:
    PactVersion.objects.select_for_update().only("pk").get(pk=version_id)


def register_signature(adhesion: Adhesion) -> RegisterLink:
    """Append the signature of a just-signed adhesion (inside its transaction)."""
    _lock_version(adhesion.version_id)
    return _append(adhesion.version_id, signature_entry_of(adhesion), adhesion)


def register_withdrawal(adhesion: Adhesion) -> RegisterLink:
    """Append the withdrawal of a signed adhesion (inside its transaction)."""
    _lock_version(adhesion.version_id)
    signature = RegisterLink.objects.filter(
        adhesion=adhesion, kind=chain.SIGNATURE
    ).first()
    entry = chain.withdrawal_entry(
        adhesion=str(adhesion.uuid),
        withdrawn_at=adhesion.withdrawn_at,
        signature_link=signature.link_sha256 if signature else chain.GENESIS,
    )
    return _append(adhesion.version_id, entry, adhesion)


def register_manifest(version: PactVersion) -> dict:
    """The register as a handover carries it: every link, hashes only, but
    for withdrawals (no personal data; the receiver applies them). The
    signature entries travel as the manifest's adhesions."""
    links = links_of(version)
    return {
        "length": len(links),
        "head": chain.head_of(links),
        "links": [
            link.to_manifest(with_entry=link.kind == chain.WITHDRAWAL) for link in links
        ],
    }


def register_checkpoint(version: PactVersion, *, source: str) -> RegisterCheckpoint:
    length, head = register_state(version)
    return RegisterCheckpoint.objects.create(
        version=version, length=length, head=head, source=source[:200]
    )


# --- check ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterReport:
    version: PactVersion
    ok: bool
    count: int
    head: str
    position: int | None = None  # the first bad link
    adhesion: Adhesion | None = None
    reason: str = ""

    @property
    def where(self) -> str:
        text = f"link {self.position}"
        if self.adhesion is not None:
            text += f" (adhesion {self.adhesion.reference}, {self.adhesion.short_code})"
        return text


def _identifier(value) -> str:
    return (value or "").strip().upper().replace(" ", "").removeprefix("IT")


def _same_member(recorded: dict, member) -> bool:
    """Organisations by partita IVA or codice fiscale (as an import matches
    them), families by name; an anonymised member by kind only."""
    if member.anonymised_at:
        return recorded.get("kind") == member.kind
    piva = _identifier(recorded.get("partita_iva"))
    cf = _identifier(recorded.get("codice_fiscale"))
    if recorded.get("kind") != "family" and (piva or cf):
        return bool(
            (piva and _identifier(member.partita_iva) == piva)
            or (cf and _identifier(member.codice_fiscale) == cf)
        )
    name = member.legal_name or member.name
    return recorded.get("name") == name and recorded.get("kind") == member.kind


def entry_differences(entry: dict, adhesion: Adhesion) -> list[str]:
    """The fields of ``entry`` that the adhesion in the database contradicts."""
    live = signature_entry_of(adhesion)
    different = [
        name
        for name in sorted(live)
        if name not in ("member", "signatory") and live[name] != entry.get(name)
    ]
    if not _same_member(entry.get("member") or {}, adhesion.member):
        different.append("member")
    if not adhesion.signatory.anonymised_at and live["signatory"] != entry.get(
        "signatory"
    ):
        different.append("signatory")
    return different


def entry_holds(adhesion: Adhesion) -> bool:
    """The adhesion has its signature link, and the link's entry is intact and
    agrees with the adhesion as the database holds it now."""
    link = RegisterLink.objects.filter(adhesion=adhesion, kind=chain.SIGNATURE).first()
    return bool(
        link is not None
        and link.entry is not None
        and chain.entry_sha256(link.entry) == link.entry_sha256
        and not entry_differences(link.entry, adhesion)
    )


def _rows(version):
    return list(
        RegisterLink.objects.filter(version=version)
        .select_related(
            "adhesion__member",
            "adhesion__signatory",
            "adhesion__network_role",
            "adhesion__version__pact",
        )
        .order_by("position")
    )


def register_check(version: PactVersion, *, expected_head: str = "") -> RegisterReport:
    """Check a version's register; the report names the first bad link."""
    rows = _rows(version)
    links = [as_link(r) for r in rows]
    check = chain.verify_links(links)

    def bad(position, reason, adhesion=None):
        if adhesion is None and position and position <= len(rows):
            adhesion = rows[position - 1].adhesion
        return RegisterReport(
            version, False, len(rows), check.head, position, adhesion, reason
        )

    if not check.ok:
        return bad(check.broken_at, check.reason)
    problem = _entries_problem(rows)
    if problem:
        return bad(*problem)
    problem = _coverage_problem(version, rows)
    if problem:
        return bad(*problem)
    for checkpoint in version.register_checkpoints.order_by("length", "pk"):
        problem = _anchor_problem(links, checkpoint.length, checkpoint.head)
        if problem:
            return bad(*problem[:1], f"{problem[1]} ({checkpoint.source})")
    if expected_head:
        found = [i for i, link in enumerate(links) if link.link_sha256 == expected_head]
        if not found:
            return bad(
                len(links) + 1,
                "the head given is not in the register: it was truncated or rewritten",
            )
    return RegisterReport(version, True, len(rows), check.head)


def _entries_problem(rows):
    previous_document = chain.GENESIS
    for row in rows:
        adhesion = row.adhesion
        if row.kind == chain.SIGNATURE:
            if adhesion is not None:
                problem = _signature_problem(row, adhesion, previous_document)
                if problem:
                    return row.position, problem
            previous_document = row.document_sha256
        elif adhesion is not None and (
            adhesion.status != AdhesionStatus.WITHDRAWN
            or chain.canonical_time(adhesion.withdrawn_at)
            != (row.entry or {}).get("withdrawn_at")
        ):
            return row.position, "the adhesion no longer matches its withdrawal"
    return None


def _signature_problem(row, adhesion, previous_document) -> str:
    if row.entry is None:
        return "the entry of a signed adhesion held here is missing"
    if adhesion.status not in SIGNED_STATUSES:
        return "the adhesion is no longer signed"
    different = entry_differences(row.entry, adhesion)
    if different:
        return "the adhesion differs from its register entry: " + ", ".join(different)
    if adhesion.previous_sha256 != previous_document:
        return "the adhesion's previous document is not the one before it"
    return ""


def _coverage_problem(version, rows):
    """Every signed adhesion and every withdrawal held here has its link."""
    linked = {(r.adhesion_id, r.kind) for r in rows if r.adhesion_id}
    signed = Adhesion.objects.signed().filter(version=version).chain_order()
    for adhesion in signed.only("pk", "uuid", "short_code", "status"):
        if (adhesion.pk, chain.SIGNATURE) not in linked:
            return (
                len(rows) + 1,
                "a signed adhesion is missing from the register (an entry was "
                "deleted or the register truncated)",
                adhesion,
            )
        withdrawn = adhesion.status == AdhesionStatus.WITHDRAWN
        if withdrawn and (adhesion.pk, chain.WITHDRAWAL) not in linked:
            return (
                len(rows) + 1,
                "a withdrawal is missing from the register",
                adhesion,
            )
    return None


def _anchor_problem(links, length, head):
    if length > len(links):
        return (
            len(links) + 1,
            f"the register was truncated: {length} links were handed over, "
            f"{len(links)} remain",
        )
    if length and links[length - 1].link_sha256 != head:
        return length, "the register was rewritten: this is not the head handed over"
    return None


# --- receive -------------------------------------------------------------------


def register_continuation(
    version: PactVersion | None, links
) -> tuple[list[chain.Link], str]:
    """The links of a received register that this one lacks, or why the two
    registers cannot be one (a link differs where both have it)."""
    local = links_of(version) if version is not None else []
    for mine, theirs in zip(local, links, strict=False):
        if mine.link_sha256 != theirs.link_sha256:
            return [], _(
                "The register in the bundle does not continue the one held here: "
                "link %(n)s differs."
            ) % {"n": mine.position}
    return list(links[len(local) :]), ""


def register_receive(
    *, version: PactVersion, links, entries: dict, adhesions: dict, source: str
) -> tuple[int, int]:
    """Append received ``links``; attach the signatures that arrived.

    ``entries`` and ``adhesions`` map a document's SHA-256 to its canonical
    entry and to the adhesion now held here. Withdrawals are applied to the
    adhesions held here. Returns ``(links added, withdrawals applied)``.
    """
    waiting = RegisterLink.objects.filter(
        version=version, adhesion__isnull=True, kind=chain.SIGNATURE
    )
    for row in waiting.filter(document_sha256__in=list(adhesions)):
        row.adhesion = adhesions[row.document_sha256]
        row.entry = entries[row.document_sha256]
        row.save(update_fields=["adhesion", "entry"])
    withdrawn = 0
    # Withdrawals that reached here before the adhesion they withdraw.
    pending = RegisterLink.objects.filter(
        version=version, adhesion__isnull=True, kind=chain.WITHDRAWAL
    )
    for row in pending:
        row.adhesion = _apply_withdrawal(version, row.entry or {})
        if row.adhesion is not None:
            row.save(update_fields=["adhesion"])
            withdrawn += 1
    for link in links:
        adhesion, entry = None, link.entry
        if link.kind == chain.SIGNATURE:
            adhesion = adhesions.get(link.document_sha256)
            entry = entries.get(link.document_sha256)
        else:
            adhesion = _apply_withdrawal(version, link.entry or {})
            withdrawn += adhesion is not None
        RegisterLink.objects.create(
            version=version,
            position=link.position,
            kind=link.kind,
            previous_sha256=link.previous,
            entry_sha256=link.entry_sha256,
            link_sha256=link.link_sha256,
            document_sha256=link.document_sha256,
            entry=entry,
            adhesion=adhesion,
        )
    register_checkpoint(version, source=source)
    return len(links), withdrawn


def _apply_withdrawal(version: PactVersion, entry: dict) -> Adhesion | None:
    adhesion = (
        Adhesion.objects.select_for_update()
        .filter(version=version, uuid=entry.get("adhesion"))
        .first()
    )
    if adhesion is None:
        return None  # withdrawn before it was ever sent here
    if adhesion.status != AdhesionStatus.WITHDRAWN:
        adhesion.status = AdhesionStatus.WITHDRAWN
        adhesion.withdrawn_at = dt.datetime.fromisoformat(entry["withdrawn_at"])
        adhesion.withdrawal_reason = _("Withdrawn on the sending instance.")
        adhesion.save()
    return adhesion
