"""Coordinators keep the directory in the back office; the same rules hold."""

import io

import pytest
from openpyxl import load_workbook
from wagtail.permissions import policy_registry

from crm.models import OpeningPeriod, Service
from tests.factories import ServiceFactory, municipality, topic

pytestmark = pytest.mark.django_db


def _form(network, **changes):
    data = {
        "member": network.org_x.pk,
        "kind": topic("nido").pk,
        "name": "Nido Xilofono",
        "description": "",
        "age_min_months": 3,
        "age_max_months": 36,
        "published": "on",
        "municipality": municipality("Lucca").pk,
        "address": "Via Elisa 1",
        "latitude": "",
        "longitude": "",
        "capacity": 30,
        "places_free": 2,
        "cost": "income_based",
        "cost_notes": "",
        "how_to_apply": "Bando comunale",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        "accessibility": "",
        "languages": "",
    }
    data.update(changes)
    return data


def test_a_coordinator_adds_a_service_with_its_places_dated(
    coordinator_client, network
):
    response = coordinator_client.post("/admin/servizi/elenco/new/", _form(network))
    assert response.status_code == 302, response.context["form"].errors
    service = Service.objects.get(name="Nido Xilofono")
    assert service.places_free == 2 and service.places_updated_at is not None
    assert service.places_updated_by == network.coordinator


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"age_min_months": 40}, "l’età massima (36 mesi) è inferiore alla minima"),
        ({"places_free": 31}, "sono più dei posti totali"),
        ({"places_free": -1}, "non può essere negativo"),
        ({"latitude": "43.8"}, "Posizione sulla mappa"),
    ],
)
def test_bad_input_in_the_back_office_is_named_and_nothing_saved(
    coordinator_client, network, changes, words
):
    response = coordinator_client.post(
        "/admin/servizi/elenco/new/", _form(network, **changes)
    )
    assert response.status_code == 200
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not Service.objects.exists()


def test_a_coordinator_changes_the_places_and_the_date_moves(
    coordinator_client, network
):
    service = ServiceFactory(member=network.org_x, capacity=30, places_free=2)
    Service.objects.filter(pk=service.pk).update(places_updated_at=None)
    response = coordinator_client.post(
        f"/admin/servizi/elenco/edit/{service.pk}/",
        _form(network, name=service.name, places_free=5),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.places_free == 5 and service.places_version == 1
    assert service.places_updated_at is not None


def test_a_period_with_its_week_is_added_from_the_services_page(
    coordinator_client, network
):
    service = ServiceFactory(member=network.org_x)
    page = coordinator_client.get(f"/admin/servizi/elenco/inspect/{service.pk}/")
    assert f"/admin/servizi/periodi/new/?service={service.pk}" in page.content.decode()
    data = {
        "name": "Anno scolastico 2030/31",
        "starts_on": "2030-09-16",
        "ends_on": "2031-06-10",
        "d0_1_from": "7:30",
        "d0_1_to": "16:30",
        "d0_2_from": "",
        "d0_2_to": "",
    }
    url = f"/admin/servizi/periodi/new/?service={service.pk}"
    bad = coordinator_client.post(url, {**data, "d0_1_to": "6:00"})
    assert bad.status_code == 200
    assert "Lunedì, fascia 1" in bad.content.decode().replace("&#x27;", "'")
    assert not OpeningPeriod.objects.exists()
    good = coordinator_client.post(url, data)
    assert good.status_code == 302
    period = service.periods.get()
    assert [(h.weekday, h.opens, h.closes) for h in period.hours.all()] == [
        (0, 450, 990)
    ]


def test_the_service_list_takes_the_same_queries_for_many_services(
    coordinator_client, network, django_assert_max_num_queries
):
    ServiceFactory.create_batch(5, member=network.org_x)
    coordinator_client.get("/admin/servizi/elenco/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        coordinator_client.get("/admin/servizi/elenco/")
    ServiceFactory.create_batch(40, member=network.org_y)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coordinator_client.get("/admin/servizi/elenco/")
    assert response.status_code == 200


def test_services_export_as_xlsx(coordinator_client, network):
    ServiceFactory(member=network.org_x, name='=HYPERLINK("x")')
    response = coordinator_client.get("/admin/servizi/elenco/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("Codice", "Organizzazione", "Tipo", "Nome")
    assert rows[1][3] == '\'=HYPERLINK("x")'  # made inert


def test_the_policy_opens_services_in_the_back_office_to_coordinators_only(network):
    """An organisation's people edit its services in the member area, where
    their role applies; in the back office their object permissions open
    nothing (the back office needs a coordinator's role and a second factor)."""
    mine = ServiceFactory(member=network.org_x)
    theirs = ServiceFactory(member=network.org_y)
    policy = policy_registry.get_by_type(Service)
    for user in (network.legal_rep_x, network.contact_x, network.guardian_a):
        assert not policy.instances_user_has_any_permission_for(
            user, ["view", "change"]
        ).exists()
        assert not policy.user_has_permission_for_instance(user, "change", mine)
    found = policy.instances_user_has_any_permission_for(
        network.coordinator, ["change"]
    )
    assert set(found) == {mine, theirs}


def test_people_without_the_back_office_are_turned_away(client, network):
    service = ServiceFactory(member=network.org_x)
    client.force_login(network.legal_rep_x)
    for url in (
        "/admin/servizi/elenco/",
        f"/admin/servizi/elenco/edit/{service.pk}/",
        "/admin/servizi/copertura/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_commitments_are_shown_beside_the_services_offered(coordinator_client, network):
    from pact.commitments import commitments_and_services

    ServiceFactory(member=network.org_x, kind=topic("doposcuola"))
    rows = commitments_and_services()
    assert any(
        r["member"] == "Associazione Xilofono"
        and r["services"] == 1
        and not r["promised"]
        for r in rows
    )
    response = coordinator_client.get("/admin/pact/impegni-e-servizi/")
    assert response.status_code == 200
    assert "Associazione Xilofono" in response.content.decode()
