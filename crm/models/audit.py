from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataExportLog(models.Model):
    """Who exported or downloaded personal data, what, when and how many records.

    ``members`` and ``people`` are whom the export included, so that a member's
    or a person's page in the back office lists every export that carried them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    what = models.CharField(_("what"), max_length=200)
    format = models.CharField(_("format"), max_length=20, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    members = models.ManyToManyField(
        "crm.Member",
        verbose_name=_("members included"),
        blank=True,
        related_name="exports",
    )
    people = models.ManyToManyField(
        "crm.Person",
        verbose_name=_("people included"),
        blank=True,
        related_name="exports",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("data export")
        verbose_name_plural = _("data export log")

    def __str__(self):
        return f"{self.what} ({self.record_count})"


class EmailKind(models.TextChoices):
    REGISTRATION = "registration", _("Event registration")
    INVITATION = "invitation", _("Invitation")
    SIGNATURE_REQUEST = "signature_request", _("Request to sign the pact")
    SIGNATURE_CODE = "signature_code", _("Code to sign the pact")
    HANDOVER = "handover", _("Handover to Lucca Family net")
    OTHER = "other", _("Other")


class SentEmail(models.Model):
    """An email the network sent: when, to which address, what about.

    The text itself is not kept: some carry a one-time code or a personal
    link that must not outlive the email. ``about`` is the record the email
    concerns (a registration, an adhesion, an invitation…).
    """

    sent_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=EmailKind.choices)
    subject = models.CharField(_("subject"), max_length=255)
    to_email = models.CharField(_("to"), max_length=254)
    person = models.ForeignKey(
        "crm.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    member = models.ForeignKey(
        "crm.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    about_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("email sent")
        verbose_name_plural = _("emails sent")
        indexes = [models.Index(fields=["about_type", "about_id"])]

    def __str__(self):
        return f"{self.subject} → {self.to_email}"


class SecondFactorReset(models.Model):
    """A lost authenticator removed for someone, by whom, when and why.

    The account has no second factor afterwards: its next login starts by
    enrolling a new authenticator app, as a new account's does.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="second_factor_resets",
    )
    email = models.EmailField(_("login email at the time"))
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reset by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when done on the server (manage.py)."),
    )
    reason = models.CharField(_("reason"), max_length=255)
    reset_at = models.DateTimeField(_("reset at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-reset_at", "-pk"]
        verbose_name = _("second-factor reset")
        verbose_name_plural = _("second-factor resets")

    def __str__(self):
        return f"{self.email} — {self.reset_at:%d/%m/%Y %H:%M}"
