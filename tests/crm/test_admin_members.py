"""The back office for members, as a coordinator uses it: real admin URLs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import (
    Affiliation,
    AffiliationRole,
    Child,
    Interaction,
    Member,
    MemberKind,
    MemberStatus,
    Person,
    Topic,
)
from tests.factories import (
    AffiliationFactory,
    ChildFactory,
    ConsentFactory,
    FamilyFactory,
    InteractionFactory,
    OrganisationFactory,
    PersonFactory,
    municipality,
)

pytestmark = pytest.mark.django_db

MEMBERS = reverse("crm_member:index")


def names_in(response):
    return {m.name for m in response.context["object_list"]}


def test_the_network_group_holds_members_people_interactions_topics_and_comuni(
    coordinator_client,
):
    response = coordinator_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "crm_member",
        "crm_person",
        "crm_interaction",
        "crm_topic",
        "crm_municipality",
    ):
        assert reverse(f"{name}:index") in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"kind": MemberKind.FAMILY}, {"Famiglia Rossi"}),
        ({"status": MemberStatus.PROSPECT}, {"Cooperativa Sole"}),
        ({"municipality": "CAPANNORI"}, {"Cooperativa Sole"}),
        ({"needs": "NIDO"}, {"Famiglia Rossi"}),
        ({"offers": "NIDO"}, {"Associazione Luna"}),
    ],
)
def test_the_member_list_filters(coordinator_client, query, expected):
    nido = Topic.objects.get(slug="nido")
    FamilyFactory(name="Famiglia Rossi").needs.add(nido)
    OrganisationFactory(name="Associazione Luna").offers.add(nido)
    OrganisationFactory(
        name="Cooperativa Sole",
        kind=MemberKind.BUSINESS,
        status=MemberStatus.PROSPECT,
        municipality=municipality("Capannori"),
    )
    values = {
        "CAPANNORI": municipality("Capannori").pk,
        "NIDO": nido.pk,
    }
    query = {k: values.get(v, v) for k, v in query.items()}

    response = coordinator_client.get(MEMBERS, query)

    assert response.status_code == 200
    assert names_in(response) == expected


@pytest.mark.parametrize(
    "text",
    ["00378210462", "it00378210462", "80008870463", "SOLE@coop.example", "sole coop"],
)
def test_members_are_found_by_partita_iva_codice_fiscale_email_and_name(
    coordinator_client, text
):
    OrganisationFactory(
        name="Cooperativa Sole Coop",
        kind=MemberKind.BUSINESS,
        partita_iva="00378210462",
        codice_fiscale="80008870463",
        email="sole@coop.example",
    )
    OrganisationFactory(name="Associazione Luna")

    response = coordinator_client.get(MEMBERS, {"q": text})

    assert response.status_code == 200
    # A partita IVA written as a VAT number ("IT…") finds the member too.
    assert names_in(response) == {"Cooperativa Sole Coop"}


def test_people_are_found_by_codice_fiscale_email_and_full_name(coordinator_client):
    PersonFactory(
        first_name="Anna",
        last_name="Rossi",
        email="anna.rossi@example.org",
        codice_fiscale="RSSNNA80A41E715A",
    )
    PersonFactory(first_name="Bruno", last_name="Verdi")
    url = reverse("crm_person:index")
    for text in ("rssnna80a41e715a", "anna.rossi@", "Anna Rossi"):
        response = coordinator_client.get(url, {"q": text})
        found = {p.full_name for p in response.context["object_list"]}
        assert found == {"Anna Rossi"}, text


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_member_list_runs_the_same_queries_for_10_and_for_60_members(
    coordinator_client, django_assert_max_num_queries
):
    nido, trasporto = Topic.objects.filter(slug__in=["nido", "trasporto"])

    def add(n):
        for _i in range(n):
            family = FamilyFactory()
            family.needs.add(nido, trasporto)
            OrganisationFactory().offers.add(nido)

    add(5)
    ten = _list_queries(coordinator_client, MEMBERS)
    add(25)
    sixty = _list_queries(coordinator_client, MEMBERS)

    assert sixty == ten
    with django_assert_max_num_queries(ten):
        coordinator_client.get(MEMBERS)


def test_the_people_list_does_not_grow_its_queries_with_the_people(
    coordinator_client,
):
    url = reverse("crm_person:index")
    AffiliationFactory.create_batch(5)
    few = _list_queries(coordinator_client, url)
    AffiliationFactory.create_batch(40)
    assert _list_queries(coordinator_client, url) == few


def test_new_member_first_asks_which_kind(coordinator_client):
    response = coordinator_client.get(reverse("crm_member:add"))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in MemberKind.values:
        assert f"?kind={kind}" in html


def test_a_coordinator_creates_a_family_with_its_needs(coordinator_client):
    nido = Topic.objects.get(slug="nido")
    response = coordinator_client.post(
        reverse("crm_member:add") + "?kind=family",
        {
            "name": "Famiglia Nuova",
            "status": MemberStatus.ACTIVE,
            "source": "manual",
            "municipality": municipality("Porcari").pk,
            "phone": "0583 123456",
            "needs": [nido.pk],
        },
    )

    member = Member.objects.get(name="Famiglia Nuova")
    assert response.status_code == 302
    assert response["Location"] == reverse("crm_member:inspect", args=[member.pk])
    assert member.kind == MemberKind.FAMILY
    assert member.phone == "+390583123456"
    assert list(member.needs.all()) == [nido]


def test_the_family_form_has_no_organisation_fields(coordinator_client):
    response = coordinator_client.get(reverse("crm_member:add") + "?kind=family")
    fields = response.context["form"].fields
    assert "partita_iva" not in fields and "runts_number" not in fields
    assert "needs" in fields


def test_a_wrong_partita_iva_is_a_message_on_the_form_not_an_error_page(
    coordinator_client,
):
    response = coordinator_client.post(
        reverse("crm_member:add") + "?kind=business",
        {
            "kind": MemberKind.BUSINESS,
            "name": "Ditta Sbagliata",
            "partita_iva": "00378210463",
            "status": MemberStatus.ACTIVE,
            "source": "manual",
        },
    )

    assert response.status_code == 200
    assert "partita_iva" in response.context["form"].errors
    assert not Member.objects.filter(name="Ditta Sbagliata").exists()


def test_a_runts_number_on_a_business_is_refused_on_the_form(coordinator_client):
    business = OrganisationFactory(kind=MemberKind.BUSINESS, name="Ditta")
    response = coordinator_client.post(
        reverse("crm_member:edit", args=[business.pk]),
        {
            "kind": MemberKind.BUSINESS,
            "name": "Ditta",
            "runts_number": "12345",
            "status": MemberStatus.ACTIVE,
            "source": "manual",
        },
    )

    assert response.status_code == 200
    assert "runts_number" in response.context["form"].errors
    business.refresh_from_db()
    assert business.runts_number == ""


def test_a_coordinator_edits_an_organisation(coordinator_client):
    org = OrganisationFactory(name="Associazione Vecchia")
    response = coordinator_client.post(
        reverse("crm_member:edit", args=[org.pk]),
        {
            "kind": MemberKind.THIRD_SECTOR,
            "name": "Associazione Nuova",
            "legal_name": "Associazione Nuova APS",
            "runts_number": "RUNTS-1",
            "partita_iva": "00378210462",
            "status": MemberStatus.ACTIVE,
            "source": "manual",
        },
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.runts_number, org.partita_iva) == (
        "Associazione Nuova",
        "RUNTS-1",
        "00378210462",
    )


def test_a_members_page_shows_its_timeline_people_consents_children_and_history(
    coordinator_client, coordinator
):
    family = FamilyFactory(name="Famiglia Galli")
    family.needs.add(Topic.objects.get(slug="nido"))
    guardian = PersonFactory(first_name="Giulia", last_name="Galli")
    AffiliationFactory(person=guardian, member=family)
    ConsentFactory(person=guardian, notice_version="2026-7")
    ChildFactory(family=family, birth_year=2023, birth_month=4)
    ChildFactory(family=family, birth_year=2010, birth_month=1)
    InteractionFactory(member=family, subject="Telefonata di benvenuto")
    family.name = "Famiglia Galli Neri"
    family.save()

    response = coordinator_client.get(reverse("crm_member:inspect", args=[family.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Giulia Galli", "2026-7", "04/2023", "Telefonata di benvenuto"):
        assert text in html
    assert response.context["children"]["zero_to_six"] == 1
    changes = [c for row in response.context["history"] for c in row["changes"]]
    assert {"old": "Famiglia Galli", "new": "Famiglia Galli Neri"}.items() <= (
        changes[0].items()
    )


def test_a_persons_page_shows_their_affiliations_and_consents(coordinator_client):
    org = OrganisationFactory(name="Associazione Aurora")
    person = PersonFactory(first_name="Paolo", last_name="Pieri")
    AffiliationFactory(person=person, member=org, role=AffiliationRole.CONTACT)
    ConsentFactory(person=person, notice_version="2026-9")

    response = coordinator_client.get(reverse("crm_person:inspect", args=[person.pk]))

    html = response.content.decode()
    assert "Associazione Aurora" in html and "2026-9" in html


def test_a_contact_recorded_from_the_members_page_is_signed_by_the_coordinator(
    coordinator_client, coordinator
):
    family = FamilyFactory()
    url = reverse("crm_interaction:add") + f"?member={family.pk}"
    assert coordinator_client.get(url).status_code == 200

    response = coordinator_client.post(
        url,
        {
            "kind": "call",
            "occurred_at": "2026-03-02 10:30",
            "subject": "Richiamata per il nido",
            "body": "",
        },
    )

    interaction = Interaction.objects.get(subject="Richiamata per il nido")
    assert response["Location"] == reverse("crm_member:inspect", args=[family.pk])
    assert (interaction.member, interaction.author) == (family, coordinator)


def test_a_contact_without_a_member_sends_the_coordinator_to_the_members(
    coordinator_client,
):
    response = coordinator_client.get(reverse("crm_interaction:add"))
    assert response.status_code == 302
    assert response["Location"] == MEMBERS


def test_a_coordinator_adds_a_child_to_a_family_by_year_and_month(
    coordinator_client,
):
    family = FamilyFactory()
    url = reverse("crm_child:add") + f"?member={family.pk}"

    response = coordinator_client.post(url, {"birth_year": 2024, "birth_month": 9})

    assert response.status_code == 302
    child = Child.objects.get(family=family)
    assert (child.birth_year, child.birth_month) == (2024, 9)


@pytest.mark.parametrize(
    "data", [{"birth_year": 2099, "birth_month": 1}, {"birth_year": 2020}]
)
def test_an_impossible_birth_date_is_a_message_not_an_error(coordinator_client, data):
    family = FamilyFactory()
    response = coordinator_client.post(
        reverse("crm_child:add") + f"?member={family.pk}", data
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Child.objects.exists()


def test_children_are_only_added_to_families(coordinator_client):
    org = OrganisationFactory()
    response = coordinator_client.get(reverse("crm_child:add") + f"?member={org.pk}")
    assert response.status_code == 302
    assert not Child.objects.exists()


def test_a_coordinator_links_a_new_person_to_an_organisation(coordinator_client):
    org = OrganisationFactory()
    response = coordinator_client.post(
        reverse("crm_affiliation:add") + f"?member={org.pk}",
        {
            "email": "Nuova.Referente@Example.org",
            "first_name": "Nuova",
            "last_name": "Referente",
            "role": AffiliationRole.LEGAL_REPRESENTATIVE,
            "start_date": "2026-01-10",
        },
    )

    assert response.status_code == 302
    person = Person.objects.get(email="nuova.referente@example.org")
    assert Affiliation.objects.filter(
        person=person, member=org, role=AffiliationRole.LEGAL_REPRESENTATIVE
    ).exists()


def test_the_same_open_role_twice_is_a_message_not_an_error(coordinator_client):
    family = FamilyFactory()
    AffiliationFactory(member=family, person=PersonFactory(email="g@example.org"))
    response = coordinator_client.post(
        reverse("crm_affiliation:add") + f"?member={family.pk}",
        {
            "email": "g@example.org",
            "first_name": "G",
            "last_name": "G",
            "role": AffiliationRole.GUARDIAN,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Affiliation.objects.count() == 1


def test_a_family_takes_guardians_only(coordinator_client):
    family = FamilyFactory()
    response = coordinator_client.get(
        reverse("crm_affiliation:add") + f"?member={family.pk}"
    )
    roles = [value for value, _label in response.context["form"].fields["role"].choices]
    assert AffiliationRole.GUARDIAN in roles
    assert AffiliationRole.LEGAL_REPRESENTATIVE not in roles


@pytest.mark.parametrize(
    "name",
    ["index", "add", "inspect", "edit", "delete", "history"],
)
def test_an_outsider_is_refused_every_member_view(client, outsider, name):
    family = FamilyFactory(name="Famiglia Riservata")
    client.force_login(outsider)
    args = [] if name in ("index", "add") else [family.pk]

    response = client.get(reverse(f"crm_member:{name}", args=args))

    assert response.status_code == 302
    assert "Famiglia Riservata" not in response.content.decode()


def test_a_comune_with_members_cannot_be_deleted_and_that_is_no_error(
    coordinator_client,
):
    from crm.models import Municipality

    family = FamilyFactory()
    url = reverse("crm_municipality:delete", args=[family.municipality_id])

    response = coordinator_client.post(url)

    assert response.status_code == 302
    assert Municipality.objects.filter(pk=family.municipality_id).exists()
