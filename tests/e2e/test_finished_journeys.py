"""Journeys that would have caught what a walk through the whole product found
(issue 14): pages nobody could reach, English labels and internal values on
Italian pages, pages wider than a phone, verdicts without their frame, each
persona landing away from their work, a signature page that hid its code field.

Every page named here is visited at 1366 px and at 390 px, photographed, and
checked (tests/e2e/checks.py).
"""

import re

from playwright.sync_api import expect

from crm.models import Member
from pact.models import Adhesion, AdhesionStatus, PactVersion
from tests.e2e.checks import (
    assert_in_view,
    assert_no_horizontal_scroll,
    assert_plain_italian,
    assert_verdicts_framed,
)
from tests.e2e.conftest import LAPTOP, off_loop, totp_code

COORDINATOR = "coordinatrice@luccainfamiglia.example"
LIAISON = "referente@luccafamilynet.example"
FACILITATOR = "facilitatrice@luccainfamiglia.example"
FAMILY = "giulia.bianchi@example.org"
SIGNATORY = "giorgio.landucci@example.org"  # Il Girasole awaits his signature
CAPITALISED_DATE = re.compile(
    r"\b(Lunedì|Martedì|Mercoledì|Giovedì|Venerdì|Sabato|Domenica) \d|"
    r"\d (Gennaio|Febbraio|Marzo|Aprile|Maggio|Giugno|Luglio|Agosto|Settembre|"
    r"Ottobre|Novembre|Dicembre)\b"
)


def _both(browser):
    """A laptop and a phone, the two widths every page is looked at."""
    return [
        ("1366", browser.new_page(viewport=LAPTOP)),
        ("390", browser.new_page(phone=True)),
    ]


def _look(browser, page, width, name, *, verdict=None, selector="main"):
    where = f"{name} at {width} px"
    browser.shot(page, f"{name}-{width}")
    assert_no_horizontal_scroll(page, where)
    assert_plain_italian(page, where, selector=selector)
    assert_verdicts_framed(page, where, expected=verdict)


def _login(browser, page, email, *, second_factor=False):
    browser.login(page, email)
    if second_factor:
        page.wait_for_url("**/account/2fa/authenticate/**")
        page.locator("input[name=code]").fill(off_loop(totp_code, email))
        page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()


def test_a_visitor_reaches_every_public_page_in_plain_italian(browser, demo):
    pages = [
        ("home", "/"),
        ("programme", "/programma/"),
        ("event-without-agenda", "/programma/assemblea-della-rete-2027/"),
        ("event-with-agenda", "/programma/webinar-conciliazione-2027/"),
        ("network", "/la-rete/"),
        ("pact", "/patto/"),
        ("verification", "/verifica/"),
        ("search", "/cerca/?q=famiglie"),
    ]
    for width, page in _both(browser):
        for name, path in pages:
            page.goto(path)
            _look(browser, page, width, name)
            assert not CAPITALISED_DATE.search(page.inner_text("main")), (name, width)

        # The pact and the verification page are found from the home page by
        # following links, as a visitor does: they were orphans.
        page.goto("/")
        page.locator("main").get_by_role("link", name="Leggi il patto").click()
        page.wait_for_url("**/patto/**")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Patto")
        page.locator("main").get_by_role(
            "link", name="Verifica un patto firmato"
        ).click()
        page.wait_for_url("**/verifica/")
        page.goto("/")
        footer = page.locator("footer")
        expect(
            footer.get_by_role("link", name="Verifica un patto firmato")
        ).to_be_visible()
        expect(
            footer.get_by_role("link", name=re.compile("Leggi il patto"))
        ).to_be_visible()

        # A code that is not in the register: an unmistakable verdict.
        page.goto("/verifica/")
        page.get_by_label("Codice di verifica").fill("LIF-AAAA-BBBB")
        page.get_by_role("button", name="Verifica", exact=True).click()
        page.wait_for_url("**/verifica/LIF-AAAA-BBBB/")
        _look(browser, page, width, "verification-not-found", verdict="danger")

    # On a phone the search is in the header; on an event without agenda the
    # Taking part box stands beside the event's details, not beside nothing.
    phone = browser.new_page(phone=True)
    phone.goto("/")
    phone.locator("header .it-search-wrapper a").click()
    phone.wait_for_url("**/cerca/")
    laptop = browser.new_page(viewport=LAPTOP)
    laptop.goto("/programma/assemblea-della-rete-2027/")
    header = laptop.locator("article header").bounding_box()
    aside = laptop.locator("article aside").bounding_box()
    assert abs(aside["y"] - header["y"]) < 40 and aside["x"] > header["x"]


