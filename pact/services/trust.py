"""Trusted senders: whose handover bundles this instance accepts.

A sender is registered by its seal certificate; its SHA-256 fingerprint is
what a coordinator compares, by telephone or on paper, with the one the
sending network reads out. Every addition and removal is kept in the
model's history with who and when. This instance's own seal certificate is
trusted too: it can check the bundles it built.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pact.documents.bundle_check import CheckedBundle, check_bundle
from pact.documents.manifest_seal import (
    NotACertificate,
    certificate_pem,
    fingerprint,
    load_certificate,
)
from pact.documents.seal import trust_roots
from pact.models import TrustedSender

MAX_CERTIFICATE = 64 * 1024


def trusted_roots() -> list:
    """The certificates a bundle's seals must chain to."""
    roots = [load_certificate(s.certificate_pem.encode()) for s in _senders()]
    return roots + trust_roots()


def _senders():
    return TrustedSender.objects.only("certificate_pem")


def bundle_verify(source) -> CheckedBundle:
    """The whole check of a received bundle against the trusted senders."""
    return check_bundle(source, roots=trusted_roots())


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None


@transaction.atomic
def trusted_sender_add(*, name: str, certificate: bytes, by) -> TrustedSender:
    """Register a sending network by its seal certificate (PEM or DER)."""
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError({"name": _("Give the sender a name.")})
    if not certificate or len(certificate) > MAX_CERTIFICATE:
        raise ValidationError(
            {"certificate": _("Upload the sender's seal certificate (PEM or DER).")}
        )
    try:
        cert = load_certificate(certificate)
    except NotACertificate:
        raise ValidationError(
            {"certificate": _("The file is not an X.509 certificate (PEM or DER).")}
        ) from None
    digest = fingerprint(cert)
    if TrustedSender.objects.filter(fingerprint=digest).exists():
        raise ValidationError(
            {"certificate": _("This certificate is already a trusted sender.")}
        )
    sender = TrustedSender(
        name=name[:200],
        certificate_pem=certificate_pem(cert),
        fingerprint=digest,
        subject=cert.subject.human_friendly[:500],
        valid_until=cert["tbs_certificate"]["validity"]["not_after"].native,
        added_by=_user(by),
    )
    sender._history_user = _user(by)
    sender.save()
    return sender


@transaction.atomic
def trusted_sender_remove(*, sender: TrustedSender, by) -> None:
    """Stop accepting bundles sealed by ``sender``; the history keeps it."""
    sender._history_user = _user(by)
    sender.delete()
