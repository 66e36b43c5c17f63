"""What real-world files found in the member import (issue 13), one test each.

Files are real bytes (csv module, openpyxl, the exports themselves), imported
the way coordinators do: the service, the admin pages, the command.
"""

import datetime
import io
import json
import re
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from crm.area import PRIVACY_NOTICE_VERSION
from crm.importing import ImportRefused, MemberResource, preview
from crm.importing.exporting import template_xlsx_bytes
from crm.models import (
    Affiliation,
    AffiliationRole,
    Consent,
    ConsentHow,
    ConsentPurpose,
    Member,
    MemberKind,
    Person,
)
from crm.services import members_import
from tests.crm.test_export_members import empty_the_database, everything
from tests.crm.test_export_members import network as network  # noqa: F401 (fixture)
from tests.factories import (
    AffiliationFactory,
    FamilyFactory,
    OrganisationFactory,
    PersonFactory,
    csv_bytes,
    municipality,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/rete/importa/"
OFFICINE_PIVA = "00378210462"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def messages(report) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in report.problems]


# 1. A wrong-but-valid partita IVA must not silently overwrite another member --


@pytest.fixture
def officine():
    member = OrganisationFactory(
        kind=MemberKind.BUSINESS,
        name="Officine D'Angelo",
        legal_form="Srl",
        partita_iva=OFFICINE_PIVA,
        email="info@officine.example",
        phone="+390583111222",
        municipality=municipality("Lucca"),
    )
    AffiliationFactory(
        member=member,
        person=PersonFactory(first_name="Aldo", email="aldo@officine.example"),
        role=AffiliationRole.LEGAL_REPRESENTATIVE,
    )
    return member


CARTIERA = [
    ["Tipo", "Nome", "Forma giuridica", "P. IVA", "E-mail", "Telefono", "Comune",
     "Referente nome", "Referente cognome", "Referente e-mail", "Ruolo referente"],
    ["impresa", "Cartiera della Piana", "Spa", OFFICINE_PIVA,
     "info@cartiera.example", "0583 999888", "Capannori", "Carla", "Neri",
     "carla@cartiera.example", "legale rappresentante"],
]  # fmt: skip


def officine_now(officine):
    officine.refresh_from_db()
    return (
        officine.name,
        officine.email,
        officine.phone,
        officine.municipality.name,
        officine.legal_form,
        officine.affiliations.count(),
    )


def test_a_partita_iva_of_another_member_is_a_conflict_and_refused(officine):
    before = officine_now(officine)

    report = preview(xlsx_bytes(CARTIERA), "soci.xlsx")

    [conflict] = report.conflicts
    assert (conflict.row, conflict.member, conflict.file["name"]) == (
        2,
        officine,
        "Cartiera della Piana",
    )
    assert messages(report) == [
        (
            2,
            "P. IVA",
            "The P. IVA “00378210462” is that of “Officine D'Angelo” "
            "(info@officine.example), but this row describes “Cartiera della "
            "Piana” (info@cartiera.example): check the code, or confirm this row "
            "to update “Officine D'Angelo” with it.",
        )
    ]
    with pytest.raises(ImportRefused):
        members_import(content=xlsx_bytes(CARTIERA), filename="soci.xlsx")
    assert officine_now(officine) == before


def test_a_confirmed_conflict_updates_and_the_new_name_is_shown_as_a_diff(officine):
    content = xlsx_bytes(CARTIERA)

    report = preview(content, "soci.xlsx", confirmed=[2])

    assert report.ok and report.members_updated == 1
    [line] = report.lines
    assert line.status == "update"
    assert ("Nome", "Officine D'Angelo", "Cartiera della Piana") in line.changes
    assert ("E-mail", "info@officine.example", "info@cartiera.example") in (
        line.changes
    )
    members_import(content=content, filename="soci.xlsx", confirmed=[2])
    assert officine_now(officine)[:2] == (
        "Cartiera della Piana",
        "info@cartiera.example",
    )


