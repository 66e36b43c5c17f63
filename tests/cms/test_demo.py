"""The demo publishes the real 2020 programme and can run twice."""

import datetime
from zoneinfo import ZoneInfo

from cms import demo
from cms.models import EventPage, Speaker
from cms.selectors import current_privacy_notice_version

ROME = ZoneInfo("Europe/Rome")


def test_the_demo_publishes_the_real_programme_and_is_idempotent(db, client):
    logins = demo.seed()
    demo.seed()

    assert logins == [("CMS editor", demo.EDITOR_EMAIL, demo.EDITOR_PASSWORD)]
    events = {e.slug: e for e in EventPage.objects.live()}
    assert len(events) == 6
    webinar = events["webinar-una-comunita-a-supporto-delle-famiglie"]
    assert webinar.start == datetime.datetime(2020, 10, 9, 17, 0, tzinfo=ROME)
    assert webinar.end == datetime.datetime(2020, 10, 9, 19, 30, tzinfo=ROME)
    workshop = events["verso-un-patto-di-comunita"]
    assert workshop.venue.name == "Casermetta San Paolino"
    assert workshop.start == datetime.datetime(2020, 10, 24, 10, 0, tzinfo=ROME)
    launch = events["avvio-della-rete"]
    assert launch.schedule_to_be_defined and launch.venue_to_be_defined
    assert Speaker.objects.count() == 6
    leone = Speaker.objects.get(name="Teresa Leone")
    assert (leone.role, leone.organisation) == (
        "Consigliera Delegata",
        "Provincia di Lucca",
    )
    upcoming = [
        e for e in events.values() if e.start.date() > datetime.date(2026, 12, 1)
    ]
    assert len(upcoming) == 3
    assert current_privacy_notice_version() == "2020-1"
    html = client.get(webinar.url).content.decode()
    assert "Carlotta Berionni" in html and "Ca&#x27; Foscari" in html
    programme = client.get("/programma/").content.decode()
    assert "luccainfamiglia2020@gmail.com" in programme and "327-9511586" in programme
    assert "Fondo per il contrasto alla povertà educativa" in programme
