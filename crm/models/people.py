from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.validators import (
    format_phone,
    normalise_person_codice_fiscale,
    normalise_phone,
)

from .members import Member, MemberKind


class PersonQuerySet(models.QuerySet):
    def by_email(self, email: str):
        return self.filter(email__iexact=(email or "").strip())

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(codice_fiscale__iexact=text)
        )


class Person(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, null=True, blank=True, unique=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    members = models.ManyToManyField(
        Member, through="Affiliation", related_name="people", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="crm_person_email_unique_ci",
                violation_error_message=_("A person with this email already exists."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    @admin.display(description=_("name"))
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    def clean(self):
        errors = {}
        for field, normalise in (
            ("phone", normalise_phone),
            ("codice_fiscale", normalise_person_codice_fiscale),
        ):
            value = getattr(self, field)
            if not value:
                setattr(self, field, "" if field == "phone" else None)
                continue
            try:
                setattr(self, field, normalise(value))
            except ValidationError as exc:
                errors[field] = exc
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Stored lower-case so the case-insensitive unique index and lookups agree.
        if self.email:
            self.email = self.email.strip().lower()
        else:
            self.email = None
        super().save(*args, **kwargs)


class AffiliationRole(models.TextChoices):
    GUARDIAN = "guardian", _("Guardian")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    CONTACT = "contact", _("Contact")


class AffiliationQuerySet(models.QuerySet):
    def current(self, on=None):
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(Q(start_date__lte=on) | Q(start_date__isnull=True)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class Affiliation(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    role = models.CharField(_("role"), max_length=30, choices=AffiliationRole.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords()
    objects = AffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["member", "role", "person"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="crm_affiliation_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["person", "member", "role"],
                condition=Q(end_date__isnull=True),
                name="crm_affiliation_one_open_per_role",
                violation_error_message=_(
                    "This person already has this role for this member."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_role_display()} — {self.member}"

    def clean(self):
        if not (self.member_id and self.role):
            return
        is_family = self.member.kind == MemberKind.FAMILY
        if is_family and self.role != AffiliationRole.GUARDIAN:
            raise ValidationError(
                {"role": _("People are linked to a family as guardians.")}
            )
        if not is_family and self.role == AffiliationRole.GUARDIAN:
            raise ValidationError(
                {"role": _("Guardians belong to families, not organisations.")}
            )
