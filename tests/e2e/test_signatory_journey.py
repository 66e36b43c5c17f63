"""Journey 3: a legal representative accepts the invitation, signs the adhesion
with the emailed code, downloads the signed PDF, and its QR code leads to a
verification page that says it is genuine."""

import re

import pypdfium2
import zxingcpp
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from crm import permissions
from crm.models import Member, Role
from pact.models import Adhesion, AdhesionStatus, SignatureMethod
from tests.e2e.conftest import off_loop

COORDINATOR = "coordinatrice@luccainfamiglia.example"
ORGANISATION = "Cooperativa Sociale Il Girasole"  # awaiting signature in the demo
SIGNATORY = "serena.giusti@ilgirasole.example"
PASSWORD = "Girasole-2027-firma"


def qr_urls(pdf_path) -> list[str]:
    """Every QR code printed on the PDF's pages, read as a phone would."""
    found = []
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        for page in document:
            image = page.render(scale=3).to_pil()
            found += [
                r.text
                for r in zxingcpp.read_barcodes(image)
                if r.format == zxingcpp.BarcodeFormat.QRCode
            ]
    finally:
        document.close()
    return found


def test_legal_representative_accepts_signs_and_verifies(
    browser, demo, mailoutbox, tmp_path
):
    member = Member.objects.get(name=ORGANISATION)
    adhesion = Adhesion.objects.get(
        member=member, status=AdhesionStatus.AWAITING_SIGNATURE
    )
    coordinator = get_user_model().objects.get(email=COORDINATOR)
    # The coordinator invites the cooperative's new legal representative, as
    # the admin's invitation page does.
    off_loop(
        permissions.invitation_create,
        email=SIGNATORY,
        first_name="Serena",
        last_name="Giusti",
        role=Role.LEGAL_REPRESENTATIVE,
        member=member,
        by=coordinator,
    )
    (invitation_mail,) = [m for m in mailoutbox if m.to == [SIGNATORY]]
    link = re.search(r"https?://\S+/invito/\S+/", invitation_mail.body).group(0)
    assert link.startswith(browser.base_url)

    # She opens the link, chooses a password and lands in the member area.
    page = browser.new_page()
    page.goto(link)
    expect(page.get_by_text("Serena Giusti")).to_be_visible()
    expect(page.get_by_text(ORGANISATION)).to_be_visible()
    browser.shot(page, "invitation")
    browser.axe(page, "invitation")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Salva la password ed entra").click()
    page.wait_for_url(f"**/area-riservata/soggetti/{member.pk}/")
    expect(page.get_by_text("Ti diamo il benvenuto")).to_be_visible()
    browser.shot(page, "member-area")

    # The pact to sign.
    page.get_by_role("link", name="I miei patti").click()
    page.wait_for_url("**/area-riservata/patti/")
    browser.shot(page, "my-pacts")
    browser.axe(page, "my pacts")
    page.get_by_role("main").get_by_role("link", name=ORGANISATION, exact=True).click()
    page.wait_for_url(f"**/area-riservata/patti/{adhesion.pk}/")
    expect(page.get_by_text("In attesa di firma").first).to_be_visible()
    browser.shot(page, "pact-to-sign")
    browser.axe(page, "pact to sign")

    page.get_by_role("button", name="Inviami il codice").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Codice ricevuto via email", exact=True)).to_be_visible()
    (code_mail,) = [
        m for m in mailoutbox if m.to == [SIGNATORY] and m is not invitation_mail
    ]
    code = re.search(r"\b(\d{6})\b", code_mail.body).group(1)
    browser.shot(page, "code-sent")
    browser.axe(page, "pact with the code form")

    page.get_by_label("Codice ricevuto via email", exact=True).fill(code)
    page.locator("label[for=id_confirm]").click()
    assert page.locator("#id_confirm").is_checked()
    page.get_by_role("button", name="Firma il patto").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Firma completata")).to_be_visible()
    browser.shot(page, "signed")
    browser.axe(page, "signed pact")

    adhesion.refresh_from_db()
    assert adhesion.status == AdhesionStatus.SIGNED
    assert adhesion.signature_method == SignatureMethod.ONLINE
    assert adhesion.signatory.email == SIGNATORY
    assert adhesion.document

    # The signed PDF, as the browser saves it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il patto firmato (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"patto-{adhesion.short_code}-")
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    with adhesion.document.open("rb") as stored:
        assert pdf_path.read_bytes() == stored.read()

    # A phone reads the QR code and opens the verification page.
    urls = set(qr_urls(pdf_path))
    assert urls, "no QR code on the signed PDF"
    (url,) = urls
    assert url.startswith(browser.base_url) and adhesion.short_code in url
    check = browser.new_page()
    check.goto(url)
    status = check.get_by_role("status")
    expect(status).to_contain_text("Registrato")
    expect(status).to_contain_text("presente nel registro dei patti firmati")
    expect(status).to_contain_text(ORGANISATION)
    browser.shot(check, "verification-by-qr")
    browser.axe(check, "verification by QR code")

    # Uploading the very file confirms it byte for byte.
    check.get_by_label("Patto firmato (PDF)").set_input_files(str(pdf_path))
    check.get_by_role("button", name="Controlla il file").click()
    # Checked against the document of the code the page is about.
    check.wait_for_url(f"**/verifica/{adhesion.short_code}/")
    # The upload's verdict comes first (and takes the focus), then the code's.
    expect(check.locator("#upload-verdict")).to_contain_text(
        "Autentico: è questo documento"
    )
    expect(check.locator("main")).to_contain_text(ORGANISATION)
    browser.shot(check, "verification-by-upload")
    browser.axe(check, "verification by upload")
