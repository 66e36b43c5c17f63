"""Services as a spreadsheet: a django-import-export Resource.

Columns carry Italian headings; organisations, kinds and comuni are named as a
coordinator writes them (name, topic code or name, comune name), and a name the
CRM does not know is a message on that cell, not a failed row. Every row is
validated like a form (``full_clean``), and an import is all-or-nothing.
Places read from a file are dated with the import.
"""

import tablib
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from crm.models import CostKind, Member, Municipality, Service, Topic
from crm.models.members import ORGANISATION_KINDS
from crm.reference import fixture_istat_codes
from crm.spreadsheets import widgets as w
from crm.spreadsheets.resources import ItalianResource


class CostWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if not text:
            return CostKind.FEE
        for choice in CostKind:
            if text in (choice.value, str(choice.label).lower()):
                return choice.value
        raise ValueError(
            _("Cost: “%(value)s” is not one of %(choices)s.")
            % {
                "value": value,
                "choices": ", ".join(f"“{c.label}”" for c in CostKind),
            }
        )

    def render(self, value, obj=None, **kwargs):
        return str(CostKind(value).label) if value else ""


class CountWidget(widgets.IntegerWidget):
    """A whole number of places or months, never negative."""

    def __init__(self, label):
        super().__init__()
        self.label = label

    def clean(self, value, row=None, **kwargs):
        try:
            number = super().clean(value, row, **kwargs)
        except (ValueError, ArithmeticError):
            raise ValueError(
                _("%(field)s: “%(value)s” is not a whole number.")
                % {"field": capfirst(self.label), "value": value}
            ) from None
        if number is not None and number < 0:
            raise ValueError(
                _("%(field)s: the figure cannot be negative.")
                % {"field": capfirst(self.label)}
            )
        return number


def _comuni():
    return Municipality.objects.filter(istat_code__in=fixture_istat_codes())


def _organisations():
    return Member.objects.filter(kind__in=ORGANISATION_KINDS)


class ServiceResource(ItalianResource):
    id = fields.Field(
        attribute="id",
        column_name=capfirst(gettext_lazy("code")),
        widget=widgets.IntegerWidget(),
    )
    member = fields.Field(
        attribute="member",
        column_name=capfirst(gettext_lazy("organisation")),
        widget=w.Named(
            Member,
            ["name", "legal_name", "codice_fiscale"],
            gettext_lazy(
                "Organisation: no organisation of the network is called “%(value)s”."
            ),
            queryset=_organisations,
        ),
    )
    kind = fields.Field(
        attribute="kind",
        column_name=capfirst(gettext_lazy("kind")),
        widget=w.Named(
            Topic,
            ["slug", "name", "name_en"],
            gettext_lazy("Kind: “%(value)s” is not one of the needs and offers."),
        ),
    )
    name = fields.Field(
        attribute="name",
        column_name=capfirst(gettext_lazy("name")),
        widget=w.Text(),
    )
    description = fields.Field(
        attribute="description",
        column_name=capfirst(gettext_lazy("description")),
        widget=w.Text(),
    )
    age_min_months = fields.Field(
        attribute="age_min_months",
        column_name=capfirst(gettext_lazy("from age (months)")),
        widget=CountWidget(gettext_lazy("from age (months)")),
    )
    age_max_months = fields.Field(
        attribute="age_max_months",
        column_name=capfirst(gettext_lazy("to age (months)")),
        widget=CountWidget(gettext_lazy("to age (months)")),
    )
    municipality = fields.Field(
        attribute="municipality",
        column_name=capfirst(gettext_lazy("municipality")),
        widget=w.Named(
            Municipality,
            ["name", "istat_code"],
            gettext_lazy(
                "Municipality: “%(value)s” is not one of the comuni of the "
                "Province of Lucca the network covers."
            ),
            queryset=_comuni,
        ),
    )
    address = fields.Field(
        attribute="address",
        column_name=capfirst(gettext_lazy("address")),
        widget=w.Text(),
    )
    cost = fields.Field(
        attribute="cost",
        column_name=capfirst(gettext_lazy("cost")),
        widget=CostWidget(),
    )
    cost_notes = fields.Field(
        attribute="cost_notes",
        column_name=capfirst(gettext_lazy("cost details")),
        widget=w.Text(),
    )
    capacity = fields.Field(
        attribute="capacity",
        column_name=capfirst(gettext_lazy("places in all")),
        widget=CountWidget(gettext_lazy("places in all")),
    )
    places_free = fields.Field(
        attribute="places_free",
        column_name=capfirst(gettext_lazy("places free")),
        widget=CountWidget(gettext_lazy("places free")),
    )
    how_to_apply = fields.Field(
        attribute="how_to_apply",
        column_name=capfirst(gettext_lazy("how to apply")),
        widget=w.Text(),
    )
    contact_email = fields.Field(
        attribute="contact_email",
        column_name=capfirst(gettext_lazy("contact email")),
        widget=w.Text(),
    )
    contact_phone = fields.Field(
        attribute="contact_phone",
        column_name=capfirst(gettext_lazy("contact phone")),
        widget=w.Text(),
    )
    languages = fields.Field(
        attribute="languages",
        column_name=capfirst(gettext_lazy("languages spoken")),
        widget=w.Text(),
    )
    website = fields.Field(
        attribute="website",
        column_name=capfirst(gettext_lazy("website")),
        widget=w.Text(),
    )
    accessibility = fields.Field(
        attribute="accessibility",
        column_name=capfirst(gettext_lazy("accessibility")),
        widget=w.Text(),
    )
    published = fields.Field(
        attribute="published",
        column_name=capfirst(gettext_lazy("published")),
        widget=w.YesNo(),
    )

    class Meta:
        model = Service
        fields = (
            "id",
            "member",
            "kind",
            "name",
            "description",
            "age_min_months",
            "age_max_months",
            "municipality",
            "address",
            "cost",
            "cost_notes",
            "capacity",
            "places_free",
            "how_to_apply",
            "contact_email",
            "contact_phone",
            "languages",
            "website",
            "accessibility",
            "published",
        )
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def get_queryset(self):
        return Service.objects.select_related("member", "kind", "municipality")

    def for_export(self, queryset):
        return queryset.select_related("member", "kind", "municipality")

    def included(self, queryset):
        return queryset.values_list("member_id", flat=True), None

    def before_save_instance(self, instance, row, **kwargs):
        stored = (
            Service.objects.filter(pk=instance.pk)
            .values_list("places_free", "capacity")
            .first()
            if instance.pk
            else None
        )
        if stored != (instance.places_free, instance.capacity):
            instance.places_updated_at = timezone.now()
            instance.places_updated_by = None


def import_services(dataset: tablib.Dataset, *, commit: bool):
    """Check (``commit=False``) or import a sheet of services, all or nothing.

    Returns import-export's result: ``has_errors()``, ``has_validation_errors()``,
    ``invalid_rows`` (field messages per row) and ``row_errors()``.
    """
    return ServiceResource().import_data(
        dataset,
        dry_run=not commit,
        raise_errors=False,
        use_transactions=True,
        collect_failed_rows=True,
        rollback_on_validation_errors=True,
    )


def export_services(queryset=None) -> tablib.Dataset:
    return ServiceResource().export(queryset)