def test_the_coordinator_sees_both_records_and_must_tick_the_row(
    coordinator_client, coordinator, officine
):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(coordinator)
    profile.preferred_language = "en"
    profile.save()
    file = io.BytesIO(xlsx_bytes(CARTIERA))
    file.name = "soci.xlsx"
    location = coordinator_client.post(UPLOAD, {"file": file})["Location"]
    token = unquote(re.search(r"token=([^&]+)", location).group(1))

    page = coordinator_client.get(location).content.decode()
    assert "Officine D&#x27;Angelo" in page and "Cartiera della Piana" in page
    assert 'name="confirm" value="2"' in page
    refused = coordinator_client.post(f"{UPLOAD}conferma/", {"token": token})
    assert refused.status_code == 200 and "Nothing was imported" in (
        refused.content.decode()
    )
    assert officine_now(officine)[0] == "Officine D'Angelo"

    checked = coordinator_client.get(
        f"{UPLOAD}anteprima/", {"token": token, "confirm": "2"}
    ).content.decode()
    assert "Officine D&#x27;Angelo → Cartiera della Piana" in checked
    done = coordinator_client.post(
        f"{UPLOAD}conferma/", {"token": token, "confirm": "2"}
    )
    assert done.status_code == 302
    assert officine_now(officine)[0] == "Cartiera della Piana"


def test_a_name_change_with_the_same_email_is_an_update_shown_as_a_diff(officine):
    rows = [CARTIERA[0][:5], ["impresa", "Officine D'Angelo Srl", "Srl",
                              OFFICINE_PIVA, "info@officine.example"]]  # fmt: skip

    report = preview(csv_bytes(rows))

    assert report.ok and not report.conflicts
    assert report.lines[0].changes == [
        ("Nome", "Officine D'Angelo", "Officine D'Angelo Srl")
    ]


# 2. Corrections to existing people ---------------------------------------------


@pytest.fixture
def gio():
    family = FamilyFactory(name="Famiglia Rossi", email="rossi@example.org")
    person = PersonFactory(first_name="Giò", last_name="Rossi", email="gio@example.org")
    AffiliationFactory(member=family, person=person, role=AffiliationRole.GUARDIAN)
    return person


GIORGIO = [
    ["Tipo", "Nome", "E-mail", "Referente nome", "Referente cognome",
     "Referente e-mail", "Referente telefono"],
    ["famiglia", "Famiglia Rossi", "rossi@example.org", "Giorgio", "Rossi",
     "gio@example.org", "333 1234567"],
]  # fmt: skip


def test_fill_only_says_what_it_keeps_and_fills_only_the_empty_fields(gio):
    report = members_import(content=csv_bytes(GIORGIO))

    assert report.people_kept == [
        (2, "Giò Rossi", [("Referente nome", "Giò", "Giorgio")])
    ]
    assert report.people_changes == [
        (2, "Giò Rossi", [("Referente telefono", "", "+393331234567")])
    ]
    assert report.people_updated == 1
    gio.refresh_from_db()
    assert (gio.first_name, gio.phone) == ("Giò", "+393331234567")


def test_update_from_the_file_corrects_them_and_counts_what_really_changed(gio):
    first = preview(csv_bytes(GIORGIO), people="update")
    assert first.people_changes == [
        (
            2,
            "Giò Rossi",
            [
                ("Referente nome", "Giò", "Giorgio"),
                ("Referente telefono", "", "+393331234567"),
            ],
        )
    ]
    report = members_import(content=csv_bytes(GIORGIO), people="update")
    gio.refresh_from_db()
    assert gio.first_name == "Giorgio" and report.people_updated == 1

    again = members_import(content=csv_bytes(GIORGIO), people="update")

    assert again.people_updated == 0 and not again.writes_anything


# 3. A duplicate partita IVA inside one file ------------------------------------


