"""`seed_demo` builds the whole demo network, and running it again changes nothing."""

import io

import pytest
from django.core.management import call_command

from cms.models import EventPage
from crm.models import Member, MemberKind, Person
from crm.permissions import represents
from pact.models import Contribution, PactVersion


def _counts():
    return (
        Member.objects.count(),
        Person.objects.count(),
        EventPage.objects.live().count(),
        Contribution.objects.count(),
        PactVersion.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_builds_the_network_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first

    kinds = set(Member.objects.values_list("kind", flat=True))
    assert kinds == {c.value for c in MemberKind}
    assert 35 <= Member.objects.count() <= 60
    assert "coordinatrice@luccainfamiglia.example" in out.getvalue()
    assert "luccainfamiglia" in out.getvalue()
    # The seed's three events of 2020 are published.
    titles = set(EventPage.objects.live().values_list("title", flat=True))
    assert {
        "Una comunità a supporto delle famiglie: esempi di reti territoriali e di "
        "conciliazione famiglia-lavoro",
        "Verso un patto di comunità per fornire supporto alle famiglie",
        "Avvio della rete",
    } <= titles


@pytest.mark.django_db
def test_demo_logins_can_log_in_and_act_for_their_member(client):
    call_command("seed_demo", stdout=io.StringIO())
    person = Person.objects.get(email="lucia.baroni@example.org")
    member = Member.objects.get(name="Associazione Genitori Insieme APS")
    assert represents(person.user, member)
    response = client.post(
        "/account/login/",
        {"login": "giulia.bianchi@example.org", "password": "luccainfamiglia"},
    )
    assert response.status_code == 302
    assert client.get("/area-riservata/").status_code == 200


@pytest.mark.django_db
def test_the_demo_is_ready_for_each_persona(client, settings):
    """Links at the served address, a table open for each facilitator, a
    programme not dated 2020, La rete linking the pact, each login landing
    where its work is."""
    from cms.models import ProgrammePage, StandardPage
    from pact.models import ThematicTable

    settings.SITE_URL = "http://127.0.0.1:8101"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8101/" in out.getvalue()
    assert "8000" not in out.getvalue()

    for email in (
        "facilitatrice@luccainfamiglia.example",
        "facilitatore@luccainfamiglia.example",
    ):
        assert ThematicTable.objects.open().filter(facilitators__email=email).exists()
    assert "ottobre/novembre 2020" not in ProgrammePage.objects.get().intro
    network = StandardPage.objects.get(slug="la-rete").body
    assert 'href="/patto/"' in network and 'href="/verifica/"' in network

    for email, lands in (
        ("facilitatrice@luccainfamiglia.example", "/facilitazione/"),
        ("giulia.bianchi@example.org", "/area-riservata/"),
    ):
        client.logout()
        client.post("/account/login/", {"login": email, "password": "luccainfamiglia"})
        assert client.get("/area-riservata/benvenuto/")["Location"] == lands
