"""Import a handover bundle on the receiving instance (``import_handover``).

Nothing is written until the whole bundle has been checked: the whole check
of :func:`pact.services.trust.bundle_verify` first (names, sizes, hashes, the
manifest's seal by a trusted sender, the register, every PDF by the one
verifier), then the bundle's register against the one held here, and every
entry against what this instance already holds. Then one transaction writes the pact
version, the members, the signatories and the adhesions with their PDFs,
byte for byte. Importing the same bundle again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import translation
from django.utils.translation import gettext as _

from crm.models import (
    AffiliationRole,
    Member,
    MemberKind,
    MemberSource,
    MemberStatus,
    Municipality,
    Person,
)
from pact.canonical import sha256_hex
from pact.documents.bundle import MANIFEST, BundleAdhesion, BundleError
from pact.documents.bundle_check import canonical_entry
from pact.documents.bundle_reader import BundleLimits, read_entry
from pact.models import (
    Adhesion,
    AdhesionStatus,
    Article,
    NetworkRole,
    Pact,
    PactVersion,
    SignatureMethod,
    VersionStatus,
)

from .register import register_continuation, register_receive
from .trust import bundle_verify


@dataclass
class ImportResult:
    version: PactVersion
    created: int = 0
    unchanged: int = 0
    members_created: int = 0
    members_matched: int = 0
    version_created: bool = False
    links_added: int = 0
    withdrawals: int = 0


@dataclass
class _Item:
    entry: BundleAdhesion
    skip: bool = False  # already here, identical
    member: Member | None = None  # matched on this instance
    evidence: dict = field(default_factory=dict)


@dataclass
class _Plan:
    bundle: object
    canonical_text: str
    version: PactVersion | None
    items: list[_Item]
    problems: list[str] = field(default_factory=list)
    identifiers: set = field(default_factory=set)
    text: dict = field(default_factory=dict)  # the canonical text, parsed
    new_links: list = field(default_factory=list)  # register links to append


def handover_import(*, source, by=None) -> ImportResult:
    """Verify and import the bundle at ``source`` (a path or a binary file).

    Raises :class:`~pact.documents.bundle.BundleError` listing every reason
    when anything is off; then nothing has been written.
    """
    checked = bundle_verify(source)
    plan = _plan(checked, source)
    if plan.problems:
        raise BundleError(plan.problems)
    return _apply(plan, source)


# --- checks (read only) -------------------------------------------------------


def _plan(checked, source) -> _Plan:
    bundle = checked.bundle
    version_data = bundle.pact_version
    canonical = _canonical_text(source)
    plan = _Plan(bundle, canonical, None, [_Item(e) for e in bundle.adhesions])
    if canonical and sha256_hex(canonical) != version_data.text_sha256:
        plan.problems.append(
            _("The pact text in the manifest does not match its SHA-256.")
        )
    elif canonical:
        parsed = _parsed_text(canonical)
        if parsed is None:
            plan.problems.append(
                _("The pact text in the manifest is not in the expected form.")
            )
        else:
            plan.text = parsed
    plan.version = (
        PactVersion.objects.filter(
            pact__slug=version_data.pact_slug, number=version_data.number
        )
        .select_related("pact")
        .first()
    )
    if plan.version and plan.version.text_sha256 != version_data.text_sha256:
        plan.problems.append(
            _(
                "Version %(number)s of “%(pact)s” exists here with a different "
                "text: the bundle cannot be merged into it."
            )
            % {"number": version_data.number, "pact": plan.version.pact}
        )
    plan.problems += _unstorable_version(version_data)
    for item in plan.items:
        item.evidence = checked.signatures.get(item.entry.reference) or {}
    plan.problems += _register_plan(plan)
    for item in plan.items:
        plan.problems.extend(_check_entry(plan, item))
    return plan


def _register_plan(plan: _Plan) -> list[str]:
    """The bundle's register must continue the one held here."""
    links = plan.bundle.register.links
    plan.new_links, problem = register_continuation(plan.version, links)
    return [problem] if problem else []


