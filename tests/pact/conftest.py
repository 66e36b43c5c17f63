"""Fixtures of the pact tests: a workshop at a programme event, its tables,
and the facilitator personas (one per table)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.models import (
    EventKind,
    EventPage,
    HomePage,
    ProgrammePage,
    Registration,
    RegistrationStatus,
)
from crm.models import Topic
from crm.roles import FACILITATOR, GROUP_NAMES
from pact.models import ThematicTable, Workshop
from tests.factories import PersonFactory, UserFactory


def make_event(title="Verso un patto di comunità"):
    home = HomePage.objects.first()
    programme = ProgrammePage.objects.first() or home.add_child(
        instance=ProgrammePage(title="Programma", slug="programma")
    )
    start = timezone.make_aware(datetime.datetime(2020, 10, 24, 10))
    return programme.add_child(
        instance=EventPage(
            title=title,
            kind=EventKind.PARTICIPATORY_MEETING,
            start=start,
            end=start + datetime.timedelta(hours=7),
            venue_to_be_defined=True,
        )
    )


def register(event, *, topics=(), status=RegistrationStatus.CONFIRMED, person=None):
    registration = Registration.objects.create(
        event=event, person=person or PersonFactory(), status=status
    )
    registration.preferred_topics.set(topics)
    return registration


def topic(slug):
    return Topic.objects.get(slug=slug)


@pytest.fixture
def workshop(db):
    return Workshop.objects.create(event=make_event(), title="Verso un patto")


@pytest.fixture
def table_a(workshop):
    table = ThematicTable.objects.create(
        workshop=workshop, title="Servizi 0-6", room="Sala grande", capacity=3
    )
    table.topics.set([topic("nido"), topic("doposcuola")])
    return table


@pytest.fixture
def table_b(workshop):
    table = ThematicTable.objects.create(
        workshop=workshop, title="Lavoro e imprese", room="Sala 2", capacity=3
    )
    table.topics.set([topic("smart-working"), topic("orari-flessibili")])
    return table


def _facilitator(username, table):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=GROUP_NAMES[FACILITATOR]))
    table.facilitators.add(user)
    return user


@pytest.fixture
def facilitator(table_a):
    """Dana runs table A only."""
    return _facilitator("dana@example.org", table_a)


@pytest.fixture
def other_facilitator(table_b):
    """Enzo runs table B only."""
    return _facilitator("enzo@example.org", table_b)


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


# Adhesions, signatures and signed documents.
from tests.pact.adhesion_fixtures import *  # noqa: E402, F401, F403
