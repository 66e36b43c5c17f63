"""Handover of signed adhesions to Lucca Family net.

A coordinator builds a batch (the bundle of :mod:`pact.documents.bundle`) from
the signed adhesions of one pact version not yet handed over; the adhesions
move to *handed over* in the same transaction. Delivering it notifies the
liaisons by email and lets them download it from their area; a liaison
acknowledges receipt. Each step records who and when. The receiving side
(``import_handover``) is :mod:`pact.services.handover_import`.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from crm.models import EmailKind, Role, RoleAssignment
from crm.permissions import person_for_user
from crm.services import email_record, export_log
from pact.documents.bundle import (
    BundleAdhesion,
    BundleError,
    BundleMember,
    BundlePactVersion,
    write_bundle,
)
from pact.documents.manifest_seal import seal_digest
from pact.documents.seal import SealNotConfigured, configured_signer
from pact.models import Adhesion, AdhesionStatus, PactVersion
from pact.models.handover import HandoverBatch, HandoverStatus

from .exports import capacity_label
from .register import register_checkpoint, register_manifest

LIAISON_PERMS = ("pact.view_handoverbatch", "pact.acknowledge_handoverbatch")
HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class HandoverPactVersion(BundlePactVersion):
    """The pact version as the manifest carries it, with its canonical text.

    Readers of format version 1 ignore the extra key; ``import_handover`` uses
    it to rebuild the version's text and checks it against ``text_sha256``.
    """

    canonical_text: str = ""


# --- what the bundle says ------------------------------------------------------


def bundle_pact_version(version: PactVersion) -> HandoverPactVersion:
    return HandoverPactVersion(
        pact_title=version.pact.title,
        pact_slug=version.pact.slug,
        number=version.number,
        text_sha256=version.text_sha256,
        opened_at=version.opened_at,
        effective_date=version.effective_date,
        canonical_text=version.canonical_text,
    )


def bundle_entry(adhesion: Adhesion) -> BundleAdhesion:
    """One adhesion as the manifest lists it.

    Organisations are identified by codice fiscale and partita IVA; a family
    carries only what its signed document shows (name and municipality).
    """
    member = adhesion.member
    municipality = member.municipality
    return BundleAdhesion(
        reference=adhesion.reference,
        member=BundleMember(
            reference=f"m-{member.pk}",
            name=member.legal_name or member.name,  # as the signed PDF names it
            kind=member.kind,
            codice_fiscale=member.codice_fiscale or "",
            partita_iva=member.partita_iva or "",
            municipality_istat=municipality.istat_code if municipality else "",
            municipality=municipality.name if municipality else "",
        ),
        network_role_code=adhesion.network_role.code,
        network_role_name=adhesion.network_role.name,
        signatory_name=adhesion.signatory.full_name,
        signatory_capacity=capacity_label(adhesion.signatory_capacity),
        signed_at=adhesion.signed_at,
        method=adhesion.signature_method,
        sha256=adhesion.document_sha256,
        short_code=adhesion.short_code or "",
        previous_sha256=adhesion.previous_sha256,
        status=AdhesionStatus.SIGNED.value,
        withdrawn_at=adhesion.withdrawn_at,
        commitments=tuple(
            line.strip() for line in adhesion.commitments.splitlines() if line.strip()
        ),
    )


def _pdf_opener(by_reference: dict[str, Adhesion]):
    @contextmanager
    def open_pdf(entry: BundleAdhesion):
        document = by_reference[entry.reference].document
        with document.storage.open(document.name, "rb") as handle:
            yield handle

    return open_pdf


def _file_sha256(handle) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    while chunk := handle.read(HASH_CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


# --- build ---------------------------------------------------------------------


def pending_versions():
    """Pact versions with signed adhesions not yet handed over, with the count."""
    signed = Q(adhesions__status=AdhesionStatus.SIGNED)
    return (
        PactVersion.objects.filter(signed)
        .select_related("pact")
        .annotate(pending=Count("adhesions", filter=signed))
        .order_by("pact__title", "number")
    )


def _choose(version, adhesions) -> list[Adhesion]:
    chosen = Adhesion.objects.all()
    if adhesions is not None:
        wanted = {getattr(a, "pk", a) for a in adhesions}
        chosen = chosen.filter(pk__in=wanted)
        if chosen.exclude(status=AdhesionStatus.SIGNED).exists() or (
            chosen.count() != len(wanted)
        ):
            raise ValidationError(
                _(
                    "Only signed adhesions that have not been handed over yet can "
                    "go into a handover."
                )
            )
    else:
        chosen = chosen.filter(status=AdhesionStatus.SIGNED)
    if version is not None:
        chosen = chosen.filter(version=version)
    # Lock the rows: two coordinators building at once hand each over once.
    ids = list(
        chosen.select_for_update()
        .filter(status=AdhesionStatus.SIGNED)
        .values_list("pk", flat=True)
    )
    locked = list(
        Adhesion.objects.filter(pk__in=ids)
        .select_related("version__pact", "member__municipality", "network_role")
        .select_related("signatory")
        .order_by("chain_position", "pk")
    )
    if not locked:
        raise ValidationError(_("There are no signed adhesions to hand over."))
    if len({a.version_id for a in locked}) > 1:
        raise ValidationError(
            _("A handover holds the adhesions of one pact version: choose the version.")
        )
    return locked


@transaction.atomic
def handover_batch_build(
    *, by, version: PactVersion | None = None, adhesions=None
) -> HandoverBatch:
    """Build a handover batch and mark its adhesions as handed over.

    ``adhesions`` (a chosen set) or else every signed adhesion not yet handed
    over, of ``version`` when given. All of one pact version.
    """
    signer = _seal_signer()
    chosen = _choose(version, adhesions)
    version = chosen[0].version
    PactVersion.objects.select_for_update().get(pk=version.pk)  # the register
    with tempfile.TemporaryFile() as handle:
        try:
            summary = write_bundle(
                handle,
                pact_version=bundle_pact_version(version),
                adhesions=[bundle_entry(a) for a in chosen],
                open_pdf=_pdf_opener({a.reference: a for a in chosen}),
                register=register_manifest(version),
                seal=functools.partial(seal_digest, signer=signer),
            )
        except BundleError as exc:
            raise ValidationError(exc.problems) from exc
        batch = HandoverBatch.objects.create(
            version=version,
            count=summary.count,
            file_sha256=_file_sha256(handle),
            manifest_sha256=summary.manifest_sha256,
            built_by=by if getattr(by, "is_authenticated", False) else None,
        )
        batch.file.save(batch.file_name, File(handle), save=False)
    try:  # a failure from here on must not leave the stored file behind
        batch.file_size = batch.file.size
        batch.save(update_fields=["file", "file_size"])
        register_checkpoint(version, source=f"handover {batch.number} built")
        _mark_handed_over(chosen, batch, by)
        export_log(
            user=by,
            what=f"handover to Lucca Family net {batch.number}",
            format="zip",
            count=batch.count,
            filters={"version": version.pk, "batch": batch.pk},
            members=[a.member_id for a in chosen],
            people=[a.signatory_id for a in chosen],
        )
    except Exception:
        batch.file.delete(save=False)
        raise
    return batch


def _seal_signer():
    """The network's seal: a handover's manifest is always sealed."""
    try:
        return configured_signer()
    except SealNotConfigured:
        raise ValidationError(
            _(
                "The network's seal is not configured: a handover must be sealed. "
                "Install the seal's key and certificate (see README) first."
            )
        ) from None


def _mark_handed_over(adhesions: list[Adhesion], batch: HandoverBatch, by) -> None:
    """The one move a signed adhesion makes here: signed → handed over.

    A plain update with literal values, which the adhesion's guard allows (it
    refuses expressions such as bulk_update's); history rows record who and
    when.
    """
    now = timezone.now()
    Adhesion.objects.filter(pk__in=[a.pk for a in adhesions]).update(
        status=AdhesionStatus.HANDED_OVER, handed_over_at=now, handover_batch=batch
    )
    for adhesion in adhesions:
        adhesion.status = AdhesionStatus.HANDED_OVER
        adhesion.handed_over_at = now
        adhesion.handover_batch = batch
    Adhesion.history.bulk_history_create(
        adhesions,
        update=True,
        default_user=by if getattr(by, "is_authenticated", False) else None,
        default_change_reason=f"handover {batch.number}",
        default_date=now,
    )


# --- deliver and acknowledge -------------------------------------------------


def _locked(batch: HandoverBatch) -> HandoverBatch:
    return HandoverBatch.objects.select_for_update().get(pk=batch.pk)


def liaisons():
    """The users who hold the Lucca Family net liaison role now."""
    users = RoleAssignment.objects.active().filter(role=Role.LIAISON)
    return get_user_model().objects.filter(
        pk__in=users.values("user_id"), is_active=True
    )


@transaction.atomic
def handover_batch_deliver(*, batch: HandoverBatch, by) -> HandoverBatch:
    """Hand a built batch to the liaisons: they may download and acknowledge it,
    and each is told by email."""
    batch = _locked(batch)
    if batch.status != HandoverStatus.BUILT:
        raise ValidationError(_("This handover has already been delivered."))
    recipients = list(liaisons().order_by("pk"))
    if not recipients:
        raise ValidationError(
            _(
                "Nobody holds the Lucca Family net liaison role: grant it before "
                "delivering."
            )
        )
    for user in recipients:
        for perm in LIAISON_PERMS:
            assign_perm(perm, user, batch)
    batch.status = HandoverStatus.DELIVERED
    batch.delivered_at = timezone.now()
    batch.delivered_by = by if getattr(by, "is_authenticated", False) else None
    batch.recipients = [u.email or u.get_username() for u in recipients]
    batch.save()
    _notify(batch, recipients)
    return batch


def _notify(batch: HandoverBatch, recipients) -> None:
    path = reverse("pact:handover_detail", kwargs={"pk": batch.pk})
    for user in recipients:
        context = {"batch": batch, "user": user, "url": f"{settings.SITE_URL}{path}"}
        subject = render_to_string("pact/handover/email_delivered_subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        body = render_to_string("pact/handover/email_delivered_message.txt", context)
        to = user.email or user.get_username()
        send_mail(subject, body, None, [to])
        email_record(
            to=to,
            subject=subject,
            kind=EmailKind.HANDOVER,
            person=person_for_user(user),
            about=batch,
        )


@transaction.atomic
def handover_batch_acknowledge(
    *, batch: HandoverBatch, by, note: str = ""
) -> HandoverBatch:
    """The liaison confirms that Lucca Family net received the batch."""
    batch = _locked(batch)
    if not by.has_perm("pact.acknowledge_handoverbatch", batch):
        raise ValidationError(_("Only the Lucca Family net liaison acknowledges."))
    if batch.status == HandoverStatus.ACKNOWLEDGED:
        raise ValidationError(_("Receipt of this handover is already acknowledged."))
    if batch.status != HandoverStatus.DELIVERED:
        raise ValidationError(_("This handover has not been delivered yet."))
    batch.status = HandoverStatus.ACKNOWLEDGED
    batch.acknowledged_at = timezone.now()
    batch.acknowledged_by = by
    batch.acknowledgement_note = note.replace("\x00", "").strip()
    batch.save()
    return batch


def handover_batch_downloaded(*, batch: HandoverBatch, by) -> None:
    export_log(
        user=by,
        what=f"handover to Lucca Family net {batch.number}: download",
        format="zip",
        count=batch.count,
        filters={"batch": batch.pk},
        members=batch.adhesions.values_list("member_id", flat=True),
        people=batch.adhesions.values_list("signatory_id", flat=True),
    )
