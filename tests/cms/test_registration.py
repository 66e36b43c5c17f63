"""Registering for an event through the event page, as a visitor does."""

import re

import icalendar
import pytest
from django.core import mail
from django.urls import reverse

from cms import tokens
from cms.models import Registration, RegistrationStatus
from crm.models import (
    Affiliation,
    AffiliationRole,
    Consent,
    ConsentPurpose,
    Member,
    MemberKind,
    MemberSource,
    MemberStatus,
    Municipality,
    Person,
    Topic,
)
from tests.cms.conftest import registration_data
from tests.factories import OrganisationFactory, PersonFactory


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    def post(event, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(event.url, registration_data(**overrides))

    return post


def errors_of(response) -> str:
    return response.content.decode()


def test_a_family_registers_and_lands_in_the_crm_with_its_consents(event, register):
    lucca = Municipality.objects.get(name="Lucca")
    nido = Topic.objects.get(slug="nido")
    response = register(
        event,
        municipality=str(lucca.pk),
        needs=[str(nido.pk)],
        preferred_topics=[str(nido.pk)],
        childcare_children="2",
        childcare_ages="2, 5",
        accessibility_needs="Passeggino",
        consent_newsletter="on",
    )

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("cms:registration_received")
    assert tokens.manage_url(registration) in mail.outbox[-1].body
    person = Person.objects.get(email="giulia.bianchi@example.org")
    assert (person.first_name, person.last_name, person.phone) == (
        "Giulia",
        "Bianchi",
        "+393331234567",
    )
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.childcare_children == 2
    assert registration.childcare_ages == [2, 5]
    assert list(registration.preferred_topics.all()) == [nido]
    family = registration.member
    assert (family.kind, family.status, family.source) == (
        MemberKind.FAMILY,
        MemberStatus.PROSPECT,
        MemberSource.REGISTRATION,
    )
    assert family.municipality == lucca
    assert list(family.needs.all()) == [nido]
    assert Affiliation.objects.get(person=person).role == AffiliationRole.GUARDIAN
    consents = {c.purpose: c for c in Consent.objects.filter(person=person)}
    assert set(consents) == {ConsentPurpose.PRIVACY, ConsentPurpose.NEWSLETTER}
    assert consents[ConsentPurpose.PRIVACY].notice_version == "2026-1"


def test_the_confirmation_email_carries_a_calendar_entry_and_a_check_in_code(
    event, register
):
    register(event)

    [message] = mail.outbox
    assert message.to == ["giulia.bianchi@example.org"]
    assert event.title in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "cid:checkin-qr" in html
    registration = Registration.objects.get()
    assert tokens.manage_url(registration) in message.body
    ics = next(
        a for a in message.attachments if getattr(a, "filename", "") == "evento.ics"
    )
    calendar = icalendar.Calendar.from_ical(ics.content)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent.decoded("DTSTART") == event.start
    assert vevent.decoded("DTEND") == event.end
    assert "Casermetta San Paolino" in str(vevent["LOCATION"])
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Rome"
    qr = [a for a in message.attachments if not hasattr(a, "filename")]
    assert qr and qr[0].get_content_type() == "image/png"


def test_the_check_in_qr_code_in_the_email_decodes_to_the_check_in_page(
    event, register
):
    import io

    import zxingcpp
    from PIL import Image

    register(event)

    [message] = mail.outbox
    [png] = [a for a in message.attachments if not hasattr(a, "filename")]
    [code] = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png.get_payload(decode=True)))
    )
    registration = Registration.objects.get()
    assert code.text == "http://testserver" + tokens.check_in_url(registration)


def test_webinar_link_goes_only_to_registered_people(make_event, client, register):
    webinar = make_event(
        kind="webinar", venue=None, online_url="https://meet.example.org/segreto"
    )

    page = client.get(webinar.url)
    register(webinar)

    assert "meet.example.org/segreto" not in page.content.decode()
    assert "https://meet.example.org/segreto" in mail.outbox[0].body
    manage = client.get(tokens.manage_url(Registration.objects.get()))
    assert "https://meet.example.org/segreto" in manage.content.decode()