def _canonical_text(source) -> str:
    with zipfile.ZipFile(source) as zf:
        raw = read_entry(zf, MANIFEST, limit=BundleLimits().max_manifest_bytes)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BundleError(
            _("%(name)s changed after verification.") % {"name": MANIFEST}
        ) from None
    text = manifest.get("pact_version", {}).get("canonical_text") or ""
    return text if isinstance(text, str) else ""


_TEXT_FIELDS = ("preamble", "duration_terms", "renewal_terms")


def _parsed_text(canonical: str) -> dict | None:
    """The parts of the canonical text a version is rebuilt from, or ``None``
    when it is not the JSON document ``pact.canonical`` writes."""
    try:
        text = json.loads(canonical)
    except (ValueError, RecursionError):
        return None
    if not isinstance(text, dict):
        return None
    articles, roles = text.get("articles", []), text.get("network_roles", [])
    if not (
        _fits(PactVersion, text, _TEXT_FIELDS)
        and isinstance(articles, list)
        and all(_fits(Article, a, ("title", "body")) for a in articles)
        and isinstance(roles, list)
        and all(_fits(NetworkRole, r, ("code", "name", "description")) for r in roles)
        and all(r.get("code") for r in roles)
    ):
        return None
    return text


def _fits(model, obj, names) -> bool:
    """``obj`` is a dict whose ``names`` are text that ``model`` can store."""
    if not isinstance(obj, dict):
        return False
    for name in names:
        value = obj.get(name, "")
        limit = model._meta.get_field(name).max_length
        if not isinstance(value, str) or "\x00" in value:
            return False
        if limit and len(value) > limit:
            return False
    return True


def _check_entry(plan: _Plan, item: _Item) -> list[str]:
    entry, ref = item.entry, item.entry.reference
    try:
        reference = uuid.UUID(ref)
    except ValueError:
        return [_("Adhesion %(ref)s: the reference is not ours.") % {"ref": ref}]
    existing = Adhesion.objects.filter(uuid=reference).first()
    if existing is not None:
        if existing.document_sha256 == entry.sha256:
            item.skip = True
            return []
        return [
            _("Adhesion %(ref)s exists here with a different document.") % {"ref": ref}
        ]
    problems = []
    clash = Adhesion.objects.filter(
        Q(document_sha256=entry.sha256) | Q(short_code=entry.short_code)
    )
    if not entry.short_code or clash.exists():
        problems.append(
            _("Adhesion %(ref)s: its document or verification code is already here.")
            % {"ref": ref}
        )
    if entry.method not in SignatureMethod.values:
        problems.append(_("Adhesion %(ref)s: unknown signature method.") % {"ref": ref})
    if entry.member.kind not in MemberKind.values:
        problems.append(_("Adhesion %(ref)s: unknown kind of member.") % {"ref": ref})
    if not entry.signatory_name.strip():
        problems.append(_("Adhesion %(ref)s: no signatory.") % {"ref": ref})
    problems += _unstorable(entry)
    problems += _match_member(plan, item)
    if (
        plan.version
        and not plan.version.network_roles.filter(code=entry.network_role_code).exists()
    ):
        problems.append(
            _("Adhesion %(ref)s: role “%(role)s” is not defined in this version.")
            % {"ref": ref, "role": entry.network_role_code}
        )
    return problems


def _too_long(values) -> list[tuple[str, int]]:
    """``(field label, limit)`` of each value longer than its field stores."""
    found = []
    for value, model, name in values:
        model_field = model._meta.get_field(name)
        limit = model_field.max_length
        if value and limit and len(value) > limit:
            found.append((str(model_field.verbose_name), limit))
    return found


def _unstorable(entry: BundleAdhesion) -> list[str]:
    """What the manifest says of an adhesion that this database cannot hold."""
    first, _sep, last = entry.signatory_name.strip().rpartition(" ")
    member = entry.member
    values = [
        (member.name, Member, "name"),
        (first or last, Person, "first_name"),
        (last if first else "", Person, "last_name"),
        (entry.network_role_code, NetworkRole, "code"),
        (entry.network_role_name, NetworkRole, "name"),
        (entry.short_code, Adhesion, "short_code"),
        (entry.previous_sha256, Adhesion, "previous_sha256"),
    ]
    if member.kind != MemberKind.FAMILY:
        values += [
            (_identifier(member.partita_iva).removeprefix("IT"), Member, "partita_iva"),
            (_identifier(member.codice_fiscale), Member, "codice_fiscale"),
        ]
    return [
        _(
            "Adhesion %(ref)s: “%(field)s” is too long to be stored here "
            "(at most %(max)s characters)."
        )
        % {"ref": entry.reference, "field": label, "max": limit}
        for label, limit in _too_long(values)
    ]


