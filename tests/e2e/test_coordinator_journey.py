"""Journey 2: the coordinator logs in with two factors, imports a spreadsheet,
invites a legal representative and grants a network role."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from crm.models import (
    Affiliation,
    AffiliationRole,
    Invitation,
    Member,
    MemberKind,
    Person,
    Role,
    RoleAssignment,
)
from tests.e2e.conftest import off_loop, totp_code
from tests.factories import csv_bytes

COORDINATOR = "coordinatrice@luccainfamiglia.example"

# What an office exports from Excel as “CSV (separato dal punto e virgola)”:
# UTF-8 with a BOM, `;` between cells, CRLF, accented letters.
HEADERS = [
    "Tipo",
    "Nome",
    "Comune",
    "Indirizzo",
    "CAP",
    "E-mail",
    "Telefono",
    "Referente nome",
    "Referente cognome",
    "Referente e-mail",
    "Ruolo referente",
]
ROWS = [
    ["Ente del terzo settore", "Associazione Il Ponte ODV", "Capannori",
     "Via della Chiesa 12", "55012", "info@ilponte-odv.example", "0583 935123",
     "Marta", "Nicolò", "marta.nicolo@ilponte-odv.example",
     "Legale rappresentante"],
    ["Ente del terzo settore", "Associazione Il Ponte ODV", "Capannori",
     "Via della Chiesa 12", "55012", "info@ilponte-odv.example", "0583 935123",
     "Andrea", "Bàrsanti", "andrea.barsanti@ilponte-odv.example", "Referente"],
    ["Impresa", "Falegnameria Fratelli Pucci", "Porcari", "Via Romana Est 40",
     "55016", "ufficio@falegnameriapucci.example", "0583 211876",
     "Sauro", "Pucci", "sauro.pucci@falegnameriapucci.example",
     "Legale rappresentante"],
    ["Famiglia", "Famiglia Guidi", "Lucca", "", "", "", "",
     "Cinzia", "Guidi", "cinzia.guidi@example.net", "Genitore"],
]  # fmt: skip
NEW_NAMES = {row[1] for row in ROWS}


def test_coordinator_imports_invites_and_grants_a_role(
    browser, demo, mailoutbox, tmp_path
):
    page = browser.new_page()

    # Password first, then the code of the authenticator app.
    browser.login(page, COORDINATOR, next_url="/admin/")
    page.wait_for_url(re.compile(r"/2fa/authenticate/"))
    assert page.get_by_role("heading", name="Autenticazione a due fattori").is_visible()
    browser.shot(page, "second-factor")
    code = off_loop(totp_code, COORDINATOR)
    page.locator("input[name=code]").fill(code)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    browser.shot(page, "admin-home")

    # The import: the file an office would produce, written to disk.
    path = tmp_path / "nuovi soci ottobre.csv"
    path.write_bytes(csv_bytes([HEADERS, *ROWS]))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    page.get_by_role("button", name="Rete").click()
    page.get_by_role("link", name="Importa soggetti aderenti").click()
    page.wait_for_url(re.compile(r"/admin/rete/importa/$"))
    expect(
        page.get_by_role("heading", name="Importa soggetti aderenti").last
    ).to_be_visible()
    browser.shot(page, "import-upload")
    page.get_by_label("Foglio di calcolo").set_input_files(str(path))
    page.get_by_role("button", name="Controlla il file").click()
    page.wait_for_url(re.compile(r"/admin/rete/importa/anteprima/"))

    summary = page.locator("table", has=page.locator("caption"))
    members_row = summary.get_by_role("row", name=re.compile("^Soggetti aderenti"))
    assert members_row.locator("td").first.inner_text().strip() == "3"
    for name in NEW_NAMES:
        assert page.get_by_role("cell", name=name, exact=True).is_visible()
    assert not Member.objects.filter(name__in=NEW_NAMES).exists()  # a dry run
    browser.shot(page, "import-preview")

    page.get_by_role("button", name="Importa", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/(?!rete/importa/anteprima)"))
    assert page.get_by_text("Importazione completata").first.is_visible()
    browser.shot(page, "import-done")

    imported = {m.name: m for m in Member.objects.filter(name__in=NEW_NAMES)}
    assert set(imported) == NEW_NAMES
    ponte = imported["Associazione Il Ponte ODV"]
    assert ponte.kind == MemberKind.THIRD_SECTOR
    assert ponte.municipality.name == "Capannori"
    assert ponte.phone == "+390583935123"
    marta = Person.objects.get(email="marta.nicolo@ilponte-odv.example")
    assert marta.last_name == "Nicolò" and marta.user_id is None
    assert Affiliation.objects.filter(
        member=ponte, person=marta, role=AffiliationRole.LEGAL_REPRESENTATIVE
    ).exists()
    assert Affiliation.objects.filter(
        member=ponte,
        person__last_name="Bàrsanti",
        role=AffiliationRole.CONTACT,
    ).exists()

    # The imported legal representative gets a login by invitation.
    page.get_by_role("button", name="Accessi e ruoli").click()
    page.get_by_role("link", name="Inviti").click()
    page.wait_for_url(re.compile(r"/admin/accessi/inviti/$"))
    browser.shot(page, "invitations")
    page.get_by_role("link", name="Aggiungi invito").first.click()
    page.wait_for_url(re.compile(r"/admin/accessi/inviti/new/$"))
    expect(page.get_by_role("heading", name="Invia un invito").last).to_be_visible()
    page.get_by_label("Email").fill("marta.nicolo@ilponte-odv.example")
    page.get_by_label("Ruolo").select_option(label="Legale rappresentante")
    page.get_by_label("Famiglia o organizzazione").select_option(
        label="Associazione Il Ponte ODV"
    )
    browser.shot(page, "invitation-form")
    page.get_by_role("button", name="Invia l'invito").click()
    page.wait_for_url(re.compile(r"/admin/accessi/inviti/$"))
    assert page.get_by_text(
        "Invito inviato a marta.nicolo@ilponte-odv.example"
    ).is_visible()
    assert page.get_by_role("cell", name="Associazione Il Ponte ODV").first.is_visible()
    browser.shot(page, "invitation-sent")

    invitation = Invitation.objects.get(email="marta.nicolo@ilponte-odv.example")
    assert invitation.role == Role.LEGAL_REPRESENTATIVE
    assert invitation.member == ponte
    assert invitation.person == marta
    assert invitation.status == "pending"
    (message,) = [m for m in mailoutbox if m.to == [invitation.email]]
    link = re.search(r"https?://\S+/invito/\S+/", message.body)
    assert link and link.group(0).startswith(browser.base_url), message.body

    # A demo guardian becomes a facilitator of the network.
    page.get_by_role("button", name="Accessi e ruoli").click()
    page.get_by_role("link", name="Ruoli", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/accessi/ruoli/$"))
    page.get_by_role("link", name="Aggiungi assegnazione di ruolo").first.click()
    page.wait_for_url(re.compile(r"/admin/accessi/ruoli/new/$"))
    expect(page.get_by_role("heading", name="Assegna un ruolo").last).to_be_visible()
    page.get_by_label("Email di accesso della persona").fill("elena.rossi@example.org")
    page.get_by_label("Ruolo").select_option(label="Facilitatore")
    page.get_by_label("Motivo").fill("Facilita il tavolo sui trasporti")
    browser.shot(page, "role-form")
    page.get_by_role("button", name="Assegna il ruolo").click()
    page.wait_for_url(re.compile(r"/admin/accessi/ruoli/"))
    assert page.get_by_text("Ruolo assegnato").first.is_visible()
    browser.shot(page, "role-granted")

    elena = get_user_model().objects.get(email="elena.rossi@example.org")
    assignment = RoleAssignment.objects.active().get(user=elena, role=Role.FACILITATOR)
    assert assignment.member is None
    assert assignment.granted_by.email == COORDINATOR
    assert assignment.reason == "Facilita il tavolo sui trasporti"
    assert elena.groups.filter(name="Facilitatori").exists()