def confirm_link(message) -> str:
    return re.search(r"http://testserver(/iscrizioni/conferma/\S+/)", message.body)[1]


def test_a_known_person_is_matched_by_email_once_confirmed_not_duplicated(
    event, register, client, django_capture_on_commit_callbacks
):
    known = PersonFactory(email="giulia.bianchi@example.org", first_name="Giulia")

    register(event, email="Giulia.Bianchi@Example.org")
    assert not Registration.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_link(mail.outbox[-1]))

    assert Person.objects.count() == 1
    assert Registration.objects.get().person == known


def test_an_unknown_organisation_becomes_a_prospect_member_with_its_contact(
    event, register
):
    register(event, registrant_kind="third_sector", organisation_name="Il Girotondo")

    member = Member.objects.get(name="Il Girotondo")
    assert (member.kind, member.status) == ("third_sector", "prospect")
    affiliation = Affiliation.objects.get(member=member)
    assert affiliation.role == AffiliationRole.CONTACT


def test_a_known_organisation_is_linked_but_nobody_becomes_its_contact_by_saying_so(
    event, register
):
    known = OrganisationFactory(name="Il Girotondo")

    register(event, registrant_kind="third_sector", organisation_name="il girotondo")

    assert Registration.objects.get().member == known
    assert Member.objects.count() == 1
    assert not Affiliation.objects.filter(member=known).exists()


def test_a_citizen_registers_without_a_member(event, register):
    register(event, registrant_kind="citizen")

    assert Registration.objects.get().member is None
    assert not Member.objects.exists()


