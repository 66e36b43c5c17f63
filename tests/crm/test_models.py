import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import MemberKind, Person
from tests.factories import FamilyFactory, OrganisationFactory, PersonFactory


@pytest.mark.django_db
def test_person_email_is_unique_whatever_its_case():
    PersonFactory(email="Anna.Rossi@Example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(email="anna.rossi@example.org")
    assert Person.objects.by_email("ANNA.ROSSI@example.org").count() == 1


@pytest.mark.django_db
def test_a_partita_iva_with_a_wrong_check_digit_is_refused():
    member = OrganisationFactory.build(
        kind=MemberKind.BUSINESS, partita_iva="00378210463"
    )
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "partita_iva" in exc.value.message_dict


@pytest.mark.django_db
def test_phone_is_stored_e164_and_shown_italian_style():
    member = FamilyFactory.build(phone="327-9511586")
    member.full_clean()
    assert member.phone == "+393279511586"
    assert member.phone_display == "327 951 1586"


@pytest.mark.django_db
def test_the_database_refuses_tax_ids_on_a_family():
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyFactory(partita_iva="00378210462")


@pytest.mark.django_db
def test_a_partita_iva_is_found_with_or_without_the_it_prefix_and_spaces():
    from crm.models import Member

    org = OrganisationFactory(kind=MemberKind.BUSINESS, partita_iva="00378210462")
    assert list(Member.objects.search("IT00378210462")) == [org]
    assert list(Member.objects.search("003 782 104 62")) == [org]
    assert list(Member.objects.search("it00378210462")) == [org]
