"""The workshop day's report: contributions by table and kind, syntheses."""

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.spreadsheets import xlsx_bytes
from pact.pdf import render_pdf
from pact.selectors import workshop_report


def report_pdf(workshop, *, request=None) -> bytes:
    """The report for the closing plenary and the record: no participant names."""
    context = {"report": workshop_report(workshop), "generated_at": timezone.now()}
    return render_pdf("pact/report_pdf.html", context, request=request)


def report_xlsx(workshop) -> tuple[bytes, int]:
    """One row per contribution, then one per table synthesis; returns (bytes, rows)."""
    report = workshop_report(workshop)
    headers = [
        _("Table"),
        _("Room"),
        _("Kind"),
        _("Text"),
        _("Author"),
        _("Topics"),
        _("Recorded at"),
    ]
    rows = [
        [
            table.title,
            table.room,
            kind_label,
            contribution.text,
            contribution.author_label,
            ", ".join(t.label for t in contribution.topics.all()),
            timezone.localtime(contribution.created_at).strftime("%d/%m/%Y %H:%M"),
        ]
        for table, kind_label, contribution in report.rows()
    ]
    rows += [
        [entry.table.title, entry.table.room, _("Synthesis"), entry.table.synthesis]
        + ["", "", ""]
        for entry in report.tables
        if entry.table.synthesis
    ]
    return xlsx_bytes(headers, rows, title=_("Report")), len(rows)


def report_filename(workshop, extension: str) -> str:
    date = workshop.date.isoformat() if workshop.date else "workshop"
    return f"report-{date}-{workshop.pk}.{extension}"
