"""The public registration form never reveals nor changes what the CRM knows
(issue 11, point 6): someone registering with the email of a person the CRM
holds sees only what they typed, and nothing reaches that person's record until
the registration is confirmed from their mailbox."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cms import tokens
from cms.models import PendingRegistration, Registration
from crm.models import Affiliation, Consent, ConsentPurpose, Member, Person
from tests.cms.conftest import registration_data
from tests.factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

VICTIM = "marta.ricci@example.org"


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    def post(event, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(event.url, registration_data(**overrides))

    return post


@pytest.fixture
def known(db):
    """A guardian the CRM knows, with a family, a phone and no consents."""
    family = FamilyFactory(name="Famiglia Ricci")
    person = PersonFactory(
        first_name="Marta", last_name="Ricci", email=VICTIM, phone="+390583000111"
    )
    Affiliation.objects.create(person=person, member=family, role="guardian")
    return person


def crm_state():
    return {
        "people": sorted(
            Person.objects.values_list("pk", "first_name", "last_name", "phone")
        ),
        "consents": Consent.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "members": Member.objects.count(),
        "registrations": Registration.objects.count(),
    }


def confirm_link(message) -> str:
    return re.search(r"http://testserver(/iscrizioni/conferma/\S+/)", message.body)[1]


STRANGER = {
    "first_name": "Tizio",
    "last_name": "Estraneo",
    "email": VICTIM,
    "phone": "333 999 0000",
    "consent_newsletter": "on",
    "consent_photos": "on",
}


def test_a_known_email_changes_nothing_and_the_page_shows_only_what_was_typed(
    client, event, register, known
):
    before = crm_state()

    response = register(event, **STRANGER)
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == reverse("cms:registration_received")
    assert "Tizio" in page and "Estraneo" in page
    assert "Marta" not in page and "Ricci" not in page and "0583" not in page
    assert crm_state() == before
    (message,) = mail.outbox
    assert message.to == [VICTIM]
    assert "Ricci" not in message.body and "Marta" not in message.body
    assert PendingRegistration.objects.get().registration is None


def test_the_answer_is_the_same_whether_the_email_is_known_or_not(
    client, event, register, known
):
    def main(response):
        page = client.get(response["Location"]).content.decode()
        return re.search(r"<main.*</main>", page, re.DOTALL)[0]

    known_response = register(event, **STRANGER)
    known_page = main(known_response)
    new_response = register(event, **{**STRANGER, "email": "nuova@example.org"})
    new_page = main(new_response)

    assert known_response["Location"] == new_response["Location"]
    assert known_page.replace(VICTIM, "@") == new_page.replace("nuova@example.org", "@")


def test_opening_the_link_changes_nothing_until_the_button(
    client, event, register, known
):
    register(event, **STRANGER)
    before = crm_state()

    page = client.get(confirm_link(mail.outbox[-1]))

    assert page.status_code == 200
    assert "Tizio" in page.content.decode()
    assert crm_state() == before


def test_confirmed_from_the_mailbox_the_registration_is_linked_with_its_consents(
    client, event, register, known, django_capture_on_commit_callbacks
):
    register(event, **STRANGER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_link(mail.outbox[-1]))

    registration = Registration.objects.get()
    assert response["Location"] == tokens.manage_url(registration)
    assert registration.person == known
    assert registration.member.name == "Famiglia Ricci"
    consents = set(
        Consent.objects.filter(person=known).values_list("purpose", flat=True)
    )
    assert consents == {
        ConsentPurpose.PRIVACY,
        ConsentPurpose.NEWSLETTER,
        ConsentPurpose.PHOTOS,
    }
    known.refresh_from_db()
    # Known details are kept: a typed name or phone fills only what is missing.
    assert (known.first_name, known.phone) == ("Marta", "+390583000111")
    assert mail.outbox[-1].to == [VICTIM]
    assert tokens.manage_url(registration) in mail.outbox[-1].body


def test_a_link_used_twice_registers_once(client, event, register, known):
    register(event, **STRANGER)
    link = confirm_link(mail.outbox[-1])
    client.post(link)
    client.post(link)
    assert Registration.objects.count() == 1


def test_an_expired_link_registers_nothing(client, event, register, known):
    register(event, **STRANGER)
    PendingRegistration.objects.update(
        created_at=timezone.now() - timedelta(days=5),
        expires_at=timezone.now() - timedelta(days=1),
    )
    before = crm_state()

    response = client.post(confirm_link(mail.outbox[-1]), follow=True)

    assert "expired" in response.content.decode()
    assert crm_state() == before


def test_a_forged_link_is_a_404(client, event, register, known):
    register(event, **STRANGER)
    link = confirm_link(mail.outbox[-1])
    assert client.get(link[:-4] + "xx/").status_code == 404
    assert client.post(link[:-4] + "xx/").status_code == 404


def test_a_full_event_refuses_a_known_email_as_it_refuses_a_new_one(
    make_event, register, known
):
    full = make_event(capacity=1, waiting_list=False)
    register(full, email="first@example.org")

    for email in (VICTIM, "other@example.org"):
        response = register(full, **{**STRANGER, "email": email})
        assert response.status_code == 200
        assert "The event is full" in response.content.decode()
    assert not PendingRegistration.objects.exists()


def test_a_registered_person_is_not_told_apart_by_the_form(
    client, event, register, known, django_capture_on_commit_callbacks
):
    register(event, **STRANGER)
    client.post(confirm_link(mail.outbox[-1]))

    again = register(event, **STRANGER)

    assert again["Location"] == reverse("cms:registration_received")
    assert Registration.objects.count() == 1


def test_expired_requests_are_deleted_as_new_ones_arrive(event, register, known):
    register(event, **STRANGER)
    PendingRegistration.objects.update(
        created_at=timezone.now() - timedelta(days=5),
        expires_at=timezone.now() - timedelta(days=1),
    )
    register(event, **{**STRANGER, "first_name": "Altro"})
    assert PendingRegistration.objects.count() == 1
    assert PendingRegistration.objects.get().data["first_name"] == "Altro"
