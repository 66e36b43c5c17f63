"""Fixtures for the programme: a site with a programme, a privacy notice, events."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone, translation

from cms.models import (
    EventKind,
    EventPage,
    HomePage,
    PrivacyNoticePage,
    ProgrammePage,
    Venue,
)
from crm.roles import CMS_EDITOR, GROUP_NAMES
from tests.conftest import pass_mfa
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English msgids, whatever the Italian catalogue says.
    settings.CMS_PEOPLE_LANGUAGE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    from wagtail.users.models import UserProfile

    # The Wagtail admin speaks the user's preferred language, not the cookie's.
    profile = UserProfile.get_for_user(coordinator)
    profile.preferred_language = "en"
    profile.save()
    # The admin asks coordinators for their second factor.
    return pass_mfa(client, coordinator)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rate limit lives in the cache: each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def programme(home):
    page = ProgrammePage(
        title="Il programma",
        slug="programma",
        contact_email="luccainfamiglia2020@gmail.com",
        contact_phone="327-9511586",
    )
    home.add_child(instance=page)
    return publish(page)


@pytest.fixture
def privacy_notice(home):
    page = PrivacyNoticePage(
        title="Informativa privacy",
        slug="privacy",
        version="2026-1",
        body="<p>Titolare del trattamento: Comune di Lucca.</p>",
    )
    home.add_child(instance=page)
    return publish(page)


@pytest.fixture
def venue(db):
    return Venue.objects.create(
        name="Casermetta San Paolino", address="Baluardo San Paolino", city="Lucca"
    )


@pytest.fixture
def make_event(programme, privacy_notice, venue):
    """Build and publish an event a month from now; keywords override fields."""
    counter = iter(range(1, 1000))

    def make(**fields):
        n = next(counter)
        start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
        values = {
            "title": f"Incontro {n}",
            "slug": f"incontro-{n}",
            "kind": EventKind.PARTICIPATORY_MEETING,
            "start": start,
            "end": start + datetime.timedelta(hours=3),
            "venue": venue,
        }
        values.update(fields)
        agenda_items = values.pop("agenda_items", [])
        page = EventPage(agenda_items=agenda_items, **values)
        programme.add_child(instance=page)
        return publish(page)

    return make


@pytest.fixture
def event(make_event):
    return make_event(title="Verso un patto di comunità", slug="verso-un-patto")


@pytest.fixture
def cms_editor(db):
    user = UserFactory(username="erin@example.org", first_name="Erin")
    user.groups.add(Group.objects.get(name=GROUP_NAMES[CMS_EDITOR]))
    return user


def registration_data(**overrides):
    """What a person types into the registration form."""
    data = {
        "first_name": "Giulia",
        "last_name": "Bianchi",
        "email": "giulia.bianchi@example.org",
        "phone": "333 123 4567",
        "registrant_kind": "family",
        "organisation_name": "",
        "municipality": "",
        "childcare_children": "0",
        "childcare_ages": "",
        "accessibility_needs": "",
        "consent_privacy": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