def test_registering_twice_gives_a_clear_message_and_no_duplicate(
    event, register, client
):
    register(event)
    response = register(event)

    # The second time the address is known: the form says nothing about it,
    # the mailbox is asked, and confirming finds the registration it has.
    assert response.url == reverse("cms:registration_received")
    response = client.post(confirm_link(mail.outbox[-1]), follow=True)
    assert "already registered" in errors_of(response)
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "giulia@"}, "valid email"),
        ({"phone": "12"}, "not a valid phone number"),
        ({"consent_privacy": None}, "accept the privacy notice"),
        ({"registrant_kind": "business"}, "name of the organisation"),
        ({"childcare_children": "2", "childcare_ages": "3"}, "one age for each child"),
        ({"childcare_children": "1", "childcare_ages": "9"}, "between 0 and 6"),
        ({"childcare_children": "40"}, "less than or equal to 6"),
        ({"first_name": ""}, "This field is required"),
        ({"registrant_kind": "martian"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_saved(
    event, register, overrides, message
):
    response = register(event, **overrides)

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Registration.objects.exists()
    assert not Person.objects.exists()
    assert not mail.outbox


def test_a_closed_event_refuses_registrations(make_event, register):
    import datetime

    from django.utils import timezone

    closed = make_event(
        registration_closes_at=timezone.now() - datetime.timedelta(days=1)
    )

    response = register(closed)

    assert "Registration for this event is closed" in errors_of(response)
    assert not Registration.objects.exists()


def test_a_past_event_shows_no_form_and_refuses_a_forged_post(make_event, register):
    import datetime

    from django.utils import timezone

    past = make_event(
        start=timezone.now() - datetime.timedelta(days=3),
        end=timezone.now() - datetime.timedelta(days=3, hours=-2),
    )

    response = register(past)

    assert "closed" in errors_of(response)
    assert not Registration.objects.exists()


def test_a_full_event_without_waiting_list_says_so(make_event, register):
    full = make_event(capacity=1, waiting_list=False)
    register(full, email="first@example.org")

    response = register(full, email="second@example.org")

    assert "The event is full" in errors_of(response)
    assert Registration.objects.count() == 1


def test_a_missing_privacy_notice_blocks_registration_with_a_message(
    event, register, privacy_notice
):
    privacy_notice.unpublish()

    response = register(event)

    assert "no privacy notice is published" in errors_of(response)
    assert not Person.objects.exists()


def test_the_honeypot_drops_bots_silently(event, register):
    response = register(event, website="http://spam.example")

    assert response.status_code == 302
    assert not Registration.objects.exists()
    assert not mail.outbox


def test_too_many_attempts_from_one_address_are_refused(event, register, settings):
    settings.CMS_REGISTRATION_RATE_LIMIT = (2, 60)
    register(event, email="a@example.org")
    register(event, email="b@example.org")

    response = register(event, email="c@example.org")

    assert response.status_code == 429
    assert "Too many attempts" in errors_of(response)
    assert Registration.objects.count() == 2


def test_a_full_event_puts_people_on_the_waiting_list(make_event, register):
    small = make_event(capacity=1)
    register(small, email="first@example.org")
    register(small, email="second@example.org")

    statuses = dict(Registration.objects.values_list("person__email", "status"))
    assert statuses == {
        "first@example.org": "confirmed",
        "second@example.org": "waiting",
    }
    assert "waiting list" in mail.outbox[1].subject
    assert not [a for a in mail.outbox[1].attachments]


def test_cancelling_by_the_personal_link_promotes_the_first_on_the_waiting_list(
    make_event, register, client, django_capture_on_commit_callbacks
):
    small = make_event(capacity=1)
    for email in ("first@example.org", "second@example.org", "third@example.org"):
        register(small, email=email)
    first = Registration.objects.get(person__email="first@example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(tokens.manage_url(first))

    assert response.status_code == 302
    statuses = dict(Registration.objects.values_list("person__email", "status"))
    assert statuses == {
        "first@example.org": "cancelled",
        "second@example.org": "confirmed",
        "third@example.org": "waiting",
    }
    [message] = mail.outbox
    assert message.to == ["second@example.org"]
    assert "A place has come free" in message.subject
    assert any(getattr(a, "filename", "") == "evento.ics" for a in message.attachments)


def test_opening_the_cancel_link_does_not_cancel_by_itself(event, register, client):
    register(event)
    registration = Registration.objects.get()

    response = client.get(tokens.manage_url(registration))

    assert response.status_code == 200
    assert "Cancel my registration" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_a_tampered_cancel_link_is_refused(event, register, client):
    register(event)
    registration = Registration.objects.get()
    url = tokens.manage_url(registration)
    signature = url.rstrip("/").rsplit(":", 1)[1]
    other = reverse(
        "cms:registration_manage", args=[f"{registration.pk + 1}:{signature}"]
    )

    assert client.post(other).status_code == 404
    assert client.post(url[:-3] + "abc/").status_code == 404
    assert client.get("/iscrizioni/not-a-token/").status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_a_cancelled_person_can_register_again(event, register, client):
    register(event)
    client.post(tokens.manage_url(Registration.objects.get()))

    register(event)
    client.post(confirm_link(mail.outbox[-1]))

    assert Registration.objects.filter(status="confirmed").count() == 1
    assert Registration.objects.count() == 2


def test_with_approval_on_a_registration_waits_for_a_coordinator(
    make_event, register, coordinator_client, django_capture_on_commit_callbacks
):
    moderated = make_event(requires_approval=True)
    register(moderated)
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.PENDING_APPROVAL
    assert "awaiting approval" in mail.outbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            reverse("cms_admin:registration_action", args=[registration.pk]),
            {"action": "approve"},
        )

    # Back to the list, not sent away to a login or second-factor page.
    assert response.url == reverse("cms_admin:event_registrations", args=[moderated.pk])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert "Registration confirmed" in mail.outbox[1].subject


def test_the_database_allows_one_active_registration_per_person_and_event(event):
    from django.db import IntegrityError, transaction

    person = PersonFactory()
    Registration.objects.create(event=event, person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, person=person)
    Registration.objects.create(event=event, person=person, status="cancelled")
