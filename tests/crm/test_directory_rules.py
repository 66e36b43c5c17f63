"""The rules a service keeps, whichever door the data comes in by: the database
refuses what the forms and services would refuse, with the same rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.directory import calendar
from crm.directory import services as directory
from crm.models import Closure, Municipality, OpeningHours, OpeningPeriod, Service
from tests.factories import OrganisationFactory, ServiceFactory, municipality, topic

pytestmark = pytest.mark.django_db

D = datetime.date


def _refused_by_db(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceFactory(**fields)


def test_the_database_refuses_ages_in_the_wrong_order():
    _refused_by_db(age_min_months=40, age_max_months=12)


def test_the_database_refuses_more_free_places_than_places():
    _refused_by_db(capacity=10, places_free=11)


def test_the_database_refuses_negative_places():
    _refused_by_db(places_free=-1)


def test_the_database_refuses_hours_past_midnight_or_ending_before_they_start():
    service = ServiceFactory()
    period = OpeningPeriod.objects.create(
        service=service, name="Anno", starts_on=D(2030, 9, 1), ends_on=D(2031, 6, 1)
    )
    for opens, closes in ((600, 500), (600, 600), (1000, 1441)):
        with pytest.raises(IntegrityError), transaction.atomic():
            OpeningHours.objects.create(
                period=period, weekday=1, opens=opens, closes=closes
            )
    OpeningHours.objects.create(period=period, weekday=1, opens=1200, closes=1440)
    assert period.hours.get().closes_display == "24:00"


def test_the_database_refuses_periods_and_closures_ending_before_they_start():
    service = ServiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningPeriod.objects.create(
            service=service, name="x", starts_on=D(2030, 9, 2), ends_on=D(2030, 9, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(
            service=service, starts_on=D(2030, 9, 2), ends_on=D(2030, 9, 1)
        )


def _save(**changes):
    fields = {
        "kind": topic("nido"),
        "name": "Nido Le Api",
        "age_min_months": 3,
        "age_max_months": 36,
        "municipality": municipality("Lucca"),
        "address": "Via Roma 1",
    }
    fields.update(changes)
    return directory.service_save(member=OrganisationFactory(), by=None, **fields)


def test_a_service_with_ages_the_wrong_way_round_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        _save(age_min_months=36, age_max_months=3)
    assert "age_max_months" in refused.value.message_dict
    assert "36" in refused.value.message_dict["age_max_months"][0]
    assert not Service.objects.exists()


def test_a_service_in_a_comune_outside_the_fixture_is_refused():
    pisa = Municipality.objects.create(istat_code="050026", name="Pisa", province="PI")
    with pytest.raises(ValidationError) as refused:
        _save(municipality=pisa)
    assert "Pisa" in refused.value.message_dict["municipality"][0]
    assert not Service.objects.exists()


def test_a_service_of_a_family_is_refused():
    from tests.factories import FamilyFactory

    with pytest.raises(ValidationError):
        directory.service_save(
            member=FamilyFactory(),
            by=None,
            kind=topic("nido"),
            name="Nido in casa",
            municipality=municipality("Lucca"),
            address="Via Roma 1",
        )
    assert not Service.objects.exists()


def test_a_bad_phone_is_refused_and_a_good_one_is_stored_in_e164():
    with pytest.raises(ValidationError) as refused:
        _save(contact_phone="12")
    assert "contact_phone" in refused.value.message_dict
    assert _save(contact_phone="0583 123456").contact_phone == "+390583123456"


def test_a_period_with_hours_ending_before_they_start_saves_nothing():
    service = ServiceFactory()
    with pytest.raises(ValidationError) as refused:
        directory.period_save(
            service=service,
            by=None,
            name="Anno scolastico",
            starts_on=D(2030, 9, 15),
            ends_on=D(2031, 6, 10),
            hours=[(0, 8 * 60, 12 * 60), (1, 14 * 60, 9 * 60)],
        )
    assert (
        "Tuesday" in refused.value.messages[0]
        or "Martedì" in (refused.value.messages[0])
    )
    assert not OpeningPeriod.objects.exists() and not OpeningHours.objects.exists()


def test_overlapping_hours_on_one_day_are_refused():
    with pytest.raises(ValidationError, match="overlap|sovrappongono"):
        directory.period_save(
            service=ServiceFactory(),
            by=None,
            name="Anno",
            starts_on=D(2030, 9, 15),
            ends_on=D(2031, 6, 10),
            hours=[(0, 8 * 60, 12 * 60), (0, 11 * 60, 13 * 60)],
        )
    assert not OpeningPeriod.objects.exists()


def test_saving_a_period_again_replaces_its_hours():
    service = ServiceFactory()
    period = directory.period_save(
        service=service,
        by=None,
        name="Anno",
        starts_on=D(2030, 9, 15),
        ends_on=D(2031, 6, 10),
        hours=[(0, 480, 720), (2, 480, 720)],
    )
    directory.period_save(
        service=service,
        period=period,
        by=None,
        name="Anno",
        starts_on=D(2030, 9, 15),
        ends_on=D(2031, 6, 10),
        hours=[(4, 900, 1440)],
    )
    assert [(h.weekday, h.opens, h.closes) for h in period.hours.all()] == [
        (4, 900, 1440)
    ]


@pytest.mark.parametrize(
    "text,minutes",
    [("17:30", 1050), ("8.30", 510), ("9", 540), ("24:00", 1440), ("0:00", 0)],
)
def test_times_are_read_as_people_write_them(text, minutes):
    assert calendar.parse_time(text) == minutes


@pytest.mark.parametrize("text", ["24:01", "25:00", "17:60", "ore 5", "17:3", "-1"])
def test_times_outside_the_day_or_malformed_are_not_times(text):
    assert calendar.parse_time(text) is None


def test_lucca_closes_on_san_paolino_and_porcari_on_the_monday_after_pentecost():
    lucca = municipality("Lucca")
    assert lucca.patron_date(2030) == D(2030, 7, 12)
    assert lucca.patron_saint == "San Paolino"
    # Easter 2030 is on 21 April: Pentecost on 9 June, the Monday after on 10.
    assert municipality("Porcari").patron_date(2030) == D(2030, 6, 10)
    assert calendar.closed_days(lucca, D(2030, 7, 1), D(2030, 8, 31)) == {
        D(2030, 7, 12),
        D(2030, 8, 15),
    }


def test_the_comuni_know_their_neighbours_both_ways():
    lucca, capannori = municipality("Lucca"), municipality("Capannori")
    assert capannori in lucca.neighbours.all()
    assert lucca in capannori.neighbours.all()
    assert municipality("Porcari") not in lucca.neighbours.all()
    assert Municipality.objects.filter(neighbours__isnull=True).count() == 0
