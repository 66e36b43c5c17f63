"""Raising an event's capacity offers the freed places to the waiting list,
in order and with the email, through the service a cancellation uses."""

import pytest
from django.core import mail

from cms import services
from cms.models import Registration, RegistrationStatus
from crm.models import SentEmail
from tests.cms.conftest import publish
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _register(event, n):
    """``n`` people register one after the other, as the public form does."""
    registrations = []
    for i in range(n):
        person = PersonFactory(email=f"persona{i}@example.org")
        registrations.append(
            services.registration_create(
                event=event,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                consents=["privacy"],
            )
        )
    return registrations


def _statuses(registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


@pytest.fixture
def full_event(make_event, django_capture_on_commit_callbacks):
    event = make_event(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        people = _register(event, 5)
    mail.outbox.clear()
    return event, people


def test_raising_the_capacity_confirms_the_first_waiting_in_order_with_an_email(
    full_event, coordinator, django_capture_on_commit_callbacks
):
    event, people = full_event
    C, W = RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING
    assert _statuses(people) == [C, C, W, W, W]

    event.capacity = 4
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision(user=coordinator).publish(user=coordinator)

    assert _statuses(people) == [C, C, C, C, W]
    assert [m.to for m in mail.outbox] == [
        ["persona2@example.org"],
        ["persona3@example.org"],
    ]
    assert all("A place has come free" in m.subject for m in mail.outbox)
    promoted = Registration.objects.get(pk=people[2].pk)
    assert promoted.status_changed_by == coordinator
    # The email is on the person's story in the back office.
    assert SentEmail.objects.filter(person=promoted.person).exists()


def test_removing_the_limit_confirms_everyone_waiting(
    full_event, django_capture_on_commit_callbacks
):
    event, people = full_event
    event.capacity = None
    with django_capture_on_commit_callbacks(execute=True):
        publish(event)
    assert set(_statuses(people)) == {RegistrationStatus.CONFIRMED}
    assert len(mail.outbox) == 3


def test_publishing_without_raising_the_capacity_promotes_nobody(
    full_event, django_capture_on_commit_callbacks
):
    event, people = full_event
    # A coordinator's choice stands: moving someone to the waiting list frees a
    # place that an unrelated edit must not hand out.
    services.registration_move(
        registration=people[0], to=RegistrationStatus.WAITING, by=None
    )
    event.summary = "Nuovo orario di arrivo."
    with django_capture_on_commit_callbacks(execute=True):
        publish(event)
    event.capacity = 1
    with django_capture_on_commit_callbacks(execute=True):
        publish(event)

    assert (
        _statuses(people)[1:]
        == [RegistrationStatus.CONFIRMED] + [RegistrationStatus.WAITING] * 3
    )
    assert not [m for m in mail.outbox if "A place has come free" in m.subject]


def test_a_draft_with_more_places_promotes_nobody_until_it_is_published(
    full_event, django_capture_on_commit_callbacks
):
    event, people = full_event
    event.capacity = 5
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision()
    assert _statuses(people).count(RegistrationStatus.WAITING) == 3
    assert not mail.outbox


def test_cancelling_and_raising_use_the_same_service(full_event, monkeypatch):
    event, people = full_event
    calls = []
    original = services.waiting_list_fill

    def spy(**kwargs):
        calls.append(kwargs["event"].pk)
        return original(**kwargs)

    monkeypatch.setattr(services, "waiting_list_fill", spy)
    services.registration_cancel(registration=people[0])
    event.capacity = 3
    publish(event)
    assert calls == [event.pk, event.pk]
