"""factory_boy factories for tests. Reference data (comuni, topics) comes from
the data migration, so factories pick from it rather than invent it."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import (
    Affiliation,
    AffiliationRole,
    Child,
    Consent,
    ConsentHow,
    ConsentPurpose,
    Interaction,
    InteractionKind,
    Member,
    MemberKind,
    MemberStatus,
    Municipality,
    Person,
)


def municipality(name="Lucca"):
    return Municipality.objects.get(name=name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("password-for-tests")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """The login email is verified (allauth), as after a real sign-up;
        ``UserFactory(verified=False)`` for one that never was."""
        from allauth.account.models import EmailAddress

        if not create or extracted is False or not self.email:
            return
        EmailAddress.objects.get_or_create(
            user=self,
            email=self.email,
            defaults={"verified": True, "primary": True},
        )


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    kind = MemberKind.FAMILY
    name = factory.Sequence(lambda n: f"Famiglia Test {n}")
    status = MemberStatus.ACTIVE
    municipality = factory.LazyFunction(municipality)
    email = factory.Sequence(lambda n: f"famiglia{n}@example.org")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    kind = MemberKind.THIRD_SECTOR
    name = factory.Sequence(lambda n: f"Associazione Test {n}")
    legal_name = factory.LazyAttribute(lambda o: o.name)
    status = MemberStatus.ACTIVE
    municipality = factory.LazyFunction(municipality)
    email = factory.Sequence(lambda n: f"org{n}@example.org")
    listed_publicly = True


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    family = factory.SubFactory(FamilyFactory)
    birth_year = 2022
    birth_month = 5


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Nome{n}")
    last_name = factory.Sequence(lambda n: f"Cognome{n}")
    email = factory.Sequence(lambda n: f"persona{n}@example.org")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    member = factory.SubFactory(FamilyFactory)
    role = AffiliationRole.GUARDIAN


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentPurpose.PRIVACY
    notice_version = "2020-1"
    given_how = ConsentHow.ONLINE


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    member = factory.SubFactory(FamilyFactory)
    kind = InteractionKind.CALL
    subject = factory.Sequence(lambda n: f"Telefonata {n}")


# Spreadsheet files as offices send them, built as real bytes.


def csv_bytes(rows, *, delimiter=";", encoding="utf-8-sig", newline="\r\n") -> bytes:
    """A CSV file: ``rows`` are lists of cells, the first one the headers."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, title="Foglio1") -> bytes:
    """An Excel workbook whose first sheet holds ``rows`` (dates, numbers kept)."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Services directory


def topic(slug="nido"):
    from crm.models import Topic

    return Topic.objects.get(slug=slug)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Service"

    member = factory.SubFactory(OrganisationFactory)
    kind = factory.LazyFunction(topic)
    name = factory.Sequence(lambda n: f"Servizio {n}")
    age_min_months = 12
    age_max_months = 36
    municipality = factory.LazyFunction(municipality)
    address = "Via Roma 1"
    capacity = 20
    places_free = 5
    places_updated_at = factory.LazyFunction(timezone.now)


def open_service(service, *, starts_on, ends_on, hours, name="Periodo"):
    """Give ``service`` a period with ``hours``: [(weekday, "08:00", "16:00"), …]."""
    from crm.directory.calendar import parse_time
    from crm.models import OpeningHours, OpeningPeriod

    period = OpeningPeriod.objects.create(
        service=service, name=name, starts_on=starts_on, ends_on=ends_on
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(
            period=period,
            weekday=day,
            opens=parse_time(opens),
            closes=parse_time(closes),
        )
        for day, opens, closes in hours
    )
    return period
