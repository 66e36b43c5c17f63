from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class MunicipalityQuerySet(models.QuerySet):
    def piana(self):
        return self.filter(is_piana=True)


class Municipality(models.Model):
    istat_code = models.CharField(_("ISTAT code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=2, default="LU")
    is_piana = models.BooleanField(
        _("in the Piana di Lucca"),
        default=False,
        help_text=_("One of the seven comuni of the Piana di Lucca."),
    )
    is_hill = models.BooleanField(
        _("hill or mountain comune"),
        default=False,
        help_text=_("Shown apart in the coverage grids: services there are fewer."),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    neighbours = models.ManyToManyField(
        "self",
        verbose_name=_("neighbouring comuni"),
        blank=True,
        symmetrical=True,
        help_text=_("The comuni of the province that share a border with this one."),
    )
    # The patron saint's day: a fixed date, or a number of days after Easter
    # (Porcari keeps San Giusto on the Monday after Pentecost, Easter + 50).
    patron_saint = models.CharField(_("patron saint"), max_length=100, blank=True)
    patron_month = models.PositiveSmallIntegerField(
        _("month of the patron's day"), null=True, blank=True
    )
    patron_day = models.PositiveSmallIntegerField(
        _("day of the patron's day"), null=True, blank=True
    )
    patron_easter_offset = models.PositiveSmallIntegerField(
        _("days after Easter"),
        null=True,
        blank=True,
        help_text=_("For a movable feast, instead of month and day."),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(patron_month__isnull=True, patron_day__isnull=True)
                    | (
                        models.Q(patron_month__gte=1, patron_month__lte=12)
                        & models.Q(patron_day__gte=1, patron_day__lte=31)
                        & models.Q(patron_easter_offset__isnull=True)
                    )
                ),
                name="crm_municipality_patron_day_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.province})"

    def clean(self):
        import datetime

        from django.core.exceptions import ValidationError

        month, day = self.patron_month, self.patron_day
        if (month is None) != (day is None):
            raise ValidationError(
                {"patron_day": _("Give both the day and the month, or neither.")}
            )
        if month is not None:
            if self.patron_easter_offset is not None:
                raise ValidationError(
                    {
                        "patron_easter_offset": _(
                            "A fixed date or days after Easter, not both."
                        )
                    }
                )
            try:
                datetime.date(2024, month, day)  # a leap year: 29 February is real
            except ValueError:
                raise ValidationError(
                    {"patron_day": _("This day does not exist in that month.")}
                ) from None

    def patron_date(self, year: int):
        """The patron saint's day in ``year``, or ``None`` when not on record."""
        import datetime

        from dateutil.easter import easter

        if self.patron_easter_offset is not None:
            return easter(year) + datetime.timedelta(days=self.patron_easter_offset)
        if self.patron_month and self.patron_day:
            try:
                return datetime.date(year, self.patron_month, self.patron_day)
            except ValueError:  # 29 February in a common year
                return None
        return None


class Topic(models.Model):
    """A need or offer from the shared taxonomy (nido, doposcuola, …)."""

    slug = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name (Italian)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("needs and offers")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "it").startswith("en") and self.name_en:
            return self.name_en
        return self.name
