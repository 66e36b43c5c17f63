"""Each persona lands where their work is, and every area links to the others
the person may use (crm.areas)."""

import pytest
from django.urls import reverse

from pact.models import ThematicTable
from tests.conftest import log_in, pass_mfa
from tests.crm.test_accounts import verified
from tests.factories import UserFactory
from tests.pact.conftest import make_event

pytestmark = pytest.mark.django_db

LANDING = reverse("crm:landing")
ADMIN = reverse("wagtailadmin_home")
AREA = reverse("crm:area_home")
TABLES = reverse("pact:facilitation_tables")
HANDOVERS = reverse("pact:handover_list")


@pytest.fixture
def table(network):
    from pact.models import Workshop

    workshop = Workshop.objects.create(event=make_event(), title="Verso un patto")
    table = ThematicTable.objects.create(workshop=workshop, title="Servizi 0-6")
    table.facilitators.add(network.facilitator)
    return table


@pytest.mark.parametrize(
    "persona, lands",
    [
        ("coordinator", ADMIN),
        ("cms_editor", ADMIN),
        ("liaison", HANDOVERS),
        ("facilitator", TABLES),
        ("guardian_a", AREA),
        ("legal_rep_x", AREA),
    ],
)
def test_each_persona_lands_where_their_work_is(client, network, persona, lands):
    log_in(client, getattr(network, persona))
    response = client.get(LANDING)
    assert response.status_code == 302
    assert response["Location"] == lands


def test_logging_in_goes_through_the_landing(client, network):
    user = verified(network.facilitator)
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "password-for-tests"},
    )
    assert response["Location"] == LANDING
    assert client.get(LANDING)["Location"] == TABLES


def test_someone_named_at_a_table_without_the_role_lands_there_too(client, table):
    helper = UserFactory(username="aiuto@example.org")
    table.facilitators.add(helper)
    client.force_login(helper)
    assert client.get(LANDING)["Location"] == TABLES


def test_a_facilitator_sees_their_tables_from_the_member_area(client, network):
    client.force_login(network.facilitator)
    html = client.get(AREA).content.decode()

    assert f'href="{TABLES}"' in html
    assert "Non ancora collegato" not in html
    # And the tables page leads back to the member area.
    html = client.get(TABLES).content.decode()
    assert f'href="{AREA}"' in html


def test_the_liaison_reaches_the_handovers_and_the_back_office(client, network):
    log_in(client, network.liaison)
    html = client.get(AREA).content.decode()
    assert f'href="{HANDOVERS}"' in html and f'href="{ADMIN}"' in html


def test_a_family_sees_no_link_to_areas_it_may_not_use(client, network):
    client.force_login(network.guardian_a)
    html = client.get(AREA).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    for url in (TABLES, HANDOVERS, ADMIN):
        assert f'href="{url}"' not in main
    # Nor can it get there by typing the address.
    assert client.get(HANDOVERS).status_code in (403, 404)


def test_someone_without_a_family_or_a_role_is_told_why_the_area_is_empty(
    client, outsider
):
    client.force_login(outsider)
    html = client.get(AREA).content.decode()
    assert "Non ancora collegato" in html


def test_the_back_office_links_to_the_other_areas_and_the_public_site(client, network):
    pass_mfa(client, network.coordinator)
    html = client.get(ADMIN).content.decode()
    for url in (AREA, TABLES, "/"):
        assert f'href="{url}"' in html
    # The back office carries the network's name and mark, not Wagtail's.
    assert "Lucca In famiglia" in html[: html.index("</title>")]
    assert "img/favicon.svg" in html
    assert "guide.wagtail.org" not in html
