"""Writes for adhesions: create, assign the network role, ask for a signature,
withdraw; and the register that recognises signed documents.

Signing itself, in its three ways, is in :mod:`pact.services.signing`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Affiliation, AffiliationRole, EmailKind, Member, Person
from crm.permissions import is_coordinator, represents
from crm.services import email_record
from pact.documents.chain import ChainRecord
from pact.documents.verify import RegistryRecord
from pact.models import (
    IN_FORCE_STATUSES,
    Adhesion,
    AdhesionStatus,
    NetworkRole,
    PactVersion,
    SignedAdhesionError,
    VersionStatus,
)

from .register import entry_holds, register_withdrawal


def _require_coordinator(by) -> None:
    """``by=None`` is the command line or the demo acting for a coordinator."""
    if by is not None and not is_coordinator(by):
        raise ValidationError(_("Only a coordinator of the network can do this."))


def _locked(adhesion: Adhesion) -> Adhesion:
    return Adhesion.objects.select_for_update().get(pk=adhesion.pk)


def _ensure_editable(adhesion: Adhesion) -> None:
    if not adhesion.is_editable:
        raise SignedAdhesionError()


def _check_role(version: PactVersion, network_role: NetworkRole | None) -> None:
    if network_role is not None and network_role.version_id != version.pk:
        raise ValidationError(
            {"network_role": _("This role belongs to another version of the pact.")}
        )


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None


# --- who signs ---------------------------------------------------------------


def signing_capacity(member: Member) -> str:
    """The affiliation that signs for ``member``: a guardian for a family, the
    legal representative for an organisation."""
    if member.is_family:
        return AffiliationRole.GUARDIAN
    return AffiliationRole.LEGAL_REPRESENTATIVE


def eligible_signatories(member: Member):
    """The people who may sign for ``member`` today."""
    role = signing_capacity(member)
    people = (
        Affiliation.objects.current()
        .filter(member=member, role=role)
        .values("person_id")
    )
    return Person.objects.filter(pk__in=people, anonymised_at__isnull=True)


def may_sign(user, member: Member) -> bool:
    """Whether the logged-in ``user`` may sign for ``member`` (never a contact)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if member.is_family:
        allowed = user.has_perm("crm.change_member", member)
    else:
        allowed = represents(user, member)
    return allowed and eligible_signatories(member).filter(user=user).exists()


def members_signable_by(user, members) -> set[int]:
    """The ids of ``members`` for which ``user`` may sign: :func:`may_sign` for
    many members at once, in a fixed number of queries (the member area asks
    it on every page)."""
    members = list(members)
    if not members or not (user and user.is_authenticated and user.is_active):
        return set()
    from guardian.core import ObjectPermissionChecker

    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(members)
    allowed = {
        m.pk: signing_capacity(m)
        for m in members
        if checker.has_perm(
            "crm.change_member" if m.is_family else "crm.represent_member", m
        )
    }
    own = (
        Affiliation.objects.current()
        .filter(
            member_id__in=allowed,
            person__user=user,
            person__anonymised_at__isnull=True,
        )
        .values_list("member_id", "role")
    )
    return {member_id for member_id, role in own if allowed[member_id] == role}


# --- lifecycle ---------------------------------------------------------------


@transaction.atomic
def adhesion_create(
    *,
    version: PactVersion,
    member: Member,
    by,
    network_role: NetworkRole | None = None,
    commitments: str = "",
    topics=(),
) -> Adhesion:
    """Start a member's adhesion to a version open for signature (coordinator)."""
    _require_coordinator(by)
    version = PactVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.OPEN:
        raise ValidationError(
            {"version": _("Members adhere to the version open for signature.")}
        )
    if member.anonymised_at:
        raise ValidationError({"member": _("This member's data has been anonymised.")})
    _check_role(version, network_role)
    if Adhesion.objects.filter(version=version, member=member).exists():
        raise ValidationError(
            {"member": _("This member already has an adhesion to this version.")}
        )
    now = timezone.now()
    adhesion = Adhesion(
        version=version,
        member=member,
        network_role=network_role,
        commitments=commitments.strip(),
        created_by=_user(by),
    )
    if network_role is not None:
        adhesion.role_assigned_at, adhesion.role_assigned_by = now, _user(by)
    try:
        with transaction.atomic():
            adhesion.save()
    except IntegrityError:  # a concurrent creation won the race
        raise ValidationError(
            {"member": _("This member already has an adhesion to this version.")}
        ) from None
    adhesion.commitment_topics.set(topics)
    return adhesion


@transaction.atomic
def adhesion_update(*, adhesion: Adhesion, by, commitments: str, topics=()) -> Adhesion:
    """Change the commitments of an adhesion not yet signed.

    A code already sent for the old text stops working: it confirmed a
    different document.
    """
    _require_coordinator(by)
    adhesion = _locked(adhesion)
    _ensure_editable(adhesion)
    adhesion.commitments = commitments.strip()
    adhesion.save()
    adhesion.commitment_topics.set(topics)
    return adhesion


