"""The coverage as files: XLSX for the office, PDF (WeasyPrint) for the assembly.
Counts only, as on the pages."""

import io
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from crm.directory import coverage
from crm.spreadsheets import neutralise

EMPTY_FILL = PatternFill("solid", fgColor="F8D7DA")
HEADER_FONT = Font(bold=True)
_TITILLIUM = "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-{}.woff2"
_FONTS = {
    "titillium_regular": _TITILLIUM.format("regular"),
    "titillium_semibold": _TITILLIUM.format("600"),
    "titillium_bold": _TITILLIUM.format("700"),
}


def _grid_sheet(workbook, grid, title):
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([grid.title])
    sheet["A1"].font = Font(bold=True, size=13)
    start, end = grid.window
    sheet.append([f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"])
    groups = ["", ""]
    for group in grid.column_groups:
        groups += [group["label"]] + [""] * (group["span"] - 1)
    sheet.append(groups)
    sheet.append(
        [_("Municipality"), _("Ages")] + [column["label"] for column in grid.columns]
    )
    for cell in sheet[4]:
        cell.font = HEADER_FONT
    for row in grid.rows:
        sheet.append([row["comune"].name, str(row["band"]), *row["cells"]])
        for cell in sheet[sheet.max_row][2:]:
            cell.alignment = Alignment(horizontal="center")
            if not cell.value:
                cell.fill = EMPTY_FILL
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 12
    sheet.freeze_panes = "C5"


def _needs_sheet(workbook, needs):
    sheet = workbook.create_sheet(title=_("Needs met and unmet")[:31])
    sheet.append(
        [
            _("Municipality"),
            _("Need"),
            _("Families that declared it"),
            _("Services within reach"),
            _("Places free"),
            _("Services with places to be confirmed"),
            _("Unmet"),
        ]
    )
    for cell in sheet[1]:
        cell.font = HEADER_FONT
    for row in needs:
        sheet.append(
            [
                row["comune"].name,
                neutralise(row["topic"].label),
                row["families"],
                row["services"],
                row["places"],
                row["unconfirmed"],
                _("Yes") if row["unmet"] else _("No"),
            ]
        )
        if row["unmet"]:
            for cell in sheet[sheet.max_row]:
                cell.fill = EMPTY_FILL
    for letter, width in zip("ABCDEFG", (24, 30, 14, 14, 12, 16, 9), strict=True):
        sheet.column_dimensions[letter].width = width


def coverage_xlsx(*, summer, school, needs) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _grid_sheet(workbook, summer, _("Summer"))
    _grid_sheet(workbook, school, _("School year"))
    _needs_sheet(workbook, needs)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _font_urls() -> dict:
    urls = {}
    for key, relative in _FONTS.items():
        found = finders.find(relative)
        if found:
            urls[key] = Path(found).as_uri()
    return urls


def coverage_pdf(*, summer, school, needs, request=None) -> bytes:
    """The coverage for the network's assembly: the two grids and the needs."""
    from weasyprint import HTML

    context = {
        "summer": summer,
        "school": school,
        "needs": needs,
        "summary": coverage.coverage_summary(summer, school, needs),
        "generated_at": timezone.now(),
        "fonts": _font_urls(),
    }
    html = render_to_string("directory/coverage_pdf.html", context, request=request)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
