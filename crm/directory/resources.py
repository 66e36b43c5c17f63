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
from import_export import fields, resources, widgets

from crm.models import CostKind, Member, Municipality, Service, Topic
from crm.models.members import ORGANISATION_KINDS
from crm.reference import fixture_istat_codes


class NamedWidget(widgets.ForeignKeyWidget):
    """A related record by one of its names; unknown names are a cell message."""

    def __init__(self, model, lookups, message, queryset=None):
        super().__init__(model, field=lookups[0])
        self.lookups = lookups
        self.message = message
        self._queryset = queryset

    def get_queryset(self, value, row, *args, **kwargs):
        return self._queryset() if self._queryset else self.model.objects.all()

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        queryset = self.get_queryset(value, row)
        for lookup in self.lookups:
            found = queryset.filter(**{f"{lookup}__iexact": text}).first()
            if found is not None:
                return found
        raise ValueError(self.message % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.lookups[0])


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


class TextWidget(widgets.Widget):
    """Text; an empty cell is an empty text, never NULL."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class YesNoWidget(widgets.Widget):
    YES = {"1", "true", "yes", "sì", "si", "x"}
    NO = {"", "0", "false", "no"}

    def __init__(self, label):
        super().__init__()
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(
            _("%(field)s: write “sì” or “no”, not “%(value)s”.")
            % {"field": capfirst(self.label), "value": value}
        )

    def render(self, value, obj=None, **kwargs):
        return _("Yes") if value else _("No")


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


class ServiceResource(resources.ModelResource):
    id = fields.Field(
        attribute="id",
        column_name=capfirst(gettext_lazy("code")),
        widget=widgets.IntegerWidget(),
    )
    member = fields.Field(
        attribute="member",
        column_name=capfirst(gettext_lazy("organisation")),
        widget=NamedWidget(
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
        widget=NamedWidget(
            Topic,
            ["slug", "name", "name_en"],
            gettext_lazy("Kind: “%(value)s” is not one of the needs and offers."),
        ),
    )
    name = fields.Field(
        attribute="name",
        column_name=capfirst(gettext_lazy("name")),
        widget=TextWidget(),
    )
    description = fields.Field(
        attribute="description",
        column_name=capfirst(gettext_lazy("description")),
        widget=TextWidget(),
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
        widget=NamedWidget(
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
        widget=TextWidget(),
    )
    cost = fields.Field(
        attribute="cost",
        column_name=capfirst(gettext_lazy("cost")),
        widget=CostWidget(),
    )
    cost_notes = fields.Field(
        attribute="cost_notes",
        column_name=capfirst(gettext_lazy("cost details")),
        widget=TextWidget(),
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
        widget=TextWidget(),
    )
    contact_email = fields.Field(
        attribute="contact_email",
        column_name=capfirst(gettext_lazy("contact email")),
        widget=TextWidget(),
    )
    contact_phone = fields.Field(
        attribute="contact_phone",
        column_name=capfirst(gettext_lazy("contact phone")),
        widget=TextWidget(),
    )
    languages = fields.Field(
        attribute="languages",
        column_name=capfirst(gettext_lazy("languages spoken")),
        widget=TextWidget(),
    )
    website = fields.Field(
        attribute="website",
        column_name=capfirst(gettext_lazy("website")),
        widget=TextWidget(),
    )
    accessibility = fields.Field(
        attribute="accessibility",
        column_name=capfirst(gettext_lazy("accessibility")),
        widget=TextWidget(),
    )
    published = fields.Field(
        attribute="published",
        column_name=capfirst(gettext_lazy("published")),
        widget=YesNoWidget(gettext_lazy("published")),
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
