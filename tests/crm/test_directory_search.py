"""The public directory: every filter a family uses, through /servizi/."""

import datetime
import re

import pytest
from django.utils import timezone

from crm.models import CostKind, Service
from tests.factories import ServiceFactory, municipality, open_service, topic

pytestmark = pytest.mark.django_db

D = datetime.date
SCHOOL = {"starts_on": D(2030, 9, 16), "ends_on": D(2031, 6, 10)}
WEEK = [(day, "07:30", "16:30") for day in range(5)]


def names(response):
    return re.findall(
        r'<h3 class="h5 mb-1"><a href="/servizi/\d+/">([^<]+)</a>',
        (response.content.decode()),
    )


@pytest.fixture
def piana(db):
    """A small network: nurseries, an after-school, a summer camp, in 4 comuni."""
    lucca, capannori, porcari, pescaglia = (
        municipality(n) for n in ("Lucca", "Capannori", "Porcari", "Pescaglia")
    )
    nido = ServiceFactory(
        name="Nido Il Girotondo",
        municipality=lucca,
        age_min_months=3,
        age_max_months=36,
        places_free=0,
    )
    open_service(nido, hours=WEEK, **SCHOOL)
    after = ServiceFactory(
        name="Doposcuola Il Girasole",
        municipality=capannori,
        kind=topic("doposcuola"),
        age_min_months=60,
        age_max_months=132,
        cost=CostKind.FREE,
    )
    open_service(after, hours=[(1, "14:30", "18:00"), (3, "14:30", "18:00")], **SCHOOL)
    porcari_nido = ServiceFactory(
        name="Nido Il Pettirosso",
        municipality=porcari,
        age_min_months=6,
        age_max_months=36,
    )
    open_service(porcari_nido, hours=WEEK, **SCHOOL)
    camp = ServiceFactory(
        name="Estate ragazzi",
        municipality=pescaglia,
        kind=topic("centri-estivi"),
        age_min_months=36,
        age_max_months=132,
    )
    open_service(camp, starts_on=D(2030, 6, 15), ends_on=D(2030, 7, 31), hours=WEEK)
    ServiceFactory(name="Nido non pubblicato", municipality=lucca, published=False)
    return {"lucca": lucca, "capannori": capannori, "porcari": porcari}


def test_the_directory_lists_published_services_only(client, piana):
    response = client.get("/servizi/")
    assert response.status_code == 200
    assert sorted(names(response)) == [
        "Doposcuola Il Girasole",
        "Estate ragazzi",
        "Nido Il Girotondo",
        "Nido Il Pettirosso",
    ]


def test_a_comune_and_its_neighbours(client, piana):
    lucca = piana["lucca"].pk
    assert names(client.get(f"/servizi/?comune={lucca}")) == ["Nido Il Girotondo"]
    # Capannori borders Lucca; Porcari and Pescaglia's camp… Pescaglia borders too.
    found = names(client.get(f"/servizi/?comune={lucca}&vicini=on"))
    assert "Doposcuola Il Girasole" in found and "Nido Il Pettirosso" not in found


def test_the_childs_age_and_the_kind(client, piana):
    assert sorted(names(client.get("/servizi/?eta=0-5m"))) == ["Nido Il Girotondo"]
    assert sorted(names(client.get("/servizi/?eta=2y"))) == [
        "Nido Il Girotondo",
        "Nido Il Pettirosso",
    ]
    kind = topic("doposcuola").pk
    assert names(client.get(f"/servizi/?tipo={kind}")) == ["Doposcuola Il Girasole"]


def test_tuesday_at_half_past_five(client, piana):
    # “martedì alle 17:30” from Monday 4 November 2030: the next Tuesday is the 5th.
    found = names(client.get("/servizi/?giorno=1&ora=17:30&data=2030-11-04"))
    assert found == ["Doposcuola Il Girasole"]
    found = names(client.get("/servizi/?giorno=1&ora=9.00&data=2030-11-04"))
    assert sorted(found) == ["Nido Il Girotondo", "Nido Il Pettirosso"]
    # Wednesday afternoon: the after-school is shut.
    assert names(client.get("/servizi/?giorno=2&ora=17:30&data=2030-11-04")) == []


def test_a_public_holiday_closes_everything_and_a_patron_day_its_comune(client, piana):
    # 8 December 2031 (Immacolata) is a Monday.
    assert names(client.get("/servizi/?data=2031-12-08&ora=10:00")) == []
    # San Paolino (Friday 12 July 2030): Lucca's nursery stays shut, the others
    # open.
    nido = Service.objects.get(name="Nido Il Girotondo")
    porcari = Service.objects.get(name="Nido Il Pettirosso")
    for service in (nido, porcari):
        open_service(
            service, starts_on=D(2030, 7, 1), ends_on=D(2030, 7, 31), hours=WEEK
        )
    found = names(client.get("/servizi/?data=2030-07-12&ora=10:00"))
    assert sorted(found) == ["Estate ragazzi", "Nido Il Pettirosso"]
    assert sorted(names(client.get("/servizi/?data=2030-07-11&ora=10:00"))) == [
        "Estate ragazzi",
        "Nido Il Girotondo",
        "Nido Il Pettirosso",
    ]


