"""The files Italian offices actually produce, and the ones that are no good."""

import datetime
import io
import zipfile

import pytest
from django.utils import translation

from crm.importing import preview
from crm.models import Member
from crm.services import members_import
from tests.factories import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Tipo", "Nome", "Comune", "E-mail", "Data adesione", "Elenco pubblico"]
ROWS = [
    ["famiglia", "Famiglia Lucchesi", "Lucca", "lucchesi@example.org", "03/02/2025",
     "No"],
    ["impresa", "Caffè Città Srl", "Capannori", "caffe@example.org", "", "Sì"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def imported(content: bytes) -> dict:
    report = members_import(content=content)
    assert report.ok, [str(p) for p in report.problems]
    return {m.name: m for m in Member.objects.all()}


def only_problem(content: bytes) -> str:
    report = preview(content)
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    problem = report.problems[0]
    assert problem.row is None and problem.column is None
    assert Member.objects.count() == 0
    return problem.message


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (";", "utf-8-sig"),  # Excel's “CSV UTF-8”
        (";", "cp1252"),  # Excel's plain “CSV” on Italian Windows
        (",", "utf-8"),
        ("\t", "utf-16"),  # Excel's “Unicode text”
    ],
)
def test_csv_as_excel_saves_it_is_read(delimiter, encoding):
    members = imported(
        csv_bytes([HEADERS, *ROWS], delimiter=delimiter, encoding=encoding)
    )

    business = members["Caffè Città Srl"]
    assert business.listed_publicly is True
    assert members["Famiglia Lucchesi"].joined_on == datetime.date(2025, 2, 3)


def test_an_excel_workbook_is_read_with_its_dates_and_numbers():
    headers = HEADERS + ["CAP", "Numero dipendenti", "Telefono"]
    rows = [
        ROWS[0][:4] + [datetime.datetime(2025, 2, 3), "No", 55100, None, 3331234567],
        ROWS[1][:4] + [None, "Sì", 55012, 12.0, "0583 123456"],
    ]

    members = imported(xlsx_bytes([headers, *rows]))

    family = members["Famiglia Lucchesi"]
    assert family.joined_on == datetime.date(2025, 2, 3)
    assert (family.postal_code, family.phone) == ("55100", "+393331234567")
    assert members["Caffè Città Srl"].employees == 12


def test_stray_spaces_empty_rows_and_other_header_spellings_are_fine():
    headers = ["  e-mail ", "NOME", "tipo", "comune", "Data di adesione", "note"]
    rows = [
        [],
        [" lucchesi@example.org", " Famiglia   Lucchesi ", "Famiglia ", " lucca",
         "", ""],
        ["", "", "", "", "", ""],
        [""] * 6,
    ]  # fmt: skip

    members = imported(csv_bytes([headers, *rows]))

    family = members["Famiglia Lucchesi"]
    assert family.email == "lucchesi@example.org"
    assert family.municipality.name == "Lucca"


def test_unknown_columns_are_ignored_and_reported():
    report = preview(csv_bytes([HEADERS + ["ID interno"], ROWS[0] + ["A-17"]]))

    assert report.ok
    assert report.ignored_columns == ["ID interno"]


def test_row_numbers_are_those_of_the_spreadsheet():
    rows = [ROWS[0], [], [], ["famiglia", "Famiglia Bis", "Atlantide", "", "", ""]]

    report = preview(csv_bytes([HEADERS, *rows]))

    assert [(p.row, p.column) for p in report.problems] == [(5, "Comune")]


def test_an_empty_file_is_refused():
    assert only_problem(b"") == "The file is empty."
    assert only_problem(b"\xef\xbb\xbf\r\n;;;\r\n") == "The file is empty."


def test_a_file_with_headers_only_is_refused():
    assert only_problem(csv_bytes([HEADERS])) == "The file has headers but no rows."


def test_a_file_that_is_not_a_spreadsheet_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

    assert "not a spreadsheet we can read" in only_problem(png)


def test_a_file_in_an_unknown_encoding_is_refused():
    # 0x81 and 0x9d mean nothing in UTF-8 nor in Windows-1252.
    content = b"Tipo;Nome\nfamiglia;Famiglia \x81\x9d\n"

    assert "unknown encoding" in only_problem(content)


def test_a_malformed_csv_names_the_row():
    content = b'Tipo;Nome\nfamiglia;"Famiglia Rossi\nfamiglia;Famiglia Verdi\n'

    message = only_problem(content)

    assert message.startswith("The file is malformed at row 2")


def test_an_old_xls_file_is_refused_with_advice():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100

    assert ".xls" in only_problem(content)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "ciao")

    assert "cannot be read as an Excel workbook" in only_problem(buffer.getvalue())


def test_cells_an_export_neutralised_are_read_back():
    headers = ["Tipo", "Nome", "E-mail", "Telefono", "Note"]
    row = ["famiglia", "Famiglia Estera", "f@example.org", "'+41 44 668 18 00", "'=1+1"]

    members = imported(csv_bytes([headers, row]))

    family = members["Famiglia Estera"]
    assert (family.phone, family.notes) == ("+41446681800", "=1+1")
