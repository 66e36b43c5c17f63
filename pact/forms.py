"""Forms of the facilitator page: fast to fill in on a phone."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Topic
from pact.models import Contribution, ContributionKind


class ContributionForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ContributionKind.choices,
        widget=forms.RadioSelect,
        initial=ContributionKind.POINT_OF_VIEW,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Contribution
        fields = ["kind", "text", "author", "topics"]
        widgets = {
            "text": forms.Textarea(
                attrs={"rows": 4, "autocomplete": "off", "spellcheck": "true"}
            ),
        }
        labels = {"text": _("What was shared")}

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = table.participants.order_by(
            "last_name", "first_name"
        )
        self.fields["author"].empty_label = _("Anonymous")
        self.fields["author"].label = _("Who said it")
        self.fields["text"].strip = True
        if not self.is_bound and not self.instance.pk:
            self.initial["client_token"] = uuid.uuid4()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "author": data["author"],
            "topics": data["topics"],
        }


class SynthesisForm(forms.Form):
    synthesis = forms.CharField(
        label=_("Synthesis for the closing plenary"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
