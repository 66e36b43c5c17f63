"""The whole check of a received handover bundle, shared by ``verify_bundle``
and ``import_handover``.

1. The strict reader (:mod:`.bundle_reader`): names, sizes, every file's hash.
2. The manifest's seal: intact and by a certificate that chains to ``roots``
   (the receiver's trusted senders). Nothing else is read before it passes.
3. The register the manifest carries: an unbroken chain with the stated head
   and length, and each adhesion's entry hashing to its link.
4. Every PDF opened and checked by the one verifier (:mod:`.verify`): sealed,
   intact, covering the whole file, by a trusted certificate, and its embedded
   data equal to the manifest's entry.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import zipfile
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from . import register as chain
from .bundle import BundleAdhesion, BundleError, BundlePactVersion
from .bundle_reader import BundleLimits, VerifiedBundle, read_bundle, read_entry
from .manifest_seal import verify_manifest_seal
from .verify import inspect_pdf, sha256_hex


@dataclass(frozen=True)
class CheckedBundle:
    bundle: VerifiedBundle
    sender: str
    sender_fingerprint: str
    signatures: dict  # reference -> the signature data embedded in its PDF


def canonical_entry(version: BundlePactVersion, entry: BundleAdhesion) -> dict:
    """The register entry a manifest's adhesion stands for."""
    member = entry.member
    return chain.signature_entry(
        adhesion=entry.reference,
        pact=version.pact_slug,
        version=version.number,
        text_sha256=version.text_sha256,
        member={
            "kind": member.kind,
            "name": member.name,
            "codice_fiscale": member.codice_fiscale,
            "partita_iva": member.partita_iva,
        },
        network_role=entry.network_role_code,
        signatory=entry.signatory_name,
        method=entry.method,
        signed_at=entry.signed_at,
        commitments=entry.commitments,
        document_sha256=entry.sha256,
        short_code=entry.short_code,
    )


def check_bundle(source, *, roots, limits: BundleLimits | None = None):
    """Check everything; raise :class:`BundleError` with every reason found."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _check_bundle(source, roots, limits)
    # pyHanko's validators run their own event loop: not inside a running one.
    language = translation.get_language()

    def in_thread():
        with translation.override(language):
            return _check_bundle(source, roots, limits)

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


def _check_bundle(source, roots, limits):
    bundle = read_bundle(source, limits=limits)
    seal = verify_manifest_seal(
        bundle.manifest_raw, bundle.manifest_seal, roots=list(roots)
    )
    if not seal.ok:
        raise BundleError(seal.problem)
    signatures = {}
    problems = register_problems(bundle)
    problems += document_problems(bundle, roots=roots, signatures=signatures)
    if problems:
        raise BundleError(problems)
    return CheckedBundle(bundle, seal.signer, seal.fingerprint, signatures)


def register_problems(bundle: VerifiedBundle) -> list[str]:
    register = bundle.register
    links = list(register.links)
    check = chain.verify_links(links)
    if not check.ok:
        return [
            _("The register in the manifest is broken at link %(n)s: %(why)s.")
            % {"n": check.broken_at, "why": check.reason}
        ]
    if register.head != chain.head_of(links):
        return [_("The register's head in the manifest is not its last link.")]
    by_document = {
        link.document_sha256: (index, link)
        for index, link in enumerate(links)
        if link.kind == chain.SIGNATURE
    }
    problems = []
    for entry in bundle.adhesions:
        found = by_document.get(entry.sha256)
        expected = chain.entry_sha256(canonical_entry(bundle.pact_version, entry))
        if found is None or found[1].entry_sha256 != expected:
            problems.append(
                _(
                    "Adhesion %(ref)s: the manifest's entry is not the one in the "
                    "register (a field was changed)."
                )
                % {"ref": entry.reference}
            )
        elif entry.previous_sha256 != _previous_document(links, found[0]):
            problems.append(
                _("Adhesion %(ref)s: its previous document is not the register's.")
                % {"ref": entry.reference}
            )
    return problems


def _previous_document(links, index: int) -> str:
    for link in reversed(links[:index]):
        if link.kind == chain.SIGNATURE:
            return link.document_sha256
    return chain.GENESIS


def document_problems(
    bundle: VerifiedBundle, *, roots, signatures: dict | None = None
) -> list[str]:
    """Open every PDF, one at a time, and run the verifier on it; collect
    each document's embedded signature data in ``signatures``."""
    signatures = {} if signatures is None else signatures
    problems = []
    with zipfile.ZipFile(bundle.source) as zf:
        for entry in bundle.adhesions:
            data = read_entry(zf, entry.file_name)
            if sha256_hex(data) != entry.sha256:
                problems.append(
                    _("%(name)s changed while it was read.") % {"name": entry.file_name}
                )
                continue
            problem, embedded = pdf_check(data, entry, bundle.pact_version, roots)
            signatures[entry.reference] = embedded.get("signature") or {}
            if problem:
                problems.append(f"{entry.file_name}: {problem}")
    return problems


def pdf_check(data: bytes, entry: BundleAdhesion, version, roots):
    """``(problem, embedded data)``: why the PDF is not the sealed document of
    ``entry`` (``""`` when it is), and the data it embeds."""
    report = inspect_pdf(data, roots=list(roots))
    embedded = report.data if isinstance(report.data, dict) else {}
    return _pdf_problem(report, embedded, entry, version), embedded


def _pdf_problem(report, embedded, entry, version) -> str:
    seal = report.seal
    if not report.readable:
        return _("not a readable PDF.")
    if not seal.present:
        return _("the document is not sealed.")
    if not (seal.intact and seal.valid and seal.whole_file):
        return _("the seal is broken: the file was changed after it was sealed.")
    if not seal.trusted:
        return _(
            "sealed by “%(signer)s”, a certificate that is not a trusted sender's."
        ) % {"signer": seal.signer}
    different = data_differences(embedded, entry, version)
    if different:
        return _("the signed document says otherwise about: %(fields)s.") % {
            "fields": ", ".join(different)
        }
    return ""


def data_differences(data: dict, entry: BundleAdhesion, version) -> list[str]:
    """The manifest fields the PDF's embedded data contradicts."""
    member = data.get("member") or {}
    signature = data.get("signature") or {}
    commitments = [
        c.get("text", "") for c in data.get("commitments") or [] if isinstance(c, dict)
    ]
    checks = {
        "adhesion": data.get("adhesion") == entry.reference,
        "short_code": data.get("short_code", "") == entry.short_code,
        "pact": (data.get("pact") or {}).get("text_sha256") == version.text_sha256,
        "member": all(
            (member.get(k) or "") == getattr(entry.member, k)
            for k in ("name", "kind", "codice_fiscale", "partita_iva")
        ),
        "network_role": (data.get("network_role") or {}).get("code")
        == entry.network_role_code,
        "signatory": (data.get("signatory") or {}).get("name", "").strip()
        == entry.signatory_name.strip(),
        "method": signature.get("method") == entry.method,
        "signed_at": _same_instant(signature.get("signed_at"), entry.signed_at),
        "commitments": chain.commitment_lines("\n".join(commitments))
        == chain.commitment_lines(entry.commitments),
        "previous_sha256": data.get("previous_sha256", "") == entry.previous_sha256,
    }
    return [name for name, same in checks.items() if not same]


def _same_instant(text, when: dt.datetime) -> bool:
    try:
        return dt.datetime.fromisoformat(text) == when
    except (TypeError, ValueError):
        return False
