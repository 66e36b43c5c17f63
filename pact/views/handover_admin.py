"""Back office: handovers to Lucca Family net, and the admin wiring of the
exports (URLs and menu items, registered as Wagtail hooks).

Coordinators list, build, deliver and download batches. Anyone else gets a
404 here: the liaison uses their member area.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from pact.models import Adhesion, AdhesionStatus, HandoverBatch
from pact.services import handover

from . import exports_admin

BATCH_LIST_LENGTH = 50


def batch_for_admin(user, pk, *, perm="pact.view_handoverbatch") -> HandoverBatch:
    """A batch a coordinator may see (or act on); 404 for anyone else."""
    if not user.has_perm(perm):
        raise Http404("No such handover")
    return get_object_or_404(HandoverBatch.objects.for_list(), pk=pk)


class HandoverAdminView(WagtailAdminTemplateMixin, TemplateView):
    permission = "pact.view_handoverbatch"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise Http404("Not for you")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [
            {
                "url": reverse("pact_handover_index"),
                "label": _("Handovers to Lucca Family net"),
            }
        ]


class HandoverIndexView(HandoverAdminView):
    template_name = "pact/handover/admin_index.html"
    page_title = gettext_lazy("Handovers to Lucca Family net")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            batches=HandoverBatch.objects.for_list()[:BATCH_LIST_LENGTH],
            pending=handover.pending_versions(),
            **kwargs,
        )


class HandoverBuildView(HandoverAdminView):
    """Pick a version and (optionally) the adhesions; build the batch."""

    template_name = "pact/handover/admin_build.html"
    page_title = gettext_lazy("Build a handover")
    permission = "pact.add_handoverbatch"

    def get_context_data(self, **kwargs):
        pending = list(handover.pending_versions())
        wanted = self.request.GET.get("version") or self.request.POST.get("version")
        version = next((v for v in pending if str(v.pk) == wanted), None)
        if version is None and len(pending) == 1:
            version = pending[0]
        adhesions = ()
        if version is not None:
            adhesions = (
                Adhesion.objects.filter(version=version, status=AdhesionStatus.SIGNED)
                .select_related("member__municipality", "network_role", "signatory")
                .order_by("chain_position", "pk")
            )
        return super().get_context_data(
            pending=pending, version=version, adhesions=adhesions, **kwargs
        )

    def post(self, request, *args, **kwargs):
        version_id = request.POST.get("version", "")
        version = handover.pending_versions().filter(
            pk=version_id if version_id.isdecimal() else None
        )
        chosen = None
        if request.POST.get("scope") == "chosen":
            chosen = [
                int(pk) for pk in request.POST.getlist("adhesion") if pk.isdecimal()
            ]
        try:
            if not version.exists():
                raise ValidationError(
                    _("Choose a pact version with adhesions to hand over.")
                )
            if chosen is not None and not chosen:
                raise ValidationError(_("Choose at least one adhesion."))
            batch = handover.handover_batch_build(
                by=request.user, version=version.get(), adhesions=chosen
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            retry = reverse("pact_handover_build")
            return redirect(f"{retry}?version={request.POST.get('version', '')}")
        messages.success(
            request,
            _("Handover %(number)s built with %(count)s adhesions.")
            % {"number": batch.number, "count": batch.count},
        )
        return redirect("pact_handover_admin", pk=batch.pk)


class HandoverDetailView(HandoverAdminView):
    template_name = "pact/handover/admin_detail.html"
    page_title = gettext_lazy("Handover to Lucca Family net")

    def get_context_data(self, **kwargs):
        batch = batch_for_admin(self.request.user, self.kwargs["pk"])
        adhesions = batch.adhesions.select_related(
            "member__municipality", "network_role", "signatory"
        ).order_by("chain_position", "pk")
        return super().get_context_data(
            batch=batch,
            adhesions=adhesions,
            liaisons=handover.liaisons(),
            **kwargs,
        )


@require_POST
def handover_deliver(request, pk):
    batch = batch_for_admin(request.user, pk, perm="pact.change_handoverbatch")
    try:
        batch = handover.handover_batch_deliver(batch=batch, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Delivered: %(recipients)s notified by email.")
            % {"recipients": ", ".join(batch.recipients)},
        )
    return redirect("pact_handover_admin", pk=batch.pk)


def handover_download(request, pk):
    batch = batch_for_admin(request.user, pk)
    handover.handover_batch_downloaded(batch=batch, by=request.user)
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.file_name,
        content_type="application/zip",
    )


# --- Wagtail wiring --------------------------------------------------------------


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def exports_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Export signed pacts"),
        reverse("pact_exports"),
        icon_name="download",
        order=251,
        permission="pact.view_exportjob",
    )


@hooks.register("register_admin_menu_item")
def handover_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Handover to Lucca Family net"),
        reverse("pact_handover_index"),
        icon_name="mail",
        order=252,
        permission="pact.view_handoverbatch",
    )


@hooks.register("register_admin_urls")
def register_admin_urls():
    exports_views = exports_admin  # registered here: one module of hooks
    return [
        path(
            "pact/exports/",
            exports_views.ExportIndexView.as_view(),
            name="pact_exports",
        ),
        path(
            "pact/exports/<int:pk>/",
            exports_views.ExportJobView.as_view(),
            name="pact_export_job",
        ),
        path(
            "pact/exports/<int:pk>/status.json",
            exports_views.export_status,
            name="pact_export_status",
        ),
        path(
            "pact/exports/<int:pk>/download/",
            exports_views.export_download,
            name="pact_export_download",
        ),
        path("pact/handover/", HandoverIndexView.as_view(), name="pact_handover_index"),
        path(
            "pact/handover/build/",
            HandoverBuildView.as_view(),
            name="pact_handover_build",
        ),
        path(
            "pact/handover/<int:pk>/",
            HandoverDetailView.as_view(),
            name="pact_handover_admin",
        ),
        path(
            "pact/handover/<int:pk>/deliver/",
            handover_deliver,
            name="pact_handover_deliver",
        ),
        path(
            "pact/handover/<int:pk>/download/",
            handover_download,
            name="pact_handover_download_admin",
        ),
    ]
