"""The import pages of the back office: upload → preview → confirm."""

import io
import re
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.utils import translation
from openpyxl import load_workbook
from wagtail.users.models import UserProfile

from crm.models import Member
from crm.roles import CMS_EDITOR, GROUP_NAMES
from tests.conftest import log_in, pass_mfa
from tests.factories import OrganisationFactory, UserFactory, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/rete/importa/"
HEADERS = ["Tipo", "Nome", "Comune", "Codice fiscale", "Partita IVA", "E-mail"]
ROWS = [
    ["famiglia", "Famiglia Rossi", "Lucca", "", "", "rossi@example.org"],
    ["impresa", "Bianchi Srl", "Capannori", "00000010462", "00378210462", ""],
]


def in_english(user):
    # The admin speaks each user's preferred language; the msgids are English.
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture(autouse=True)
def _english(coordinator):
    in_english(coordinator)
    with translation.override("en"):
        yield


def upload(client, content: bytes, name="soci.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(UPLOAD, {"file": file})


def new_members(page: str) -> int:
    found = re.search(r'<th scope="row">Members</th>\s*<td>(\d+)</td>', page)
    return int(found.group(1))


def token_of(response) -> str:
    return unquote(re.search(r"token=([^&]+)", response["Location"]).group(1))


def test_a_coordinator_finds_the_import_in_the_network_menu(coordinator_client):
    response = coordinator_client.get("/admin/")

    assert response.status_code == 200
    assert UPLOAD in response.content.decode()


def test_upload_preview_confirm_imports_the_file(coordinator_client, coordinator):
    response = upload(coordinator_client, xlsx_bytes([HEADERS, *ROWS]), "soci.xlsx")
    assert response.status_code == 302

    preview = coordinator_client.get(response["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    assert new_members(page) == 2
    assert "Famiglia Rossi" in page
    assert Member.objects.count() == 0

    token = token_of(response)
    done = coordinator_client.post(f"{UPLOAD}conferma/", {"token": token}, follow=True)

    assert Member.objects.count() == 2
    assert "Import done." in done.content.decode()
    assert Member.objects.get(name="Bianchi Srl").history.get().history_user == (
        coordinator
    )


def test_the_preview_lists_every_problem_by_row_and_column(coordinator_client):
    rows = [ROWS[0][:2] + ["Pisa"] + ROWS[0][3:], ROWS[1][:4] + ["00378210463", ""]]
    response = upload(coordinator_client, csv_bytes([HEADERS, *rows]))

    page = coordinator_client.get(response["Location"]).content.decode()

    assert "2 problems to fix" in page
    assert re.search(r"<td>2</td>\s*<td>Comune</td>\s*<td>“Pisa” is not a comune", page)
    assert re.search(r"<td>3</td>\s*<td>Partita IVA</td>", page)
    assert "conferma/" not in page  # no way to confirm a file with problems


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(coordinator_client):
    response = upload(coordinator_client, b"%PDF-1.7\n\x00\x01binary", "soci.pdf")

    page = coordinator_client.get(response["Location"]).content.decode()

    assert "not a spreadsheet we can read" in page


def test_a_file_already_imported_offers_nothing_to_confirm(coordinator_client):
    content = csv_bytes([HEADERS, *ROWS])
    coordinator_client.post(
        f"{UPLOAD}conferma/", {"token": token_of(upload(coordinator_client, content))}
    )

    page = coordinator_client.get(upload(coordinator_client, content)["Location"])

    assert "importing it would change nothing" in page.content.decode()


def test_confirm_checks_again_and_writes_nothing_if_the_data_changed(
    coordinator_client,
):
    token = token_of(upload(coordinator_client, csv_bytes([HEADERS, *ROWS])))
    # Meanwhile someone records the two codes on two different members.
    OrganisationFactory(name="Uno", codice_fiscale="00000010462")
    OrganisationFactory(name="Due", kind="business", partita_iva="00378210462")

    response = coordinator_client.post(f"{UPLOAD}conferma/", {"token": token})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "This partita IVA belongs to “Due”" in page
    assert Member.objects.count() == 2


def test_a_token_is_good_only_for_the_user_it_was_given_to(coordinator_client, client):
    token = token_of(upload(coordinator_client, csv_bytes([HEADERS, *ROWS])))
    other = UserFactory(username="bruno@example.org", is_superuser=True)
    pass_mfa(client, in_english(other))

    assert client.get(f"{UPLOAD}anteprima/?token={token}").status_code == 404
    assert client.post(f"{UPLOAD}conferma/", {"token": token}).status_code == 404


def test_a_forged_token_cannot_reach_a_server_path(coordinator_client, coordinator):
    forged = signing.dumps({"k": "../../settings", "u": coordinator.pk}, salt="x")
    response = coordinator_client.get(f"{UPLOAD}anteprima/?token={forged}")
    assert response.status_code == 404
    assert coordinator_client.get(f"{UPLOAD}anteprima/?token=abc").status_code == 404


def test_people_without_the_add_member_permission_are_turned_away(client):
    editor = UserFactory(username="erica@example.org")
    editor.groups.add(Group.objects.get(name=GROUP_NAMES[CMS_EDITOR]))
    log_in(client, in_english(editor))

    for response in (
        client.get(UPLOAD),
        upload(client, csv_bytes([HEADERS, *ROWS])),
        client.get(f"{UPLOAD}modello.xlsx"),
    ):
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
    assert UPLOAD not in client.get("/admin/").content.decode()
    assert Member.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(UPLOAD)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_template_downloads_as_a_workbook(coordinator_client):
    response = coordinator_client.get(f"{UPLOAD}modello.xlsx")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.worksheets[0]["A1"].value == "Tipo"


def test_the_preview_costs_the_same_few_queries_whatever_the_file_size(
    coordinator_client, django_assert_max_num_queries
):
    rows = [
        ["famiglia", f"Famiglia {n}", "Lucca", "", "", f"f{n}@example.org"]
        for n in range(300)
    ]
    location = upload(coordinator_client, csv_bytes([HEADERS, *rows]))["Location"]

    # The library wraps each stage in a savepoint: a few more, as few for 30 rows.
    with django_assert_max_num_queries(25):
        response = coordinator_client.get(location)

    assert new_members(response.content.decode()) == 300
