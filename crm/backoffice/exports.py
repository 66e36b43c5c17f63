"""Exports of back-office lists: XLSX and Italian-Excel CSV, every one logged.

Wagtail's own ``?export=csv`` is comma-separated without a BOM, which Italian
Excel opens as one column; the index views here answer the same URLs with
``crm.spreadsheets`` instead, and record each export in ``DataExportLog``.

A list whose model has a Resource in ``crm.spreadsheets.registry`` (its
viewset names it in ``spreadsheet``) exports the filtered list in that
Resource's columns — XLSX, Italian CSV, ODS or JSON, streamed — so the file
imports back through the list's “Import” button.
"""

import datetime
from collections.abc import Callable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.widgets.button import Button

from crm.services import export_log
from crm.spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    exporting,
    files,
    italian_csv_bytes,
    registry,
    xlsx_bytes,
)

# (heading, accessor): an attribute path, or a callable taking the object.
ExportColumn = tuple[str, str | Callable]

# Query-string keys that are not filters.
_NOT_FILTERS = {"export", "p", "_w_filter_fragment"}


def resolve(obj, accessor):
    if callable(accessor):
        return accessor(obj)
    value = obj
    for part in accessor.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
        if callable(value):
            value = value()
    return value


def cell_for_csv(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def cell_for_xlsx(value):
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: write the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (datetime.date, int, float)) or value is None:
        return value
    return str(value)


def export_response(
    *, request, queryset, columns: Sequence[ExportColumn], fmt, what, filename
):
    """Build the file for ``queryset`` and log the export; ``fmt`` is csv|xlsx."""
    headers = [capfirst(str(heading)) for heading, _accessor in columns]
    values = [[resolve(obj, acc) for _h, acc in columns] for obj in queryset]
    if fmt == "csv":
        rows = ([cell_for_csv(v) for v in row] for row in values)
        body, content_type = italian_csv_bytes(headers, rows), CSV_CONTENT_TYPE
    else:
        rows = ([cell_for_xlsx(v) for v in row] for row in values)
        body = xlsx_bytes(headers, rows, title=str(what))
        content_type = XLSX_CONTENT_TYPE
    members, people = included(queryset)
    export_log(
        user=request.user,
        what=str(what),
        format=fmt,
        count=len(values),
        filters=query_filters(request),
        members=members,
        people=people,
    )
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{fmt}"'
    return response


def included(objects) -> tuple[set[int], set[int]]:
    """The members and people the exported rows are, or belong to."""
    from crm.models import Member, Person

    members, people = set(), set()
    for obj in objects:
        if isinstance(obj, Member):
            members.add(obj.pk)
        elif isinstance(obj, Person):
            people.add(obj.pk)
        if getattr(obj, "member_id", None):
            members.add(obj.member_id)
        if getattr(obj, "family_id", None):
            members.add(obj.family_id)
        if getattr(obj, "person_id", None):
            people.add(obj.person_id)
    return members, people


def query_filters(request) -> dict:
    filters = {}
    for key in request.GET:
        if key in _NOT_FILTERS:
            continue
        values = [v for v in request.GET.getlist(key) if v != ""]
        if values:
            filters[key] = values if len(values) > 1 else values[0]
    return filters


class ItalianExportMixin:
    """For a Wagtail ``IndexView``: ``?export=<format>`` with our writers."""

    export_columns: Sequence[ExportColumn] = ()
    export_filename = "export"
    #: A name in ``crm.spreadsheets.registry``: export (and import) in its columns.
    spreadsheet = None

    @cached_property
    def spreadsheet_entry(self):
        return registry.get(self.spreadsheet) if self.spreadsheet else None

    @property
    def FORMATS(self):  # read by Wagtail's SpreadsheetExportMixin.setup
        return files.FORMATS if self.spreadsheet_entry else ("xlsx", "csv")

    @cached_property
    def show_export_buttons(self):
        return bool(self.export_columns or self.spreadsheet_entry)

    def get_export_columns(self):
        return self.export_columns

    def get(self, request, *args, **kwargs):
        if self.is_export and self.spreadsheet_entry:
            return self.stream_export(request.GET["export"])
        return super().get(request, *args, **kwargs)

    def stream_export(self, fmt):
        """The filtered list as a file written while it is sent, logged."""
        entry = self.spreadsheet_entry
        queryset = self.get_queryset()
        what = capfirst(self.model._meta.verbose_name_plural)
        if fmt == "ods" and queryset.count() > files.ODS_MAX_ROWS:
            messages.error(self.request, str(files.TooManyRows.message()))
            return redirect(self.request.path)
        exporting.log(
            entry,
            user=self.request.user,
            queryset=queryset,
            fmt=fmt,
            filters=query_filters(self.request),
            what=what,
        )
        headers, rows = exporting.table(entry, queryset)
        response = StreamingHttpResponse(
            files.chunks(fmt, headers, rows, title=what),
            content_type=files.CONTENT_TYPES[fmt],
        )
        name = exporting.filename(entry, fmt, timezone.localdate())
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        entry = self.spreadsheet_entry
        if entry is None:
            return buttons
        buttons = [b for b in buttons if "export=" not in (b.url or "")]
        for priority, (fmt, label) in enumerate(EXPORT_LABELS.items(), start=90):
            buttons.append(
                Button(
                    label,
                    url=self.get_export_url(fmt),
                    icon_name="download",
                    priority=priority,
                )
            )
        if entry.can_import(self.request.user):
            buttons.append(
                Button(
                    _("Import from a spreadsheet"),
                    url=import_url(entry),
                    icon_name="upload",
                    priority=80,
                )
            )
        return buttons

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return export_response(
            request=self.request,
            queryset=queryset,
            columns=self.get_export_columns(),
            fmt=spreadsheet_format,
            what=capfirst(self.model._meta.verbose_name_plural),
            filename=self.export_filename,
        )


EXPORT_LABELS = {
    "xlsx": gettext_lazy("Download Excel (.xlsx)"),
    "csv": gettext_lazy("Download CSV for Excel (;)"),
    "ods": gettext_lazy("Download OpenDocument (.ods)"),
    "json": gettext_lazy("Download JSON"),
}


def import_url(entry) -> str:
    from django.urls import reverse

    if entry.own_flow:
        return reverse("crm_import:upload")
    return reverse("crm_spreadsheet_import:upload", args=[entry.name])
