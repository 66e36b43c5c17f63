"""Adhesions to a pact version, their signatures and the signed documents.

Once signed, an adhesion and its document never change: the guards below sit
under every door (admin, forms, services, plain ORM). What may still happen to
a signed adhesion is recorded, never rewritten: it is handed over to Lucca
Family net, or withdrawn (the signed PDF stays).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from crm.models import Member, Person, Topic

from .pacts import NetworkRole, PactVersion
from .storage import private_storage


class SignedAdhesionError(ValidationError):
    """Raised when something tries to change a signed adhesion or its document."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "This adhesion has been signed: it and its document can no longer "
                "change. It can only be handed over or withdrawn."
            ),
            code="signed",
        )


class AdhesionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_SIGNATURE = "awaiting_signature", _("Awaiting signature")
    SIGNED = "signed", _("Signed")
    HANDED_OVER = "handed_over", _("Handed over")
    WITHDRAWN = "withdrawn", pgettext_lazy("adhesion status", "Withdrawn")


# States in which the adhesion carries a signature and a stored document.
SIGNED_STATUSES = (
    AdhesionStatus.SIGNED,
    AdhesionStatus.HANDED_OVER,
    AdhesionStatus.WITHDRAWN,
)
# States still in force (signed and not withdrawn).
IN_FORCE_STATUSES = (AdhesionStatus.SIGNED, AdhesionStatus.HANDED_OVER)


class SignatureMethod(models.TextChoices):
    """The three ways of signing; they count the same."""

    ONLINE = "online", _("Online, with a one-time code")
    IN_PERSON = "in_person", _("In person, on paper")
    DIGITAL = "digital", _("Digital signature")


# What a signature fixes for ever.
SIGNED_FROZEN_FIELDS = (
    "uuid",
    "version_id",
    "member_id",
    "network_role_id",
    "commitments",
    "signatory_id",
    "signature_method",
    "signed_at",
    "evidence",
    "document",
    "document_sha256",
    "previous_sha256",
    "chain_position",
    "short_code",
    "source_file",
    "source_sha256",
)
# The only moves a signed adhesion may make.
ALLOWED_AFTER_SIGNING = {
    AdhesionStatus.SIGNED: {AdhesionStatus.HANDED_OVER, AdhesionStatus.WITHDRAWN},
    AdhesionStatus.HANDED_OVER: {AdhesionStatus.WITHDRAWN},
    AdhesionStatus.WITHDRAWN: set(),
}


def signed_document_path(instance, filename):
    return f"pacts/signed/{instance.version_id}/adesione-{instance.uuid}.pdf"


def source_file_path(instance, filename):
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"pacts/sources/{instance.version_id}/adesione-{instance.uuid}.{suffix}"


class AdhesionQuerySet(models.QuerySet):
    def signed(self):
        """Adhesions with a signature, whatever happened since."""
        return self.filter(status__in=SIGNED_STATUSES)

    def in_force(self):
        return self.filter(status__in=IN_FORCE_STATUSES)

    def not_handed_over(self):
        return self.filter(status=AdhesionStatus.SIGNED)

    def for_list(self):
        return self.select_related(
            "version__pact", "member__municipality", "network_role", "signatory"
        )

    def chain_order(self):
        return self.order_by("chain_position", "pk")

    def update(self, **kwargs):
        names = set(kwargs)
        frozen = {f.removesuffix("_id") for f in SIGNED_FROZEN_FIELDS} | set(
            SIGNED_FROZEN_FIELDS
        )
        status = kwargs.get("status")
        unsigning = status is not None and status not in SIGNED_STATUSES
        if (names & frozen or unsigning) and self.signed().exists():
            raise SignedAdhesionError()
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if self.signed().exists():
            raise SignedAdhesionError(_("A signed adhesion can never be deleted."))
        return super().delete()


