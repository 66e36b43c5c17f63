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

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return f"{self.name} ({self.province})"


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
