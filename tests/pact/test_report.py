"""The day's report: contributions by table and kind, syntheses, PDF and XLSX."""

import io

import openpyxl
import pypdfium2
import pytest

from crm.models import DataExportLog
from pact import services
from pact.models import Seat, SeatHow
from tests.factories import PersonFactory


@pytest.fixture
def day(workshop, table_a, table_b):
    author = PersonFactory(first_name="Giulia", last_name="Bianchi")
    Seat.objects.create(
        workshop=workshop, table=table_a, person=author, how=SeatHow.PREFERENCE
    )
    said = [
        (table_a, "need", "Il nido aperto fino alle 18:30", author),
        (table_a, "proposal", "Un calendario unico dei servizi", None),
        (table_a, "concern", "Liste d'attesa troppo lunghe", None),
        (table_b, "experience", "=Welfare condiviso tra imprese", None),
    ]
    for table, kind, text, who in said:
        services.contribution_record(table=table, kind=kind, text=text, author=who)
    services.table_synthesis_save(table=table_a, synthesis="Orari e informazioni.")
    return workshop


def pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def test_the_pdf_report_lists_contributions_by_table_and_kind_with_syntheses(
    coordinator_client, day
):
    response = coordinator_client.get(f"/admin/pact/workshops/{day.pk}/report.pdf")

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert text.index("Servizi 0-6") < text.index("Il nido aperto fino alle 18:30")
    assert text.index("Il nido aperto") < text.index("Lavoro e imprese")
    assert "Orari e informazioni." in text
    assert "Un calendario unico dei servizi" in text
    assert "NEED (1)" in text.upper() or "ESIGENZA (1)" in text.upper()


def test_the_pdf_report_names_no_participant(coordinator_client, day):
    response = coordinator_client.get(f"/admin/pact/workshops/{day.pk}/report.pdf")

    assert "Bianchi" not in pdf_text(response.content)


def test_the_xlsx_report_has_one_row_per_contribution_and_per_synthesis(
    coordinator_client, coordinator, day
):
    response = coordinator_client.get(f"/admin/pact/workshops/{day.pk}/report.xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 4 + 1
    texts = [row[3] for row in rows[1:]]
    assert "Il nido aperto fino alle 18:30" in texts
    assert "'=Welfare condiviso tra imprese" in texts  # formula neutralised
    assert "Orari e informazioni." in texts
    assert ("Giulia Bianchi") in [row[4] for row in rows]
    log = DataExportLog.objects.get()
    assert (log.user, log.format, log.record_count) == (coordinator, "xlsx", 5)


@pytest.mark.parametrize("persona", ["facilitator", "outsider"])
def test_only_coordinators_download_the_report(client, request, day, persona):
    client.force_login(request.getfixturevalue(persona))

    for suffix in ("pdf", "xlsx"):
        response = client.get(f"/admin/pact/workshops/{day.pk}/report.{suffix}")
        assert response.status_code in (302, 403)
        assert response.get("Content-Type") != "application/pdf"


def test_the_report_is_built_in_a_fixed_number_of_queries(
    day, table_a, django_assert_max_num_queries
):
    from pact.selectors import workshop_report

    for index in range(20):
        services.contribution_record(
            table=table_a, kind="need", text=f"n{index}", topics=table_a.topics.all()
        )
    with django_assert_max_num_queries(8):
        report = workshop_report(day)
        rows = list(report.rows())
        [c.topics.all() for _t, _k, c in rows]
    assert len(rows) == 24