class Adhesion(models.Model):
    """One member's adherence to one pact version (adesione)."""

    uuid = models.UUIDField(
        _("reference"), default=uuid.uuid4, unique=True, editable=False
    )
    version = models.ForeignKey(
        PactVersion,
        verbose_name=_("pact version"),
        on_delete=models.PROTECT,
        related_name="adhesions",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="adhesions",
    )
    network_role = models.ForeignKey(
        NetworkRole,
        verbose_name=_("network role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adhesions",
    )
    role_assigned_at = models.DateTimeField(
        _("role assigned at"), null=True, blank=True
    )
    role_assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("role assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    commitments = models.TextField(
        _("commitments"),
        blank=True,
        help_text=_("What the member undertakes to do in the network."),
    )
    commitment_topics = models.ManyToManyField(
        Topic,
        verbose_name=_("offers"),
        blank=True,
        related_name="adhesion_commitments",
        help_text=_("The offers the commitments concern."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AdhesionStatus.choices,
        default=AdhesionStatus.DRAFT,
    )
    signature_requested_at = models.DateTimeField(
        _("signature requested at"), null=True, blank=True
    )
    signature_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signature requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The signature
    signatory = models.ForeignKey(
        Person,
        verbose_name=_("signatory"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adhesions_signed",
    )
    signatory_capacity = models.CharField(
        _("signatory's capacity"), max_length=30, blank=True
    )
    signature_method = models.CharField(
        _("signature method"),
        max_length=20,
        choices=SignatureMethod.choices,
        blank=True,
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signature recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)

    # The signed document, stored once
    document = models.FileField(
        _("signed document"),
        storage=private_storage,
        upload_to=signed_document_path,
        blank=True,
    )
    document_sha256 = models.CharField(
        _("SHA-256 of the document"), max_length=64, null=True, blank=True, unique=True
    )
    previous_sha256 = models.CharField(
        _("SHA-256 of the previous document"), max_length=64, blank=True
    )
    chain_position = models.PositiveIntegerField(
        _("position in the register"), null=True, blank=True
    )
    short_code = models.CharField(
        _("verification code"), max_length=20, null=True, blank=True, unique=True
    )
    source_file = models.FileField(
        _("original signed file"),
        storage=private_storage,
        upload_to=source_file_path,
        blank=True,
        help_text=_("The paper scan, or the digitally signed PDF or .p7m file."),
    )
    source_sha256 = models.CharField(
        _("SHA-256 of the original file"), max_length=64, blank=True
    )

    # After signing
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AdhesionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("adhesion")
        verbose_name_plural = _("adhesions")
        indexes = [
            models.Index(fields=["status", "signed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "member"],
                name="pact_adhesion_one_per_member_and_version",
                violation_error_message=_(
                    "This member already has an adhesion to this version."
                ),
            ),
            models.UniqueConstraint(
                fields=["version", "chain_position"],
                name="pact_adhesion_chain_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AdhesionStatus]),
                name="pact_adhesion_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in SIGNED_STATUSES])
                | (
                    Q(document_sha256__isnull=False)
                    & Q(signed_at__isnull=False)
                    & Q(signatory__isnull=False)
                    & Q(short_code__isnull=False)
                    & Q(chain_position__isnull=False)
                    & Q(network_role__isnull=False)
                    & ~Q(signature_method="")
                    & ~Q(document="")
                ),
                name="pact_adhesion_signed_has_document",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in SIGNED_STATUSES])
                | (Q(document_sha256__isnull=True) & Q(signed_at__isnull=True)),
                name="pact_adhesion_unsigned_has_no_document",
            ),
            models.CheckConstraint(
                condition=~Q(status=AdhesionStatus.WITHDRAWN)
                | Q(withdrawn_at__isnull=False),
                name="pact_adhesion_withdrawn_has_date",
            ),
        ]

    def __str__(self):
        return _("%(member)s — %(version)s") % {
            "member": self.member,
            "version": self.version,
        }

    @property
    def reference(self) -> str:
        return str(self.uuid)

    @property
    def is_signed(self) -> bool:
        return self.status in SIGNED_STATUSES

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in (AdhesionStatus.DRAFT, AdhesionStatus.AWAITING_SIGNATURE)

    def _check_signed(self):
        if not self.pk:
            return
        stored = (
            type(self)
            .objects.filter(pk=self.pk)
            .values("status", *SIGNED_FROZEN_FIELDS)
            .first()
        )
        if not stored or stored["status"] not in SIGNED_STATUSES:
            return
        if (
            self.status != stored["status"]
            and self.status not in (ALLOWED_AFTER_SIGNING[stored["status"]])
        ):
            raise SignedAdhesionError()
        for field in SIGNED_FROZEN_FIELDS:
            value = getattr(self, field)
            if field in ("document", "source_file"):
                value = value.name or ""
            if stored[field] != value:
                raise SignedAdhesionError()

    def save(self, *args, **kwargs):
        self._check_signed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk).signed().exists():
            raise SignedAdhesionError(_("A signed adhesion can never be deleted."))
        return super().delete(*args, **kwargs)


def guard_commitment_topics(sender, instance, action, reverse, pk_set, **kwargs):
    """Refuse to change the offers of a signed adhesion."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if not reverse:
        frozen = Adhesion.objects.filter(pk=instance.pk).signed().exists()
    else:
        adhesions = Adhesion.objects.signed()
        if pk_set is not None:
            adhesions = adhesions.filter(pk__in=pk_set)
        else:
            adhesions = adhesions.filter(commitment_topics=instance)
        frozen = adhesions.exists()
    if frozen:
        raise SignedAdhesionError()


class SignatureChallengeQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class SignatureChallenge(models.Model):
    """A one-time code sent by email to confirm an online signature."""

    adhesion = models.ForeignKey(
        Adhesion,
        verbose_name=_("adhesion"),
        on_delete=models.CASCADE,
        related_name="challenges",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    email = models.EmailField(_("email"))
    code_hash = models.CharField(_("code hash"), max_length=128)
    document_sha256 = models.CharField(
        _("SHA-256 of the document shown"), max_length=64
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = SignatureChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signature code")
        verbose_name_plural = _("signature codes")

    def __str__(self):
        return f"{self.adhesion_id} · {self.email}"


@register_setting(icon="doc-full")
class DocumentBranding(BaseGenericSetting):
    """What coordinators may adjust on signed pact documents."""

    header_text = models.CharField(
        _("header"), max_length=120, default="Rete Lucca In famiglia"
    )
    subheader_text = models.CharField(_("subheader"), max_length=200, blank=True)
    footer_text = models.CharField(_("footer"), max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("PNG, JPEG or SVG; shown at the top of every signed pact."),
    )

    panels = [
        FieldPanel("header_text"),
        FieldPanel("subheader_text"),
        FieldPanel("footer_text"),
        FieldPanel("logo"),
    ]

    class Meta:
        verbose_name = _("signed pact layout")
        verbose_name_plural = _("signed pact layout")
