"""The services directory in a browser: a family searches on a phone and on a
desktop (with the map, Leaflet served by the site under the site's CSP), opens
a service, asks it for information; an organisation updates its places and
hours; the coverage pages. Every page is photographed and passes axe-core."""

import re

from crm.models import InformationRequest, Service


def _visit(browser, page, path, name):
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    assert page.locator("main").count() == 1
    assert page.get_by_role("heading", level=1).count() == 1, path
    browser.shot(page, name)
    browser.axe(page, name)


def test_a_family_finds_a_service_on_a_phone_and_asks_for_information(
    browser, demo, site, settings
):
    # A tile server of our own: every tile is the same small picture, so the
    # map draws without reaching outside (the CSP would refuse it anyway).
    settings.MAP_TILE_URL = f"{site}/static/img/favicon.svg"
    phone = browser.new_page(phone=True)
    _visit(browser, phone, "/servizi/", "directory on a phone")
    phone.get_by_label("Comune").select_option(label="Porcari")
    phone.get_by_label("Anche i comuni vicini").check(
        force=True
    )  # Bootstrap Italia's label covers the box
    phone.get_by_label("Età del bambino").select_option(label="2 anni")
    phone.get_by_role("button", name="Cerca", exact=True).click()
    phone.wait_for_url(re.compile(r"comune="))
    assert phone.locator(".service-card").count() >= 2
    assert phone.locator("#service-map .leaflet-interactive").count() >= 2
    browser.shot(phone, "directory filtered on a phone")
    browser.axe(phone, "directory filtered on a phone")

    # Tuesday at 17:30 (the next Tuesday of the school year).
    phone.goto("/servizi/")
    phone.get_by_label("Giorno").select_option(label="martedì")
    phone.get_by_label("Ora", exact=True).fill("17:30")
    phone.get_by_role("button", name="Cerca", exact=True).click()
    phone.wait_for_url(re.compile(r"ora=17"))
    browser.shot(phone, "directory tuesday 17:30")
    browser.axe(phone, "directory tuesday 17:30")

    # A malformed time is named, the page stays whole.
    phone.goto("/servizi/?ora=25:70")
    assert phone.get_by_text("Ora: scrivila come ore e minuti").is_visible()
    browser.shot(phone, "directory bad time")
    browser.axe(phone, "directory bad time")

    nido = Service.objects.get(name="Nido comunale Il Pettirosso")
    _visit(browser, phone, f"/servizi/{nido.pk}/", "service page on a phone")
    assert phone.get_by_role("heading", name="Quando è aperto").is_visible()

    desktop = browser.new_page()
    _visit(browser, desktop, "/servizi/", "directory on a desktop")
    _visit(browser, desktop, f"/servizi/{nido.pk}/", "service page on a desktop")
    _visit(browser, desktop, "/servizi/copertura/", "public coverage")

    # Giulia Bianchi (Lucca, a child of about two) asks a service.
    browser.login(desktop, "giulia.bianchi@example.org")
    desktop.wait_for_url("**/area-riservata/")
    family = desktop.get_by_role("link", name=re.compile("Famiglia Bianchi")).first
    family.click()
    desktop.get_by_role("link", name="Servizi per noi").click()
    desktop.wait_for_url("**/servizi-per-noi/")
    browser.shot(desktop, "services for us")
    browser.axe(desktop, "services for us")
    desktop.locator(".service-card a").first.click()
    desktop.wait_for_url(re.compile(r"/servizi/\d+/$"))
    desktop.get_by_label("La tua domanda").fill("Ci sono posti da gennaio?")
    desktop.get_by_role("button", name="Invia la richiesta").click()
    desktop.wait_for_load_state()
    assert desktop.get_by_text("può risponderti solo se acconsenti").is_visible()
    assert not InformationRequest.objects.exists()
    desktop.get_by_label("La tua domanda").fill("Ci sono posti da gennaio?")
    desktop.get_by_label(re.compile("Acconsento a che il mio nome")).check(force=True)
    desktop.get_by_role("button", name="Invia la richiesta").click()
    desktop.wait_for_load_state()
    assert desktop.get_by_text("La tua richiesta è stata inviata").is_visible()
    browser.shot(desktop, "information request sent")
    browser.axe(desktop, "information request sent")
    assert InformationRequest.objects.count() == 1


def test_an_organisation_updates_its_places_and_hours_on_a_phone(browser, demo):
    phone = browser.new_page(phone=True)
    browser.login(phone, "lucia.baroni@example.org")
    phone.wait_for_url("**/area-riservata/")
    phone.goto("/area-riservata/")
    org = Service.objects.filter(member__name="Associazione Genitori Insieme APS")
    member_pk = org.first().member_id
    _visit(
        browser, phone, f"/area-riservata/soggetti/{member_pk}/servizi/", "our services"
    )
    service = org.get(name="Doposcuola dei Genitori Insieme")
    page_url = f"/area-riservata/soggetti/{member_pk}/servizi/{service.pk}/"
    _visit(browser, phone, page_url, "service edit on a phone")
    before = service.places_free
    phone.get_by_role("button", name="Un posto occupato").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("I posti sono stati aggiornati.").is_visible()
    service.refresh_from_db()
    assert service.places_free == before - 1
    browser.shot(phone, "places updated")

    period = service.periods.first()
    _visit(browser, phone, page_url + f"periodi/{period.pk}/", "period on a phone")
    phone.get_by_label("martedì, fascia 1: alle").fill("12:00")
    phone.get_by_label("martedì, fascia 1: dalle").fill("14:30")
    phone.get_by_role("button", name="Salva").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("Martedì, fascia 1: l'orario di chiusura").is_visible()
    browser.shot(phone, "period with an error")
    browser.axe(phone, "period with an error")
