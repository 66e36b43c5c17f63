"""Coverage: summer weeks × comuni × age band, the school year by weekday and
time band, needs met and unmet; on screen, as XLSX and as PDF."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from crm.directory import coverage
from crm.directory import services as directory
from crm.models import DataExportLog
from tests.factories import (
    ChildFactory,
    FamilyFactory,
    ServiceFactory,
    municipality,
    open_service,
    topic,
)

pytestmark = pytest.mark.django_db

D = datetime.date
WEEK = [(day, "08:00", "16:00") for day in range(5)]


@pytest.fixture
def summer(db, settings):
    settings.COVERAGE_SUMMER = ("06-01", "09-30")
    lucca, pescaglia = municipality("Lucca"), municipality("Pescaglia")
    camp = ServiceFactory(
        name="Centro estivo Lucca",
        municipality=lucca,
        kind=topic("centri-estivi"),
        age_min_months=36,
        age_max_months=120,
    )
    open_service(camp, starts_on=D(2030, 6, 10), ends_on=D(2030, 9, 6), hours=WEEK)
    directory.closure_add(
        service=camp, by=None, starts_on=D(2030, 8, 12), ends_on=D(2030, 8, 16)
    )
    hill = ServiceFactory(
        name="Estate ragazzi Pescaglia",
        municipality=pescaglia,
        kind=topic("centri-estivi"),
        age_min_months=36,
        age_max_months=120,
    )
    open_service(hill, starts_on=D(2030, 6, 17), ends_on=D(2030, 7, 31), hours=WEEK)
    nido = ServiceFactory(name="Nido estivo", municipality=lucca, age_max_months=36)
    open_service(
        nido,
        starts_on=D(2030, 7, 1),
        ends_on=D(2030, 7, 31),
        hours=[(4, "08:00", "13:00")],
    )
    return {"lucca": lucca, "pescaglia": pescaglia}


def _row(grid, comune, band):
    return next(
        r["cells"]
        for r in grid.rows
        if r["comune"].name == comune and str(r["band"]).startswith(band)
    )


def test_the_summer_grid_counts_services_open_each_week(summer):
    grid = coverage.summer_grid(2030)
    mondays = [c["label"] for c in grid.columns]
    assert len(mondays) == 17 and mondays[0] == "03/06" and mondays[-1] == "23/09"
    lucca = _row(grid, "Lucca", "3")
    assert lucca[:1] == [0]  # the camp opens on 10 June
    assert lucca[1:10] == [1] * 9
    assert lucca[10] == 0  # the Ferragosto closure
    assert lucca[11:14] == [1, 1, 1] and lucca[14:] == [0, 0, 0]
    # The hill comune: June and July, then a gap all August.
    pescaglia = _row(grid, "Pescaglia", "3")
    assert pescaglia[2:9] == [1] * 7 and pescaglia[9:] == [0] * 8
    # The summer nursery opens on Fridays in July only; 12 July is San Paolino.
    nursery = _row(grid, "Lucca", "0")
    assert nursery[4:9] == [1, 0, 1, 1, 0]
    assert grid.empty_cells > 0


def test_the_school_year_grid_counts_by_weekday_and_time_band(db):
    porcari = municipality("Porcari")
    after = ServiceFactory(
        name="Doposcuola",
        municipality=porcari,
        kind=topic("doposcuola"),
        age_min_months=36,
        age_max_months=72,
    )
    open_service(
        after,
        starts_on=D(2030, 9, 16),
        ends_on=D(2031, 6, 10),
        hours=[(1, "14:30", "18:00"), (5, "09:00", "12:00")],
    )
    grid = coverage.school_year_grid(2030)
    labels = [c["title"] for c in grid.columns]
    cells = _row(grid, "Porcari", "3")
    assert cells[labels.index("mar Dopo-scuola 16:30–19:00")] == 1
    assert cells[labels.index("mer Dopo-scuola 16:30–19:00")] == 0
    assert cells[labels.index("mar Pre-scuola 7:30–8:30")] == 0
    assert cells[labels.index("sab Sabato")] == 1
    assert _row(grid, "Porcari", "0") == [0] * len(labels)


def test_needs_met_and_unmet_count_families_services_within_reach_and_places(db):
    capannori, lucca, porcari = (
        municipality(n) for n in ("Capannori", "Lucca", "Porcari")
    )
    for comune in (lucca, lucca, porcari):
        family = FamilyFactory(municipality=comune)
        family.needs.set([topic("nido")])
        ChildFactory(family=family)
    ServiceFactory(municipality=capannori, kind=topic("nido"), places_free=4)
    rows = {(r["comune"].name, r["topic"].slug): r for r in coverage.needs_met()}
    lucca_nido = rows[("Lucca", "nido")]
    assert (lucca_nido["families"], lucca_nido["services"], lucca_nido["places"]) == (
        2,
        1,
        4,
    )  # Capannori borders Lucca
    assert not lucca_nido["unmet"]
    assert rows[("Porcari", "nido")]["services"] == 1  # and Porcari too
    assert rows[("Capannori", "nido")]["families"] == 0


def test_the_grids_take_a_fixed_number_of_queries(summer, django_assert_num_queries):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            coverage.summer_grid(2030)
            coverage.school_year_grid(2030)
            coverage.needs_met()
        return len(ctx.captured_queries)

    before = count()
    for n in range(30):
        service = ServiceFactory(municipality=summer["lucca"], name=f"Extra {n}")
        open_service(
            service, starts_on=D(2030, 6, 1), ends_on=D(2031, 6, 1), hours=WEEK
        )
    assert count() == before


def test_a_coordinator_sees_the_coverage_and_downloads_it(coordinator_client, summer):
    response = coordinator_client.get("/admin/servizi/copertura/?estate=2030&anno=2030")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Estate coperta" in page and "Pescaglia" in page
    xlsx = coordinator_client.get("/admin/servizi/copertura/?estate=2030&format=xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == [
        "Estate",
        "Anno scolastico",
        "Esigenze soddisfatte e non",
    ]
    rows = list(workbook["Estate"].iter_rows(values_only=True))
    pescaglia = next(r for r in rows if r[0] == "Pescaglia" and r[1] == "3–6 anni")
    assert pescaglia[2 + 2 : 2 + 9] == (1,) * 7 and pescaglia[-1] == 0
    pdf = coordinator_client.get("/admin/servizi/copertura/?estate=2030&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert "Estate coperta" in text and "Pescaglia" in text
    assert DataExportLog.objects.filter(format__in=["xlsx", "pdf"]).count() == 2


def _pdf_text(content: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_no_family_is_named_on_the_coverage(coordinator_client, summer):
    family = FamilyFactory(name="Famiglia Riservatissima", municipality=summer["lucca"])
    family.needs.set([topic("nido")])
    page = coordinator_client.get("/admin/servizi/copertura/").content.decode()
    pdf = coordinator_client.get("/admin/servizi/copertura/?format=pdf").content
    assert "Riservatissima" not in page and "Riservatissima" not in _pdf_text(pdf)


def test_who_is_not_a_coordinator_has_no_coverage_in_the_back_office(client, network):
    from tests.conftest import pass_mfa

    pass_mfa(client, network.liaison)
    response = client.get("/admin/servizi/copertura/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/servizi/copertura/?format=xlsx").status_code in (302, 403)
