"""A family's side of the directory: its matching services, asking a service
for information, being told when places free up, and stopping that."""

import datetime

import pytest
from django.core import mail

from crm.directory import services as directory
from crm.models import (
    Child,
    InformationRequest,
    Interaction,
    PlacesAlert,
    Service,
)
from tests.factories import ServiceFactory, municipality, topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(network):
    """Famiglia Aranci, in Lucca, a child of about two, needing a nursery."""
    family = network.family_a
    today = datetime.date.today()
    months = today.year * 12 + today.month - 1 - 26
    Child.objects.create(
        family=family, birth_year=months // 12, birth_month=months % 12 + 1
    )
    family.needs.set([topic("nido")])
    return family


@pytest.fixture
def services(network):
    make = ServiceFactory
    return {
        "fits": make(
            member=network.org_x,
            name="Nido vicino",
            municipality=municipality("Capannori"),
        ),
        "too_old": make(
            member=network.org_x,
            name="Nido grandi",
            age_min_months=36,
            age_max_months=72,
        ),
        "far": make(
            member=network.org_x,
            name="Nido lontano",
            municipality=municipality("Porcari"),
        ),
        "other_kind": make(
            member=network.org_x, name="Ludoteca", kind=topic("ludoteca")
        ),
        "hidden": make(member=network.org_x, name="Nido nascosto", published=False),
        "full": make(member=network.org_y, name="Nido pieno", places_free=0),
    }


def test_a_family_sees_the_services_that_fit_its_children_comune_and_needs(
    client, network, family, services
):
    client.force_login(network.guardian_a)
    response = client.get(f"/area-riservata/soggetti/{family.pk}/servizi-per-noi/")
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("Nido vicino", "Nido pieno"):
        assert name in page
    for name in ("Nido grandi", "Nido lontano", "Ludoteca", "Nido nascosto"):
        assert name not in page


def test_another_family_cannot_see_this_familys_matches(client, network, family):
    client.force_login(network.guardian_b)
    url = f"/area-riservata/soggetti/{family.pk}/servizi-per-noi/"
    assert client.get(url).status_code == 404


def test_an_information_request_reaches_the_organisation_and_both_timelines(
    client, network, family, services, django_capture_on_commit_callbacks
):
    service = services["fits"]
    client.force_login(network.guardian_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/servizi/{service.pk}/informazioni/",
            {
                "family": family.pk,
                "message": "Ci sono posti da gennaio?",
                "share_contact": "on",
            },
        )
    assert response.status_code == 302
    request = InformationRequest.objects.get()
    assert request.family == family and request.person.user == network.guardian_a
    assert "Acconsento" in request.consent_text
    [email] = mail.outbox
    # No address of its own: the organisation's legal representative and contact.
    assert email.to == ["carlo.xodo@example.org", "laura.xerri@example.org"]
    assert "Ci sono posti da gennaio?" in email.body
    assert "anna.aranci@example.org" in email.body
    family_side = Interaction.objects.get(member=family)
    org_side = Interaction.objects.get(member=network.org_x)
    assert service.name in family_side.subject and "Famiglia Aranci" in org_side.subject


def test_the_request_goes_to_the_legal_representative_and_contacts_when_no_address(
    network, family, services
):
    service = services["fits"]
    Service.objects.filter(pk=service.pk).update(contact_email="")
    service.member.email = ""
    service.refresh_from_db()
    assert directory.organisation_recipients(service) == [
        "carlo.xodo@example.org",
        "laura.xerri@example.org",
    ]


def test_no_request_without_consent_to_share_the_contact(
    client, network, family, services
):
    client.force_login(network.guardian_a)
    response = client.post(
        f"/servizi/{services['fits'].pk}/informazioni/",
        {"family": family.pk, "message": "Informazioni?"},
        follow=True,
    )
    assert "può risponderti solo se acconsenti" in response.content.decode()
    assert not InformationRequest.objects.exists()
    assert not Interaction.objects.exists() and not mail.outbox


def test_an_organisation_cannot_ask_in_the_name_of_a_family(client, network, services):
    client.force_login(network.legal_rep_x)
    response = client.post(
        f"/servizi/{services['fits'].pk}/informazioni/",
        {"family": network.family_a.pk, "message": "x", "share_contact": "on"},
    )
    assert response.status_code == 302
    assert not InformationRequest.objects.exists()


def test_a_family_is_told_when_a_full_service_frees_places_and_stops_in_one_click(
    client, network, family, services, django_capture_on_commit_callbacks
):
    service = services["full"]
    client.force_login(network.guardian_a)
    client.post(f"/servizi/{service.pk}/avvisami/", {"family": family.pk})
    assert not PlacesAlert.objects.exists()  # no consent, no alert
    client.post(
        f"/servizi/{service.pk}/avvisami/", {"family": family.pk, "consent": "on"}
    )
    alert = PlacesAlert.objects.get()
    assert "Acconsento a ricevere" in alert.consent_text

    with django_capture_on_commit_callbacks(execute=True):
        directory.places_update(service=service, by=network.contact_y, delta=1)
    [email] = mail.outbox
    assert email.to == ["anna.aranci@example.org"]
    stop = f"/servizi/avvisi/{alert.stop_token}/"
    assert stop in email.body and email.extra_headers["List-Unsubscribe"].endswith(
        f"{stop}>"
    )
    # Freeing one more place is not news: nobody is written to again.
    with django_capture_on_commit_callbacks(execute=True):
        directory.places_update(service=service, by=network.contact_y, delta=1)
    assert len(mail.outbox) == 1

    client.logout()
    assert "Interrompi queste email" in client.get(stop).content.decode()
    alert.refresh_from_db()
    assert alert.stopped_at is None  # opening the link (a mail scanner) stops nothing
    client.post(stop)
    alert.refresh_from_db()
    assert alert.stopped_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        directory.places_update(service=service, by=None, places_free=0)
        directory.places_update(service=service, by=None, places_free=3)
    assert len(mail.outbox) == 1


def test_a_forged_stop_link_is_not_found(client, network):
    assert client.get("/servizi/avvisi/nonesiste/").status_code == 404


def test_a_family_stops_an_alert_from_its_area(client, network, family, services):
    alert = directory.places_alert_subscribe(
        service=services["full"],
        family=family,
        person=network.guardian_a.person,
        consent=True,
    )
    client.force_login(network.guardian_b)
    url = (
        f"/area-riservata/soggetti/{family.pk}/servizi-per-noi/avvisi/{alert.pk}/stop/"
    )
    assert client.post(url).status_code == 404
    client.force_login(network.guardian_a)
    client.post(url)
    alert.refresh_from_db()
    assert alert.stopped_at is not None


def test_the_matches_page_takes_few_queries_with_many_services(
    client, network, family, django_assert_max_num_queries
):
    for n in range(40):
        ServiceFactory(
            member=network.org_x, name=f"Nido {n}", municipality=municipality("Lucca")
        )
    client.force_login(network.guardian_a)
    with django_assert_max_num_queries(25):
        response = client.get(f"/area-riservata/soggetti/{family.pk}/servizi-per-noi/")
    assert response.content.decode().count('class="service-card"') == 20
