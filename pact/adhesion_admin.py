"""Adhesions in the Wagtail admin: list, create, edit until signed, inspect,
and the actions of the signature (request, in person, digital, withdraw, PDF).

Coordinators only (``pact.*_adhesion`` permissions of their group). A signed
adhesion is read-only here as everywhere: edit and delete refuse it.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from crm.models import MemberKind, Municipality
from crm.services import export_log
from pact import services
from pact.access import adhesion_for_coordinator
from pact.adhesion_forms import DigitalForm, InPersonForm, WithdrawForm
from pact.evidence import evidence_rows
from pact.models import (
    Adhesion,
    AdhesionStatus,
    NetworkRole,
    PactVersion,
    VersionStatus,
)
from pact.views.adhesions import signed_pdf_response, text_to_sign_response

PERMISSION = "pact.change_adhesion"


class AdhesionFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=AdhesionStatus.choices
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("kind"),
        field_name="member__kind",
        choices=MemberKind.choices,
    )
    municipality = django_filters.ModelChoiceFilter(
        label=gettext_lazy("municipality"),
        field_name="member__municipality",
        queryset=Municipality.objects.all(),
    )
    version = django_filters.ModelChoiceFilter(
        label=gettext_lazy("pact version"),
        queryset=PactVersion.objects.select_related("pact"),
    )

    class Meta:
        model = Adhesion
        fields = ["status", "kind", "municipality", "version"]


class AdhesionAdminForm(WagtailAdminModelForm):
    class Meta:
        model = Adhesion
        fields = ["version", "member", "network_role", "commitments"]
        widgets = {"commitments": forms.Textarea(attrs={"rows": 5})}

    topics = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Offers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from crm.models import Topic

        self.fields["topics"].queryset = Topic.objects.all()
        open_versions = PactVersion.objects.filter(status=VersionStatus.OPEN)
        if self.instance.pk:
            self.fields["topics"].initial = list(self.instance.commitment_topics.all())
            for name in ("version", "member"):
                self.fields[name].disabled = True
            roles = NetworkRole.objects.filter(version=self.instance.version_id)
        else:
            self.fields["version"].queryset = open_versions.select_related("pact")
            self.fields["member"].queryset = self.fields["member"].queryset.filter(
                anonymised_at__isnull=True
            )
            roles = NetworkRole.objects.filter(version__in=open_versions)
        self.fields["network_role"].queryset = roles.select_related("version__pact")
        self.fields["network_role"].label_from_instance = lambda r: (
            f"{r.name} ({r.version})"
        )

    def clean(self):
        cleaned = super().clean()
        role, version = cleaned.get("network_role"), cleaned.get("version")
        if role and version and role.version_id != version.pk:
            self.add_error(
                "network_role", _("This role belongs to another version of the pact.")
            )
        return cleaned


def _service_errors(view, form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
    return view.form_invalid(form)


class AdhesionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return Adhesion.objects.for_list()


class AdhesionCreateView(generic.CreateView):
    def get_form_class(self):
        return AdhesionAdminForm

    def get_initial(self):
        # Reached from a version's page: that version is already chosen.
        initial = super().get_initial()
        version = self.request.GET.get("version", "")
        if version.isdecimal():
            initial["version"] = version
        return initial

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            return _service_errors(self, form, exc)

    def save_instance(self):
        data = self.form.cleaned_data
        return services.adhesion_create(
            version=data["version"],
            member=data["member"],
            by=self.request.user,
            network_role=data.get("network_role"),
            commitments=data.get("commitments", ""),
            topics=data.get("topics") or (),
        )

    def get_success_url(self):
        return reverse("pact_adhesions:inspect", args=[self.object.pk])


class AdhesionEditView(generic.EditView):
    """Edit role and commitments until signed; a signed adhesion is shown instead."""

    def get_form_class(self):
        return AdhesionAdminForm

    def dispatch(self, request, *args, **kwargs):
        adhesion = self.get_object()
        if not adhesion.is_editable:
            messages.warning(request, _("A signed adhesion can no longer change."))
            return redirect("pact_adhesions:inspect", adhesion.pk)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            return _service_errors(self, form, exc)

    def save_instance(self):
        data, adhesion, user = self.form.cleaned_data, self.object, self.request.user
        stored_role = Adhesion.objects.get(pk=adhesion.pk).network_role_id
        role = data.get("network_role")
        if role is not None and role.pk != stored_role:
            services.adhesion_assign_role(adhesion=adhesion, network_role=role, by=user)
        return services.adhesion_update(
            adhesion=adhesion,
            by=user,
            commitments=data.get("commitments", ""),
            topics=data.get("topics") or (),
        )


class AdhesionDeleteView(generic.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        if not self.object.is_editable:
            messages.error(request, _("A signed adhesion can never be deleted."))
            return redirect("pact_adhesions:inspect", self.object.pk)
        return super().dispatch(request, *args, **kwargs)

    def delete_action(self):
        services.adhesion_delete(adhesion=self.object, by=self.request.user)


class AdhesionInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return adhesion_for_coordinator(self.request.user, self.pk)

    def get_fields(self):
        return [
            "reference",
            "version",
            "member",
            "status",
            "network_role",
            "role_assigned",
            "commitments",
            "commitment_topics",
            "signature",
            "evidence",
            "document_sha256",
            "previous_sha256",
            "short_code",
            "source_sha256",
            "withdrawal",
        ]

    def get_field_label(self, field_name, field):
        labels = {
            "reference": _("Reference"),
            "role_assigned": _("Role assigned"),
            "signature": _("Signature"),
            "withdrawal": _("Withdrawal"),
        }
        if field_name in labels:
            return labels[field_name]
        return super().get_field_label(field_name, field)

    def get_role_assigned_display_value(self):
        a = self.object
        if not a.role_assigned_at:
            return "—"
        when = timezone.localtime(a.role_assigned_at)
        return f"{when:%d/%m/%Y %H:%M} · {a.role_assigned_by or '—'}"

    def get_signature_display_value(self):
        a = self.object
        if not a.is_signed:
            return _("Not signed yet.")
        when = timezone.localtime(a.signed_at)
        method = a.get_signature_method_display()
        return f"{a.signatory} · {method} · {when:%d/%m/%Y %H:%M}"

    def get_evidence_display_value(self):
        rows = evidence_rows(self.object.evidence)
        if not rows:
            return "—"
        items = []
        for label, value in rows:
            if isinstance(value, list):
                value = format_html(
                    "<ul>{}</ul>",
                    format_html_join("", "<li>{}</li>", ((v,) for v in value)),
                )
            items.append(format_html("<dt>{}</dt><dd>{}</dd>", label, value))
        return format_html(
            '<dl class="adhesion-evidence">{}</dl>',
            format_html_join("", "{}", ((i,) for i in items)),
        )

    def get_withdrawal_display_value(self):
        a = self.object
        if not a.withdrawn_at:
            return "—"
        when = timezone.localtime(a.withdrawn_at)
        return f"{when:%d/%m/%Y} · {a.withdrawn_by or '—'} · {a.withdrawal_reason}"

    def get_commitment_topics_display_value(self):
        return ", ".join(t.label for t in self.object.commitment_topics.all()) or "—"

    @cached_property
    def header_buttons(self):
        return action_buttons(self.object)


def action_buttons(adhesion):
    url = lambda name: reverse(name, args=[adhesion.pk])  # noqa: E731
    buttons = []
    if adhesion.is_editable:
        buttons.append(HeaderButton(_("Edit"), url("pact_adhesions:edit")))
        if adhesion.status == AdhesionStatus.DRAFT:
            buttons.append(
                HeaderButton(_("Request signature"), url("pact_adhesion_request"))
            )
        buttons.append(HeaderButton(_("Signed in person"), url("pact_adhesion_paper")))
        buttons.append(
            HeaderButton(_("Digital signature"), url("pact_adhesion_digital"))
        )
        if adhesion.network_role_id:
            buttons.append(
                HeaderButton(_("Text to sign (PDF)"), url("pact_adhesion_to_sign"))
            )
    if adhesion.is_signed:
        buttons.append(HeaderButton(_("Signed PDF"), url("pact_adhesion_pdf")))
    if adhesion.source_file:
        buttons.append(HeaderButton(_("Original file"), url("pact_adhesion_source")))
    if adhesion.in_force:
        buttons.append(HeaderButton(_("Withdraw"), url("pact_adhesion_withdraw")))
    return buttons


class AdhesionViewSet(ModelViewSet):
    model = Adhesion
    icon = "doc-full"
    menu_label = gettext_lazy("Adhesions")
    url_prefix = "pact/adhesions"
    index_view_class = AdhesionIndexView
    add_view_class = AdhesionCreateView
    edit_view_class = AdhesionEditView
    delete_view_class = AdhesionDeleteView
    inspect_view_enabled = True
    inspect_view_class = AdhesionInspectView
    copy_view_enabled = False
    filterset_class = AdhesionFilterSet
    search_fields = ["member__name", "short_code"]
    search_backend_name = None
    form_fields = ["version", "member", "network_role", "commitments"]
    list_display = [
        Column(
            "member",
            label=gettext_lazy("Member"),
            accessor=lambda a: format_html(
                '<a href="{}">{}</a>',
                reverse("pact_adhesions:inspect", args=[a.pk]),
                a.member.name,
            ),
        ),
        Column("kind", label=gettext_lazy("Kind"), accessor="member.get_kind_display"),
        Column(
            "municipality",
            label=gettext_lazy("Municipality"),
            accessor=lambda a: (
                a.member.municipality.name if a.member.municipality_id else ""
            ),
        ),
        "version",
        "network_role",
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        Column(
            "method",
            label=gettext_lazy("Signature method"),
            accessor="get_signature_method_display",
        ),
        "signed_at",
        "short_code",
    ]


# --- actions -----------------------------------------------------------------


class AdhesionActionView(WagtailAdminTemplateMixin, FormView):
    """One action on one adhesion: a form (GET), the service (POST)."""

    template_name = "pact/admin/adhesion_action.html"
    header_icon = "doc-full"
    explanation = ""
    button_label = gettext_lazy("Confirm")
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        self.adhesion = adhesion_for_coordinator(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [
            {"url": reverse("pact_adhesions:index"), "label": _("Adhesions")},
            {
                "url": reverse("pact_adhesions:inspect", args=[self.adhesion.pk]),
                "label": str(self.adhesion.member),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            adhesion=self.adhesion,
            explanation=self.explanation,
            button_label=self.button_label,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            self.act(form.cleaned_data)
        except ValidationError as exc:
            return _service_errors(self, form, exc)
        messages.success(self.request, self.success_message)
        return redirect("pact_adhesions:inspect", self.adhesion.pk)


class RequestSignatureView(AdhesionActionView):
    form_class = forms.Form
    page_title = gettext_lazy("Request the signature")
    explanation = gettext_lazy(
        "Whoever signs for the member (a guardian for a family, the legal "
        "representative for an organisation) is told by email and can sign online "
        "from the member area."
    )
    button_label = gettext_lazy("Request the signature")
    success_message = gettext_lazy("Signature requested.")

    def act(self, data):
        services.adhesion_request_signature(
            adhesion=self.adhesion, by=self.request.user
        )


class _SignatoryFormMixin:
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["signatories"] = services.eligible_signatories(self.adhesion.member)
        return kwargs


class InPersonView(_SignatoryFormMixin, AdhesionActionView):
    form_class = InPersonForm
    page_title = gettext_lazy("Record a signature in person")
    explanation = gettext_lazy(
        "Upload the scan of the paper signed by the member and say who signed and "
        "when. The archival PDF is then made, sealed and stored with the scan's hash."
    )
    button_label = gettext_lazy("Record the signature")
    success_message = gettext_lazy("Signature recorded.")

    def act(self, data):
        services.adhesion_sign_in_person(
            adhesion=self.adhesion,
            scan_file=data["scan_file"],
            signatory=data["signatory"],
            signed_at=data["signed_at"],
            by=self.request.user,
        )


class DigitalView(_SignatoryFormMixin, AdhesionActionView):
    form_class = DigitalForm
    page_title = gettext_lazy("Upload a digital signature")
    explanation = gettext_lazy(
        "Upload the PDF signed with a digital signature (PAdES) or the .p7m file. "
        "The signature is checked and the result kept with the adhesion."
    )
    button_label = gettext_lazy("Check and record")
    success_message = gettext_lazy("Digital signature checked and recorded.")

    def act(self, data):
        services.adhesion_sign_digital(
            adhesion=self.adhesion,
            uploaded=data["uploaded"],
            signatory=data.get("signatory"),
            by=self.request.user,
        )


class WithdrawView(AdhesionActionView):
    form_class = WithdrawForm
    page_title = gettext_lazy("Withdraw the adhesion")
    explanation = gettext_lazy(
        "The adhesion stops being in force. The signed document is kept and stays "
        "verifiable; the verification page says it has been withdrawn."
    )
    button_label = gettext_lazy("Withdraw")
    success_message = gettext_lazy("Adhesion withdrawn.")

    def act(self, data):
        services.adhesion_withdraw(
            adhesion=self.adhesion, by=self.request.user, reason=data["reason"]
        )


def adhesion_pdf(request, pk):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    return signed_pdf_response(request, adhesion_for_coordinator(request.user, pk))


def adhesion_source(request, pk):
    """The paper scan or the digitally signed original, as uploaded (logged)."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    adhesion = adhesion_for_coordinator(request.user, pk)
    if not adhesion.source_file:
        raise Http404("No original file")
    export_log(
        user=request.user,
        what=f"Original signed file {adhesion.short_code} ({adhesion.member})"[:200],
        format=adhesion.source_file.name.rsplit(".", 1)[-1],
        count=1,
        filters={"adhesion": adhesion.pk},
        members=[adhesion.member_id],
        people=[adhesion.signatory_id],
    )
    name = adhesion.source_file.name.rsplit("/", 1)[-1]
    return FileResponse(
        adhesion.source_file.open("rb"), as_attachment=True, filename=name
    )


def adhesion_text_to_sign(request, pk):
    """The unsigned PDF a signatory signs with a digital signature."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    adhesion = adhesion_for_coordinator(request.user, pk)
    if not adhesion.is_editable or adhesion.network_role_id is None:
        raise Http404("Nothing to sign")
    return text_to_sign_response(adhesion)


def admin_urls():
    base = "pact/adhesions/<int:pk>/"
    return [
        path(
            base + "request/",
            RequestSignatureView.as_view(),
            name="pact_adhesion_request",
        ),
        path(base + "in-person/", InPersonView.as_view(), name="pact_adhesion_paper"),
        path(base + "digital/", DigitalView.as_view(), name="pact_adhesion_digital"),
        path(base + "withdraw/", WithdrawView.as_view(), name="pact_adhesion_withdraw"),
        path(base + "pdf/", adhesion_pdf, name="pact_adhesion_pdf"),
        path(base + "original/", adhesion_source, name="pact_adhesion_source"),
        path(base + "to-sign/", adhesion_text_to_sign, name="pact_adhesion_to_sign"),
    ]
