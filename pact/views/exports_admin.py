"""Back office: coordinators export signed pacts as one ZIP.

The request creates an :class:`ExportJob` and queues it; the job page shows a
progress bar that polls a small JSON view (and refreshes itself without
JavaScript); the finished file is downloaded by coordinators only.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from crm.models import MemberKind, Municipality
from pact import tasks
from pact.models import SIGNED_STATUSES, ExportJob, PactVersion
from pact.services import exports

EXPORT_LIST_LENGTH = 20


def export_job_for_admin(user, pk) -> ExportJob:
    """An export job a coordinator may see; 404 for anyone else."""
    if not user.has_perm("pact.view_exportjob"):
        raise Http404("No such export")
    return get_object_or_404(ExportJob.objects.for_list(), pk=pk)


def _date_input():
    # The browser's own date picker: Wagtail's AdminDateInput writes an inline
    # script that the Content-Security-Policy and its load order both break.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds"))] + MemberKind.choices,
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        required=False,
        queryset=Municipality.objects.filter(members__adhesions__isnull=False)
        .distinct()
        .order_by("name"),
        empty_label=gettext_lazy("All municipalities"),
    )
    version = forms.ModelChoiceField(
        label=gettext_lazy("Pact version"),
        required=False,
        queryset=PactVersion.objects.frozen().select_related("pact"),
        empty_label=gettext_lazy("All versions"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Every signed adhesion"))]
        + [(s.value, s.label) for s in SIGNED_STATUSES],
    )
    signed_from = forms.DateField(
        label=gettext_lazy("Signed from"), required=False, widget=_date_input()
    )
    signed_to = forms.DateField(
        label=gettext_lazy("Signed until"), required=False, widget=_date_input()
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.filters().validate()
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return data

    def filters(self) -> exports.ExportFilters:
        data = self.cleaned_data
        return exports.ExportFilters(
            kind=data.get("kind") or "",
            municipality=data["municipality"].pk if data.get("municipality") else None,
            version=data["version"].pk if data.get("version") else None,
            status=data.get("status") or "",
            signed_from=data.get("signed_from"),
            signed_to=data.get("signed_to"),
        )


class ExportAdminView(WagtailAdminTemplateMixin, TemplateView):
    permission = "pact.view_exportjob"
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise Http404("Not for you")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [
            {"url": reverse("pact_exports"), "label": _("Exports of signed pacts")}
        ]


class ExportIndexView(ExportAdminView):
    """The filter form and the recent exports."""

    template_name = "pact/exports/index.html"
    page_title = gettext_lazy("Exports of signed pacts")

    def get_context_data(self, **kwargs):
        jobs = ExportJob.objects.for_list()[:EXPORT_LIST_LENGTH]
        return super().get_context_data(
            form=kwargs.pop("form", None) or ExportForm(),
            jobs=jobs,
            signed_count=exports.signed_adhesions(exports.ExportFilters()).count(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("pact.add_exportjob"):
            raise Http404("Not for you")
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                job = exports.export_job_create(by=request.user, filters=form.filters())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                tasks.export_enqueue(job)
                return redirect("pact_export_job", pk=job.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ExportJobView(ExportAdminView):
    """Progress of one export; the download once it is ready."""

    template_name = "pact/exports/job.html"
    page_title = gettext_lazy("Export of signed pacts")

    def get_context_data(self, **kwargs):
        job = export_job_for_admin(self.request.user, self.kwargs["pk"])
        return super().get_context_data(
            job=job,
            described=exports.ExportFilters.from_json(job.filters).describe(),
            status_url=reverse("pact_export_status", args=[job.pk]),
            **kwargs,
        )


def export_status(request, pk):
    job = export_job_for_admin(request.user, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.is_finished,
            "error": job.error,
        }
    )


def export_download(request, pk):
    job = export_job_for_admin(request.user, pk)
    if job.status != exports.ExportStatus.DONE or not job.file:
        messages.error(request, _("This export is not ready."))
        return redirect("pact_export_job", pk=job.pk)
    exports.export_job_downloaded(job=job, by=request.user)
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type="application/zip",
    )
