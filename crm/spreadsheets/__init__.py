"""Spreadsheet output that Italian offices open without trouble.

CSV for Italian Excel: UTF-8 with a BOM and ``;`` as delimiter. Cells that a
spreadsheet would run as a formula are neutralised in every format.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a cell inert: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _cells(row: Sequence) -> list:
    return ["" if v is None else neutralise(v) for v in row]


def italian_csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_cells(headers))
    for row in rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(
    headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Dati"
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(_cells(headers))
    for row in rows:
        sheet.append(_cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def guard_wagtail_exports() -> None:
    """Neutralise the cells of Wagtail's own exports too.

    Wagtail's ``?export=csv|xlsx`` (viewsets with ``list_export``, its reports
    such as the site history) writes text as it is: a name typed as
    ``=HYPERLINK(…)`` would reach the spreadsheet live. Every value it writes
    goes through ``preprocess_field_value``: wrap it once, at start-up.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "neutralises", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        return neutralise(original(self, field, value, export_format))

    preprocess_field_value.neutralises = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
