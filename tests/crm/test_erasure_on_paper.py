"""A coordinator records an erasure request received on paper, then reviews it."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.models import ErasureOutcome, ErasureRequest, ErasureSource, Person
from tests.conftest import log_in, pass_mfa
from tests.factories import PersonFactory


def test_a_paper_request_is_recorded_from_the_persons_page_then_decided(
    client, network
):
    person = network.guardian_a.person
    admin = pass_mfa(client, network.coordinator)
    page = admin.get(reverse("crm_person:inspect", args=[person.pk])).content.decode()
    record_url = reverse("crm_erasure:add") + f"?person={person.pk}"
    assert record_url.replace("?", "?") in page.replace("&amp;", "&")
    assert "Registra una richiesta ricevuta su carta o per email" in page

    form = admin.get(record_url)
    assert form.status_code == 200 and person.full_name in form.content.decode()
    # Today, in the ISO form the browser's date picker reads.
    assert f'value="{timezone.localdate().isoformat()}"' in form.content.decode()
    received = timezone.localdate() - datetime.timedelta(days=3)
    response = admin.post(
        record_url,
        {"received_on": received.isoformat(), "reason": "Lettera consegnata a mano"},
    )
    erasure = ErasureRequest.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("crm_erasure:edit", args=[erasure.pk])
    assert erasure.source == ErasureSource.COORDINATOR
    assert erasure.requested_by == network.coordinator
    assert timezone.localdate(erasure.requested_at) == received
    assert erasure.outcome == ErasureOutcome.PENDING
    # Nothing is erased until the review decides.
    assert Person.objects.get(pk=person.pk).anonymised_at is None

    admin.post(
        reverse("crm_erasure:edit", args=[erasure.pk]),
        {"decision": "approve", "note": ""},
    )
    assert Person.objects.get(pk=person.pk).anonymised_at is not None


def test_bad_input_gets_a_message_and_records_nothing(client, network):
    person = PersonFactory()
    admin = pass_mfa(client, network.coordinator)
    url = reverse("crm_erasure:add") + f"?person={person.pk}"
    future = timezone.localdate() + datetime.timedelta(days=1)
    html = admin.post(url, {"received_on": future.isoformat(), "reason": "x"}).content
    assert "La data non può essere nel futuro." in html.decode()
    html = admin.post(url, {"received_on": "31/02/2026", "reason": "x"}).content
    assert "Inserisci una data" in html.decode()
    html = admin.post(url, {"received_on": "2026-11-01", "reason": ""}).content
    assert "Questo campo è obbligatorio." in html.decode()
    assert not ErasureRequest.objects.exists()


def test_a_second_request_leads_to_the_pending_one(client, network):
    person = network.guardian_a.person
    admin = pass_mfa(client, network.coordinator)
    url = reverse("crm_erasure:add") + f"?person={person.pk}"
    admin.post(url, {"received_on": "2026-11-01", "reason": "Email del 1/11"})
    pending = ErasureRequest.objects.get(person=person)
    response = admin.get(url)
    assert response["Location"] == reverse("crm_erasure:edit", args=[pending.pk])
    assert ErasureRequest.objects.filter(person=person).count() == 1


def test_without_a_person_the_coordinator_is_sent_to_the_people(client, network):
    admin = pass_mfa(client, network.coordinator)
    for query in ("", "?person=abc", "?person=²", "?person=999999"):
        response = admin.get(reverse("crm_erasure:add") + query)
        assert response.status_code == 302
        assert response["Location"] == reverse("crm_person:index")


def test_only_coordinators_record_requests_and_others_learn_nothing(client, network):
    person = network.guardian_b.person
    pending = ErasureRequest.objects.create(person=network.guardian_a.person)
    # The CMS editor reaches the admin but not erasure: refused before any
    # lookup, the same way whether the person exists or has a pending request.
    editor = client
    log_in(editor, network.cms_editor)
    answers = set()
    for query in (
        f"?person={person.pk}",
        "?person=999999",
        f"?person={pending.person_id}",
    ):
        response = editor.get(reverse("crm_erasure:add") + query)
        answers.add((response.status_code, response.get("Location")))
        editor.post(
            reverse("crm_erasure:add") + query,
            {"received_on": "2026-11-01", "reason": "x"},
        )
    assert answers == {(302, reverse("wagtailadmin_home"))}
    review = editor.get(reverse("crm_erasure:edit", args=[pending.pk]))
    missing = editor.get(reverse("crm_erasure:edit", args=[999999]))
    assert review.status_code == missing.status_code == 302
    assert ErasureRequest.objects.count() == 1
