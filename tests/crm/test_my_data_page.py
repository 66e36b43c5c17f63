"""“My data on one page” reads as a letter to a family: Italian labels, values
as they were offered, dates as Italians write them, no internal codes."""

import re

import pytest
from django.urls import reverse

from cms.models import RegistrantKind, Registration, RegistrationStatus
from crm.models import DataExportLog
from tests.pact.adhesion_fixtures import make_open_version, signed_in_person
from tests.pact.conftest import make_event

pytestmark = pytest.mark.django_db

PAGE = reverse("crm:area_my_data_page")

# What the page used to show: field names, raw choice values, ISO timestamps.
ENGLISH_LABELS = ("Created at", "Registrant kind", "Childcare ages", "Signed at")
RAW_VALUES = ("confirmed", "in_person", "guardian", "citizen", "signed")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]?\d{2}:\d{2}")


@pytest.fixture
def family_with_a_story(network):
    person = network.guardian_a.person
    event = make_event()
    Registration.objects.create(
        event=event,
        person=person,
        member=network.family_a,
        status=RegistrationStatus.CONFIRMED,
        registrant_kind=RegistrantKind.FAMILY,
        childcare_children=2,
        childcare_ages=[2, 5],
    )
    signed_in_person(
        make_open_version(), network.family_a, network.coordinator, network.guardian_a
    )
    return network


def _text(html) -> str:
    main = html[html.index('<article class="my-data">') : html.index("</article>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_my_data_reads_in_italian_with_human_values_and_dates(
    client, family_with_a_story
):
    client.force_login(family_with_a_story.guardian_a)
    response = client.get(PAGE)

    assert response.status_code == 200
    text = _text(response.content.decode())
    for label in ENGLISH_LABELS:
        assert label not in text
    for raw in RAW_VALUES:
        assert not re.search(rf"\b{raw}\b", text), raw
    assert not ISO_MOMENT.search(text)
    assert "Preparato il" not in text
    # Italian labels, choices as offered, dates as dd/mm/yyyy.
    assert "Stato Confermata" in text
    assert "Famiglia (genitore o tutore)" in text
    assert "Modalità di firma Di persona, su carta" in text
    assert "Genitore/tutore" in text
    assert re.search(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b", text)
    # A signature's evidence is explained, not printed as JSON.
    assert "Prove della firma" in text and "{" not in text


def test_my_data_shows_no_internal_identifiers(client, family_with_a_story):
    from pact.models import Adhesion

    adhesion = Adhesion.objects.get(member=family_with_a_story.family_a)
    client.force_login(family_with_a_story.guardian_a)
    html = client.get(PAGE).content.decode()

    assert str(adhesion.uuid) not in html
    assert adhesion.document_sha256 not in html
    assert adhesion.short_code in html  # the code printed on the signed PDF


def test_an_adhesion_reads_once_under_the_family_not_twice(client, family_with_a_story):
    client.force_login(family_with_a_story.guardian_a)
    html = client.get(PAGE).content.decode()
    assert html.count("Adesione a “Patto di comunità per le famiglie”") == 1


def test_reading_my_data_is_logged_with_whom_it_concerns(client, family_with_a_story):
    client.force_login(family_with_a_story.guardian_a)
    client.get(PAGE)

    log = DataExportLog.objects.get(what="my_data")
    assert list(log.members.all()) == [family_with_a_story.family_a]
    assert list(log.people.all()) == [family_with_a_story.guardian_a.person]


def test_a_long_value_wraps_rather_than_widening_the_page(client, network):
    person = network.guardian_a.person
    person.email = "un.indirizzo.molto.lungo.senza.spazi." * 3 + "@example.org"
    person.save()
    client.force_login(network.guardian_a)
    html = client.get(PAGE).content.decode()
    assert "overflow-wrap: anywhere" in html