def _unstorable_version(data) -> list[str]:
    values = [(data.pact_title, Pact, "title"), (data.pact_slug, Pact, "slug")]
    return [
        _(
            "The pact version: “%(field)s” is too long to be stored here "
            "(at most %(max)s characters)."
        )
        % {"field": label, "max": limit}
        for label, limit in _too_long(values)
    ]


def _identifier(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def _match_member(plan: _Plan, item: _Item) -> list[str]:
    """Organisations by partita IVA / codice fiscale; families are new."""
    data, ref = item.entry.member, item.entry.reference
    if data.kind == MemberKind.FAMILY:
        return []
    # Matched as the sender stored them: a check-digit quarrel is not a reason
    # to refuse what was signed.
    piva = _identifier(data.partita_iva).removeprefix("IT")
    cf = _identifier(data.codice_fiscale)
    identifiers = Q()
    if piva:
        identifiers |= Q(partita_iva=piva)
    if cf:
        identifiers |= Q(codice_fiscale=cf)
    if not identifiers:
        return []  # nothing to match on: a new organisation
    key = (piva, cf)
    if key in plan.identifiers:
        return [
            _("Adhesion %(ref)s: the organisation appears twice in the bundle.")
            % {"ref": ref}
        ]
    plan.identifiers.add(key)
    found = {m.pk: m for m in Member.objects.filter(identifiers)}
    if len(found) > 1:
        return [
            _(
                "Adhesion %(ref)s: the partita IVA and the codice fiscale belong to "
                "two different members here."
            )
            % {"ref": ref}
        ]
    item.member = next(iter(found.values()), None)
    if item.member and plan.version:
        taken = Adhesion.objects.filter(version=plan.version, member=item.member)
        if taken.exists():
            return [
                _("Adhesion %(ref)s: %(member)s already adheres to this version here.")
                % {"ref": ref, "member": item.member}
            ]
    return []


# --- writes --------------------------------------------------------------------


@transaction.atomic
def _apply(plan: _Plan, source) -> ImportResult:
    version, created = _version(plan)
    result = ImportResult(version=version, version_created=created)
    roles = {r.code: r for r in version.network_roles.all()}
    position = version.adhesions.aggregate(n=Max("chain_position"))["n"] or 0
    written = []
    try:
        with zipfile.ZipFile(source) as zf:
            for item in plan.items:
                if item.skip:
                    result.unchanged += 1
                    continue
                position += 1
                data = read_entry(zf, item.entry.file_name)
                if hashlib.sha256(data).hexdigest() != item.entry.sha256:
                    raise BundleError(
                        _("%(name)s changed while it was imported.")
                        % {"name": item.entry.file_name}
                    )
                adhesion = _adhesion(plan, item, version, roles, position, result)
                adhesion.document.save("imported.pdf", ContentFile(data), save=False)
                written.append(adhesion.document)
                adhesion.save()
                result.created += 1
        _receive_register(plan, version, result)
    except Exception:
        for document in written:
            document.storage.delete(document.name)
        raise
    return result


def _receive_register(plan: _Plan, version: PactVersion, result: ImportResult):
    bundle = plan.bundle
    documents = [i.entry.sha256 for i in plan.items]
    held = Adhesion.objects.filter(version=version, document_sha256__in=documents)
    entries = {
        i.entry.sha256: canonical_entry(bundle.pact_version, i.entry)
        for i in plan.items
    }
    result.links_added, result.withdrawals = register_receive(
        version=version,
        links=plan.new_links,
        entries=entries,
        adhesions={a.document_sha256: a for a in held},
        source=_("handover of %(when)s received")
        % {"when": bundle.created_at.isoformat()},
    )


def _version(plan: _Plan) -> tuple[PactVersion, bool]:
    if plan.version is not None:
        return plan.version, False
    data = plan.bundle.pact_version
    pact, _created = Pact.objects.get_or_create(
        slug=data.pact_slug, defaults={"title": data.pact_title}
    )
    version = PactVersion.objects.create(
        pact=pact, number=data.number, effective_date=data.effective_date
    )
    _rebuild_text(version, plan)
    # Open for signature here too, unless another version of the pact already is.
    open_here = pact.versions.in_force().exists()
    version.status = VersionStatus.CLOSED if open_here else VersionStatus.OPEN
    version.opened_at = data.opened_at or plan.bundle.created_at
    version.canonical_text = plan.canonical_text
    version.text_sha256 = data.text_sha256
    version.save()
    return version, True


def _rebuild_text(version: PactVersion, plan: _Plan) -> None:
    """The version's articles and roles, from its canonical text when present.

    Without it, only the roles the adhesions name can be rebuilt; the
    signed PDFs still hold the whole text.
    """
    text = plan.text
    version.preamble = text.get("preamble", "")
    version.duration_terms = text.get("duration_terms", "")
    version.renewal_terms = text.get("renewal_terms", "")
    version.save()
    for order, article in enumerate(text.get("articles", []), start=1):
        Article.objects.create(
            version=version,
            sort_order=order,
            title=article.get("title", ""),
            body=article.get("body", ""),
        )
    roles = [
        (r.get("code"), r.get("name", ""), r.get("description", ""))
        for r in text.get("network_roles", [])
    ]
    roles += [
        (i.entry.network_role_code, i.entry.network_role_name, "") for i in plan.items
    ]
    seen = set()
    for order, (code, name, description) in enumerate(roles, start=1):
        if code in seen:
            continue
        seen.add(code)
        NetworkRole.objects.create(
            version=version,
            sort_order=order,
            code=code,
            name=name,
            description=description,
        )


def _adhesion(plan, item, version, roles, position, result) -> Adhesion:
    entry = item.entry
    withdrawn = entry.status == AdhesionStatus.WITHDRAWN
    return Adhesion(
        uuid=uuid.UUID(entry.reference),
        version=version,
        member=_member(item, result),
        network_role=roles[entry.network_role_code],
        commitments="\n".join(entry.commitments),
        status=AdhesionStatus.WITHDRAWN if withdrawn else AdhesionStatus.HANDED_OVER,
        signatory=_signatory(entry),
        signatory_capacity=_capacity_code(entry.signatory_capacity),
        signature_method=entry.method,
        signed_at=entry.signed_at,
        evidence={**item.evidence, "imported_from_handover": _origin(plan)},
        document_sha256=entry.sha256,
        previous_sha256=entry.previous_sha256,
        chain_position=position,
        short_code=entry.short_code,
        handed_over_at=plan.bundle.created_at,
        withdrawn_at=entry.withdrawn_at if withdrawn else None,
    )


def _origin(plan: _Plan) -> dict:
    return {"bundle_created_at": plan.bundle.created_at.isoformat()}


def _member(item: _Item, result: ImportResult) -> Member:
    if item.member is not None:
        result.members_matched += 1
        return item.member
    data = item.entry.member
    municipality = (
        Municipality.objects.filter(istat_code=data.municipality_istat).first()
        if data.municipality_istat
        else None
    )
    member = Member(
        kind=data.kind,
        name=data.name,
        status=MemberStatus.ACTIVE,
        source=MemberSource.IMPORT,
        municipality=municipality,
    )
    if data.kind != MemberKind.FAMILY:
        member.legal_name = data.name
        member.partita_iva = _identifier(data.partita_iva).removeprefix("IT") or None
        member.codice_fiscale = _identifier(data.codice_fiscale) or None
    member.save()
    result.members_created += 1
    return member


def _signatory(entry: BundleAdhesion) -> Person:
    """A person with the name the signed document shows, nothing more."""
    first, _sep, last = entry.signatory_name.strip().rpartition(" ")
    return Person.objects.create(
        first_name=first or last, last_name=last if first else ""
    )


def _capacity_code(label: str) -> str:
    wanted = label.strip().lower()
    for code, name in AffiliationRole.choices:
        for language in ("it", "en"):
            with translation.override(language):
                if str(name).lower() == wanted:
                    return code
    return wanted[:30]
