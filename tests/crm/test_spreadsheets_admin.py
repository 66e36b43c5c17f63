"""Every back-office list with a Resource: export of the filtered list in four
formats, streamed and logged; import with preview → confirm through the same
pages; a family cannot reach either; a bad file writes nothing."""

import io
import re

import pytest
from django.urls import reverse

from cms.models import Registration
from crm.models import DataExportLog, Interaction, Municipality, Person, Service, Topic
from tests.conftest import log_in
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    PersonFactory,
    ServiceFactory,
    csv_bytes,
)
from tests.pact.conftest import make_event

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "csv", "ods", "json"]


def content_of(response) -> bytes:
    assert response.status_code == 200, response
    assert response.streaming, "an export is streamed, never built whole"
    return b"".join(response.streaming_content)


@pytest.fixture
def lists(network):
    person = PersonFactory(first_name="Giò", last_name="Rossi", email="gio@ex.org")
    AffiliationFactory(person=person, member=network.family_a)
    InteractionFactory(member=network.org_x, subject="Telefonata", kind="call")
    InteractionFactory(member=network.org_y, subject="Riunione", kind="meeting")
    ServiceFactory(member=network.org_x, name="Ludoteca Xilofono")
    return network


# viewset, registry name, (change the record, read it back)
LISTS = {
    "crm_person": (
        "people",
        lambda: Person.objects.filter(email="gio@ex.org").update(first_name="Giorgio"),
        lambda: Person.objects.get(email="gio@ex.org").first_name,
    ),
    "crm_interaction": (
        "interactions",
        lambda: Interaction.objects.filter(kind="call").update(subject="Cambiato"),
        lambda: Interaction.objects.get(kind="call").subject,
    ),
    "crm_topic": (
        "topics",
        lambda: Topic.objects.filter(slug="nido").update(description="Cambiata"),
        lambda: Topic.objects.get(slug="nido").description,
    ),
    "crm_municipality": (
        "municipalities",
        lambda: Municipality.objects.filter(name="Lucca").update(patron_saint="X"),
        lambda: Municipality.objects.get(name="Lucca").patron_saint,
    ),
    "crm_service": (
        "services",
        lambda: Service.objects.update(name="Cambiato"),
        lambda: Service.objects.get().name,
    ),
}


