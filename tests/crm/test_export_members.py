"""``manage.py export_members``: Italian-Excel CSV, XLSX and JSON, and back again."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from crm.importing import HEADERS
from crm.importing.exporting import template_xlsx_bytes
from crm.models import (
    Affiliation,
    AffiliationRole,
    Child,
    DataExportLog,
    InstitutionType,
    Member,
    MemberKind,
    MemberStatus,
    Person,
    Topic,
)
from crm.services import members_import
from tests.factories import (
    AffiliationFactory,
    ChildFactory,
    FamilyFactory,
    OrganisationFactory,
    PersonFactory,
    municipality,
)

pytestmark = pytest.mark.django_db


def topic(slug):
    return Topic.objects.get(slug=slug)


@pytest.fixture
def network():
    """A small network with every kind of member and every kind of link."""
    family = FamilyFactory(
        name="Famiglia Rossi",
        phone="+393331234567",
        joined_on=datetime.date(2025, 2, 1),
        notes="Due figli piccoli;\nseguita dal nido",
    )
    family.needs.set([topic("nido"), topic("doposcuola")])
    ChildFactory(family=family, birth_year=2022, birth_month=5)
    ChildFactory(family=family, birth_year=2022, birth_month=5)  # twins
    for first, email in (("Anna", "anna@example.org"), ("Luca", "luca@example.org")):
        AffiliationFactory(
            member=family,
            person=PersonFactory(first_name=first, last_name="Rossi", email=email),
            role=AffiliationRole.GUARDIAN,
            start_date=datetime.date(2025, 2, 1),
        )
    business = OrganisationFactory(
        kind=MemberKind.BUSINESS,
        name="Bianchi Srl",
        legal_name="Bianchi S.r.l.",
        legal_form="Società a responsabilità limitata",
        partita_iva="00378210462",
        codice_fiscale="00378210462",
        ateco_code="56.10.11",
        employees=14,
        phone="+41446681800",
        status=MemberStatus.PROSPECT,
        listed_publicly=False,
        municipality=municipality("Capannori"),
        address="Via Romana 10",
        postal_code="55012",
        notes="-30% per le famiglie della rete",
    )
    business.offers.set([topic("smart-working"), topic("orari-flessibili")])
    marco = PersonFactory(
        first_name="Marco",
        last_name="Bianchi",
        email="marco@bianchi.example",
        phone="+393471112222",
        codice_fiscale="VRDMRC79S20B648G",
    )
    AffiliationFactory(
        member=business,
        person=marco,
        role=AffiliationRole.LEGAL_REPRESENTATIVE,
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2024, 12, 31),
    )
    AffiliationFactory(
        member=business,
        person=marco,
        role=AffiliationRole.CONTACT,
        start_date=datetime.date(2025, 1, 1),
    )
    charity = OrganisationFactory(
        name="Il Ponte",
        codice_fiscale="00000010462",
        runts_number="123456",
        municipality=municipality("Porcari"),
    )
    AffiliationFactory(
        member=charity,
        person=PersonFactory(first_name="Gino", last_name="Neri", email=None),
        role=AffiliationRole.CONTACT,
        start_date=datetime.date(2024, 3, 1),
    )
    OrganisationFactory(
        kind=MemberKind.INSTITUTION,
        name="Comune di Lucca",
        institution_type=InstitutionType.MUNICIPALITY,
        email="",
    )
    return family


def everything():
    """What must survive a round trip, without ids and timestamps."""
    members = []
    for m in Member.objects.order_by("name"):
        members.append(
            (
                m.kind, m.name, m.status, m.legal_name, m.legal_form,
                m.codice_fiscale, m.partita_iva, m.runts_number, m.ateco_code,
                m.employees, m.institution_type, m.municipality_id, m.address,
                m.postal_code, m.email, m.phone, m.joined_on, m.notes,
                m.listed_publicly,
                sorted(m.needs.values_list("slug", flat=True)),
                sorted(m.offers.values_list("slug", flat=True)),
                sorted(m.children.values_list("birth_year", "birth_month")),
            )
        )  # fmt: skip
    people = sorted(
        Person.objects.values_list(
            "first_name", "last_name", "email", "phone", "codice_fiscale"
        ),
        key=str,
    )
    links = sorted(
        Affiliation.objects.values_list(
            "member__name", "person__first_name", "role", "start_date", "end_date"
        ),
        key=str,
    )
    return members, people, links


def empty_the_database():
    Affiliation.objects.all().delete()
    Child.objects.all().delete()
    Member.objects.all().delete()
    Person.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_network(
    network, tmp_path, fmt
):
    before = everything()
    path = tmp_path / f"soci.{fmt}"
    call_command("export_members", "--format", fmt, "-o", str(path))
    empty_the_database()

    report = members_import(content=path.read_bytes(), filename=path.name)

    assert report.ok, [str(p) for p in report.problems]
    assert everything() == before
    assert report.members_created == 4


def test_the_csv_is_for_italian_excel(network, tmp_path):
    path = tmp_path / "soci.csv"
    call_command("export_members", "--format", "csv", "-o", str(path))

    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(HEADERS)
    assert "'-30% per le famiglie della rete" in text  # never run as a formula
    assert "01/02/2025" in text


def test_a_member_with_nobody_linked_still_has_its_row(network, tmp_path):
    path = tmp_path / "soci.xlsx"
    call_command("export_members", "--format", "xlsx", "-o", str(path))

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    names = [row[1] for row in rows[1:]]
    assert names.count("Comune di Lucca") == 1
    assert names.count("Famiglia Rossi") == 2  # one row per guardian


def test_the_json_export_is_for_machines(network, tmp_path):
    path = tmp_path / "soci.json"
    call_command("export_members", "--format", "json", "-o", str(path))

    data = json.loads(path.read_text("utf-8"))
    assert (data["format"], data["version"], data["count"]) == (
        "lucca-in-famiglia/members",
        1,
        4,
    )
    family = next(m for m in data["members"] if m["name"] == "Famiglia Rossi")
    assert family["municipality"] == "046017"
    assert family["needs"] == ["doposcuola", "nido"]
    assert family["joined_on"] == "2025-02-01"
    assert {p["email"] for p in family["people"]} == {
        "anna@example.org",
        "luca@example.org",
    }


def test_every_export_is_logged(network, tmp_path):
    call_command("export_members", "--format", "json", "-o", str(tmp_path / "x.json"))

    log = DataExportLog.objects.get()
    assert (log.format, log.record_count) == ("json", 4)


def test_the_template_explains_its_columns_and_its_example_row_is_skipped():
    content = template_xlsx_bytes()

    workbook = load_workbook(io.BytesIO(content))
    first = workbook.worksheets[0]
    assert [c.value for c in first[1]] == HEADERS
    assert first.max_row == 2
    assert len(workbook.worksheets) == 2
    with translation.override("en"):
        report = members_import(content=content, filename="modello.xlsx")
    assert report.ok and report.members_created == 0
    assert report.skipped == [
        (
            2,
            "This is the template's example row: it was skipped. "
            "Delete it from your file.",
        )
    ]
    assert Member.objects.count() == 0
