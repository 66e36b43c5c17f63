"""Every spreadsheet the app hands out is inert.

Text that a spreadsheet would run as a formula — a cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return — comes out with a leading
quote. Each test plants such values where people can type them (names,
subjects, notes, page titles), builds the real export through its real entry
point (admin URL or command), and reads the file back as a spreadsheet would:
CSV with ``;`` after the BOM, XLSX with openpyxl. Numbers stay numbers.
"""

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from cms.models import Registration
from crm.models import DataExportLog, MemberKind, Municipality, RoleAssignment, Topic
from crm.spreadsheets import italian_csv_bytes, xlsx_bytes
from pact import services as pact_services
from pact.models import ThematicTable, Workshop
from tests.conftest import pass_mfa
from tests.factories import (
    AffiliationFactory,
    FamilyFactory,
    InteractionFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)
from tests.pact.conftest import make_event
from tests.pact.handover_data import open_version, sign, use_seal

pytestmark = pytest.mark.django_db

PAYLOADS = (
    "=cmd|' /C calc'!A0",
    "+SUM(1;2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    '\r=HYPERLINK("http://evil.example")',
)
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+([.,]\d+)?")


def p(n: int) -> str:
    return PAYLOADS[n % len(PAYLOADS)]


# --- reading the files back ------------------------------------------------------


