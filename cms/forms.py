from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.models import RegistrantKind
from cms.models.registrations import ORGANISATION_KINDS
from crm.models import ConsentPurpose, Municipality, Topic
from crm.validators import normalise_phone

MAX_CHILDCARE_CHILDREN = 6


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class RegistrationForm(forms.Form):
    """Everything the public registration form asks, with clear messages."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("Email"),
        error_messages={
            "invalid": _("Enter a valid email address, e.g. name@example.org.")
        },
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Optional. Useful if the event changes at the last minute."),
    )
    registrant_kind = forms.ChoiceField(
        label=_("You are registering as"),
        choices=RegistrantKind.choices,
        widget=forms.RadioSelect,
        initial=RegistrantKind.FAMILY,
    )
    organisation_name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=200,
        required=False,
        help_text=_("Required for third-sector bodies, businesses and institutions."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality where you live or work"),
        queryset=Municipality.objects.order_by("-is_piana", "name"),
        required=False,
        empty_label=_("— choose —"),
    )
    needs = TopicChoiceField(
        label=_("What would help your family or organisation?"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_topics = TopicChoiceField(
        label=_("Which themes would you like to discuss?"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    childcare_children = forms.IntegerField(
        label=_("Children aged 0–6 who need childcare during the event"),
        min_value=0,
        max_value=MAX_CHILDCARE_CHILDREN,
        initial=0,
        required=False,
    )
    childcare_ages = forms.CharField(
        label=_("Their ages in years"),
        max_length=50,
        required=False,
        help_text=_("Separated by commas, e.g. 2, 5."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. step-free access, sign language interpreting."),
    )
    consent_privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree to the processing of my data"
        ),
        error_messages={
            "required": _("You must accept the privacy notice to register.")
        },
    )
    consent_newsletter = forms.BooleanField(
        label=_("I would like to receive the network's newsletter"), required=False
    )
    consent_photos = forms.BooleanField(
        label=_("I agree to photos and videos taken at the event being published"),
        required=False,
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    AUTOCOMPLETE = {
        "first_name": "given-name",
        "last_name": "family-name",
        "email": "email",
        "phone": "tel",
        "organisation_name": "organization",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        boxes = (forms.TextInput, forms.EmailInput, forms.NumberInput, forms.Textarea)
        for name, field in self.fields.items():
            if isinstance(field.widget, boxes):
                field.widget.attrs.setdefault("class", "form-control")
            if name in self.AUTOCOMPLETE:
                field.widget.attrs["autocomplete"] = self.AUTOCOMPLETE[name]
        self.fields["website"].widget.attrs.update(
            {"autocomplete": "off", "tabindex": "-1"}
        )

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if not phone:
            return ""
        return normalise_phone(phone)

    def clean_childcare_ages(self):
        raw = self.cleaned_data.get("childcare_ages", "").replace(";", ",")
        ages = []
        for part in filter(None, (p.strip() for p in raw.split(","))):
            if not part.isdecimal() or int(part) > 6:
                raise ValidationError(
                    _("“%(value)s” is not an age between 0 and 6."),
                    params={"value": part},
                )
            ages.append(int(part))
        return ages

    def clean(self):
        data = super().clean()
        kind = data.get("registrant_kind")
        if kind in ORGANISATION_KINDS and not data.get("organisation_name", "").strip():
            self.add_error(
                "organisation_name", _("Tell us the name of the organisation.")
            )
        children = data.get("childcare_children") or 0
        data["childcare_children"] = children
        ages = data.get("childcare_ages")
        if ages is not None and len(ages) != children:
            self.add_error(
                "childcare_ages",
                _("Give one age for each child who needs childcare (%(n)s).")
                % {"n": children},
            )
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def consents(self) -> list[str]:
        data = self.cleaned_data
        chosen = [ConsentPurpose.PRIVACY] if data.get("consent_privacy") else []
        if data.get("consent_newsletter"):
            chosen.append(ConsentPurpose.NEWSLETTER)
        if data.get("consent_photos"):
            chosen.append(ConsentPurpose.PHOTOS)
        return chosen

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "registrant_kind",
            "organisation_name",
            "municipality",
            "needs",
            "preferred_topics",
            "childcare_children",
            "childcare_ages",
            "accessibility_needs",
        )
        return {f: data[f] for f in fields} | {"consents": self.consents()}


class CheckInSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