def test_one_identifier_on_two_different_members_is_named_once():
    rows = [
        ["Tipo", "Nome", "Partita IVA", "E-mail", "Telefono", "Comune", "Note"],
        ["impresa", "Cartiera della Piana", OFFICINE_PIVA, "c@cartiera.example",
         "0583 999888", "Capannori", "carta"],
        ["impresa", "Officine D'Angelo", OFFICINE_PIVA, "info@officine.example",
         "0583 111222", "Lucca", "ferro"],
    ]  # fmt: skip

    report = preview(csv_bytes(rows))

    assert messages(report) == [
        (
            3,
            "Partita IVA",
            "The Partita IVA “00378210462” is also on row 2, for “Cartiera della "
            "Piana”: these rows describe two different members with the same "
            "identifier. Correct it on one of the two rows.",
        )
    ]


# 4. The template's example row ---------------------------------------------------


def test_the_templates_example_row_is_skipped_and_said_so():
    workbook = load_workbook(io.BytesIO(template_xlsx_bytes()))
    sheet = workbook.worksheets[0]
    sheet.append(["famiglia", "Famiglia Verdi"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = members_import(content=buffer.getvalue(), filename="modello.xlsx")

    assert report.members_created == 1
    assert [m.name for m in Member.objects.all()] == ["Famiglia Verdi"]
    assert report.skipped == [
        (
            2,
            "This is the template's example row: it was skipped. Delete it from "
            "your file.",
        )
    ]


# 5. Excel's number cells ------------------------------------------------------------


def test_excel_number_cells_are_repaired_when_unambiguous_and_said_so():
    rows = [
        ["Tipo", "Nome", "Partita IVA", "Telefono", "Data adesione"],
        ["impresa", "Bottega Uno", 1234567046, 583123456, 45689],
    ]

    report = members_import(content=xlsx_bytes(rows), filename="soci.xlsx")

    member = Member.objects.get()
    assert member.partita_iva == "01234567046"
    assert member.phone == "+390583123456"
    assert member.joined_on == datetime.date(2025, 2, 1)
    assert report.repairs == [
        (2, "“1234567046” read as the partita IVA 01234567046: Excel had dropped "
            "its leading 0."),
        (2, "“45689” read as the date 01/02/2025 (Excel's number of a date)."),
        (2, "“583123456” read as the landline 0583 123456: Excel had dropped its "
            "leading 0."),
    ]  # fmt: skip


def test_excel_number_cells_that_cannot_be_repaired_say_the_likely_cause():
    rows = [["Tipo", "Nome", "Partita IVA"], ["impresa", "Bottega Due", 378210462]]

    report = preview(xlsx_bytes(rows), "soci.xlsx")

    assert messages(report) == [
        (
            2,
            "Partita IVA",
            "“378210462” has 9 digits: the cell is probably a number in Excel, "
            "which drops leading zeros; format the column as text and write the "
            "code again.",
        )
    ]


# 6. Every export format imports back -------------------------------------------------


def test_the_json_export_imports_back(network, tmp_path):  # noqa: F811
    before = everything()
    path = tmp_path / "soci.json"
    call_command("export_members", "--format", "json", "-o", str(path))
    empty_the_database()

    report = members_import(content=path.read_bytes(), filename=path.name)

    assert report.ok, [str(p) for p in report.problems]
    assert everything() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "json"])
def test_every_format_of_the_resource_export_imports_back(network, fmt):  # noqa: F811
    before = everything()
    content = MemberResource().export().export(fmt)
    content = content.encode("utf-8") if isinstance(content, str) else content
    empty_the_database()

    report = members_import(content=content, filename=f"soci.{fmt}")

    assert report.ok, [str(p) for p in report.problems]
    assert everything() == before


# 7. Titles, quoted values, plurals, refusals, privacy consent ------------------------


def test_a_title_row_above_the_headers_is_skipped():
    rows = [
        ["Elenco soci 2025 — Comune di Lucca"],
        [],
        ["Tipo", "Nome", "E-mail"],
        ["famiglia", "Famiglia Verdi", "verdi@"],
    ]

    report = preview(xlsx_bytes(rows), "soci.xlsx")

    assert messages(report) == [(4, "E-mail", "“verdi@” is not a valid email address.")]


