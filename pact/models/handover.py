"""Exports of signed pacts and handover batches to Lucca Family net.

Both produce ZIP files full of personal data: they live in a private storage
that is never served under ``MEDIA_URL``; views stream them to the people
allowed to download them.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .adhesions import Adhesion
from .pacts import PactVersion
from .storage import PrivateStorage, private_storage  # noqa: F401 (migrations)

# --- exports ----------------------------------------------------------------


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJobQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("requested_by")

    def finished(self):
        return self.filter(status__in=[ExportStatus.DONE, ExportStatus.FAILED])


class ExportJob(models.Model):
    """A coordinator's export of signed pacts, built in the background."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExportStatus.choices,
        default=ExportStatus.QUEUED,
    )
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("documents written"), default=0)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="exports/", blank=True
    )
    file_size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export of signed pacts")
        verbose_name_plural = _("exports of signed pacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="pact_exportjob_done_le_total"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ExportStatus]),
                name="pact_exportjob_status_valid",
            ),
        ]

    def __str__(self):
        return _("Export %(pk)s of %(when)s") % {
            "pk": self.pk,
            "when": self.created_at.strftime("%d/%m/%Y %H:%M")
            if self.created_at
            else "",
        }

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    @property
    def file_name(self) -> str:
        return f"patti-firmati-{self.pk}.zip"


# --- handover ---------------------------------------------------------------


class HandoverStatus(models.TextChoices):
    BUILT = "built", _("Built")
    DELIVERED = "delivered", _("Delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class HandoverBatchQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related(
            "version__pact", "built_by", "delivered_by", "acknowledged_by"
        )

    def delivered(self):
        """What a liaison may see: batches handed to Lucca Family net."""
        return self.exclude(status=HandoverStatus.BUILT)


class HandoverBatch(models.Model):
    """A verifiable bundle of signed adhesions for Lucca Family net.

    built → delivered (the liaison is notified) → acknowledged by the liaison;
    each step records who and when.
    """

    version = models.ForeignKey(
        PactVersion,
        verbose_name=_("pact version"),
        on_delete=models.PROTECT,
        related_name="handover_batches",
    )
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=HandoverStatus.choices,
        default=HandoverStatus.BUILT,
    )
    count = models.PositiveIntegerField(_("adhesions"), default=0)
    file = models.FileField(_("bundle"), storage=private_storage, upload_to="handover/")
    file_size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    file_sha256 = models.CharField(_("SHA-256 of the bundle"), max_length=64)
    manifest_sha256 = models.CharField(_("SHA-256 of the manifest"), max_length=64)
    built_at = models.DateTimeField(_("built"), auto_now_add=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.JSONField(
        _("notified liaisons"), default=list, blank=True, editable=False
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledgement_note = models.TextField(_("note on receipt"), blank=True)

    objects = HandoverBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-built_at", "-pk"]
        verbose_name = _("handover to Lucca Family net")
        verbose_name_plural = _("handovers to Lucca Family net")
        permissions = [
            ("acknowledge_handoverbatch", _("Can acknowledge receipt of a handover")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in HandoverStatus]),
                name="pact_handover_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=HandoverStatus.BUILT)
                | Q(delivered_at__isnull=False),
                name="pact_handover_delivered_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=HandoverStatus.ACKNOWLEDGED)
                | Q(acknowledged_at__isnull=False),
                name="pact_handover_acknowledged_has_date",
            ),
        ]

    def __str__(self):
        return _("Handover %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        year = self.built_at.year if self.built_at else ""
        return f"{year}-{self.pk or 0:04d}"

    @property
    def file_name(self) -> str:
        return f"consegna-lucca-family-net-{self.number}.zip"


# The adhesion model belongs to pact.models.adhesions; the link to the batch
# that handed it over belongs to the handover, so it is declared here, on the
# adhesion and (as simple_history would) on its history, which copies it.
models.ForeignKey(
    HandoverBatch,
    verbose_name=_("handover"),
    on_delete=models.PROTECT,
    null=True,
    blank=True,
    related_name="adhesions",
).contribute_to_class(Adhesion, "handover_batch")
models.ForeignKey(
    HandoverBatch,
    verbose_name=_("handover"),
    on_delete=models.DO_NOTHING,
    db_constraint=False,
    null=True,
    blank=True,
    related_name="+",
).contribute_to_class(Adhesion.history.model, "handover_batch")
