"""Every page reachable, in plain Italian: the menu, the footer and the home
page lead to the pact and to the verification page; the sitemap lists them at
the public address; dates read as Italians write them; search results are
words, not page types."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from cms.models import EventKind, EventPage, HomePage, ProgrammePage, StandardPage
from tests.pact.adhesion_fixtures import make_open_version

pytestmark = pytest.mark.django_db


def _links(html) -> set[str]:
    return set(re.findall(r'href="([^"#]+)', html))


@pytest.fixture
def pact(db):
    return make_open_version(title="Patto di comunità", slug="patto-piana")


def test_the_home_page_leads_to_the_pact_and_to_the_verification_page(client, pact):
    html = client.get("/").content.decode()

    links = _links(html)
    assert "/patto/" in links and "/verifica/" in links
    # The menu and the footer carry them on every page, not only the home.
    main_menu = html[html.index('id="main-nav"') : html.index("</nav>")]
    assert "/patto/" in main_menu
    footer = html[html.index('<footer class="it-footer">') :]
    assert "/patto/" in _links(footer) and "/verifica/" in _links(footer)
    # Following the link reaches the pact, and the pact page the verification.
    pact_page = client.get("/patto/", follow=True)
    assert pact_page.status_code == 200
    assert "/verifica/" in _links(pact_page.content.decode())


def test_without_a_pact_in_force_the_pact_link_explains_rather_than_fails(client):
    response = client.get("/patto/")

    assert response.status_code == 200
    assert "nessuna versione è ancora aperta alla firma" in response.content.decode()


def test_the_sitemap_lists_the_pact_and_the_verification_page_at_the_public_address(
    client, pact, settings
):
    settings.SITE_URL = "https://rete.example.it"

    xml = client.get("/sitemap.xml").content.decode()

    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert "https://rete.example.it/patto/patto-piana/" in locations
    assert "https://rete.example.it/verifica/" in locations
    assert "https://rete.example.it/" in locations  # the home page, a Wagtail page
    assert all(loc.startswith("https://rete.example.it/") for loc in locations)
    assert "localhost" not in xml


def test_a_phone_finds_the_search_in_the_header(client):
    html = client.get("/").content.decode()
    header = html[: html.index("</header>")]

    phone_link = re.search(
        r'<div class="it-search-wrapper d-md-none">(.*?)</div>', header, re.S
    )
    assert phone_link and 'href="/cerca/"' in phone_link.group(1)


def test_months_and_weekdays_are_written_in_lower_case():
    moment = timezone.make_aware(datetime.datetime(2027, 1, 15, 17, 30))
    with translation.override("it"):
        text = Template('{{ d|date:"l j F Y" }} · {{ d|date:"D N E" }}').render(
            Context({"d": moment})
        )
    assert text == "venerdì 15 gennaio 2027 · ven gen. gennaio"


@pytest.fixture
def programme():
    home = HomePage.objects.get()
    page = ProgrammePage(
        title="Il programma",
        slug="programma",
        intro="<p>Percorso partecipato della Piana, 2020.</p><p>La partecipazione"
        " è gratuita.</p>",
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    start = timezone.make_aware(datetime.datetime(2027, 1, 15, 17, 30))
    event = EventPage(
        title="Webinar della rete",
        slug="webinar",
        kind=EventKind.WEBINAR,
        start=start,
        online_url="https://meet.example.org/x",
        summary="Racconti delle famiglie.",
    )
    page.add_child(instance=event)
    event.save_revision().publish()
    standard = StandardPage(title="Le famiglie", slug="famiglie", body="<p>x</p>")
    home.add_child(instance=standard)
    standard.save_revision().publish()
    return page


def test_search_results_read_as_words_not_as_page_types(client, programme):
    html = client.get("/cerca/", {"q": "famiglie"}).content.decode()
    results = html[html.index("risultat") :]

    assert "Pagina standard" not in results and "Home page" not in results
    assert " —" not in results.split("</ul>")[0]
    assert "Evento · venerdì 15 gennaio 2027" in results

    html = client.get("/cerca/", {"q": "partecipazione"}).content.decode()
    assert "2020. La partecipazione" in html
    assert "2020.La" not in html


def test_event_dates_on_the_site_are_lower_case(client, programme):
    html = client.get("/programma/webinar/").content.decode()
    assert "venerdì 15 gennaio 2027" in html
    assert "Gennaio" not in html and "Venerdì" not in html
