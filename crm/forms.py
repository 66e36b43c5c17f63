"""Forms of the member area, invitations and role administration."""

import datetime

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.area import PERSON_EDITABLE, member_editable_fields
from crm.models import Child, Member, MemberKind, Person, Role, Topic

MONTHS = [
    (1, _("January")),
    (2, _("February")),
    (3, _("March")),
    (4, _("April")),
    (5, _("May")),
    (6, _("June")),
    (7, _("July")),
    (8, _("August")),
    (9, _("September")),
    (10, _("October")),
    (11, _("November")),
    (12, _("December")),
]


class TopicsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.label


class MemberDetailsForm(forms.ModelForm):
    """A family or organisation edits its own details, needs and offers."""

    needs = TopicsField(
        queryset=Topic.objects.all(),
        required=False,
        label=_("What we need"),
    )
    offers = TopicsField(
        queryset=Topic.objects.all(),
        required=False,
        label=_("What we can offer"),
    )

    class Meta:
        model = Member
        fields = member_editable_fields(Member(kind=MemberKind.THIRD_SECTOR))
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = member_editable_fields(self.instance)
        for name in list(self.fields):
            if name not in allowed and name not in ("needs", "offers"):
                del self.fields[name]
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["phone"].help_text = _("For example 0583 123456 or 327 1234567.")
        if not self.is_bound:
            self.initial["needs"] = list(
                self.instance.needs.values_list("pk", flat=True)
            )
            self.initial["offers"] = list(
                self.instance.offers.values_list("pk", flat=True)
            )
            self.initial["phone"] = self.instance.phone_display

    def _save_m2m(self):  # the service sets needs and offers
        pass


class PersonDetailsForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = PERSON_EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        if not self.is_bound:
            self.initial["phone"] = self.instance.phone_display


def _birth_years():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, this_year - 19, -1)]


class ChildForm(forms.Form):
    birth_year = forms.TypedChoiceField(
        label=_("Year of birth"), choices=_birth_years, coerce=int
    )
    birth_month = forms.TypedChoiceField(
        label=_("Month of birth"), choices=MONTHS, coerce=int
    )

    def clean(self):
        data = super().clean()
        year, month = data.get("birth_year"), data.get("birth_month")
        if year and month:
            today = timezone.localdate()
            if datetime.date(year, month, 1) > today:
                raise forms.ValidationError(_("The date of birth is in the future."))
            Child(birth_year=year, birth_month=month).clean_fields(exclude=["family"])
        return data


class InviteForm(forms.Form):
    """A legal representative (or a coordinator) invites a person to a member."""

    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.CONTACT.value, Role.CONTACT.label),
            (Role.LEGAL_REPRESENTATIVE.value, Role.LEGAL_REPRESENTATIVE.label),
        ],
        initial=Role.CONTACT.value,
    )


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Anything you want to tell us (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that, once a coordinator approves, my personal data will "
            "be anonymised and my login closed."
        )
    )


class SetPasswordForm(forms.Form):
    """Choose a password when accepting an invitation."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(username=self.email, email=self.email)
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


# --- back office -----------------------------------------------------------


class RoleAssignForm(forms.Form):
    """A coordinator grants a role by login email; an address that no verified
    account holds gets an invitation instead (the names are then needed for a
    person the network does not know yet)."""

    email = forms.EmailField(label=_("Login email of the person"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    member = forms.ModelChoiceField(
        label=_("Family or organisation"),
        queryset=Member.objects.filter(anonymised_at__isnull=True),
        required=False,
        help_text=_("Only for guardians, legal representatives and contacts."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        required=False,
        help_text=_("Only if an invitation must be sent to someone new."),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class InvitationAdminForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    member = forms.ModelChoiceField(
        label=_("Family or organisation"),
        queryset=Member.objects.filter(anonymised_at__isnull=True),
        required=False,
    )


class ErasureRecordForm(forms.Form):
    """An erasure request that reached the network on paper, by email or in person."""

    received_on = forms.DateField(
        label=_("Received on"),
        # The browser's date picker reads and sends ISO dates, whatever the language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, e.g. 30/11/2026.")},
    )
    reason = forms.CharField(
        label=_("What the person asked, and how it arrived"),
        help_text=_(
            "e.g. “Letter of 28/11 handed in at the Casermetta: erase all my data.”"
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return received_on


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Anonymise the person's data")),
            ("refuse", _("Refuse the request")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