def csv_cells(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Italian Excel needs the UTF-8 BOM"
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def plain_csv_cells(content: bytes) -> list[list[str]]:
    """A CSV as Wagtail writes it (comma, maybe no BOM)."""
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_cells(content: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(content))
    rows = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                # A formula cell would come back as data_type "f".
                assert cell.data_type != "f", f"formula cell {cell.coordinate}"
            rows.append([cell.value for cell in row])
    return rows


def assert_inert(rows, *, planted: int = 1) -> None:
    """No text cell starts like a formula, and the planted values are there,
    neutralised with a leading quote (``planted`` of them at least)."""
    texts = [c for row in rows for c in row if isinstance(c, str)]
    # In a CSV a number is text too: “-5” is a number, not a formula.
    live = [c for c in texts if c.startswith(DANGEROUS) and not NUMBER.fullmatch(c)]
    assert not live, f"cells a spreadsheet would run: {live[:5]}"
    neutralised = [c for c in texts if c.startswith("'") and c[1:2] in DANGEROUS]
    assert len(neutralised) >= planted, (neutralised, rows[:3])


def body(response) -> bytes:
    """The file a download sends, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def zip_member(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return zf.read(name)


# --- the writers themselves ------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_shared_writers_neutralise_text_and_keep_numbers(payload):
    headers = ["Testo", "Numero", "Decimale"]
    rows = [[payload, -5, -2.5], ["+39 333 123 4567", 0, 1.5]]

    from_csv = csv_cells(italian_csv_bytes(headers, rows))
    from_xlsx = xlsx_cells(xlsx_bytes(headers, rows))

    assert from_csv[1] == ["'" + payload, "-5", "-2.5"]
    assert from_xlsx[1] == ["'" + payload, -5, -2.5]
    assert from_xlsx[2][0] == "'+39 333 123 4567"  # readable, not a sum
    assert_inert(from_csv)
    assert_inert(from_xlsx)


# --- members: the command and every back-office list ------------------------------


@pytest.fixture
def hostile_network(coordinator):
    """Names and notes as a hostile registrant or import could leave them."""
    org = OrganisationFactory(name=p(0), notes=p(1), address=p(2), legal_form=p(3))
    family = FamilyFactory(name=p(4), notes=p(5))
    AffiliationFactory(
        member=family, person=PersonFactory(first_name=p(1), last_name=p(2))
    )
    AffiliationFactory(
        member=org,
        person=PersonFactory(first_name=p(3), last_name=p(0)),
        role="contact",
    )
    InteractionFactory(member=org, subject=p(0))
    Topic.objects.create(slug="formula", name=p(2), name_en=p(3))
    Municipality.objects.create(istat_code="999999", name=p(1), province="LU")
    DataExportLog.objects.create(user=coordinator, what=p(0), format="csv")
    return org


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_members_command(hostile_network, tmp_path, fmt):
    path = tmp_path / f"soci.{fmt}"

    call_command("export_members", "--format", fmt, "-o", str(path))

    content = path.read_bytes()
    rows = csv_cells(content) if fmt == "csv" else xlsx_cells(content)
    assert_inert(rows, planted=6)


def test_export_members_neutralised_cells_import_back_as_typed(
    hostile_network, tmp_path
):
    """The import takes off the quote the export added: a round trip keeps names."""
    from crm.importing import read_spreadsheet

    path = tmp_path / "soci.xlsx"
    call_command("export_members", "--format", "xlsx", "-o", str(path))

    sheet = read_spreadsheet(path.read_bytes(), path.name)
    names = {cells[1] for _number, cells in sheet.rows}
    # As typed, but for the spaces every import tidies (“\t=1+1” → “=1+1”).
    assert names == {" ".join(p(0).split()), " ".join(p(4).split())}
    people = {(cells[22], cells[23]) for _number, cells in sheet.rows}
    assert people == {(p(1), p(2)), (p(3), p(0))}


ADMIN_LISTS = [
    "crm_member",
    "crm_person",
    "crm_interaction",
    "crm_topic",
    "crm_municipality",
    "crm_export_log",
]


@pytest.mark.parametrize("viewset", ADMIN_LISTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_back_office_list_exports(coordinator_client, hostile_network, viewset, fmt):
    response = coordinator_client.get(reverse(f"{viewset}:index"), {"export": fmt})

    assert response.status_code == 200
    content = body(response)
    rows = csv_cells(content) if fmt == "csv" else xlsx_cells(content)
    assert_inert(rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_role_assignments_export_wagtail_list_export(
    coordinator_client, coordinator, fmt
):
    """Wagtail's own ``list_export`` (not our writers) on the roles list."""
    from crm.permissions import role_assign

    member = OrganisationFactory(name=p(0))
    user = UserFactory(username="x@example.org", first_name=p(1), last_name=p(3))
    role_assign(user=user, role="legal_representative", member=member, by=coordinator)
    assert RoleAssignment.objects.filter(member=member).exists()

    response = coordinator_client.get(reverse("crm_roles:index"), {"export": fmt})

    assert response.status_code == 200
    content = (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )
    rows = plain_csv_cells(content) if fmt == "csv" else xlsx_cells(content)
    assert_inert(rows)


# --- the programme ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_registrations_export(coordinator_client, fmt):
    event = make_event()
    person = PersonFactory(first_name=p(0), last_name=p(1), phone="+393331234567")
    Registration.objects.create(
        event=event,
        person=person,
        organisation_name=p(2),
        accessibility_needs=p(3),
    )

    response = coordinator_client.get(
        reverse("cms_admin:event_registrations_export", args=[event.pk, fmt])
    )

    assert response.status_code == 200
    content = body(response)
    rows = csv_cells(content) if fmt == "csv" else xlsx_cells(content)
    assert_inert(rows, planted=4)


# --- the pact: workshop report, signed-pact export, handover bundle ------------------


def test_workshop_report_xlsx(coordinator_client):
    workshop = Workshop.objects.create(event=make_event(), title=p(0))
    table = ThematicTable.objects.create(
        workshop=workshop, title=p(1), room=p(2), capacity=3
    )
    pact_services.contribution_record(table=table, kind="need", text=p(3))
    pact_services.contribution_record(table=table, kind="proposal", text=p(5))
    pact_services.table_synthesis_save(table=table, synthesis=p(4))

    response = coordinator_client.get(
        f"/admin/pact/workshops/{workshop.pk}/report.xlsx"
    )

    assert response.status_code == 200
    assert_inert(xlsx_cells(response.content), planted=5)


@pytest.fixture
def hostile_adhesions():
    version = open_version()
    members = [
        OrganisationFactory(name=p(0), kind=MemberKind.BUSINESS),
        FamilyFactory(name=p(3)),
    ]
    signatory = PersonFactory(first_name=p(1), last_name=p(2))
    return [
        sign(
            version,
            member,
            number=n,
            signatory=signatory,
            signed_at=dt.datetime(2020, 11, 12, 10, tzinfo=dt.UTC)
            + dt.timedelta(days=n),
        )
        for n, member in enumerate(members, start=1)
    ]


@pytest.mark.parametrize("name", ["registry.csv", "registry.xlsx"])
def test_signed_pacts_export_registry(hostile_adhesions, tmp_path, name):
    target = tmp_path / "patti.zip"

    call_command("export_signed_pacts", "-o", str(target), stdout=io.StringIO())

    content = zip_member(target.read_bytes(), name)
    rows = csv_cells(content) if name.endswith(".csv") else xlsx_cells(content)
    assert_inert(rows, planted=2)


@pytest.mark.parametrize("name", ["registry.csv", "registry.xlsx"])
def test_handover_bundle_registry(hostile_adhesions, settings, tmp_path, name):
    use_seal(settings, tmp_path.parent / "seal-handover")  # handovers are sealed
    target = tmp_path / "consegna.zip"

    call_command("handover", "-o", str(target), stdout=io.StringIO())

    content = zip_member(target.read_bytes(), name)
    rows = csv_cells(content) if name.endswith(".csv") else xlsx_cells(content)
    assert_inert(rows, planted=2)


# --- Wagtail's built-in reports ------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    admin = UserFactory(username="root@example.org", is_superuser=True, is_staff=True)
    return pass_mfa(client, admin)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_wagtail_site_history_report(superuser_client, fmt):
    """Page titles an editor types end up in Wagtail's own report exports."""
    from wagtail.models import Page

    from cms.models import StandardPage

    home = Page.objects.get(depth=2)
    page = home.specific.add_child(instance=StandardPage(title=p(0), slug="formula"))
    page.save_revision(log_action=True).publish()

    response = superuser_client.get(
        reverse("wagtailadmin_reports:site_history"), {"export": fmt}
    )

    assert response.status_code == 200
    content = (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )
    rows = plain_csv_cells(content) if fmt == "csv" else xlsx_cells(content)
    assert_inert(rows)
