"""The “Import members” pages of the Wagtail admin.

Upload → preview (the dry run, every problem by row and column) → confirm →
all-or-nothing import. Between preview and confirm the file waits in private
storage under a random key; the browser only ever holds a signed token naming
that key, bound to the user and valid for a few hours.
"""

import datetime
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from crm.importing import ImportRefused, preview
from crm.importing.exporting import template_xlsx_bytes
from crm.services import members_import
from crm.spreadsheets import XLSX_CONTENT_TYPE

PERMISSION = "crm.add_member"
MAX_UPLOAD = 20 * 1024 * 1024
TOKEN_MAX_AGE = 6 * 3600
TEMPLATE_FILENAME = "modello-importazione-soggetti.xlsx"


class UploadStore:
    """Uploaded spreadsheets kept outside the public media, under random keys."""

    salt = "crm.import.upload"

    @cached_property
    def storage(self):
        private = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        default = (
            Path(private or Path(settings.MEDIA_ROOT).parent / "private") / "imports"
        )
        location = getattr(settings, "CRM_IMPORT_UPLOAD_DIR", None) or default
        return FileSystemStorage(location=location, base_url=None)

    def save(self, *, content: bytes, filename: str, user) -> str:
        self._sweep()
        key = secrets.token_hex(16)
        self.storage.save(key, ContentFile(content))
        return signing.dumps(
            {"k": key, "u": user.pk, "n": filename[-100:]}, salt=self.salt
        )

    def load(self, token: str, user) -> tuple[str, bytes, str]:
        """``(key, content, filename)``; 404 for a token not this user's or stale."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            raise Http404 from None
        key = data.get("k", "")
        if (
            data.get("u") != user.pk
            or not key.isalnum()
            or not self.storage.exists(key)
        ):
            raise Http404
        with self.storage.open(key, "rb") as handle:
            return key, handle.read(), data.get("n", "")

    def delete(self, key: str) -> None:
        self.storage.delete(key)

    def _sweep(self) -> None:
        """Files left by previews nobody confirmed go after a day."""
        if not self.storage.exists(""):
            return
        cutoff = timezone.now() - datetime.timedelta(days=1)
        for name in self.storage.listdir("")[1]:
            if self.storage.get_modified_time(name) < cutoff:
                self.storage.delete(name)


store = UploadStore()


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "CSV (separated by ; or ,) or Excel workbook (.xlsx), with a header row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB: split it into smaller files.")
                % {"size": MAX_UPLOAD // 2**20}
            )
        return upload


class ImportViewMixin(WagtailAdminTemplateMixin):
    page_title = gettext_lazy("Import members")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("crm_import:upload"), "label": self.page_title}
        ]


class UploadView(ImportViewMixin, FormView):
    template_name = "crm/import_upload.html"
    form_class = UploadForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        token = store.save(
            content=upload.read(), filename=upload.name, user=self.request.user
        )
        return redirect(reverse("crm_import:preview") + "?" + _query(token))


def _choices(data) -> dict:
    """What the coordinator chose on the preview: how to treat known people,
    and which conflicting rows they confirmed."""
    people = "update" if data.get("people") == "update" else "fill"
    confirmed = sorted({int(v) for v in data.getlist("confirm") if v.isdecimal()})
    return {"people": people, "confirmed": confirmed}


class PreviewView(ImportViewMixin, TemplateView):
    template_name = "crm/import_preview.html"
    page_subtitle = gettext_lazy("Preview")

    def get(self, request, *args, **kwargs):
        token = request.GET.get("token", "")
        _key, content, filename = store.load(token, request.user)
        choices = _choices(request.GET)
        report = preview(content, filename, **choices)
        return self.render_to_response(
            self.get_context_data(
                report=report, token=token, filename=filename, **choices
            )
        )


class ConfirmView(ImportViewMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = request.POST.get("token", "")
        key, content, filename = store.load(token, request.user)
        choices = _choices(request.POST)
        try:
            report = members_import(
                content=content, filename=filename, by=request.user, **choices
            )
        except ImportRefused as refused:
            messages.error(request, _("Nothing was imported: the file has problems."))
            view = PreviewView(request=request, args=(), kwargs={})
            context = view.get_context_data(
                report=refused.report, token=token, filename=filename, **choices
            )
            return view.render_to_response(context)
        store.delete(key)
        messages.success(
            request, _("Import done. %(summary)s") % {"summary": report.summary()}
        )
        return redirect(_after_import_url())


class TemplateDownloadView(ImportViewMixin, View):
    def get(self, request, *args, **kwargs):
        response = HttpResponse(template_xlsx_bytes(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
        return response


def _query(token: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"token": token})


def _after_import_url() -> str:
    try:
        return reverse("crm_member:index")
    except NoReverseMatch:
        return reverse("crm_import:upload")


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


class MemberImportViewSet(ViewSet):
    """The import pages, with a menu item in the “Network” group."""

    menu_label = gettext_lazy("Import members")
    menu_name = "import-members"
    menu_icon = "upload"
    menu_order = 250
    menu_item_class = ImportMenuItem
    add_to_admin_menu = False  # an item of the Network group, not also top level

    @property
    def menu_url(self):
        return reverse("crm_import:upload")

    def get_urlpatterns(self):
        return [
            path("", UploadView.as_view(), name="upload"),
            path("anteprima/", PreviewView.as_view(), name="preview"),
            path("conferma/", ConfirmView.as_view(), name="confirm"),
            path("modello.xlsx", TemplateDownloadView.as_view(), name="template"),
        ]
