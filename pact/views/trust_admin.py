"""Back office: the trusted senders, whose handover bundles this instance
accepts. Coordinators (and superusers) add one by uploading its seal
certificate and compare the fingerprint shown with the sender's; anyone else
gets a 404."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from pact.documents.manifest_seal import fingerprint, load_certificate
from pact.documents.seal import seal_paths
from pact.models import TrustedSender
from pact.services.trust import (
    MAX_CERTIFICATE,
    trusted_sender_add,
    trusted_sender_remove,
)
from pact.views.handover_admin import PermissionMenuItem

VIEW = "pact.view_trustedsender"


class TrustedSenderForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the sending network"), max_length=200
    )
    certificate = forms.FileField(
        label=gettext_lazy("Its seal certificate"),
        help_text=gettext_lazy(
            "The .pem, .crt or .cer file the sending network gives you."
        ),
    )


def _own_fingerprint() -> str:
    cert = seal_paths().cert
    if not cert.is_file():
        return ""
    return fingerprint(load_certificate(cert.read_bytes()))


class TrustedSenderIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "pact/admin/trusted_senders.html"
    page_title = gettext_lazy("Trusted senders")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW):
            raise Http404("Not for you")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            senders=TrustedSender.objects.select_related("added_by"),
            form=form or TrustedSenderForm(),
            own_fingerprint=_own_fingerprint(),
            may_add=self.request.user.has_perm("pact.add_trustedsender"),
            may_remove=self.request.user.has_perm("pact.delete_trustedsender"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("pact.add_trustedsender"):
            raise Http404("Not for you")
        form = TrustedSenderForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["certificate"]
            try:
                sender = trusted_sender_add(
                    name=form.cleaned_data["name"],
                    certificate=upload.read(MAX_CERTIFICATE + 1),
                    by=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request,
                    _("“%(name)s” is now a trusted sender (fingerprint %(fp)s).")
                    % {"name": sender.name, "fp": sender.fingerprint_display},
                )
                return redirect("pact_trusted_senders")
        return self.render_to_response(self.get_context_data(form=form))


@require_POST
def trusted_sender_remove_view(request, pk):
    if not request.user.has_perm("pact.delete_trustedsender"):
        raise Http404("Not for you")
    sender = get_object_or_404(TrustedSender, pk=pk)
    trusted_sender_remove(sender=sender, by=request.user)
    messages.success(
        request, _("“%(name)s” is no longer a trusted sender.") % {"name": sender.name}
    )
    return redirect("pact_trusted_senders")


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "pact/mittenti-fidati/",
            TrustedSenderIndexView.as_view(),
            name="pact_trusted_senders",
        ),
        path(
            "pact/mittenti-fidati/<int:pk>/rimuovi/",
            trusted_sender_remove_view,
            name="pact_trusted_sender_remove",
        ),
    ]


@hooks.register("register_admin_menu_item")
def trusted_senders_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Trusted senders"),
        reverse("pact_trusted_senders"),
        icon_name="lock",
        order=254,
        permission=VIEW,
    )