@transaction.atomic
def adhesion_assign_role(*, adhesion: Adhesion, network_role: NetworkRole, by):
    """Give the member its role in the network (coordinator; who and when kept)."""
    _require_coordinator(by)
    adhesion = _locked(adhesion)
    _ensure_editable(adhesion)
    _check_role(adhesion.version, network_role)
    adhesion.network_role = network_role
    adhesion.role_assigned_at = timezone.now()
    adhesion.role_assigned_by = _user(by)
    adhesion.save()
    return adhesion


@transaction.atomic
def adhesion_request_signature(
    *, adhesion: Adhesion, by, notify: bool = True
) -> Adhesion:
    """Ask the member's signatories to sign; they are told by email."""
    _require_coordinator(by)
    adhesion = _locked(adhesion)
    _ensure_editable(adhesion)
    if adhesion.network_role_id is None:
        raise ValidationError(_("Assign the member's network role first."))
    if adhesion.version.status != VersionStatus.OPEN:
        raise ValidationError(_("This version is no longer open for signature."))
    adhesion.status = AdhesionStatus.AWAITING_SIGNATURE
    adhesion.signature_requested_at = timezone.now()
    adhesion.signature_requested_by = _user(by)
    adhesion.save()
    if notify:
        people = list(eligible_signatories(adhesion.member).exclude(email=None))
        transaction.on_commit(lambda: _notify_signatories(adhesion, people))
    return adhesion


def _notify_signatories(adhesion: Adhesion, people) -> None:
    url = f"{settings.SITE_URL}{reverse('pact:adhesion_detail', args=[adhesion.pk])}"
    for person in people:
        context = {"adhesion": adhesion, "person": person, "url": url}
        subject = render_to_string("pact/email/signature_request_subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        body = render_to_string("pact/email/signature_request_message.txt", context)
        send_mail(subject, body, None, [person.email])
        email_record(
            to=person.email,
            subject=subject,
            kind=EmailKind.SIGNATURE_REQUEST,
            person=person,
            member=adhesion.member,
            about=adhesion,
        )


@transaction.atomic
def adhesion_delete(*, adhesion: Adhesion, by) -> None:
    """Drop an adhesion never signed (a signed one is kept for ever)."""
    _require_coordinator(by)
    adhesion = _locked(adhesion)
    _ensure_editable(adhesion)
    adhesion.delete()


@transaction.atomic
def adhesion_withdraw(*, adhesion: Adhesion, by, reason: str) -> Adhesion:
    """Record that a signed adhesion is withdrawn; its signed PDF is kept."""
    _require_coordinator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the adhesion is withdrawn.")})
    adhesion = _locked(adhesion)
    if adhesion.status not in IN_FORCE_STATUSES:
        raise ValidationError(_("Only a signed adhesion in force can be withdrawn."))
    adhesion.status = AdhesionStatus.WITHDRAWN
    adhesion.withdrawn_at = timezone.now()
    adhesion.withdrawn_by = _user(by)
    adhesion.withdrawal_reason = reason
    adhesion.save()
    register_withdrawal(adhesion)
    return adhesion


# --- the register ------------------------------------------------------------


def public_member_name(member: Member) -> str:
    """Organisations by name; families only as an adhering family."""
    if member.is_family:
        return _("adhering family")
    return member.legal_name or member.name


def registry_record(adhesion: Adhesion) -> RegistryRecord:
    return RegistryRecord(
        sha256=adhesion.document_sha256,
        reference=adhesion.reference,
        in_force=adhesion.in_force,
        pact_title=adhesion.version.pact.title,
        pact_version=adhesion.version.number,
        member_public_name=public_member_name(adhesion.member),
        signed_at=adhesion.signed_at,
        method=adhesion.signature_method,
    )


def signed_document_by_sha256(sha256: str) -> RegistryRecord | None:
    """The register of signed pacts, as :mod:`pact.documents.verify` asks it.

    Only an adhesion whose register entry still matches it: one edited in
    the database is not vouched for (``check_signature_chain`` says where).
    """
    adhesion = (
        Adhesion.objects.signed()
        .select_related("version__pact", "member", "signatory", "network_role")
        .filter(document_sha256=(sha256 or "").lower())
        .first()
    )
    if adhesion is None or not entry_holds(adhesion):
        return None
    return registry_record(adhesion)


def chain_records(version: PactVersion) -> list[tuple[Adhesion, ChainRecord]]:
    """The signed adhesions of ``version`` in signing order, as chain records."""
    adhesions = Adhesion.objects.signed().filter(version=version).chain_order()
    return [
        (a, ChainRecord(sha256=a.document_sha256, previous=a.previous_sha256))
        for a in adhesions
    ]
