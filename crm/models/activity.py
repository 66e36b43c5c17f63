from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .members import Member
from .people import Person


class InteractionKind(models.TextChoices):
    CALL = "call", _("Phone call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Interaction(models.Model):
    """A contact on a member's timeline."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person contacted"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["member", "-occurred_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"


class ConsentPurpose(models.TextChoices):
    PRIVACY = "privacy", _("Privacy notice (processing of personal data)")
    NEWSLETTER = "newsletter", _("Newsletter")
    PHOTOS = "photos", _("Photos and videos at events")
    PUBLIC_LISTING = "public_listing", _("Being named on public pages")


class ConsentHow(models.TextChoices):
    ONLINE = "online", _("Online form")
    REGISTRATION = "registration", _("Event registration")
    PAPER = "paper", _("Paper form")
    EMAIL = "email", _("Email")
    IMPORT = "import", _("Import")
    MEMBER_AREA = "member_area", _("Member area")


class ConsentQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    purpose = models.CharField(
        _("purpose"), max_length=30, choices=ConsentPurpose.choices
    )
    notice_version = models.CharField(_("privacy notice version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    given_how = models.CharField(
        _("given how"), max_length=20, choices=ConsentHow.choices
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_how = models.CharField(
        _("withdrawn how"), max_length=20, choices=ConsentHow.choices, blank=True
    )

    history = HistoricalRecords()
    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="crm_consent_one_in_force_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True)
                | Q(withdrawn_at__gte=models.F("given_at")),
                name="crm_consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_purpose_display()}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None
