"""Who may do what: role assignments, invitations and erasure requests.

``RoleAssignment`` is the source of truth for roles; Django groups and
django-guardian object permissions are kept in step with it by the services in
``crm.permissions``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm import roles as app_roles

from .members import Member
from .people import AffiliationRole, Person


class Role(models.TextChoices):
    COORDINATOR = app_roles.COORDINATOR, _("Network coordinator")
    FACILITATOR = app_roles.FACILITATOR, _("Facilitator")
    LIAISON = app_roles.LIAISON, _("Lucca Family net liaison")
    CMS_EDITOR = app_roles.CMS_EDITOR, _("CMS editor")
    GUARDIAN = AffiliationRole.GUARDIAN.value, _("Guardian")
    LEGAL_REPRESENTATIVE = (
        AffiliationRole.LEGAL_REPRESENTATIVE.value,
        _("Legal representative"),
    )
    CONTACT = AffiliationRole.CONTACT.value, _("Contact")


APP_ROLES = (Role.COORDINATOR, Role.FACILITATOR, Role.LIAISON, Role.CMS_EDITOR)
MEMBER_ROLES = (Role.GUARDIAN, Role.LEGAL_REPRESENTATIVE, Role.CONTACT)


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def of_role(self, role):
        return self.filter(role=role)

    def for_list(self):
        return self.select_related(
            "user", "user__person", "member", "granted_by", "revoked_by"
        )


class RoleAssignment(models.Model):
    """One grant of a role to a user, scoped to a member for member roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in MEMBER_ROLES], member__isnull=False)
                    | Q(role__in=[r.value for r in APP_ROLES], member__isnull=True)
                ),
                name="crm_roleassignment_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True)
                | Q(revoked_at__gte=models.F("granted_at")),
                name="crm_roleassignment_revoked_after_granted",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(revoked_at__isnull=True, member__isnull=True),
                name="crm_roleassignment_one_open_app_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "member"],
                condition=Q(revoked_at__isnull=True, member__isnull=False),
                name="crm_roleassignment_one_open_member_role",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        label = self.get_role_display()
        if self.member_id:
            return f"{self.user} — {label} — {self.member}"
        return f"{self.user} — {label}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Replaced by a newer invitation")


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        return self.filter(
            accepted_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__gt=now or timezone.now(),
        )

    def for_list(self):
        return self.select_related("person", "member", "invited_by")


class Invitation(models.Model):
    """A one-time, expiring link that lets a person set a password and log in.

    Only a SHA-256 hash of the token is stored: the link itself exists only in
    the email that was sent.
    """

    email = models.EmailField(_("email"))
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="crm_invitation_expires_after_sent",
            ),
        ]

    def __str__(self):
        return f"{self.email} — {self.get_role_display()}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.superseded_at:
            return InvitationStatus.SUPERSEDED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label


class ErasureOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    ERASED = "erased", _("Personal data anonymised")
    REFUSED = "refused", _("Refused")


class ErasureSource(models.TextChoices):
    MEMBER_AREA = "member_area", _("Requested in the member area")
    PRIVACY_WITHDRAWN = "privacy_withdrawn", _("Privacy consent withdrawn")
    COORDINATOR = "coordinator", _("Recorded by a coordinator")


class ErasureRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(outcome=ErasureOutcome.PENDING)


class ErasureRequest(models.Model):
    """A request to erase a person's data, reviewed by a coordinator."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="erasure_requests",
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=ErasureSource.choices,
        default=ErasureSource.MEMBER_AREA,
    )
    reason = models.TextField(_("reason given"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=ErasureOutcome.choices,
        default=ErasureOutcome.PENDING,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("review note"), blank=True)

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(outcome=ErasureOutcome.PENDING),
                name="crm_erasurerequest_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=Q(outcome=ErasureOutcome.PENDING)
                | Q(decided_at__isnull=False),
                name="crm_erasurerequest_decided_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_outcome_display()}"