def test_one_row_is_one_row_in_italian(coordinator_client, coordinator, capsys):
    with translation.override("it"):
        report = preview(csv_bytes([["Tipo", "Nome"], ["famiglia", "Famiglia Bo"]]))
        assert report.summary().startswith("1 riga:")


def test_a_refused_import_prints_no_summary(tmp_path, capsys):
    path = tmp_path / "soci.csv"
    path.write_bytes(csv_bytes([["Tipo", "Nome", "E-mail"], ["famiglia", "A", "a@"]]))

    with pytest.raises(SystemExit):
        call_command("import_members", str(path), "--commit")

    out, err = capsys.readouterr()
    assert "members new" not in out
    assert "1 problem: nothing was written." in err


def test_a_privacy_consent_column_records_the_current_notice():
    rows = [
        ["Tipo", "Nome", "Referente nome", "Referente cognome", "Referente e-mail",
         "Consenso privacy"],
        ["famiglia", "Famiglia Bo", "Ada", "Bo", "ada@example.org", "Sì"],
    ]  # fmt: skip

    report = members_import(content=csv_bytes(rows))
    again = members_import(content=csv_bytes(rows))

    consent = Consent.objects.get()
    assert consent.person == Person.objects.get(email="ada@example.org")
    assert (consent.purpose, consent.notice_version, consent.given_how) == (
        ConsentPurpose.PRIVACY,
        PRIVACY_NOTICE_VERSION,
        ConsentHow.IMPORT,
    )
    assert (report.consents_given, again.consents_given) == (1, 0)
    assert Affiliation.objects.count() == 1


def test_json_rows_as_tablib_writes_them_import_too():
    rows = [{"Tipo": "famiglia", "Nome": "Famiglia Bo", "E-mail": "bo@example.org"}]

    report = members_import(content=json.dumps(rows).encode(), filename="x.json")

    assert report.members_created == 1


# All or nothing, on SQLite and PostgreSQL alike ---------------------------------------


def test_a_problem_found_after_the_members_are_written_rolls_them_back(coordinator):
    """The people are checked once the members are bulk-written, in the
    library's transaction: a problem there leaves no member, person, role or
    history record behind."""
    PersonFactory(email="anna@example.org", codice_fiscale="VRDMRC79S20B648G")
    rows = [
        ["Tipo", "Nome", "Referente nome", "Referente cognome", "Referente e-mail",
         "Referente codice fiscale"],
        ["famiglia", "Famiglia Uno", "Anna", "Uno", "uno@example.org", ""],
        ["famiglia", "Famiglia Due", "Anna", "Due", "anna@example.org",
         "BNCMRA80C52E715D"],
    ]  # fmt: skip
    history = Member.history.model.objects.count()

    with pytest.raises(ImportRefused) as refused:
        members_import(content=csv_bytes(rows), by=coordinator)

    assert [(p.row, p.column) for p in refused.value.report.problems] == [
        (3, "Referente codice fiscale")
    ]
    assert (Member.objects.count(), Person.objects.count()) == (0, 1)
    assert Affiliation.objects.count() == 0
    assert Member.history.model.objects.count() == history


def test_any_file_can_feed_any_resource_through_read_dataset():
    from import_export.resources import modelresource_factory

    from crm.importing import ROW, read_dataset, run_import
    from crm.models import Topic

    content = csv_bytes(
        [["Elenco temi"], ["slug", "name", "Colonna X"], ["piscina", "Piscina", "x"]],
        encoding="cp1252",
    )
    dataset = read_dataset(
        content, "temi.csv", column=lambda h: h if h in ("slug", "name") else None
    )
    assert dataset.headers == ["slug", "name", ROW] and dataset[0][2] == 3
    options = {"fields": ("slug", "name"), "import_id_fields": ("slug",)}
    resource = modelresource_factory(Topic, meta_options=options)()
    del dataset[ROW]

    result = run_import(resource, dataset, dry_run=False)

    assert not result.has_errors() and Topic.objects.filter(slug="piscina").exists()
