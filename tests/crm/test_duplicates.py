"""Possible duplicates and merging them: nothing linked to either record is lost."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import selectors
from crm.models import (
    Affiliation,
    AffiliationRole,
    Child,
    Consent,
    ConsentPurpose,
    Interaction,
    InteractionKind,
    Member,
    Person,
    Topic,
)
from crm.services import member_merge, person_merge
from tests.factories import (
    AffiliationFactory,
    ChildFactory,
    ConsentFactory,
    FamilyFactory,
    InteractionFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    municipality,
)

pytestmark = pytest.mark.django_db


def group_names(groups):
    return sorted(sorted(str(o) for o in g["objects"]) for g in groups)


def test_members_with_the_same_name_and_comune_are_possible_duplicates():
    FamilyFactory(name="Famiglia Dal Porto")
    FamilyFactory(name=" famiglia dal-porto ")
    FamilyFactory(name="Famiglia Dal Porto", municipality=municipality("Capannori"))

    groups = selectors.duplicate_members()

    assert group_names(groups) == [[" famiglia dal-porto ", "Famiglia Dal Porto"]]
    assert groups[0]["reason"] == "name"


def test_members_with_the_same_phone_are_possible_duplicates():
    FamilyFactory(name="Famiglia Uno", phone="+393331112222")
    OrganisationFactory(name="Associazione Due", phone="+393331112222")
    FamilyFactory(name="Famiglia Tre", phone="")
    FamilyFactory(name="Famiglia Quattro", phone="")

    assert group_names(selectors.duplicate_members()) == [
        ["Associazione Due", "Famiglia Uno"]
    ]


def test_people_with_the_same_name_or_phone_are_possible_duplicates():
    PersonFactory(first_name="Maria Grazia", last_name="Rossi")
    PersonFactory(first_name="mariagrazia", last_name="ROSSI")
    PersonFactory(first_name="Luca", last_name="Bianchi", phone="+393401234567")
    PersonFactory(first_name="Luca B.", last_name="Bianchi", phone="+393401234567")

    groups = selectors.duplicate_people()

    assert group_names(groups) == [
        ["Luca B. Bianchi", "Luca Bianchi"],
        ["Maria Grazia Rossi", "mariagrazia ROSSI"],
    ]


def test_finding_duplicates_takes_the_same_queries_for_few_or_many(
    django_assert_max_num_queries,
):
    def add_pairs(start, n):
        for i in range(start, start + n):
            FamilyFactory.create_batch(2, name=f"Famiglia Doppia {i}")
            PersonFactory.create_batch(2, first_name="Doppio", last_name=f"N{i}")

    add_pairs(0, 2)
    with CaptureQueriesContext(connection) as few:
        selectors.duplicate_members(), selectors.duplicate_people()
    add_pairs(2, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        members, people = selectors.duplicate_members(), selectors.duplicate_people()
    assert len(members) == len(people) == 22


def test_the_duplicates_page_links_each_pair_to_its_merge(coordinator_client):
    a, b = FamilyFactory.create_batch(2, name="Famiglia Gemella")
    response = coordinator_client.get(reverse("crm_duplicates:index"))
    assert response.status_code == 200
    assert (
        reverse("crm_duplicates:merge_members", args=[a.pk, b.pk])
        in response.content.decode()
    )


def test_an_outsider_is_refused_the_duplicates_and_the_merge(client, outsider):
    a, b = FamilyFactory.create_batch(2, name="Famiglia Gemella")
    client.force_login(outsider)
    for url in (
        reverse("crm_duplicates:index"),
        reverse("crm_duplicates:merge_members", args=[a.pk, b.pk]),
    ):
        assert client.get(url).status_code == 302
    client.post(reverse("crm_duplicates:merge_members", args=[a.pk, b.pk]))
    assert Member.objects.count() == 2


# --- Merging members ---------------------------------------------------------


@pytest.fixture
def two_families(coordinator):
    nido, trasporto = Topic.objects.filter(slug__in=["nido", "trasporto"])
    keep = FamilyFactory(name="Famiglia Verdi", email="", phone="", address="")
    other = FamilyFactory(
        name="Famiglia Verdi",
        email="verdi@example.org",
        phone="+390583111222",
        address="Via Roma 1",
        notes="Conosciuti al webinar",
        joined_on=datetime.date(2020, 10, 9),
    )
    keep.needs.add(nido)
    other.needs.add(nido, trasporto)
    other.offers.add(trasporto)
    shared = PersonFactory(first_name="Sara")
    AffiliationFactory(member=keep, person=shared, start_date=datetime.date(2021, 1, 1))
    AffiliationFactory(
        member=other, person=shared, start_date=datetime.date(2020, 10, 9)
    )
    AffiliationFactory(member=other, person=PersonFactory(first_name="Marco"))
    ChildFactory(family=other, birth_year=2022, birth_month=3)
    InteractionFactory(member=other, subject="Prima telefonata")
    InteractionFactory(member=keep, subject="Seconda telefonata")
    return keep, other


def test_merging_two_families_keeps_every_person_child_contact_need_and_offer(
    two_families, coordinator
):
    keep, other = two_families
    other_pk = other.pk

    kept = member_merge(keep=keep, other=other, by=coordinator)

    assert not Member.objects.filter(pk=other_pk).exists()
    assert sorted(a.person.first_name for a in kept.affiliations.all()) == [
        "Marco",
        "Sara",
    ]
    sara = kept.affiliations.get(person__first_name="Sara")
    assert sara.start_date == datetime.date(2020, 10, 9), "the earlier start wins"
    assert [(c.birth_year, c.birth_month) for c in kept.children.all()] == [(2022, 3)]
    subjects = set(kept.interactions.values_list("subject", flat=True))
    assert {"Prima telefonata", "Seconda telefonata"} <= subjects
    assert set(kept.needs.values_list("slug", flat=True)) == {"nido", "trasporto"}
    assert set(kept.offers.values_list("slug", flat=True)) == {"trasporto"}


def test_merging_fills_the_kept_members_blank_fields_and_notes_the_merge(
    two_families, coordinator
):
    keep, other = two_families
    kept = member_merge(keep=keep, other=other, by=coordinator)
    kept.refresh_from_db()

    assert (kept.email, kept.phone, kept.address) == (
        "verdi@example.org",
        "+390583111222",
        "Via Roma 1",
    )
    assert kept.joined_on == datetime.date(2020, 10, 9)
    note = kept.interactions.get(kind=InteractionKind.NOTE)
    assert note.author == coordinator
    assert str(other.pk) in note.subject
    assert "Conosciuti al webinar" in note.body, "the removed record's notes survive"


def test_merging_organisations_moves_tax_ids_to_the_kept_one(coordinator):
    keep = OrganisationFactory(name="Coop Alfa")
    other = OrganisationFactory(name="Coop Alfa Srl", partita_iva="00378210462")

    kept = member_merge(keep=keep, other=other, by=coordinator)

    kept.refresh_from_db()
    assert kept.partita_iva == "00378210462"


def test_a_family_and_an_organisation_cannot_be_merged(coordinator):
    family, org = FamilyFactory(), OrganisationFactory()
    with pytest.raises(ValidationError):
        member_merge(keep=family, other=org, by=coordinator)
    assert Member.objects.count() == 2


def test_merging_moves_what_other_apps_link_to_the_member(coordinator):
    from guardian.shortcuts import assign_perm, get_perms

    keep, other = FamilyFactory.create_batch(2)
    guardian_user = UserFactory()
    assign_perm("crm.view_member", guardian_user, other)

    member_merge(keep=keep, other=other, by=coordinator)

    assert "view_member" in get_perms(guardian_user, keep)


def test_merging_through_the_admin_keeps_the_chosen_record(
    coordinator_client, two_families
):
    keep, other = two_families
    url = reverse("crm_duplicates:merge_members", args=[other.pk, keep.pk])
    assert coordinator_client.get(url).status_code == 200

    response = coordinator_client.post(url, {"keep": keep.pk})

    assert response["Location"] == reverse("crm_member:inspect", args=[keep.pk])
    assert list(Member.objects.all()) == [keep]
    assert Child.objects.get().family == keep


def test_a_refused_merge_is_a_message_and_changes_nothing(coordinator_client):
    family, org = FamilyFactory(), OrganisationFactory()
    url = reverse("crm_duplicates:merge_members", args=[family.pk, org.pk])

    response = coordinator_client.post(url, {"keep": family.pk})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Member.objects.count() == 2


# --- Merging people ----------------------------------------------------------


def test_merging_two_people_keeps_affiliations_consents_contacts_and_login(
    coordinator,
):
    family, org = FamilyFactory(), OrganisationFactory()
    keep = PersonFactory(first_name="Anna", phone="", codice_fiscale=None)
    user = UserFactory()
    other = PersonFactory(
        first_name="Anna",
        phone="+393331234567",
        codice_fiscale="RSSNNA80A41E715A",
        user=user,
    )
    AffiliationFactory(person=keep, member=family)
    AffiliationFactory(person=other, member=family)
    AffiliationFactory(person=other, member=org, role=AffiliationRole.CONTACT)
    older = ConsentFactory(
        person=keep, given_at=timezone.now() - datetime.timedelta(days=30)
    )
    newer = ConsentFactory(person=other, notice_version="2026-2")
    ConsentFactory(person=other, purpose=ConsentPurpose.NEWSLETTER)
    InteractionFactory(member=org, person=other, subject="Parlato con Anna")

    kept = person_merge(keep=keep, other=other, by=coordinator)
    kept.refresh_from_db()

    assert Person.objects.count() == 1
    assert sorted(a.member_id for a in kept.affiliations.all()) == sorted(
        [family.pk, org.pk]
    )
    assert kept.consents.count() == 3, "every consent record is kept"
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.withdrawn_at == newer.given_at and newer.in_force
    assert Interaction.objects.get(subject="Parlato con Anna").person == kept
    assert kept.user == user
    assert (kept.phone, kept.codice_fiscale) == ("+393331234567", "RSSNNA80A41E715A")
    assert Interaction.objects.filter(kind=InteractionKind.NOTE).count() == 2


def test_two_people_with_a_login_each_cannot_be_merged(coordinator):
    keep = PersonFactory(user=UserFactory())
    other = PersonFactory(user=UserFactory())
    with pytest.raises(ValidationError):
        person_merge(keep=keep, other=other, by=coordinator)
    assert Person.objects.count() == 2


def test_merging_people_through_the_admin(coordinator_client):
    keep = PersonFactory(first_name="Elisa", last_name="Neri")
    other = PersonFactory(first_name="Elisa", last_name="Neri")
    AffiliationFactory(person=other)
    url = reverse("crm_duplicates:merge_people", args=[keep.pk, other.pk])

    response = coordinator_client.post(url, {"keep": keep.pk})

    assert response["Location"] == reverse("crm_person:inspect", args=[keep.pk])
    assert Affiliation.objects.get().person == keep
    assert not Consent.objects.exists()