def test_a_family_reads_its_data_and_a_representative_signs_with_clear_moments(
    browser, demo, mailoutbox
):
    family = Member.objects.get(name="Famiglia Bianchi")
    for width, page in _both(browser):
        _login(browser, page, FAMILY)
        page.wait_for_url("**/area-riservata/")
        _look(browser, page, width, "member-area")
        if width == "390":
            # The area's menu folds behind one button: the content comes first.
            expect(
                page.get_by_role("button", name="Menu dell'area riservata")
            ).to_be_visible()
            assert page.locator("main h1").bounding_box()["y"] < 400
        page.goto("/area-riservata/i-miei-dati/riepilogo/")
        _look(browser, page, width, "my-data")
        text = page.inner_text("main")
        assert not re.search(r"\d{4}-\d{2}-\d{2}T?\d", text), "ISO timestamps"
        page.goto("/account/email/")
        _look(browser, page, width, "login-and-security")
        expect(page.locator("#area-nav-links")).to_be_attached()
        page.goto(f"/area-riservata/soggetti/{family.pk}/modifica/")
        _look(browser, page, width, "member-edit")
        chevrons = page.evaluate(
            "Array.from(document.querySelectorAll('main select'))"
            ".map(s => getComputedStyle(s).backgroundImage)"
        )
        assert chevrons and set(chevrons) == {"none"}, chevrons

    adhesion = Adhesion.objects.get(
        member__name="Cooperativa Sociale Il Girasole",
        status=AdhesionStatus.AWAITING_SIGNATURE,
    )
    detail = f"/area-riservata/patti/{adhesion.pk}/"
    signer = browser.new_page(viewport=LAPTOP)
    _login(browser, signer, SIGNATORY)
    signer.goto(detail)
    _look(browser, signer, "1366", "pact-to-sign")
    assert signer.inner_text("main").count("SHA-256") == 1, "one fingerprint"
    signer.get_by_role("button", name="Inviami il codice").click()
    signer.wait_for_url(re.compile(r"#firma-codice$"))
    # The code field is in view and focused, not 3,000 px down the pact's text.
    signer.wait_for_function("document.activeElement.id === 'id_code'")
    assert_in_view(signer, "#id_code", "code field after asking for it")
    _look(browser, signer, "1366", "code-sent")
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    signer.locator("#id_code").fill(code)
    signer.locator("label[for=id_confirm]").click()

    # Submitting shows that it is working (the page is held back to look).
    signer.evaluate("window.addEventListener('submit', e => e.preventDefault())")
    signer.get_by_role("button", name="Firma il patto").click()
    form = signer.locator("#firma-codice")
    expect(form).to_have_attribute("aria-busy", "true")
    expect(form.locator("button.is-busy")).to_contain_text("Firma in corso")
    browser.shot(signer, "signing-working-1366")

    signer.reload()
    signer.locator("#id_code").fill(code)
    signer.locator("label[for=id_confirm]").click()
    signer.get_by_role("button", name="Firma il patto").click()
    signer.wait_for_url(re.compile(r"#esito$"))
    _look(browser, signer, "1366", "signed", verdict="success")
    expect(signer.locator(".verdict.success")).to_contain_text("Patto firmato")
    phone = browser.new_page(phone=True)
    _login(browser, phone, SIGNATORY)
    phone.goto(detail)
    _look(browser, phone, "390", "signed", verdict="success")


def test_each_persona_lands_where_their_work_is_and_reads_italian(browser, demo):
    page = browser.new_page(viewport=LAPTOP)
    _login(browser, page, FACILITATOR)
    page.wait_for_url("**/facilitazione/")
    _look(browser, page, "1366", "facilitator-tables")
    others = page.get_by_role("navigation", name="Le tue altre aree")
    expect(others.get_by_role("link", name="La mia area")).to_be_visible()
    open_table = page.locator("a.table-card", has_not=page.get_by_text("chiuso"))
    assert open_table.count() >= 1, "the facilitator has a table open"
    open_table.first.click()
    expect(page.get_by_role("button", name="Salva il contributo")).to_be_visible()
    phone = browser.new_page(phone=True)
    _login(browser, phone, FACILITATOR)
    phone.wait_for_url("**/facilitazione/")
    _look(browser, phone, "390", "facilitator-tables")

    liaison = browser.new_page(viewport=LAPTOP)
    _login(browser, liaison, LIAISON, second_factor=True)
    liaison.wait_for_url("**/area-riservata/consegne/")
    _look(browser, liaison, "1366", "liaison-handovers")

    coordinator = browser.new_page(viewport=LAPTOP)
    _login(browser, coordinator, COORDINATOR, second_factor=True)
    coordinator.wait_for_url(re.compile(r"/admin/$"))
    browser.shot(coordinator, "admin-home-1366")
    assert "Wagtail" not in coordinator.title()
    assert coordinator.locator("img.lif-admin-logo").count() == 1

    first, second = PactVersion.objects.order_by("number")[:2]
    family = Member.objects.get(name="Famiglia Bianchi")
    signed = Adhesion.objects.filter(status=AdhesionStatus.SIGNED).first()
    admin_pages = [
        ("admin-municipalities", "/admin/rete/comuni/"),
        ("admin-people", "/admin/rete/persone/"),
        ("admin-compare", f"/admin/pact/versions/{first.pk}/compare/"),
        ("admin-version-open", f"/admin/pact/versions/edit/{first.pk}/"),
        ("admin-member-story", f"/admin/rete/soggetti/inspect/{family.pk}/"),
        ("admin-adhesion", f"/admin/pact/adhesions/inspect/{signed.pk}/"),
    ]
    phone = browser.new_page(phone=True)
    _login(browser, phone, COORDINATOR, second_factor=True)
    for name, path in admin_pages:
        for width, each in (("1366", coordinator), ("390", phone)):
            each.goto(path)
            browser.shot(each, f"{name}-{width}")
            assert_plain_italian(each, f"{name} at {width} px", selector="#main")
    coordinator.goto(f"/admin/pact/versions/{first.pk}/compare/")
    text = coordinator.inner_text("#main")
    assert "non ha altre versioni" not in text
    assert f"versione {second.number}" in text.lower()
    assert re.search(r"AGGIUNTO NELLA VERSIONE 2|aggiunto nella versione 2", text)
    coordinator.goto(f"/admin/pact/versions/edit/{first.pk}/")
    coordinator.wait_for_url(re.compile(rf"/admin/pact/versions/{first.pk}/$"))
    expect(coordinator.get_by_text("Cosa puoi ancora fare")).to_be_visible()
    assert coordinator.locator("#main form").count() == 0
