"""The filters of the back-office registration list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.models import RegistrantKind, RegistrationStatus
from crm.models import Municipality

CHILDCARE_CHOICES = [("", _("All")), ("yes", _("Needed")), ("no", _("Not needed"))]


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All"))] + RegistrationStatus.choices,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Registers as"),
        choices=[("", _("All"))] + RegistrantKind.choices,
        required=False,
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=_("All"),
    )
    childcare = forms.ChoiceField(
        label=_("Childcare"), choices=CHILDCARE_CHOICES, required=False
    )

    def apply(self, queryset):
        """The queryset narrowed by the valid filters (all of them if invalid)."""
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        queryset = queryset.search(data["q"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["kind"]:
            queryset = queryset.filter(registrant_kind=data["kind"])
        if data["municipality"]:
            queryset = queryset.filter(municipality=data["municipality"])
        if data["childcare"] == "yes":
            queryset = queryset.filter(childcare_children__gt=0)
        elif data["childcare"] == "no":
            queryset = queryset.filter(childcare_children=0)
        return queryset

    def as_log(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            key: str(value.pk if hasattr(value, "pk") else value)
            for key, value in self.cleaned_data.items()
            if value
        }
