"""Import into any list that has a Resource: upload → preview → confirm.

The same steps and look as the member import (``importing_views``), and the
same private store for the file between preview and confirm (a signed token
in the browser, bound to the user). The preview is the library's dry run:
per row new, updated (with the changes, before → after) or unchanged, and
every problem by row and column; confirming imports the whole file or,
when anything is wrong, nothing.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from crm.backoffice.importing_views import UploadForm, _query, store
from crm.spreadsheets import registry
from crm.spreadsheets.importing import run_import

PREVIEW_ROWS = 500


class SpreadsheetUploadForm(UploadForm):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "Excel workbook (.xlsx), CSV (separated by ; or ,), OpenDocument "
            "(.ods) or JSON, as the list's export writes them, with a header row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods,.json,.txt"}),
    )


class ListImportMixin(WagtailAdminTemplateMixin):
    header_icon = "upload"

    @cached_property
    def entry(self):
        try:
            return registry.get(self.kwargs["name"])
        except LookupError:
            raise Http404 from None

    def dispatch(self, request, *args, **kwargs):
        if self.entry.own_flow:
            return redirect("crm_import:upload")
        if not self.entry.can_import(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import %(list)s") % {"list": self.entry.label}

    def get_breadcrumbs_items(self):
        items = self.breadcrumbs_items
        if self.entry.list_url_name:
            items = items + [
                {
                    "url": reverse(self.entry.list_url_name),
                    "label": capfirst(self.entry.label),
                }
            ]
        return items + [{"url": self.upload_url, "label": self.get_page_title()}]

    @property
    def upload_url(self):
        return reverse("crm_spreadsheet_import:upload", args=[self.entry.name])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resource = self.entry.resource_class()
        context.update(
            entry=self.entry,
            upload_url=self.upload_url,
            columns=[f.column_name for f in resource.get_import_fields()],
            readonly=[
                f.column_name for f in resource.get_import_fields() if f.readonly
            ],
        )
        return context


class UploadView(ListImportMixin, FormView):
    template_name = "crm/spreadsheet_import_upload.html"
    form_class = SpreadsheetUploadForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        token = store.save(
            content=upload.read(), filename=upload.name, user=self.request.user
        )
        url = reverse("crm_spreadsheet_import:preview", args=[self.entry.name])
        return redirect(f"{url}?{_query(token)}")


class PreviewView(ListImportMixin, TemplateView):
    template_name = "crm/spreadsheet_import_preview.html"
    page_subtitle = gettext_lazy("Preview")

    def get(self, request, *args, **kwargs):
        token = request.GET.get("token", "")
        _key, content, filename = store.load(token, request.user)
        outcome = run_import(
            self.entry, content, filename, commit=False, user=request.user
        )
        return self.render_to_response(self.preview_context(outcome, token, filename))

    def preview_context(self, outcome, token, filename):
        changed = outcome.changed_rows
        return self.get_context_data(
            outcome=outcome,
            token=token,
            filename=filename,
            changed=changed[:PREVIEW_ROWS],
            more=max(0, len(changed) - PREVIEW_ROWS),
            confirm_url=reverse(
                "crm_spreadsheet_import:confirm", args=[self.entry.name]
            ),
        )


class ConfirmView(ListImportMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = request.POST.get("token", "")
        key, content, filename = store.load(token, request.user)
        outcome = run_import(
            self.entry, content, filename, commit=True, user=request.user
        )
        if not outcome.ok:
            messages.error(request, _("Nothing was imported: the file has problems."))
            view = PreviewView(request=request, args=(), kwargs=self.kwargs)
            view.kwargs = self.kwargs
            context = view.preview_context(outcome, token, filename)
            return view.render_to_response(context)
        store.delete(key)
        messages.success(
            request, _("Import done. %(summary)s") % {"summary": outcome.summary()}
        )
        if self.entry.list_url_name:
            return redirect(self.entry.list_url_name)
        return redirect(self.upload_url)


class SpreadsheetImportViewSet(ViewSet):
    """The import pages of every list; reached from each list's button."""

    def get_urlpatterns(self):
        return [
            path("<slug:name>/", UploadView.as_view(), name="upload"),
            path("<slug:name>/anteprima/", PreviewView.as_view(), name="preview"),
            path("<slug:name>/conferma/", ConfirmView.as_view(), name="confirm"),
        ]
