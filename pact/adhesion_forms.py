"""Forms for signing, verifying and running adhesions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Member, Person, Topic
from pact.digital_signatures import MAX_UPLOAD
from pact.documents.context import normalise_short_code
from pact.models import NetworkRole, PactVersion, VersionStatus


class SignatureCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code received by email"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "I have read the whole text of the pact and the commitments, and I "
            "sign them for the member."
        )
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=30,
        help_text=_("Printed on every page of the signed pact, e.g. LIF-7K3Q-9PXM."),
    )

    def clean_code(self):
        code = normalise_short_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("This is not a verification code: it looks like LIF-7K3Q-9PXM.")
            )
        return code


def _limit_size(upload):
    if upload and upload.size > MAX_UPLOAD:
        raise forms.ValidationError(_("The file is too large (at most 20 MB)."))
    return upload


class VerifyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Signed pact (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self):
        return _limit_size(self.cleaned_data["file"])


class AdhesionCreateForm(forms.Form):
    version = forms.ModelChoiceField(
        label=_("Pact version"),
        queryset=PactVersion.objects.filter(status=VersionStatus.OPEN).select_related(
            "pact"
        ),
    )
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Member.objects.filter(anonymised_at__isnull=True),
    )
    network_role = forms.ModelChoiceField(
        label=_("Network role"),
        queryset=NetworkRole.objects.select_related("version"),
        required=False,
    )
    commitments = forms.CharField(
        label=_("Commitments"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Offers"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        open_versions = self.fields["version"].queryset
        self.fields["network_role"].queryset = NetworkRole.objects.filter(
            version__in=open_versions
        ).select_related("version__pact")
        if open_versions.count() == 1:
            self.fields["version"].initial = open_versions.first()


class AdhesionEditForm(forms.Form):
    network_role = forms.ModelChoiceField(
        label=_("Network role"), queryset=NetworkRole.objects.none(), required=False
    )
    commitments = forms.CharField(
        label=_("Commitments"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Offers"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, adhesion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network_role"].queryset = adhesion.version.network_roles.all()


class InPersonForm(forms.Form):
    signatory = forms.ModelChoiceField(
        label=_("Who signed"), queryset=Person.objects.none()
    )
    signed_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"],
    )
    scan_file = forms.FileField(
        label=_("Scan of the signed paper (PDF, JPEG or PNG)"),
    )

    def __init__(self, *args, signatories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signatory"].queryset = signatories
        self.fields["signed_at"].initial = timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M"
        )

    def clean_scan_file(self):
        return _limit_size(self.cleaned_data["scan_file"])


class DigitalForm(forms.Form):
    uploaded = forms.FileField(
        label=_("Digitally signed file (PAdES PDF or .p7m)"),
    )
    signatory = forms.ModelChoiceField(
        label=_("Who signed"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Needed only when the certificate carries no codice fiscale."),
    )

    def __init__(self, *args, signatories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signatory"].queryset = signatories

    def clean_uploaded(self):
        return _limit_size(self.cleaned_data["uploaded"])


class OwnDigitalSignatureForm(forms.Form):
    """A signatory's own digitally signed pact, uploaded in the member area."""

    uploaded = forms.FileField(
        label=_("Your digitally signed file (PAdES PDF or .p7m)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "application/pdf,.pdf,.p7m,application/pkcs7-mime",
                "class": "form-control",
            }
        ),
    )
    code = forms.CharField(
        label=_("Code received by email, to confirm the upload"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
            }
        ),
    )

    def clean_uploaded(self):
        return _limit_size(self.cleaned_data["uploaded"])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 3})
    )
