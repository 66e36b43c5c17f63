"""The public iCalendar feed, per-event .ics, and the member area's registrations."""

import datetime

import icalendar
from django.urls import reverse
from django.utils import timezone

from cms.models import Registration
from crm.models import ConsentPurpose
from tests.conftest import log_in
from tests.factories import AffiliationFactory, ConsentFactory, PersonFactory


def test_the_programme_feed_lists_every_published_event(make_event, client):
    a = make_event(title="Webinar")
    b = make_event(
        title="Avvio della rete",
        schedule_to_be_defined=True,
        venue=None,
        venue_to_be_defined=True,
        end=None,
    )

    response = client.get(reverse("cms:programme_ics"))

    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {a.title, b.title}
    assert events[a.title].decoded("DTSTART") == a.start
    # Time to be defined: an all-day entry on the date.
    assert events[b.title].decoded("DTSTART") == timezone.localtime(b.start).date()
    assert "Venue to be defined" in str(events[b.title]["LOCATION"])


def test_a_webinar_link_never_appears_in_public_calendars(make_event, client):
    webinar = make_event(kind="webinar", venue=None, online_url="https://x.example/s")

    feed = client.get(reverse("cms:programme_ics")).content
    one = client.get(reverse("cms:event_ics", args=[webinar.pk])).content

    assert b"x.example" not in feed and b"x.example" not in one


def test_each_event_has_its_own_ics_download(event, client):
    response = client.get(reverse("cms:event_ics", args=[event.pk]))

    assert "attachment" in response["Content-Disposition"]
    [vevent] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert vevent.decoded("DTEND") == event.end


def test_an_unpublished_event_has_no_ics(event, client):
    event.unpublish()
    assert client.get(reverse("cms:event_ics", args=[event.pk])).status_code == 404


def _member_login(client, *, privacy_version="2026-1"):
    from tests.factories import UserFactory

    user = UserFactory(username="giulia@example.org")
    person = PersonFactory(email="giulia@example.org", first_name="Giulia", user=user)
    affiliation = AffiliationFactory(person=person)
    if privacy_version:
        ConsentFactory(person=person, notice_version=privacy_version)
    log_in(client, user)
    return person, affiliation.member


def test_a_logged_in_member_registers_with_one_click(
    event, client, django_capture_on_commit_callbacks
):
    person, family = _member_login(client)

    page = client.get(event.url).content.decode()
    assert "Register with one click" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cms:register_one_click", args=[event.pk]))

    assert response.url == reverse("cms:my_registrations")
    registration = Registration.objects.get()
    assert (registration.person, registration.member) == (person, family)
    assert registration.registrant_kind == "family"


def test_one_click_asks_for_the_privacy_notice_when_not_yet_accepted(event, client):
    person, _family = _member_login(client, privacy_version="2019-1")

    assert 'name="consent_privacy"' in client.get(event.url).content.decode()
    client.post(reverse("cms:register_one_click", args=[event.pk]))
    assert not Registration.objects.exists()

    client.post(
        reverse("cms:register_one_click", args=[event.pk]), {"consent_privacy": "on"}
    )
    assert Registration.objects.get().person == person
    assert (
        person.consents.in_force().get(purpose=ConsentPurpose.PRIVACY).notice_version
        == "2026-1"
    )


def test_my_registrations_lists_mine_with_their_cancel_links(
    make_event, client, django_assert_max_num_queries
):
    person, _family = _member_login(client)
    for _ in range(6):
        Registration.objects.create(event=make_event(), person=person)
    Registration.objects.create(event=make_event(), person=PersonFactory())

    with django_assert_max_num_queries(15):
        response = client.get(reverse("cms:my_registrations"))

    assert len(response.context["registrations"]) == 6
    assert response.content.decode().count("/iscrizioni/") >= 6


def test_my_registrations_needs_a_login(db, client):
    response = client.get(reverse("cms:my_registrations"))
    assert response.status_code == 302 and "login" in response.url


def test_one_click_on_a_closed_event_explains_why(make_event, client):
    _member_login(client)
    past = timezone.now() - datetime.timedelta(days=2)
    closed = make_event(start=past, end=past + datetime.timedelta(hours=1))

    response = client.post(
        reverse("cms:register_one_click", args=[closed.pk]), follow=True
    )

    assert "closed" in response.content.decode()
    assert not Registration.objects.exists()
