"""The register of signatures as stored: links, checkpoints, trusted senders.

A :class:`RegisterLink` is one entry of a pact version's register chain (see
:mod:`pact.documents.register`). On the receiving instance a link whose
adhesion never arrived (withdrawn before the handover, or not sent yet) is a
*tombstone*: hashes only. A :class:`RegisterCheckpoint` records a head and
length that left or reached this instance with a handover, so a truncated or
rewritten register shows. A :class:`TrustedSender` is a sending network's
seal certificate, the only ones whose bundles this instance accepts.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pact.documents.register import KINDS

from .adhesions import Adhesion
from .pacts import PactVersion


class RegisterLink(models.Model):
    """One link of the register chain of a pact version (anello del registro)."""

    version = models.ForeignKey(
        PactVersion,
        verbose_name=_("pact version"),
        on_delete=models.PROTECT,
        related_name="register_links",
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(
        _("kind"), max_length=12, choices=[(k, k) for k in KINDS], editable=False
    )
    previous_sha256 = models.CharField(_("previous link"), max_length=64)
    entry_sha256 = models.CharField(_("SHA-256 of the entry"), max_length=64)
    link_sha256 = models.CharField(_("SHA-256 of the link"), max_length=64)
    document_sha256 = models.CharField(
        _("SHA-256 of the document"), max_length=64, blank=True
    )
    entry = models.JSONField(_("entry"), null=True, blank=True)
    adhesion = models.ForeignKey(
        Adhesion,
        verbose_name=_("adhesion"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="register_links",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("register link")
        verbose_name_plural = _("register links")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="pact_registerlink_position"
            ),
            models.UniqueConstraint(
                fields=["version", "link_sha256"], name="pact_registerlink_hash"
            ),
        ]

    def __str__(self):
        return f"{self.version} #{self.position} {self.link_sha256[:12]}"

    @property
    def is_tombstone(self) -> bool:
        return self.entry is None


class RegisterCheckpoint(models.Model):
    """A head and length of the register that a handover carried."""

    version = models.ForeignKey(
        PactVersion,
        verbose_name=_("pact version"),
        on_delete=models.PROTECT,
        related_name="register_checkpoints",
    )
    length = models.PositiveIntegerField(_("length"))
    head = models.CharField(_("head"), max_length=64)
    source = models.CharField(_("source"), max_length=200)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["version", "length", "pk"]
        verbose_name = _("register checkpoint")
        verbose_name_plural = _("register checkpoints")

    def __str__(self):
        return f"{self.version} {self.length} {self.head[:12]}"


class TrustedSender(models.Model):
    """A network whose handover bundles this instance accepts (mittente fidato)."""

    name = models.CharField(_("name"), max_length=200)
    certificate_pem = models.TextField(_("seal certificate (PEM)"))
    fingerprint = models.CharField(
        _("SHA-256 fingerprint"), max_length=64, unique=True, editable=False
    )
    subject = models.CharField(_("subject"), max_length=500, editable=False)
    valid_until = models.DateTimeField(_("valid until"), null=True, editable=False)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("trusted sender")
        verbose_name_plural = _("trusted senders")

    def __str__(self):
        return f"{self.name} ({self.fingerprint_display[:23]}…)"

    @property
    def fingerprint_display(self) -> str:
        """As certificate viewers show it: AB:CD:…"""
        value = self.fingerprint.upper()
        return ":".join(value[i : i + 2] for i in range(0, len(value), 2))
