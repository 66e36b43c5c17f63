"""iCalendar output: the public programme feed, one event, one registration."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from cms.models import EventPage


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def absolute(url: str) -> str:
    return url if url.startswith("http") else settings.SITE_URL + url


def location(event: EventPage) -> str:
    if event.venue_to_be_defined or (not event.venue and not event.online_url):
        return _("Venue to be defined")
    if event.venue:
        return f"{event.venue.name}, {event.venue.full_address}"
    return _("Online")


def event_component(event: EventPage, *, online_url: str = "", extra: str = ""):
    """A VEVENT; a date-only event when the time is still to be defined."""
    vevent = Event()
    vevent.add("uid", f"event-{event.pk}@{_host()}")
    vevent.add("dtstamp", timezone.now())
    vevent.add("summary", event.title)
    if event.schedule_to_be_defined:
        day = event.local_start.date()
        vevent.add("dtstart", day)
        vevent.add("dtend", day + datetime.timedelta(days=1))
    else:
        vevent.add("dtstart", event.local_start)
        end = event.local_end or event.local_start + datetime.timedelta(hours=1)
        vevent.add("dtend", end)
    vevent.add("location", location(event))
    url = absolute(event.url or "/")
    vevent.add("url", url)
    lines = [event.summary, url]
    if online_url:
        lines.append(_("Online link: %(url)s") % {"url": online_url})
    if extra:
        lines.append(extra)
    vevent.add("description", "\n\n".join(line for line in lines if line))
    return vevent


def calendar_bytes(components, *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Lucca In famiglia//Programma//IT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for component in components:
        calendar.add_component(component)
    calendar.add_missing_timezones()
    return calendar.to_ical()


ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
