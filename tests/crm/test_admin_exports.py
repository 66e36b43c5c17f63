"""Exports of back-office lists: the filtered rows, Italian CSV or XLSX, logged."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import DataExportLog, MemberKind, MemberStatus
from tests.factories import (
    AffiliationFactory,
    FamilyFactory,
    InteractionFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

MEMBERS = reverse("crm_member:index")


def content_of(response) -> bytes:
    assert response.streaming, "an export is streamed, never built whole"
    return b"".join(response.streaming_content)


def read_italian_csv(response):
    body = content_of(response)
    assert body.startswith(b"\xef\xbb\xbf"), "Italian Excel needs the UTF-8 BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(content_of(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def members():
    FamilyFactory(name="Famiglia Rossi", phone="+393331234567")
    FamilyFactory(name="Famiglia Ex", status=MemberStatus.FORMER)
    OrganisationFactory(name="=Associazione Formula", partita_iva="00378210462")


def test_the_member_csv_is_italian_excel_and_holds_only_the_filtered_rows(
    coordinator_client, coordinator, members
):
    response = coordinator_client.get(
        MEMBERS, {"kind": MemberKind.FAMILY, "status": "active", "export": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert ".csv" in response["Content-Disposition"]
    rows = read_italian_csv(response)
    assert len(rows) == 2
    header, row = rows
    assert row[:2] == ["famiglia", "Famiglia Rossi"]  # the import's columns
    assert "333 123 4567" in row
    log = DataExportLog.objects.get()
    assert (log.user, log.format, log.record_count) == (coordinator, "csv", 1)
    assert log.filters == {"kind": MemberKind.FAMILY, "status": "active"}


def test_the_member_xlsx_holds_the_filtered_rows_and_neutralises_formulas(
    coordinator_client, members
):
    response = coordinator_client.get(
        MEMBERS, {"kind": MemberKind.THIRD_SECTOR, "export": "xlsx"}
    )

    rows = read_xlsx(response)
    assert len(rows) == 2
    assert rows[1][1] == "'=Associazione Formula"
    assert "00378210462" in rows[1]
    log = DataExportLog.objects.get()
    assert (log.format, log.record_count) == ("xlsx", 1)


def test_a_search_is_exported_as_searched(coordinator_client, members):
    response = coordinator_client.get(MEMBERS, {"q": "rossi", "export": "csv"})
    rows = read_italian_csv(response)
    assert [r[1] for r in rows[1:]] == ["Famiglia Rossi"]
    assert DataExportLog.objects.get().filters == {"q": "rossi"}


@pytest.mark.parametrize(
    "viewset", ["crm_person", "crm_interaction", "crm_topic", "crm_municipality"]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_exports_and_logs(coordinator_client, viewset, fmt):
    AffiliationFactory(person=PersonFactory(last_name="Esportata"))
    InteractionFactory(subject="Contatto esportato")

    response = coordinator_client.get(reverse(f"{viewset}:index"), {"export": fmt})

    assert response.status_code == 200
    rows = read_italian_csv(response) if fmt == "csv" else read_xlsx(response)
    log = DataExportLog.objects.get()
    assert log.record_count == len(rows) - 1 > 0
    assert log.format == fmt


def test_the_export_log_lists_exports_for_coordinators(
    coordinator_client, coordinator, members
):
    coordinator_client.get(MEMBERS, {"export": "csv"})
    url = reverse("crm_export_log:index")

    response = coordinator_client.get(url)

    assert response.status_code == 200
    [log] = response.context["object_list"]
    assert log.user == coordinator


def test_the_export_log_cannot_be_written_by_hand(coordinator_client, coordinator):
    log = DataExportLog.objects.create(user=coordinator, what="x", format="csv")
    add = coordinator_client.get(reverse("crm_export_log:add"))
    edit = coordinator_client.get(reverse("crm_export_log:edit", args=[log.pk]))
    delete = coordinator_client.post(reverse("crm_export_log:delete", args=[log.pk]))

    assert add.status_code == edit.status_code == delete.status_code == 302
    assert DataExportLog.objects.filter(pk=log.pk).exists()


def test_an_outsider_cannot_export(client, outsider, members):
    client.force_login(outsider)
    response = client.get(MEMBERS, {"export": "csv"})
    assert response.status_code == 302
    assert not DataExportLog.objects.exists()


def test_the_export_log_list_queries_do_not_grow_with_its_rows(
    coordinator_client, coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("crm_export_log:index")
    DataExportLog.objects.create(user=coordinator, what="a", format="csv")
    with CaptureQueriesContext(connection) as few:
        coordinator_client.get(url)
    for i in range(30):
        DataExportLog.objects.create(user=coordinator, what=f"b{i}", format="csv")
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator_client.get(url)
