"""The network's services for families: what, for whom, where, when, places.

A service belongs to an organisation; its weekly hours hang off opening
periods (a school year, the summer weeks), and closures take days out. Times
are minutes after midnight, so that 24:00 (1440) can close a day.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .members import Member, MemberKind
from .people import Person
from .taxonomy import Municipality, Topic

MINUTES_IN_DAY = 24 * 60
# A published figure of free places older than this shows as "to be confirmed".
PLACES_FRESH_FOR = datetime.timedelta(days=30)
MAX_AGE_MONTHS = 18 * 12

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def format_minutes(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class CostKind(models.TextChoices):
    FREE = "free", _("Free of charge")
    FEE = "fee", _("Fee")
    INCOME_BASED = "income_based", _("Fee based on income (ISEE)")


class ServiceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(
            published=True,
            member__anonymised_at__isnull=True,
        ).exclude(member__status="former")

    def for_list(self):
        return self.select_related("kind", "municipality", "member")

    def for_ages(self, minimum: int, maximum: int | None = None):
        """Services whose ages overlap ``minimum``..``maximum`` months."""
        maximum = minimum if maximum is None else maximum
        return self.filter(age_min_months__lte=maximum, age_max_months__gte=minimum)


class Service(models.Model):
    """What a member organisation offers families (servizio)."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="services",
        limit_choices_to=~Q(kind=MemberKind.FAMILY),
    )
    kind = models.ForeignKey(
        Topic,
        verbose_name=pgettext_lazy("service", "kind"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    age_min_months = models.PositiveSmallIntegerField(_("from age (months)"), default=0)
    age_max_months = models.PositiveSmallIntegerField(_("to age (months)"), default=72)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    cost = models.CharField(
        _("cost"), max_length=20, choices=CostKind.choices, default=CostKind.FEE
    )
    cost_notes = models.CharField(
        _("cost details"),
        max_length=255,
        blank=True,
        help_text=_("E.g. “€ 80 a week, meals included”."),
    )
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    accessibility = models.TextField(_("accessibility"), blank=True)
    languages = models.CharField(
        _("languages spoken"),
        max_length=200,
        blank=True,
        help_text=_("Separated by commas, e.g. “italiano, inglese, arabo”."),
    )
    open_on_public_holidays = models.BooleanField(
        _("open on public holidays"),
        default=False,
        help_text=_("Also on national holidays and the comune's patron saint's day."),
    )
    capacity = models.PositiveIntegerField(_("places in all"), null=True, blank=True)
    places_free = models.PositiveIntegerField(_("places free"), null=True, blank=True)
    places_updated_at = models.DateTimeField(
        _("places updated at"), null=True, blank=True
    )
    places_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("places updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Bumped by every update of the places: a form that read an older version
    # is refused instead of overwriting what someone else just saved.
    places_version = models.PositiveIntegerField(default=0, editable=False)
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Shown in the public directory."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [
            models.Index(fields=["municipality", "kind"]),
            models.Index(fields=["age_min_months", "age_max_months"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min_months__lte=F("age_max_months")),
                name="crm_service_ages_ordered",
                violation_error_message=_(
                    "The lowest age cannot be above the highest age."
                ),
            ),
            models.CheckConstraint(
                condition=Q(age_max_months__lte=MAX_AGE_MONTHS),
                name="crm_service_age_plausible",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True)
                | Q(places_free__isnull=True)
                | Q(places_free__lte=F("capacity")),
                name="crm_service_free_within_capacity",
                violation_error_message=_(
                    "There cannot be more free places than places in all."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cost__in=[c.value for c in CostKind]),
                name="crm_service_cost_valid",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="crm_service_latitude_valid",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="crm_service_longitude_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if (
            self.age_min_months is not None
            and self.age_max_months is not None
            and self.age_min_months > self.age_max_months
        ):
            errors["age_max_months"] = ValidationError(
                _(
                    "Ages served: the highest age (%(max)s months) is below the "
                    "lowest (%(min)s months)."
                ),
                params={"min": self.age_min_months, "max": self.age_max_months},
            )
        if self.age_max_months is not None and self.age_max_months > MAX_AGE_MONTHS:
            errors["age_max_months"] = ValidationError(
                _("Ages served: at most %(max)s months (18 years)."),
                params={"max": MAX_AGE_MONTHS},
            )
        if (
            self.capacity is not None
            and self.places_free is not None
            and self.places_free > self.capacity
        ):
            errors["places_free"] = ValidationError(
                _(
                    "Places free: %(free)s is more than the places in all "
                    "(%(capacity)s)."
                ),
                params={"free": self.places_free, "capacity": self.capacity},
            )
        if self.member_id and self.member.kind == MemberKind.FAMILY:
            errors["member"] = ValidationError(
                _("Services belong to organisations, not to families.")
            )
        if self.municipality_id and not in_fixture(self.municipality):
            errors["municipality"] = ValidationError(
                _(
                    "Municipality: “%(name)s” is not one of the comuni of the "
                    "Province of Lucca the network covers."
                ),
                params={"name": self.municipality.name},
            )
        if self.contact_phone:
            from crm.validators import normalise_phone

            try:
                self.contact_phone = normalise_phone(self.contact_phone)
            except ValidationError as exc:
                errors["contact_phone"] = exc
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = ValidationError(
                _("Map position: give both latitude and longitude, or neither.")
            )
        if errors:
            raise ValidationError(errors)

    @property
    def ages_display(self) -> str:
        return ages_label(self.age_min_months, self.age_max_months)

    @property
    def places_confirmed(self) -> bool:
        """Whether the free places were updated in the last 30 days."""
        if self.places_updated_at is None:
            return False
        return timezone.now() - self.places_updated_at <= PLACES_FRESH_FOR

    @property
    def has_free_places(self) -> bool:
        return bool(self.places_free)

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]

    @property
    def contact_phone_display(self) -> str:
        from crm.validators import format_phone

        return format_phone(self.contact_phone)

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def in_fixture(municipality: Municipality) -> bool:
    """Whether the comune is one of the 33 the reference data lists."""
    from crm.reference import fixture_istat_codes

    return municipality.istat_code in fixture_istat_codes()


def ages_label(minimum: int, maximum: int) -> str:
    """“3–36 mesi” or “3–6 anni”, as a family reads it."""
    from django.utils.translation import gettext

    if minimum % 12 == 0 and maximum % 12 == 0 and maximum >= 24:
        return gettext("%(min)s–%(max)s years") % {
            "min": minimum // 12,
            "max": maximum // 12,
        }
    return gettext("%(min)s–%(max)s months") % {"min": minimum, "max": maximum}


class OpeningPeriod(models.Model):
    """Dates between which a service keeps its weekly hours (orario / periodo)."""

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="periods",
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("E.g. “Anno scolastico 2026/27”.")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("opening period")
        verbose_name_plural = _("opening periods")
        indexes = [models.Index(fields=["service", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="crm_opening_period_dates_ordered",
                violation_error_message=_("A period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y})"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {
                    "ends_on": ValidationError(
                        _(
                            "Period “%(name)s”: it ends (%(end)s) before it starts "
                            "(%(start)s)."
                        ),
                        params={
                            "name": self.name,
                            "end": self.ends_on.strftime("%d/%m/%Y"),
                            "start": self.starts_on.strftime("%d/%m/%Y"),
                        },
                    )
                }
            )


class OpeningHours(models.Model):
    """One opening on one weekday of a period: e.g. Tuesday 16:30–19:00."""

    period = models.ForeignKey(
        OpeningPeriod,
        verbose_name=_("period"),
        on_delete=models.CASCADE,
        related_name="hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.PositiveSmallIntegerField(
        _("opens"), help_text=_("Minutes after midnight.")
    )
    closes = models.PositiveSmallIntegerField(
        _("closes"), help_text=_("Minutes after midnight; 1440 is 24:00.")
    )

    class Meta:
        ordering = ["weekday", "opens", "pk"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        # Searches go service → period → hours: the hours of one period by day.
        indexes = [
            models.Index(
                fields=["period", "weekday", "opens"], name="crm_opening_period_day"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6),
                name="crm_opening_hours_weekday_valid",
            ),
            models.CheckConstraint(
                condition=Q(opens__gte=0)
                & Q(closes__lte=MINUTES_IN_DAY)
                & Q(closes__gt=F("opens")),
                name="crm_opening_hours_within_day",
                violation_error_message=_(
                    "Hours must end after they start, within 00:00–24:00."
                ),
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_weekday_display()} {self.opens_display}–{self.closes_display}"
        )

    @property
    def opens_display(self) -> str:
        return format_minutes(self.opens)

    @property
    def closes_display(self) -> str:
        return format_minutes(self.closes)

    def clean(self):
        if self.opens is None or self.closes is None:
            return
        day = dict(WEEKDAYS).get(self.weekday, "")
        if self.closes > MINUTES_IN_DAY or self.opens >= MINUTES_IN_DAY:
            raise ValidationError(
                {
                    "closes": _("%(day)s: hours cannot pass 24:00.")
                    % {"day": str(day).capitalize()}
                }
            )
        if self.closes <= self.opens:
            raise ValidationError(
                {
                    "closes": _(
                        "%(day)s: the closing time (%(closes)s) must be after the "
                        "opening time (%(opens)s)."
                    )
                    % {
                        "day": str(day).capitalize(),
                        "closes": format_minutes(self.closes),
                        "opens": format_minutes(self.opens),
                    }
                }
            )


class Closure(models.Model):
    """Days a service is closed within its periods (holidays of its own)."""

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        indexes = [models.Index(fields=["service", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="crm_closure_dates_ordered",
                violation_error_message=_("A closure cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y} {self.reason}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Closure: it ends before it starts.")})


class InformationRequest(models.Model):
    """A family asks a service for information (richiesta di informazioni)."""

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="information_requests",
    )
    family = models.ForeignKey(
        Member,
        verbose_name=_("family"),
        on_delete=models.CASCADE,
        related_name="information_requests",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="information_requests",
    )
    message = models.TextField(_("message"))
    contact_shared_at = models.DateTimeField(_("consent to share the contact given at"))
    consent_text = models.TextField(_("consent text"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")

    def __str__(self):
        return f"{self.family} → {self.service}"


class PlacesAlertQuerySet(models.QuerySet):
    def active(self):
        return self.filter(stopped_at__isnull=True)


class PlacesAlert(models.Model):
    """A family wants an email when a full service frees places."""

    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="places_alerts",
    )
    family = models.ForeignKey(
        Member,
        verbose_name=_("family"),
        on_delete=models.CASCADE,
        related_name="places_alerts",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="places_alerts",
    )
    email = models.EmailField(_("email"))
    consented_at = models.DateTimeField(_("consent given at"), default=timezone.now)
    consent_text = models.TextField(_("consent text"))
    stop_token = models.CharField(max_length=64, unique=True, editable=False)
    last_notified_at = models.DateTimeField(
        _("last notified at"), null=True, blank=True
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    objects = PlacesAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-consented_at", "-pk"]
        verbose_name = _("places alert")
        verbose_name_plural = _("places alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "person"],
                condition=Q(stopped_at__isnull=True),
                name="crm_places_alert_one_active",
            ),
        ]

    def __str__(self):
        return f"{self.family} — {self.service}"
