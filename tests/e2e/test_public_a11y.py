"""The public pages journey 1 does not walk through: each one is screenshot and
passes axe-core (no serious or critical WCAG 2.1 AA violation)."""

from pact.models import Adhesion, AdhesionStatus, Pact


def _visit(browser, page, path, name, *, status=200):
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.locator("main").count() == 1, f"{path} has no single <main>"
    assert page.get_by_role("heading", level=1).count() == 1, f"{path}: one <h1>"
    browser.shot(page, name)
    browser.axe(page, name)


def test_public_pages_are_accessible(browser, demo):
    signed = (
        Adhesion.objects.filter(status=AdhesionStatus.SIGNED)
        .exclude(short_code="")
        .first()
    )
    pact = Pact.objects.get()
    page = browser.new_page()

    # Verification: the form, a code typed by hand, a code nobody issued, and a
    # malformed one.
    _visit(browser, page, "/verifica/", "verify")
    page.get_by_label("Codice di verifica").fill(signed.short_code.lower())
    page.get_by_role("button", name="Verifica", exact=True).click()
    page.wait_for_url(f"**/verifica/{signed.short_code}/")
    assert page.get_by_text(
        f"Un patto con il codice {signed.short_code} è presente nel registro"
    ).is_visible()
    browser.shot(page, "verify code found")
    browser.axe(page, "verify code found")

    _visit(
        browser, page, "/verifica/LIF-2222-3333/", "verify code not found", status=404
    )
    assert page.get_by_text(
        "Nessun patto firmato ha il codice LIF-2222-3333"
    ).is_visible()

    page.get_by_label("Codice di verifica").fill("???")
    page.get_by_role("button", name="Verifica", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#code-error").is_visible()
    browser.shot(page, "verify code malformed")
    browser.axe(page, "verify code malformed")

    # The pact in force, with its adherents, reached from the pact index.
    page.goto("/patto/")
    page.wait_for_url(f"**/patto/{pact.slug}/")
    assert pact.title in page.get_by_role("heading", level=1).inner_text()
    browser.shot(page, "pact in force")
    browser.axe(page, "pact in force")

    # Search, news, the privacy notice, a standard page.
    _visit(browser, page, "/cerca/?q=famiglie", "search")
    results = page.locator("main")
    assert (
        "risultati per “famiglie”"
        in results.get_by_role("heading", level=2).first.inner_text()
    )
    assert results.get_by_role("link", name="La rete", exact=True).is_visible()
    _visit(browser, page, "/cerca/?q=zzzqqq", "search nothing found")
    _visit(browser, page, "/notizie/", "news index")
    page.get_by_role("link", name="Nasce la rete Lucca In famiglia").first.click()
    page.wait_for_url("**/notizie/nasce-la-rete/")
    browser.shot(page, "news page")
    browser.axe(page, "news page")
    _visit(browser, page, "/privacy/", "privacy notice")
    _visit(browser, page, "/la-rete/", "standard page")
    _visit(browser, page, "/contatti/", "contacts page")

    # Accounts: login (and a failed attempt), signup, password reset.
    _visit(browser, page, "/account/login/", "login")
    page.fill("input[name=login]", "nessuno@example.org")
    page.fill("input[name=password]", "sbagliata")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("main .alert, main [role=alert]").first.is_visible()
    browser.shot(page, "login error")
    browser.axe(page, "login error")
    _visit(browser, page, "/account/signup/", "signup")
    page.get_by_role("button", name="Registrati").click()
    page.wait_for_load_state()
    browser.shot(page, "signup errors")
    browser.axe(page, "signup errors")
    _visit(browser, page, "/account/password/reset/", "password reset")
    page.fill("input[name=email]", "giulia.bianchi@example.org")
    page.click("main button[type=submit]")
    page.wait_for_url("**/account/password/reset/done/")
    browser.shot(page, "password reset sent")
    browser.axe(page, "password reset sent")

    # A page that does not exist.
    _visit(browser, page, "/non-esiste/", "not found", status=404)

    # The home page on a phone.
    phone = browser.new_page(phone=True)
    _visit(browser, phone, "/", "home on a phone")
    _visit(browser, phone, f"/patto/{pact.slug}/", "pact on a phone")
    _visit(browser, phone, "/verifica/", "verify on a phone")
