"""Identifiers in query strings and forms are whatever the browser sends.

A “²” passes ``str.isdigit()`` but ``int()`` refuses it; a word where an id
is expected must not reach the database either. Each page answers as for any
unknown id: never a server error.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ODD_IDS = ["²", "①", "abc", "-1", "1e3", "\u0661\u0662"]


@pytest.mark.parametrize("odd", ODD_IDS)
def test_the_role_and_invitation_forms_ignore_an_odd_member_or_person(
    coordinator_client, odd
):
    roles = coordinator_client.get(
        reverse("crm_roles:add"), {"member": odd, "person": odd}
    )
    invite = coordinator_client.get(reverse("crm_invitations:add"), {"member": odd})

    assert roles.status_code == invite.status_code == 200


@pytest.mark.parametrize("odd", ODD_IDS)
def test_adding_a_contact_for_an_odd_member_sends_back_to_the_members(
    coordinator_client, odd
):
    response = coordinator_client.get(reverse("crm_interaction:add"), {"member": odd})

    assert response.status_code == 302
    assert response["Location"] == reverse("crm_member:index")


@pytest.mark.parametrize("odd", ODD_IDS)
def test_building_a_handover_with_odd_ids_is_refused_with_a_message(
    coordinator_client, odd
):
    response = coordinator_client.post(
        reverse("pact_handover_build"),
        {"version": odd, "scope": "chosen", "adhesion": [odd]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Scegli una versione del patto" in page


# --- public addresses: whatever a visitor or a scanner types ----------------------

HOSTILE_TEXT = ["\x00", "a\x00b", "x" * 5000, "²", "'; --", "%", "é😀", "\u202e"]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
@pytest.mark.parametrize(
    "url",
    [
        "/cerca/?q={}",
        "/cerca/?q=nido&page={}",
        "/iscrizioni/{}/",
        "/iscrizioni/{}/attestato.pdf",
        "/invito/{}/",
        "/verifica/?code={}",
        "/programma/?page={}",
        "/patto/?page={}",
    ],
)
def test_public_addresses_answer_any_text_without_an_error(client, db, url, text):
    from urllib.parse import quote

    response = client.get(url.format(quote(text, safe="")))

    assert response.status_code in (200, 301, 302, 400, 404)


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "x" * 5000, "²"])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/rete/soggetti/?q={}",
        "/admin/rete/persone/?q={}",
        "/admin/rete/contatti/?q={}",
        "/admin/accessi/ruoli/?q={}",
        "/admin/rete/soggetti/?kind={}&status={}",
        "/admin/rete/soggetti/?municipality={}",
        "/admin/rete/soggetti/?p={}",
        "/admin/pages/search/?q={}",
        "/admin/rete/duplicati/?q={}",
    ],
)
def test_back_office_lists_answer_any_search_without_an_error(
    coordinator_client, url, text
):
    from urllib.parse import quote

    quoted = quote(text, safe="")
    response = coordinator_client.get(url.format(quoted, quoted))

    assert response.status_code in (200, 302, 400, 404)


@pytest.mark.parametrize("odd", ODD_IDS)
def test_unlocking_an_odd_attempt_is_a_404(coordinator_client, odd):
    response = coordinator_client.post(reverse("crm_lockouts:index"), {"attempt": odd})

    assert response.status_code == 404


@pytest.mark.parametrize("odd", ODD_IDS)
def test_moving_an_odd_seat_to_an_odd_table_says_choose(coordinator_client, odd):
    from pact.models import Workshop
    from tests.pact.conftest import make_event

    workshop = Workshop.objects.create(event=make_event(), title="Verso un patto")

    response = coordinator_client.post(
        reverse("pact_seating", args=[workshop.pk]),
        {"action": "move", "seat": odd, "table": odd},
        follow=True,
    )

    assert response.status_code == 200
    assert "Scegli un partecipante e un tavolo." in response.content.decode()
