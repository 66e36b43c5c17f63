"""The public site: page tree, publishing, programme, event pages, search, sitemap."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import Page, Site

from cms.models import AgendaItem, EventPage, HomePage, Speaker, StandardPage
from tests.cms.conftest import publish
from tests.conftest import log_in


def test_the_home_page_is_the_root_of_the_site_instead_of_the_welcome_page(db, client):
    site = Site.objects.get(is_default_site=True)

    assert isinstance(site.root_page.specific, HomePage)
    assert Page.objects.filter(depth=2).count() == 1
    assert client.get("/").status_code == 200


def test_a_cms_editor_creates_and_publishes_a_page_from_the_admin(
    client, cms_editor, home
):
    log_in(client, cms_editor)
    url = f"/admin/pages/add/cms/standardpage/{home.pk}/"

    response = client.post(
        url,
        {
            "title": "La rete",
            "slug": "la-rete",
            "intro": "Chi siamo.",
            "body": '{"blocks": [], "entityMap": {}}',
            "action-publish": "publish",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    page = StandardPage.objects.get(slug="la-rete")
    assert page.live
    assert "Chi siamo." in client.get("/la-rete/").content.decode()


def test_a_draft_event_is_not_public_until_published(programme, venue, client):
    start = timezone.now() + datetime.timedelta(days=10)
    draft = EventPage(
        title="Bozza", slug="bozza", kind="other", start=start, venue=venue, live=False
    )
    programme.add_child(instance=draft)
    draft.save_revision()

    assert client.get("/programma/bozza/").status_code == 404
    assert "Bozza" not in client.get("/programma/").content.decode()

    draft.get_latest_revision().publish()

    assert client.get("/programma/bozza/").status_code == 200
    assert "Bozza" in client.get("/programma/").content.decode()


def test_events_can_only_live_under_the_programme(home):
    assert EventPage.can_create_at(home) is False
    assert EventPage.parent_page_types == ["cms.ProgrammePage"]


def test_an_event_needs_a_venue_an_online_link_or_a_venue_to_be_defined(programme):
    from django.core.exceptions import ValidationError

    event = EventPage(title="Senza luogo", slug="x", kind="other", start=timezone.now())
    with pytest.raises(ValidationError, match="venue"):
        event.full_clean()
    event.venue_to_be_defined = True
    event.end = event.start - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError, match="end before it starts"):
        event.full_clean()


def test_the_programme_separates_upcoming_and_past_events(make_event, client):
    make_event(title="Futuro")
    past = timezone.now() - datetime.timedelta(days=40)
    make_event(title="Passato", start=past, end=past + datetime.timedelta(hours=2))

    html = client.get("/programma/").content.decode()

    upcoming, past_part = html.split("Past events")
    assert "Futuro" in upcoming and "Passato" not in upcoming
    assert "Passato" in past_part


def test_venue_and_time_to_be_defined_are_shown_as_such(make_event, client):
    event = make_event(
        title="Avvio della rete",
        start=timezone.now() + datetime.timedelta(days=5),
        end=None,
        venue=None,
        venue_to_be_defined=True,
        schedule_to_be_defined=True,
    )

    html = client.get(event.url).content.decode()

    assert "time to be defined" in html
    assert "Venue to be defined" in html


def _agenda(n_items, speakers_per_item):
    items = []
    for i in range(n_items):
        speakers = [
            Speaker.objects.create(name=f"Relatrice {i}-{j}", organisation="Ente")
            for j in range(speakers_per_item)
        ]
        items.append(
            AgendaItem(
                title=f"Intervento {i}",
                starts_at=datetime.time(9 + i % 8, 0),
                speakers=speakers,
                sort_order=i,
            )
        )
    return items


def test_the_event_page_shows_agenda_and_speakers(make_event, client):
    event = make_event(agenda_items=_agenda(2, 1))

    html = client.get(event.url).content.decode()

    assert "Intervento 1" in html and "Relatrice 1-0" in html
    assert html.count('class="agenda-item"') == 2


def _queries(client, url, django_assert_max_num_queries, budget):
    client.get(url)  # warm caches (site root paths, renditions)
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_an_event_page_runs_the_same_queries_whatever_its_agenda(
    make_event, client, django_assert_max_num_queries
):
    small = make_event(agenda_items=_agenda(1, 1))
    large = make_event(agenda_items=_agenda(15, 3))

    small_count = _queries(client, small.url, django_assert_max_num_queries, 30)
    large_count = _queries(client, large.url, django_assert_max_num_queries, 30)

    assert small_count == large_count


def test_the_programme_runs_the_same_queries_whatever_the_number_of_events(
    make_event, client, django_assert_max_num_queries
):
    make_event()
    few = _queries(client, "/programma/", django_assert_max_num_queries, 30)
    for n in range(12):
        past = timezone.now() - datetime.timedelta(days=n + 2)
        make_event(start=past if n % 2 else timezone.now() + datetime.timedelta(days=n))

    many = _queries(client, "/programma/", django_assert_max_num_queries, 30)

    assert few == many


def test_the_home_page_runs_a_fixed_number_of_queries(
    make_event, client, django_assert_max_num_queries
):
    make_event()
    few = _queries(client, "/", django_assert_max_num_queries, 30)
    for _n in range(6):
        make_event()

    assert _queries(client, "/", django_assert_max_num_queries, 30) == few


def test_site_search_finds_an_event(event, client):
    response = client.get("/cerca/", {"q": "patto"})

    assert response.status_code == 200
    assert event.title in response.content.decode()


def test_an_empty_or_silly_search_is_not_an_error(db, client):
    assert client.get("/cerca/").status_code == 200
    assert client.get("/cerca/", {"q": "%" * 500, "page": "x"}).status_code == 200


def test_the_sitemap_lists_the_events(event, client):
    response = client.get("/sitemap.xml")

    assert event.slug in response.content.decode()


def test_the_footer_names_the_promoters_and_funders(db, client):
    html = client.get("/").content.decode()

    assert "Comune di Lucca" in html
    assert "Fund against educational poverty" in html
    assert "Lucca Family net" in html


def test_pages_load_nothing_from_outside_the_site(event, client):
    import re

    html = client.get(event.url).content.decode()

    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assets = [u for u in external if re.search(r"\.(css|js|woff2?|ttf|png|svg)", u)]
    assert assets == []


def test_an_edited_page_preview_does_not_break_on_unsaved_agenda(event, client):
    publish(event)
    assert client.get(event.url).status_code == 200
