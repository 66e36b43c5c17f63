"""Journey 1: a visitor reads the programme and registers for an event."""

import email

import icalendar

from cms.models import EventPage, Registration, RegistrationStatus
from crm.models import Person


def test_visitor_reads_the_programme_and_registers(browser, demo, mailoutbox):
    page = browser.new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "it"
    browser.shot(page, "home")
    browser.axe(page, "home")

    page.get_by_role("link", name="Programma").first.click()
    page.wait_for_url("**/programma/")
    assert page.get_by_role("heading", level=1).inner_text().strip()
    browser.shot(page, "programme")
    browser.axe(page, "programme")

    page.get_by_role("link", name="Webinar: un anno di rete").first.click()
    page.wait_for_url("**/webinar-conciliazione-2027/")
    event = EventPage.objects.get(slug="webinar-conciliazione-2027")
    assert event.title in page.get_by_role("heading", level=1).inner_text()
    browser.shot(page, "event")
    browser.axe(page, "event")

    # A first try without accepting the privacy notice is refused, in Italian,
    # with nothing saved and what was typed kept.
    form = page.locator("form#registration-form, form:has(input[name=email])").first
    form.locator("input[name=first_name]").fill("Marta")
    form.locator("input[name=last_name]").fill("Giannini")
    form.locator("input[name=email]").fill("marta.giannini@example.net")
    form.locator("input[name=phone]").fill("333 123 4567")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_text("Devi accettare l'informativa").first.is_visible()
    assert not Registration.objects.filter(
        person__email__iexact="marta.giannini@example.net"
    ).exists()
    browser.shot(page, "event-form-error")
    browser.axe(page, "event form with errors")

    form = page.locator("form:has(input[name=email])").first
    assert form.locator("input[name=first_name]").input_value() == "Marta"
    form.locator("label[for=id_consent_privacy]").click()
    assert form.locator("input[name=consent_privacy]").is_checked()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    browser.shot(page, "registered")
    browser.axe(page, "registration confirmed")

    registration = Registration.objects.get(
        event=event, person__email__iexact="marta.giannini@example.net"
    )
    assert registration.status == RegistrationStatus.CONFIRMED
    person = Person.objects.get(email__iexact="marta.giannini@example.net")
    assert person.phone.startswith("+39")

    # The confirmation email carries a calendar file the phone can open.
    (message,) = [m for m in mailoutbox if "marta.giannini@example.net" in m.to]
    parsed = email.message_from_bytes(message.message().as_bytes())
    ics = [
        part
        for part in parsed.walk()
        if part.get_content_type() == "text/calendar"
        and (part.get_filename() or "").endswith(".ics")
    ]
    assert ics, "the confirmation has no .ics"
    calendar = icalendar.Calendar.from_ical(ics[0].get_payload(decode=True))
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent.decoded("DTSTART") == event.start
    assert vevent.decoded("DTEND") == event.end
    assert str(vevent.get("URL", "")) == browser.base_url + event.url or (
        event.url in str(vevent.get("DESCRIPTION", ""))
    )
