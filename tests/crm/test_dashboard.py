"""The network at a glance on the admin home: numbers, charts without a CDN."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import selectors
from crm.models import MemberKind, MemberStatus, Topic
from tests.factories import FamilyFactory, OrganisationFactory, municipality

pytestmark = pytest.mark.django_db

HOME = reverse("wagtailadmin_home")


@pytest.fixture
def network_data():
    nido = Topic.objects.get(slug="nido")
    for month in (1, 1, 3):
        FamilyFactory(joined_on=datetime.date(2026, month, 15)).needs.add(nido)
    FamilyFactory(status=MemberStatus.FORMER, joined_on=datetime.date(2025, 12, 1))
    OrganisationFactory(
        municipality=municipality("Fabbriche di Vergemoli"),
        joined_on=datetime.date(2026, 2, 1),
    ).offers.add(nido)
    OrganisationFactory(kind=MemberKind.BUSINESS, municipality=None)


def test_members_are_counted_by_kind_without_former_members(network_data):
    # In the order of MemberKind: family, third sector, business, institution.
    assert [n for _label, n in selectors.members_by_kind()] == [3, 1, 1, 0]


def test_the_piana_comes_first_among_municipalities(network_data):
    rows, without = selectors.members_by_municipality()
    assert [(name, piana, n) for name, piana, n in rows] == [
        ("Lucca", True, 3),
        ("Fabbriche di Vergemoli", False, 1),
    ]
    assert without == 1


def test_growth_counts_new_adherents_per_month_and_the_running_total(network_data):
    series = selectors.members_by_joined_month()
    # The former member no longer counts; the business has no joining date.
    assert [(p["month"], p["new"], p["total"]) for p in series] == [
        (datetime.date(2026, 1, 1), 2, 2),
        (datetime.date(2026, 2, 1), 1, 3),
        (datetime.date(2026, 3, 1), 1, 4),
    ]
    assert selectors.adherents_without_joining_date() == 1


def test_one_definition_of_adherent_the_count_equals_the_chart(
    coordinator_client, network_data, client
):
    from cms.models import RegistrantKind
    from crm.models import Member

    # A public registration as a new family creates a prospect: not an adherent.
    FamilyFactory(status=MemberStatus.PROSPECT, joined_on=None)
    total = selectors.adherents_count()
    series = selectors.members_by_joined_month()

    assert total == Member.objects.adherents().count() == 5
    assert series[-1]["total"] + selectors.adherents_without_joining_date() == total
    assert sum(n for _label, n in selectors.members_by_kind()) == total
    html = coordinator_client.get(HOME).content.decode()
    assert "<strong>5</strong> soggetti aderenti nella rete" in html
    assert "totale: 4" in html  # the chart: adherents with a joining date
    assert "1 aderente non ha una data di adesione" in html
    assert "?status=prospect" in html
    assert RegistrantKind.FAMILY  # the kind a public registration creates


def test_making_a_member_active_in_the_back_office_records_the_day(
    coordinator_client, network_data
):
    from django.utils import timezone

    from crm.backoffice.viewsets_members import FAMILY_PANEL
    from crm.models import Member

    prospect = FamilyFactory(status=MemberStatus.PROSPECT, joined_on=None)
    form_class = FAMILY_PANEL.bind_to_model(Member).get_form_class()
    form = form_class(
        {
            "name": prospect.name,
            "status": MemberStatus.ACTIVE,
            "joined_on": "",
            "source": prospect.source,
            "municipality": prospect.municipality_id,
        },
        instance=prospect,
    )
    assert form.is_valid(), form.errors
    form.save()
    prospect.refresh_from_db()
    assert prospect.joined_on == timezone.localdate()


def test_needs_of_families_are_set_against_offers_of_organisations(network_data):
    [nido] = selectors.needs_and_offers_by_topic()
    assert (nido.slug, nido.needs, nido.offers) == ("nido", 3, 1)


def test_the_admin_home_shows_the_network_with_charts_and_tables(
    coordinator_client, network_data
):
    response = coordinator_client.get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="crm-dash"' in html
    panel = html[html.index('class="crm-dash"') :]
    # Each chart has its figures as text: a table row per month, per topic.
    assert panel.count('role="img"') == 1 and "<table" in panel
    assert re.search(r"<th scope=\"row\">Lucca", panel)
    # Nothing comes from outside: no external script, style or image.
    assert not re.search(r"""(src|href)=["']https?://""", panel)


def test_the_dashboard_takes_the_same_queries_whatever_the_size_of_the_network(
    coordinator_client, network_data
):
    coordinator_client.get(HOME)  # warm: Wagtail caches the site's root paths
    with CaptureQueriesContext(connection) as small:
        coordinator_client.get(HOME)
    for i in range(30):
        FamilyFactory(joined_on=datetime.date(2024, 1 + i % 12, 1))
    with CaptureQueriesContext(connection) as large:
        coordinator_client.get(HOME)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_people_without_access_to_members_do_not_see_the_panel(client, cms_editor):
    client.force_login(cms_editor)
    response = client.get(HOME)
    assert 'class="crm-dash"' not in response.content.decode()
