from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .pages import EventPage


class RegistrationStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("Waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Not accepted")


class RegistrantKind(models.TextChoices):
    """Who the person registers as; the first four are crm.MemberKind values."""

    FAMILY = "family", _("Family (parent or guardian)")
    THIRD_SECTOR = "third_sector", _("Third-sector body")
    BUSINESS = "business", _("Business")
    INSTITUTION = "institution", _("Institution")
    CITIZEN = "citizen", _("Citizen")


ORGANISATION_KINDS = (
    RegistrantKind.THIRD_SECTOR,
    RegistrantKind.BUSINESS,
    RegistrantKind.INSTITUTION,
)


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        """Not cancelled: what the one-per-person rule counts."""
        return self.exclude(status=RegistrationStatus.CANCELLED)

    def confirmed(self):
        return self.filter(status=RegistrationStatus.CONFIRMED)

    def waiting(self):
        return self.filter(status=RegistrationStatus.WAITING).order_by(
            "created_at", "pk"
        )

    def for_list(self):
        """What a list of registrations shows, in a fixed number of queries."""
        return self.select_related(
            "person", "member", "municipality", "event"
        ).prefetch_related("needs", "preferred_topics")

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        query = Q()
        for word in text.split():
            query &= (
                Q(person__first_name__icontains=word)
                | Q(person__last_name__icontains=word)
                | Q(person__email__icontains=word)
                | Q(organisation_name__icontains=word)
            )
        return self.filter(query)


class Registration(models.Model):
    """One person's registration for one event."""

    event = models.ForeignKey(
        EventPage,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    person = models.ForeignKey(
        "crm.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    member = models.ForeignKey(
        "crm.Member",
        verbose_name=_("on behalf of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
    )
    registrant_kind = models.CharField(
        _("registers as"),
        max_length=20,
        choices=RegistrantKind.choices,
        default=RegistrantKind.CITIZEN,
    )
    organisation_name = models.CharField(
        _("organisation or family name"), max_length=200, blank=True
    )
    municipality = models.ForeignKey(
        "crm.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    needs = models.ManyToManyField(
        "crm.Topic", verbose_name=_("needs"), blank=True, related_name="+"
    )
    preferred_topics = models.ManyToManyField(
        "crm.Topic",
        verbose_name=_("themes to discuss"),
        blank=True,
        related_name="registrations_interested",
    )
    childcare_children = models.PositiveSmallIntegerField(
        _("children needing childcare"), default=0
    )
    childcare_ages = models.JSONField(
        _("ages of the children"), default=list, blank=True
    )
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed at"), auto_now=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attended_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["event", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=~Q(status="cancelled"),
                name="cms_registration_one_active_per_person",
                violation_error_message=_(
                    "This person is already registered for this event."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in RegistrationStatus]),
                name="cms_registration_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(childcare_children__lte=10),
                name="cms_registration_childcare_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.event}"

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED

    @property
    def needs_childcare(self) -> bool:
        return self.childcare_children > 0

    @property
    def childcare_ages_display(self) -> str:
        return ", ".join(str(age) for age in self.childcare_ages or [])


class PendingRegistration(models.Model):
    """A registration made with an email the CRM already knows, waiting for its
    confirmation from that mailbox.

    Until the link in the email is followed nothing of it reaches the CRM: no
    person is matched, no consent recorded, no detail written. ``data`` holds
    what was typed (ids for the chosen comune and topics), to be registered on
    confirmation; it is deleted once it expires unconfirmed.
    """

    event = models.ForeignKey(
        EventPage,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="pending_registrations",
    )
    email = models.EmailField(_("email"))
    data = models.JSONField(_("what was typed"), default=dict)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registration awaiting confirmation")
        verbose_name_plural = _("registrations awaiting confirmation")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="cms_pendingregistration_expires_after_received",
            ),
        ]

    def __str__(self):
        return f"{self.email} — {self.event}"
