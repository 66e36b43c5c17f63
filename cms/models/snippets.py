from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index


class Venue(index.Indexed, models.Model):
    """Where an event takes place."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    city = models.CharField(_("town"), max_length=100, default="Lucca")
    province = models.CharField(_("province"), max_length=2, default="LU")
    directions = models.TextField(
        _("how to get there"),
        blank=True,
        help_text=_("Parking, public transport, entrance."),
    )
    accessibility = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("Step-free access, lifts, accessible toilets…"),
    )

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("postal_code"),
                FieldPanel("city"),
                FieldPanel("province"),
            ],
            heading=_("Address"),
        ),
        FieldPanel("directions"),
        FieldPanel("accessibility"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("address"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self):
        return self.name

    @property
    @admin.display(description=_("address"))
    def full_address(self) -> str:
        town = " ".join(p for p in (self.postal_code, self.city) if p)
        if self.province:
            town = f"{town} ({self.province})"
        return ", ".join(p for p in (self.address, town) if p)


class Speaker(index.Indexed, models.Model):
    """Someone who speaks at an event: name, role, organisation, photo."""

    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=255, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = models.TextField(_("short biography"), blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("organisation"),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("organisation"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        if self.organisation:
            return f"{self.name} ({self.organisation})"
        return self.name

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()

    @property
    def affiliation(self) -> str:
        return " · ".join(p for p in (self.role, self.organisation) if p)
