"""The pages of issue 11, as their people see them at 1366 and 390 px: a
registration with a known email and its confirmation, a family that wanders
into the back office, the login email and second factor pages, and the
coordinator's page of second factors with its reset."""

import re

from django.contrib.auth import get_user_model

from cms.models import EventPage
from crm.demo import DEMO_TOTP_SECRET
from crm.models import SecondFactorReset
from tests.doors import next_period
from tests.e2e.conftest import off_loop, totp_code

WIDE = {"width": 1366, "height": 900}
KNOWN = "elena.rossi@example.org"  # a guardian of the demo network
COORDINATOR = "coordinatrice@luccainfamiglia.example"
LIAISON = "referente@luccafamilynet.example"


def both_widths(browser, page, name, *, axe=True):
    page.set_viewport_size(WIDE)
    browser.shot(page, name)
    if axe:
        browser.axe(page, name)
    page.set_viewport_size({"width": 390, "height": 844})
    browser.shot(page, name + "-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size(WIDE)


def test_a_registration_with_a_known_email_waits_for_its_mailbox(
    browser, demo, mailoutbox
):
    event = EventPage.objects.get(slug="webinar-conciliazione-2027")
    page = browser.new_page()
    page.goto(event.url)
    form = page.locator("form:has(input[name=email])").first
    form.locator("input[name=first_name]").fill("Qualcuno")
    form.locator("input[name=last_name]").fill("Altro")
    form.locator("input[name=email]").fill(KNOWN)
    form.locator("label[for=id_consent_privacy]").click()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/iscrizioni/ricevuta/" in page.url, page.url
    main = page.locator("main").inner_text()
    assert "Qualcuno" in main and "Rossi" not in main
    both_widths(browser, page, "registration-received")

    (message,) = [m for m in mailoutbox if m.to == [KNOWN]]
    link = re.search(r"https?://\S+(/iscrizioni/conferma/\S+/)", message.body)[1]
    page.goto(link)
    both_widths(browser, page, "registration-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="Conferma la mia iscrizione").click()
    assert "/iscrizioni/conferma/" not in page.url, page.url
    both_widths(browser, page, "registration-confirmed")


def test_a_family_in_the_back_office_and_its_login_pages(browser, demo):
    page = browser.new_page()
    browser.login(page, "giulia.bianchi@example.org")
    page.goto("/admin/")
    assert "/admin/login/" in page.url
    both_widths(browser, page, "no-back-office")

    page.goto("/account/2fa/")
    both_widths(browser, page, "second-factor-optional")
    page.goto("/account/email/")
    both_widths(browser, page, "login-email")
    # Changing it asks for the password first (this family has no app).
    page.fill("input[name=email]", "giulia.nuova@example.org")
    page.get_by_role("button", name="Invia il link al nuovo indirizzo").click()
    page.wait_for_url(re.compile(r"/account/reauthenticate/"))
    both_widths(browser, page, "confirm-with-password")
    page.fill("input[name=password]", "luccainfamiglia")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/account/email/$"))
    assert "giulia.nuova@example.org" in page.locator("main").inner_text()
    both_widths(browser, page, "login-email-changing")


def test_a_coordinator_replaces_an_app_and_resets_the_liaisons(browser, demo):
    page = browser.new_page()
    browser.login(page, COORDINATOR)
    page.locator("input[name=code]").fill(off_loop(totp_code, COORDINATOR))
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/area-riservata/|/admin/"))

    page.goto("/account/2fa/")
    both_widths(browser, page, "second-factor-required")
    assert page.get_by_role("link", name="Disattiva").count() == 0

    page.goto("/admin/accessi/secondo-fattore/")
    both_widths(browser, page, "admin-second-factors", axe=False)
    page.get_by_role("link", name=f"Azzera il secondo fattore di {LIAISON}").click()
    page.wait_for_url(re.compile(r"/admin/accessi/secondo-fattore/\d+/reset/"))
    both_widths(browser, page, "admin-second-factor-reset", axe=False)
    page.get_by_label("Perché").fill("Telefono perso, identità verificata")
    page.get_by_role("button", name="Azzera il secondo fattore").click()
    # The coordinator's own code first; then the reset goes through.
    page.wait_for_url(re.compile(r"/account/2fa/reauthenticate/"))
    both_widths(browser, page, "confirm-with-code")
    coordinator = get_user_model().objects.get(email=COORDINATOR)
    next_period(coordinator, DEMO_TOTP_SECRET)  # allauth refuses a code used twice
    page.locator("input[name=code]").fill(off_loop(totp_code, COORDINATOR))
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/accessi/secondo-fattore/$"))
    assert SecondFactorReset.objects.filter(email=LIAISON).exists()
    both_widths(browser, page, "admin-second-factor-done", axe=False)

    # Just confirmed with a code: replacing the app asks for none again.
    page.goto("/account/2fa/")
    page.get_by_role("link", name=re.compile("Sostituisci")).click()
    page.wait_for_url(re.compile(r"/account/2fa/totp/replace/"))
    both_widths(browser, page, "replace-the-app")
