"""An organisation keeps its services in its member area: the legal
representative and the contacts it authorised, nobody else (404)."""

import datetime

import pytest
from django.utils import timezone

from crm.models import OpeningPeriod, Service
from tests.conftest import log_in
from tests.factories import ServiceFactory, municipality, topic

pytestmark = pytest.mark.django_db


def _service_form(**changes):
    data = {
        "kind": topic("doposcuola").pk,
        "name": "Doposcuola Xilofono",
        "description": "Compiti e merenda.",
        "age_min_months": 60,
        "age_max_months": 132,
        "municipality": municipality("Lucca").pk,
        "address": "Via Fillungo 10",
        "cost": "fee",
        "languages": "italiano",
        "published": "on",
        "capacity": 20,
        "places_free": 4,
    }
    data.update(changes)
    return data


@pytest.fixture
def service_x(network):
    return ServiceFactory(member=network.org_x, name="Ludoteca Xilofono")


def test_the_legal_representative_adds_a_service_with_its_places_dated(client, network):
    client.force_login(network.legal_rep_x)
    url = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/nuovo/"
    response = client.post(url, _service_form())
    service = Service.objects.get(name="Doposcuola Xilofono")
    assert response.status_code == 302
    assert service.member == network.org_x and service.places_free == 4
    assert service.places_updated_by == network.legal_rep_x
    assert timezone.now() - service.places_updated_at < datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    "changes,field,words",
    [
        ({"age_min_months": 40, "age_max_months": 12}, "age_max_months", "12 mesi"),
        ({"places_free": -3}, "places_free", "negativo"),
        ({"places_free": 30}, "places_free", "posti totali"),
        ({"municipality": 999999}, "municipality", ""),
    ],
)
def test_bad_input_is_named_in_italian_and_nothing_is_saved(
    client, network, changes, field, words
):
    client.force_login(network.legal_rep_x)
    url = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/nuovo/"
    response = client.post(url, _service_form(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors or errors.get("__all__")
    assert words in " ".join(str(e) for e in errors.values())
    assert not Service.objects.exists()


def test_a_contact_the_organisation_authorised_edits_its_service(
    client, network, service_x
):
    client.force_login(network.contact_x)
    url = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, _service_form(name="Ludoteca Xilofono nuova"))
    assert response.status_code == 302
    service_x.refresh_from_db()
    assert service_x.name == "Ludoteca Xilofono nuova"


def test_others_get_404_on_an_organisations_services(client, network, service_x):
    base = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/"
    urls = [
        base + "nuovo/",
        base + f"{service_x.pk}/",
        base + f"{service_x.pk}/periodi/nuovo/",
    ]
    for user in (network.contact_y, network.guardian_a, network.coordinator):
        log_in(client, user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert (
            client.post(base + f"{service_x.pk}/posti/", {"step": "+1"}).status_code
            == 404
        )
    # Another organisation's address with this service: 404 as well.
    client.force_login(network.contact_y)
    other = f"/area-riservata/soggetti/{network.org_y.pk}/servizi/{service_x.pk}/"
    assert client.get(other).status_code == 404
    service_x.refresh_from_db()
    assert service_x.places_free == 5


def test_an_anonymous_visitor_is_sent_to_log_in(client, network, service_x):
    url = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}/"
    response = client.get(url)
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_a_period_with_its_week_is_saved_from_the_area(client, network, service_x):
    client.force_login(network.legal_rep_x)
    url = (
        f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}"
        "/periodi/nuovo/"
    )
    response = client.post(
        url,
        {
            "name": "Anno scolastico 2030/31",
            "starts_on": "2030-09-16",
            "ends_on": "2031-06-10",
            "d1_1_from": "16:30",
            "d1_1_to": "19:00",
            "d5_1_from": "9",
            "d5_1_to": "12.30",
        },
    )
    assert response.status_code == 302
    period = service_x.periods.get()
    assert [
        (h.weekday, h.opens_display, h.closes_display) for h in period.hours.all()
    ] == [
        (1, "16:30", "19:00"),
        (5, "09:00", "12:30"),
    ]


