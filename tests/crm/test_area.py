"""The member area, used as a family and as an organisation would."""

import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    Child,
    Consent,
    ConsentPurpose,
    DataExportLog,
    ErasureRequest,
    ErasureSource,
    Invitation,
    Member,
    Topic,
)
from tests.factories import ChildFactory, ConsentFactory, InteractionFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"crm:{name}", args=args)


@pytest.fixture
def anna(client, guardian_a):
    client.force_login(guardian_a)
    return client


@pytest.fixture
def laura(client, legal_rep_x):
    client.force_login(legal_rep_x)
    return client


def test_the_area_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(url("area_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_dashboard_shows_my_family_and_not_others(anna, network):
    page = anna.get(url("area_home")).content.decode()
    assert "Famiglia Aranci" in page
    assert "Famiglia Bianchi" not in page and "Xilofono" not in page
    assert "Hello, Anna" in page or "Ciao, Anna" in page


def test_a_login_linked_to_nothing_gets_an_explanation_not_an_error(client, outsider):
    client.force_login(outsider)
    response = client.get(url("area_home"))
    assert response.status_code == 200
    assert response.context["members"].count() == 0


def test_a_person_with_several_members_gets_a_switcher(client, network):
    from crm.models import Role
    from crm.permissions import role_assign

    role_assign(
        user=network.guardian_a,
        role=Role.CONTACT,
        member=network.org_y,
        by=network.coordinator,
    )
    client.force_login(network.guardian_a)
    page = client.get(url("area_home")).content.decode()
    assert 'name="member"' in page and url("area_switch") in page
    response = client.get(url("area_switch"), {"member": network.org_y.pk})
    assert response["Location"] == url("area_member", network.org_y.pk)
    forged = client.get(url("area_switch"), {"member": network.family_b.pk})
    assert forged.status_code == 404
    assert client.get(url("area_switch"), {"member": "abc"}).status_code == 404


def test_a_guardian_edits_the_familys_details_needs_and_offers(anna, network):
    nido, babysitting = Topic.objects.all()[:2]
    response = anna.post(
        url("area_member_edit", network.family_a.pk),
        {
            "name": "Famiglia Aranci-Neri",
            "municipality": network.family_a.municipality_id,
            "address": "Via Fillungo 1",
            "postal_code": "55100",
            "email": "casa@aranci.example",
            "phone": "327 951 1586",
            "needs": [nido.pk],
            "offers": [babysitting.pk],
        },
    )
    assert response.status_code == 302
    family = Member.objects.get(pk=network.family_a.pk)
    assert family.name == "Famiglia Aranci-Neri"
    assert family.phone == "+393279511586"
    assert list(family.needs.all()) == [nido]
    assert list(family.offers.all()) == [babysitting]
    assert family.history.first().history_user == network.guardian_a


def test_a_bad_phone_number_gets_a_message_on_the_form(anna, network):
    response = anna.post(
        url("area_member_edit", network.family_a.pk),
        {"name": "Famiglia Aranci", "phone": "12"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]


def test_a_family_cannot_edit_another_family(anna, network):
    response = anna.post(
        url("area_member_edit", network.family_b.pk), {"name": "Presa"}
    )
    assert response.status_code == 404
    assert Member.objects.get(pk=network.family_b.pk).name == "Famiglia Bianchi"


def test_a_guardian_adds_and_removes_children_by_year_and_month(anna, network):
    response = anna.post(
        url("area_children", network.family_a.pk),
        {"birth_year": 2022, "birth_month": 5},
    )
    assert response.status_code == 302
    child = Child.objects.get(family=network.family_a)
    assert (child.birth_year, child.birth_month) == (2022, 5)
    anna.post(url("area_child_remove", network.family_a.pk, child.pk))
    assert not Child.objects.filter(family=network.family_a).exists()


def test_a_child_born_in_the_future_is_refused_with_a_message(anna, network):

    year = timezone.localdate().year
    response = anna.post(
        url("area_children", network.family_a.pk),
        {
            "birth_year": year,
            "birth_month": 12 if timezone.localdate().month < 12 else 13,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Child.objects.exists()


def test_another_familys_child_cannot_be_removed(anna, network):
    theirs = ChildFactory(family=network.family_b)
    response = anna.post(url("area_child_remove", network.family_a.pk, theirs.pk))
    assert response.status_code == 404
    response = anna.post(url("area_child_remove", network.family_b.pk, theirs.pk))
    assert response.status_code == 404
    assert Child.objects.filter(pk=theirs.pk).exists()


def test_removing_a_child_needs_a_post(anna, network):
    child = ChildFactory(family=network.family_a)
    response = anna.get(url("area_child_remove", network.family_a.pk, child.pk))
    assert response.status_code == 405


def test_a_legal_representative_invites_a_colleague(laura, network):
    response = laura.post(
        url("area_invite", network.org_x.pk),
        {
            "email": "Nuovo.Collega@Example.org",
            "first_name": "Nuovo",
            "last_name": "Collega",
            "role": "contact",
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nuovo.collega@example.org"
    assert invitation.member == network.org_x
    assert len(mail.outbox) == 1
    assert "/invito/" in mail.outbox[0].body


def test_a_contact_cannot_invite_people(client, network):
    client.force_login(network.contact_x)
    response = client.post(
        url("area_invite", network.org_x.pk),
        {
            "email": "x@example.org",
            "first_name": "X",
            "last_name": "Y",
            "role": "contact",
        },
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    page = client.get(url("area_people", network.org_x.pk)).content.decode()
    assert "Laura Xerri" in page and 'name="email"' not in page


def test_a_legal_representative_cannot_invite_to_another_organisation(laura, network):
    response = laura.post(
        url("area_invite", network.org_y.pk),
        {
            "email": "x@example.org",
            "first_name": "X",
            "last_name": "Y",
            "role": "contact",
        },
    )
    assert response.status_code == 404


def test_a_legal_representative_removes_a_contact(laura, network):
    carlo = network.contact_x.person
    response = laura.post(url("area_person_remove", network.org_x.pk, carlo.pk))
    assert response.status_code == 302
    from crm.permissions import members_for_user

    contact = type(network.contact_x).objects.get(pk=network.contact_x.pk)
    assert list(members_for_user(contact)) == []
    assert not network.org_x.affiliations.filter(person=carlo, end_date=None).exists()
    laura.get(url("area_people", network.org_x.pk))  # shows the confirmation
    page = laura.get(url("area_people", network.org_x.pk)).content.decode()
    assert "Carlo Xodo" not in page


def test_a_legal_representative_cannot_remove_someone_of_another_organisation(
    laura, network
):
    yara = network.contact_y.person
    response = laura.post(url("area_person_remove", network.org_x.pk, yara.pk))
    assert response.status_code == 404


def test_giving_and_withdrawing_a_consent_keeps_its_history(anna, network):
    person = network.guardian_a.person
    anna.post(url("area_consent_give", ConsentPurpose.NEWSLETTER))
    consent = Consent.objects.get(person=person, purpose=ConsentPurpose.NEWSLETTER)
    assert consent.in_force and consent.given_how == "member_area"
    anna.post(url("area_consent_withdraw", consent.pk))
    consent.refresh_from_db()
    assert not consent.in_force and consent.withdrawn_how == "member_area"
    assert not ErasureRequest.objects.exists()
    page = anna.get(url("area_consents")).content.decode()
    assert timezone.localtime(consent.given_at).strftime("%d/%m/%Y") in page


def test_withdrawing_the_privacy_consent_starts_an_erasure_review(anna, network):
    consent = ConsentFactory(person=network.guardian_a.person)
    confirm = anna.get(url("area_consent_withdraw", consent.pk))
    assert confirm.status_code == 200
    anna.post(url("area_consent_withdraw", consent.pk))
    erasure = ErasureRequest.objects.get()
    assert erasure.person == network.guardian_a.person
    assert erasure.source == ErasureSource.PRIVACY_WITHDRAWN
    assert erasure.outcome == "pending"


def test_someone_elses_consent_cannot_be_withdrawn(anna, network):
    theirs = ConsentFactory(person=network.guardian_b.person)
    assert anna.post(url("area_consent_withdraw", theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.in_force


def test_an_unknown_consent_purpose_is_a_404(anna):
    assert anna.post(url("area_consent_give", "tutto")).status_code == 404


def test_my_data_downloads_as_json_with_my_family_and_is_logged(anna, network):
    ChildFactory(family=network.family_a, birth_year=2021, birth_month=3)
    InteractionFactory(member=network.family_a, subject="Telefonata di benvenuto")
    ConsentFactory(person=network.guardian_a.person)
    response = anna.get(url("area_my_data_json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["email"] == "anna.aranci@example.org"
    assert data["person"]["consents"][0]["notice_version"] == "2020-1"
    [family] = data["members"]
    assert family["name"] == "Famiglia Aranci"
    assert family["children"] == [{"birth_year": 2021, "birth_month": 3}]
    assert family["interactions"][0]["subject"] == "Telefonata di benvenuto"
    body = response.content.decode()
    assert "Bianchi" not in body and "Xilofono" not in body
    log = DataExportLog.objects.get()
    assert log.user == network.guardian_a and log.format == "json"
    assert log.record_count >= 4


def test_my_data_reads_as_a_page(anna, network):
    page = anna.get(url("area_my_data_page")).content.decode()
    assert "Famiglia Aranci" in page and "anna.aranci@example.org" in page
    assert DataExportLog.objects.get().format == "html"


def test_asking_for_erasure_needs_a_confirmation(anna, network):
    response = anna.post(url("area_erasure"), {"reason": ""})
    assert response.status_code == 200
    assert not ErasureRequest.objects.exists()
    response = anna.post(url("area_erasure"), {"reason": "Trasloco", "confirm": "on"})
    assert response.status_code == 302
    assert ErasureRequest.objects.get().reason == "Trasloco"
    again = anna.post(url("area_erasure"), {"confirm": "on"})
    assert again.status_code == 302
    assert ErasureRequest.objects.count() == 1


def test_a_person_edits_their_own_details(anna, network):
    response = anna.post(
        url("area_profile"),
        {"first_name": "Annalisa", "last_name": "Aranci", "phone": "0583 123456"},
    )
    assert response.status_code == 302
    person = network.guardian_a.person
    person.refresh_from_db()
    assert person.first_name == "Annalisa" and person.phone == "+390583123456"


def test_a_post_without_csrf_token_is_refused(network):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(network.guardian_a)
    response = client.post(
        url("area_children", network.family_a.pk),
        {"birth_year": 2022, "birth_month": 5},
    )
    assert response.status_code == 403
    assert not Child.objects.exists()


@pytest.mark.parametrize("members", [3, 12])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, network, django_assert_max_num_queries, members
):
    from crm.models import Role
    from crm.permissions import role_assign
    from tests.factories import FamilyFactory

    for _ in range(members):
        role_assign(
            user=network.guardian_a,
            role=Role.GUARDIAN,
            member=FamilyFactory(),
            by=network.coordinator,
        )
    client.force_login(network.guardian_a)
    with django_assert_max_num_queries(14):
        assert client.get(url("area_home")).status_code == 200