def test_a_closure_takes_its_days_out(client, piana):
    from crm.directory import services as directory

    nido = Service.objects.get(name="Nido Il Girotondo")
    directory.closure_add(
        service=nido, by=None, starts_on=D(2030, 12, 23), ends_on=D(2031, 1, 6)
    )
    found = names(client.get("/servizi/?data=2031-01-02&ora=10:00"))
    assert found == ["Nido Il Pettirosso"]


def test_open_now(client, piana, monkeypatch):
    tuesday_afternoon = timezone.make_aware(datetime.datetime(2030, 11, 5, 17, 30))
    monkeypatch.setattr(timezone, "now", lambda: tuesday_afternoon)
    assert names(client.get("/servizi/?aperto_ora=on")) == ["Doposcuola Il Girasole"]
    response = client.get(
        f"/servizi/{Service.objects.get(name__startswith='Dopo').pk}/"
    )
    assert "Aperto ora" in response.content.decode()


def test_free_places_and_free_of_charge(client, piana):
    assert "Nido Il Girotondo" not in names(client.get("/servizi/?posti=on"))
    assert names(client.get("/servizi/?gratuito=on")) == ["Doposcuola Il Girasole"]


def test_a_malformed_time_is_named_and_the_other_filters_still_apply(client, piana):
    kind = topic("doposcuola").pk
    response = client.get(f"/servizi/?ora=25:00&tipo={kind}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ora: scrivila come ore e minuti" in page
    assert names(response) == ["Doposcuola Il Girasole"]


def test_nonsense_in_the_query_string_never_breaks_the_page(client, piana):
    for query in ("comune=abc", "eta=99y", "giorno=9", "data=31-31-2030", "pagina=x"):
        assert client.get(f"/servizi/?{query}").status_code == 200


def test_the_search_takes_the_same_queries_for_many_services(
    client, piana, django_assert_max_num_queries
):
    from crm.models import OpeningHours, OpeningPeriod

    nido = Service.objects.get(name="Nido Il Girotondo")
    query = "/servizi/?giorno=1&ora=10:00&data=2030-11-04&eta=2y"
    with django_assert_max_num_queries(12) as few:
        client.get(query)
    base = len(few.captured_queries)
    services = [
        ServiceFactory(name=f"Nido {n:03d}", municipality=nido.municipality)
        for n in range(60)
    ]
    periods = OpeningPeriod.objects.bulk_create(
        OpeningPeriod(service=s, name="Anno", **SCHOOL) for s in services
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(period=p, weekday=d, opens=450, closes=990)
        for p in periods
        for d in range(5)
    )
    with django_assert_max_num_queries(base) as many:
        response = client.get(query)
    assert len(names(response)) == 20  # a full page
    assert len(many.captured_queries) == base


def test_a_service_page_shows_its_week_periods_places_and_how_to_apply(client, piana):
    service = Service.objects.get(name="Nido Il Girotondo")
    service.how_to_apply = "Domanda online entro il 31 marzo."
    service.save()
    response = client.get(f"/servizi/{service.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "07:30–16:30" in page and "Domanda online entro il 31 marzo." in page
    assert "16/09/2030" in page
    assert "Completo" in page  # no free places


def test_a_figure_older_than_30_days_shows_as_to_be_confirmed(client, piana):
    service = Service.objects.get(name="Nido Il Pettirosso")
    Service.objects.filter(pk=service.pk).update(
        places_updated_at=timezone.now() - datetime.timedelta(days=31)
    )
    assert "da confermare" in client.get(f"/servizi/{service.pk}/").content.decode()
    Service.objects.filter(pk=service.pk).update(
        places_updated_at=timezone.now() - datetime.timedelta(days=29)
    )
    assert "da confermare" not in client.get(f"/servizi/{service.pk}/").content.decode()


def test_an_unpublished_or_unknown_service_is_not_found(client, piana):
    hidden = Service.objects.get(published=False)
    assert client.get(f"/servizi/{hidden.pk}/").status_code == 404
    assert client.get("/servizi/999999/").status_code == 404


def test_no_map_without_a_tile_server_and_leaflet_from_the_site_with_one(
    client, piana, settings
):
    nido = Service.objects.get(name="Nido Il Girotondo")
    nido.latitude, nido.longitude = 43.843, 10.505
    nido.save()
    page = client.get("/servizi/").content.decode()
    assert "service-map" not in page and "leaflet" not in page
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    response = client.get("/servizi/")
    page = response.content.decode()
    assert 'src="/static/vendor/leaflet/leaflet.js"' in page
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in page
    assert "unpkg" not in page and "cdn" not in page.lower()
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_vendored_leaflet_is_the_version_package_json_asks_for():
    import json

    from django.conf import settings

    wanted = json.loads((settings.BASE_DIR / "package.json").read_text())
    version = wanted["dependencies"]["leaflet"].lstrip("^~")
    vendored = (settings.BASE_DIR / "static/vendor/leaflet/leaflet.js").read_text()
    assert f"Leaflet {version}," in vendored[:200]


def test_the_public_coverage_page_counts_services_only(client, piana):
    response = client.get("/servizi/copertura/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Lucca" in page and "Famiglia" not in page