def import_file(client, name, content, filename):
    """Upload, then the preview page: ``(preview response, token)``."""
    file = io.BytesIO(content)
    file.name = filename
    url = reverse("crm_spreadsheet_import:upload", args=[name])
    response = client.post(url, {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response.url)
    return preview, re.search(r"token=([^&]+)", response.url).group(1)


def confirm(client, name, token):
    from urllib.parse import unquote

    url = reverse("crm_spreadsheet_import:confirm", args=[name])
    return client.post(url, {"token": unquote(token)})


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("viewset", sorted(LISTS))
def test_a_list_exports_in_each_format_and_the_file_imports_back_with_a_diff(
    coordinator_client, lists, viewset, fmt
):
    name, change, read = LISTS[viewset]
    expected = read()
    content = content_of(
        coordinator_client.get(reverse(f"{viewset}:index"), {"export": fmt})
    )
    assert DataExportLog.objects.get().format == fmt

    preview, _token = import_file(coordinator_client, name, content, f"x.{fmt}")
    assert "importarlo non cambierebbe nulla" in preview.content.decode()

    change()
    preview, token = import_file(coordinator_client, name, content, f"x.{fmt}")
    page = preview.content.decode()
    assert "1 aggiornata" in page and "<del>" in page, page
    assert read() != expected  # the preview wrote nothing

    response = confirm(coordinator_client, name, token)
    assert response.status_code == 302
    assert read() == expected


def test_the_export_holds_only_the_filtered_rows(coordinator_client, lists):
    response = coordinator_client.get(
        reverse("crm_interaction:index"), {"kind": "call", "export": "csv"}
    )
    text = content_of(response).decode("utf-8-sig")
    assert "Telefonata" in text and "Riunione" not in text
    log = DataExportLog.objects.get()
    assert (log.record_count, log.filters) == (1, {"kind": "call"})
    assert list(log.members.all()) == [lists.org_x]


def test_the_list_offers_the_four_formats_and_the_import(coordinator_client, lists):
    page = coordinator_client.get(reverse("crm_person:index")).content.decode()
    for fmt in FORMATS:
        assert f"export={fmt}" in page
    assert reverse("crm_spreadsheet_import:upload", args=["people"]) in page


def test_a_family_can_neither_export_nor_import(client, lists):
    log_in(client, lists.guardian_a)
    for viewset in LISTS:
        response = client.get(reverse(f"{viewset}:index"), {"export": "csv"})
        assert response.status_code == 302
    url = reverse("crm_spreadsheet_import:upload", args=["people"])
    assert client.get(url).status_code == 302
    assert not DataExportLog.objects.exists()


def test_a_bad_file_is_refused_naming_row_and_column_and_nothing_is_written(
    coordinator_client, lists
):
    content = csv_bytes(
        [
            ["Nome", "Cognome", "E-mail", "Telefono"],
            ["Mario", "Verdi", "mario@ex.org", "0583 123456"],
            ["Anna", "Neri", "anna@ex.org", "12"],
        ]
    )
    preview, token = import_file(coordinator_client, "people", content, "p.csv")
    page = preview.content.decode()
    assert "Telefono" in page and "“12” non è un numero di telefono valido" in page
    assert "Importa</button>" not in page

    response = confirm(coordinator_client, "people", token)

    assert "Non è stato importato nulla" in response.content.decode()
    assert not Person.objects.filter(email="mario@ex.org").exists()


def test_the_registrations_of_an_event_export_and_import_back(
    coordinator_client, lists
):
    event = make_event()
    person = Person.objects.get(email="gio@ex.org")
    registration = Registration.objects.create(
        event=event, person=person, accessibility_needs="Rampa"
    )
    url = reverse("cms_admin:event_registrations_export", args=[event.pk, "ods"])
    content = content_of(coordinator_client.get(url))
    Registration.objects.update(accessibility_needs="Cambiato", attended_at=None)

    preview, token = import_file(coordinator_client, "registrations", content, "i.ods")
    assert "Rampa" in preview.content.decode()
    confirm(coordinator_client, "registrations", token)

    registration.refresh_from_db()
    assert registration.accessibility_needs == "Rampa"


def test_members_import_from_their_list_goes_to_the_member_import(
    coordinator_client, lists
):
    page = coordinator_client.get(reverse("crm_member:index")).content.decode()
    assert reverse("crm_import:upload") in page
    url = reverse("crm_spreadsheet_import:upload", args=["members"])
    assert coordinator_client.get(url).url == reverse("crm_import:upload")


def test_a_formula_is_neutralised_in_the_export_and_restored_on_import(
    coordinator_client, lists
):
    Person.objects.filter(email="gio@ex.org").update(first_name="=1+1")
    content = content_of(
        coordinator_client.get(reverse("crm_person:index"), {"export": "csv"})
    )
    assert ";'=1+1;" in content.decode("utf-8-sig")

    preview, _token = import_file(coordinator_client, "people", content, "p.csv")

    assert "importarlo non cambierebbe nulla" in preview.content.decode()


def test_the_export_reads_the_same_number_of_queries_for_more_rows(
    coordinator_client, lists, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("crm_person:index")
    with CaptureQueriesContext(connection) as few:
        content_of(coordinator_client.get(url, {"export": "xlsx"}))
    for _n in range(40):
        AffiliationFactory(person=PersonFactory(), member=lists.family_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        content_of(coordinator_client.get(url, {"export": "xlsx"}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_member_list_exports_the_filtered_members_in_the_import_columns(
    coordinator_client, lists, fmt
):
    from crm.importing import preview

    response = coordinator_client.get(
        reverse("crm_member:index"), {"kind": "family", "export": fmt}
    )
    report = preview(content_of(response), f"soggetti.{fmt}")

    assert report.ok, report.problems
    assert (report.members_created, report.members_updated) == (0, 0)
    assert report.members_unchanged == 2  # the two families, not the others
    log = DataExportLog.objects.get()
    assert set(log.members.all()) == {lists.family_a, lists.family_b}