@pytest.mark.parametrize(
    "changes,field,words",
    [
        ({"d1_1_from": "18:00", "d1_1_to": "17:00"}, "d1_1_to", "Martedì, fascia 1"),
        ({"d1_1_from": "18:00", "d1_1_to": "25:00"}, "d1_1_to", "tra 00:00 e 24:00"),
        ({"d1_1_to": ""}, "d1_1_to", "entrambi"),
        ({"ends_on": "2030-01-01"}, "ends_on", "prima di cominciare"),
    ],
)
def test_bad_hours_or_dates_are_named_and_nothing_is_saved(
    client, network, service_x, changes, field, words
):
    client.force_login(network.legal_rep_x)
    url = (
        f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}"
        "/periodi/nuovo/"
    )
    data = {
        "name": "Anno",
        "starts_on": "2030-09-16",
        "ends_on": "2031-06-10",
        "d1_1_from": "16:30",
        "d1_1_to": "19:00",
    }
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert words in " ".join(errors[field])
    assert not OpeningPeriod.objects.exists()


def test_places_are_updated_taken_and_freed_with_the_date(client, network, service_x):
    client.force_login(network.contact_x)
    url = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}/posti/"
    client.post(url, {"step": "-1"})
    client.post(url, {"step": "-1"})
    service_x.refresh_from_db()
    assert service_x.places_free == 3
    response = client.post(
        url,
        {"places_free": 7, "capacity": 20, "version": service_x.places_version},
    )
    assert response.status_code == 302
    service_x.refresh_from_db()
    assert (
        service_x.places_free == 7 and service_x.places_updated_by == network.contact_x
    )


def test_a_form_read_before_someone_elses_update_is_refused(client, network, service_x):
    client.force_login(network.legal_rep_x)
    page = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}/"
    seen_version = service_x.places_version
    client.post(page + "posti/", {"step": "-1"})  # someone takes a place meanwhile
    response = client.post(
        page + "posti/",
        {"places_free": 9, "capacity": 20, "version": seen_version},
        follow=True,
    )
    service_x.refresh_from_db()
    assert service_x.places_free == 4
    assert "Nel frattempo qualcuno ha aggiornato i posti" in response.content.decode()


def test_places_cannot_go_below_zero_by_taking_one(client, network, service_x):
    Service.objects.filter(pk=service_x.pk).update(places_free=0)
    client.force_login(network.legal_rep_x)
    url = f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}/posti/"
    response = client.post(url, {"step": "-1"}, follow=True)
    service_x.refresh_from_db()
    assert service_x.places_free == 0
    assert "non può essere negativo" in response.content.decode()


def test_a_closure_ending_before_it_starts_is_refused(client, network, service_x):
    client.force_login(network.legal_rep_x)
    url = (
        f"/area-riservata/soggetti/{network.org_x.pk}/servizi/{service_x.pk}/chiusure/"
    )
    response = client.post(
        url, {"starts_on": "2030-12-23", "ends_on": "2030-12-01"}, follow=True
    )
    assert "Fino al: la chiusura finisce prima di cominciare." in (
        response.content.decode()
    )
    assert not service_x.closures.exists()
    client.post(url, {"starts_on": "2030-12-23", "ends_on": "2031-01-06"})
    assert service_x.closures.count() == 1


def test_the_organisation_page_lists_its_services_in_few_queries(
    client, network, django_assert_max_num_queries
):
    for n in range(30):
        ServiceFactory(member=network.org_x, name=f"Servizio {n:02d}")
    client.force_login(network.contact_x)
    with django_assert_max_num_queries(25):
        response = client.get(f"/area-riservata/soggetti/{network.org_x.pk}/servizi/")
    assert response.content.decode().count("Servizio ") >= 30
