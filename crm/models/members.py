import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.validators import (
    format_phone,
    normalise_codice_fiscale,
    normalise_partita_iva,
    normalise_phone,
)

from .taxonomy import Municipality, Topic


class MemberKind(models.TextChoices):
    FAMILY = "family", _("Family")
    THIRD_SECTOR = "third_sector", _("Third-sector body")
    BUSINESS = "business", _("Business")
    INSTITUTION = "institution", _("Institution")


ORGANISATION_KINDS = (
    MemberKind.THIRD_SECTOR,
    MemberKind.BUSINESS,
    MemberKind.INSTITUTION,
)


class MemberStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active member")
    FORMER = "former", _("Former member")


class MemberSource(models.TextChoices):
    REGISTRATION = "registration", _("Event registration")
    IMPORT = "import", _("Import")
    MANUAL = "manual", _("Entered by hand")


class InstitutionType(models.TextChoices):
    MUNICIPALITY = "comune", _("Municipality")
    PROVINCE = "provincia", _("Province")
    REGION = "regione", _("Region")
    SCHOOL = "scuola", _("School")
    HEALTH = "asl", _("Health authority")
    UNIVERSITY = "universita", _("University")
    OTHER = "altro", _("Other public body")


class MemberQuerySet(models.QuerySet):
    def families(self):
        return self.filter(kind=MemberKind.FAMILY)

    def organisations(self):
        return self.exclude(kind=MemberKind.FAMILY)

    def active(self):
        return self.filter(status=MemberStatus.ACTIVE)

    def adherents(self):
        """The network's adherents (soggetti aderenti): its active members.

        The one definition every count uses. A prospect (one created by a
        public registration, say) is not an adherent yet, and a former member
        no longer is one.
        """
        return self.active()

    def in_municipality(self, municipality):
        return self.filter(municipality=municipality)

    def for_list(self):
        """What a list of members shows, fetched in a fixed number of queries."""
        return self.select_related("municipality").prefetch_related("needs", "offers")

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        tax_id = text.replace(" ", "").upper()
        if tax_id.startswith("IT") and tax_id[2:].isdigit():
            tax_id = tax_id[2:]  # a partita IVA written as a VAT number
        return self.filter(
            Q(name__icontains=text)
            | Q(legal_name__icontains=text)
            | Q(codice_fiscale=tax_id)
            | Q(partita_iva=tax_id)
            | Q(email__icontains=text)
        )


class Member(models.Model):
    """A family or organisation in the network (soggetto aderente)."""

    kind = models.CharField(_("kind"), max_length=20, choices=MemberKind.choices)
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("How the member is usually called, e.g. “Famiglia Rossi”."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MemberStatus.choices,
        default=MemberStatus.PROSPECT,
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("Stored in E.164 format.")
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=MemberSource.choices,
        default=MemberSource.MANUAL,
    )
    needs = models.ManyToManyField(
        Topic, verbose_name=_("needs"), blank=True, related_name="members_in_need"
    )
    offers = models.ManyToManyField(
        Topic, verbose_name=_("offers"), blank=True, related_name="members_offering"
    )
    notes = models.TextField(_("notes"), blank=True)

    # Organisations (third-sector bodies, businesses, institutions)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=100, blank=True)
    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, null=True, blank=True, unique=True
    )
    partita_iva = models.CharField(
        _("partita IVA"), max_length=11, null=True, blank=True, unique=True
    )
    runts_number = models.CharField(
        _("RUNTS number"),
        max_length=30,
        blank=True,
        help_text=_("Registro unico nazionale del terzo settore."),
    )
    ateco_code = models.CharField(_("ATECO code"), max_length=10, blank=True)
    employees = models.PositiveIntegerField(
        _("number of employees"), null=True, blank=True
    )
    institution_type = models.CharField(
        _("institution type"),
        max_length=20,
        choices=InstitutionType.choices,
        blank=True,
    )
    listed_publicly = models.BooleanField(
        _("listed publicly"),
        default=False,
        help_text=_("The organisation agrees to be named on the public pages."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at"], m2m_fields=[needs, offers]
    )
    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["kind", "status"]),
            # The admin list sorts by name: an index in that order avoids a sort
            # of every member on each page.
            models.Index(fields=["name", "id"], name="crm_member_name_id"),
            models.Index(Lower("name"), name="crm_member_name_lower"),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in MemberKind]),
                name="crm_member_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in MemberStatus]),
                name="crm_member_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MemberKind.FAMILY)
                | (Q(partita_iva__isnull=True) & Q(codice_fiscale__isnull=True)),
                name="crm_member_family_has_no_tax_ids",
            ),
            models.CheckConstraint(
                condition=Q(kind=MemberKind.THIRD_SECTOR) | Q(runts_number=""),
                name="crm_member_runts_only_third_sector",
            ),
            models.CheckConstraint(
                condition=Q(kind=MemberKind.INSTITUTION) | Q(institution_type=""),
                name="crm_member_institution_type_only_institutions",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_family(self) -> bool:
        return self.kind == MemberKind.FAMILY

    @property
    def is_organisation(self) -> bool:
        return self.kind != MemberKind.FAMILY

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def public_name(self) -> str:
        """What public pages may show: families are never named."""
        if self.is_family or not self.listed_publicly:
            return ""
        return self.legal_name or self.name

    def clean(self):
        errors = {}
        for field, normalise in (
            ("phone", normalise_phone),
            ("partita_iva", normalise_partita_iva),
            ("codice_fiscale", normalise_codice_fiscale),
        ):
            value = getattr(self, field)
            if not value:
                setattr(self, field, "" if field == "phone" else None)
                continue
            try:
                setattr(self, field, normalise(value))
            except ValidationError as exc:
                errors[field] = exc
        if self.is_family:
            for field in ("partita_iva", "codice_fiscale"):
                if getattr(self, field):
                    errors[field] = ValidationError(
                        _("A family has no codice fiscale or partita IVA of its own.")
                    )
        if self.runts_number and self.kind != MemberKind.THIRD_SECTOR:
            errors["runts_number"] = ValidationError(
                _("Only third-sector bodies have a RUNTS number.")
            )
        if self.institution_type and self.kind != MemberKind.INSTITUTION:
            errors["institution_type"] = ValidationError(
                _("Only institutions have an institution type.")
            )
        if errors:
            raise ValidationError(errors)


class Child(models.Model):
    """A child of a family, by birth year and month only: never a name."""

    family = models.ForeignKey(
        Member,
        verbose_name=_("family"),
        on_delete=models.CASCADE,
        related_name="children",
        limit_choices_to={"kind": MemberKind.FAMILY},
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    birth_month = models.PositiveSmallIntegerField(_("month of birth"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["birth_year", "birth_month", "pk"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_month__gte=1) & Q(birth_month__lte=12),
                name="crm_child_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__gte=1990) & Q(birth_year__lte=2100),
                name="crm_child_year_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.birth_month:02d}/{self.birth_year}"

    def age_in_months(self, on: datetime.date | None = None) -> int:
        on = on or timezone.localdate()
        return (on.year - self.birth_year) * 12 + (on.month - self.birth_month)

    def is_zero_to_six(self, on: datetime.date | None = None) -> bool:
        return 0 <= self.age_in_months(on) < 72
