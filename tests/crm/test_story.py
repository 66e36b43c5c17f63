"""A member's and a person's whole story in the back office: contacts,
adhesions, registrations and attendance, emails sent, exports that included
them; newest first, each entry linking to its record, in a fixed number of
queries however long the story."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cms.models import Registration, RegistrationStatus
from crm import privacy, services
from crm.models import EmailKind, InteractionKind, SentEmail
from crm.permissions import invitation_create
from crm.story import member_story, person_story
from pact import services as pact_services
from tests.factories import PersonFactory
from tests.pact.adhesion_fixtures import awaiting, make_open_version, scan
from tests.pact.conftest import make_event

pytestmark = pytest.mark.django_db


def _grow(network, n, *, event=None):
    """``n`` of everything that happens to Famiglia Aranci."""
    family, guardian = network.family_a, network.guardian_a.person
    event = event or make_event()
    now = timezone.now()
    for i in range(n):
        services.interaction_log(
            member=family,
            person=guardian,
            kind=InteractionKind.CALL,
            subject=f"Telefonata {i}",
            author=network.coordinator,
            occurred_at=now - datetime.timedelta(days=30 + i),
        )
        someone = PersonFactory()
        services.affiliation_add(person=someone, member=family, role="guardian")
        Registration.objects.create(
            event=event,
            person=someone,
            member=family,
            status=RegistrationStatus.CONFIRMED,
            attended_at=now - datetime.timedelta(days=1),
        )
        services.email_record(
            to=someone.email,
            subject=f"Iscrizione {i}",
            kind=EmailKind.REGISTRATION,
            person=someone,
            member=family,
            about=Registration.objects.filter(person=someone).get(),
        )
        services.export_log(
            user=network.coordinator,
            what=f"Esportazione {i}",
            format="xlsx",
            count=1,
            members=[family],
            people=[guardian],
        )
    return family


@pytest.fixture
def version(db):
    return make_open_version()


def test_the_member_page_tells_the_whole_story_newest_first_with_links(
    coordinator_client, network, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        adhesion = awaiting(version, network.family_a, network.coordinator)
    family = _grow(network, 2)

    story = member_story(family)
    kinds = {entry.kind for entry in story}
    assert {
        "contact",
        "adhesion",
        "registration",
        "attendance",
        "email",
        "export",
    } <= kinds
    assert [e.when for e in story] == sorted((e.when for e in story), reverse=True)
    assert all(entry.url for entry in story)
    # The signature request went by email to the guardian: on the story, linked
    # to the adhesion it was about.
    request = next(e for e in story if e.kind == "email" and "firm" in e.title.lower())
    assert request.url == reverse("pact_adhesions:inspect", args=[adhesion.pk])

    html = coordinator_client.get(
        reverse("crm_member:inspect", args=[family.pk])
    ).content.decode()
    assert "Storia" in html
    for entry in story:
        assert f'href="{entry.url}"' in html


def test_every_link_of_the_story_opens_its_record(coordinator_client, network, version):
    awaiting(version, network.family_a, network.coordinator)
    family = _grow(network, 1)
    for entry in member_story(family) + person_story(network.guardian_a.person):
        response = coordinator_client.get(entry.url, follow=True)
        assert response.status_code == 200, entry


def test_the_member_page_costs_the_same_queries_for_a_long_story(
    coordinator_client, network, version, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    awaiting(version, network.family_a, network.coordinator)
    event = make_event()
    family = _grow(network, 2, event=event)
    url = reverse("crm_member:inspect", args=[family.pk])
    coordinator_client.get(url)  # warm the site and permission caches
    with CaptureQueriesContext(connection) as short:
        coordinator_client.get(url)
    _grow(network, 20, event=event)
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = coordinator_client.get(url)
    assert response.content.decode().count("crm-story__entry--export") == 22


def test_the_person_page_tells_their_story(coordinator_client, network, version):
    guardian = network.guardian_a.person
    family = _grow(network, 1)
    adhesion = awaiting(version, family, network.coordinator)
    pact_services.adhesion_sign_in_person(
        adhesion=adhesion,
        scan_file=scan(),
        signatory=guardian,
        signed_at=timezone.now(),
        by=network.coordinator,
    )
    story = person_story(guardian)
    kinds = {entry.kind for entry in story}
    assert {"contact", "adhesion", "export"} <= kinds
    html = coordinator_client.get(
        reverse("crm_person:inspect", args=[guardian.pk])
    ).content.decode()
    assert "Patto firmato" in html


def test_emails_the_network_sends_are_recorded_without_their_text(
    network, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        adhesion = awaiting(version, network.org_x, network.coordinator)
        _challenge, code = pact_services.challenge_issue(
            adhesion=adhesion, user=network.legal_rep_x
        )
        invitation_create(
            email="nuova@example.org",
            first_name="Nuova",
            last_name="Referente",
            role="contact",
            member=network.org_x,
            by=network.coordinator,
        )
    sent = {e.kind: e for e in SentEmail.objects.all()}
    assert set(sent) == {
        EmailKind.SIGNATURE_REQUEST,
        EmailKind.SIGNATURE_CODE,
        EmailKind.INVITATION,
    }
    assert sent[EmailKind.SIGNATURE_CODE].person == network.legal_rep_x.person
    assert sent[EmailKind.SIGNATURE_CODE].about == adhesion
    assert sent[EmailKind.INVITATION].member == network.org_x
    assert len(mail.outbox) == 3
    # Nothing keeps the code: only that an email went, and to whom.
    for field in ("subject", "to_email"):
        assert not SentEmail.objects.filter(**{f"{field}__contains": code}).exists()


def test_an_erasure_keeps_that_emails_went_not_to_whom(network):
    person = network.guardian_a.person
    services.email_record(
        to=person.email,
        subject="Iscrizione",
        kind=EmailKind.REGISTRATION,
        person=person,
        member=network.family_a,
    )
    privacy.person_anonymise(person=person, by=network.coordinator)
    email = SentEmail.objects.get()
    assert email.to_email == "" and person.email not in email.subject
    assert email.kind == EmailKind.REGISTRATION


def test_an_admin_export_records_whom_it_included(coordinator_client, network):
    coordinator_client.get(reverse("crm_member:index"), {"export": "xlsx"})
    story = member_story(network.family_b)
    assert any(e.kind == "export" for e in story)
    coordinator_client.get(reverse("crm_person:index"), {"export": "csv"})
    assert any(e.kind == "export" for e in person_story(network.guardian_b.person))
