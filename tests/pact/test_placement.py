import pytest
from django.core.exceptions import ValidationError

from pact import services
from pact.models import Seat, SeatHow, ThematicTable
from tests.pact.conftest import register, topic


def seated_at(table):
    return set(table.seats.values_list("person_id", flat=True))


def test_registrants_sit_at_the_table_matching_their_preferences(
    workshop, table_a, table_b
):
    wants_nido = register(workshop.event, topics=[topic("nido")])
    wants_work = register(workshop.event, topics=[topic("smart-working")])

    result = services.workshop_place_participants(workshop=workshop)

    assert seated_at(table_a) == {wants_nido.person_id}
    assert seated_at(table_b) == {wants_work.person_id}
    assert {s.how for s in result.placed} == {SeatHow.PREFERENCE}


def test_the_table_matching_more_preferences_wins(workshop, table_a, table_b):
    both = register(
        workshop.event,
        topics=[topic("smart-working"), topic("orari-flessibili"), topic("nido")],
    )

    services.workshop_place_participants(workshop=workshop)

    assert seated_at(table_b) == {both.person_id}


def test_a_full_table_sends_the_next_registrant_to_one_with_room(
    workshop, table_a, table_b
):
    first_three = [register(workshop.event, topics=[topic("nido")]) for _ in range(3)]
    fourth = register(workshop.event, topics=[topic("nido")])

    result = services.workshop_place_participants(workshop=workshop)

    assert seated_at(table_a) == {r.person_id for r in first_three}
    assert seated_at(table_b) == {fourth.person_id}
    assert table_a.seats.count() == table_a.capacity
    assert Seat.objects.get(person=fourth.person).how == SeatHow.BALANCE
    assert not result.unplaced


def test_people_without_preferences_fill_the_emptiest_tables(
    workshop, table_a, table_b
):
    register(workshop.event, topics=[topic("nido")])
    no_preference = [register(workshop.event) for _ in range(3)]

    services.workshop_place_participants(workshop=workshop)

    assert table_a.seats.count() == 2
    assert table_b.seats.count() == 2
    assert all(
        Seat.objects.get(person=r.person).how == SeatHow.BALANCE for r in no_preference
    )


def test_preferences_are_served_before_people_without_any(workshop, table_a):
    early_without = [register(workshop.event) for _ in range(3)]
    late_with = register(workshop.event, topics=[topic("nido")])

    result = services.workshop_place_participants(workshop=workshop)

    assert late_with.person_id in seated_at(table_a)
    assert len(result.unplaced) == 1
    assert result.unplaced[0] in early_without


def test_capacity_is_never_exceeded_and_who_does_not_fit_is_reported(
    workshop, table_a, table_b
):
    registrations = [register(workshop.event) for _ in range(8)]

    result = services.workshop_place_participants(workshop=workshop)

    assert table_a.seats.count() == 3 and table_b.seats.count() == 3
    assert len(result.unplaced) == 2
    assert {r.pk for r in result.unplaced} <= {r.pk for r in registrations}


def test_only_confirmed_registrants_are_placed(workshop, table_a):
    register(workshop.event, topics=[topic("nido")], status="waiting")
    register(workshop.event, topics=[topic("nido")], status="cancelled")

    result = services.workshop_place_participants(workshop=workshop)

    assert result.placed == [] and table_a.seats.count() == 0


def test_closed_tables_take_nobody(workshop, table_a, table_b):
    services.table_close(table=table_a)
    register(workshop.event, topics=[topic("nido")])

    services.workshop_place_participants(workshop=workshop)

    assert table_a.seats.count() == 0 and table_b.seats.count() == 1


def test_placing_again_keeps_existing_seats(workshop, table_a, table_b):
    registration = register(workshop.event, topics=[topic("nido")])
    services.workshop_place_participants(workshop=workshop)
    services.seat_assign(table=table_b, person=registration.person)

    result = services.workshop_place_participants(workshop=workshop)

    assert result.placed == []
    assert seated_at(table_b) == {registration.person_id}


def test_a_coordinator_can_move_someone_to_a_table_with_room(
    workshop, table_a, table_b
):
    registration = register(workshop.event, topics=[topic("nido")])
    services.workshop_place_participants(workshop=workshop)

    seat = services.seat_assign(table=table_b, person=registration.person)

    assert seat.table == table_b and seat.how == SeatHow.COORDINATOR
    assert Seat.objects.filter(person=registration.person).count() == 1


def test_moving_someone_to_a_full_table_is_refused(workshop, table_a, table_b):
    for _ in range(3):
        register(workshop.event, topics=[topic("nido")])
    mover = register(workshop.event, topics=[topic("smart-working")])
    services.workshop_place_participants(workshop=workshop)

    with pytest.raises(ValidationError, match="è al completo"):
        services.seat_assign(table=table_a, person=mover.person)

    assert Seat.objects.get(person=mover.person).table == table_b


def test_a_coordinator_moves_people_from_the_seating_page(
    coordinator_client, workshop, table_a, table_b
):
    registration = register(workshop.event, topics=[topic("nido")])
    coordinator_client.post(
        f"/admin/pact/workshops/{workshop.pk}/seating/", {"action": "place"}
    )
    seat = Seat.objects.get(person=registration.person)

    response = coordinator_client.post(
        f"/admin/pact/workshops/{workshop.pk}/seating/",
        {"action": "move", "seat": seat.pk, "table": table_b.pk},
        follow=True,
    )

    assert response.status_code == 200
    assert Seat.objects.get(pk=seat.pk).table == table_b
    assert registration.person.full_name in response.content.decode()


def test_the_seating_page_has_a_bounded_number_of_queries(
    coordinator_client, workshop, table_a, table_b, django_assert_max_num_queries
):
    for name in ("nido", "smart-working"):
        for _ in range(3):
            register(workshop.event, topics=[topic(name)])
    for _ in range(5):
        register(workshop.event)
    services.workshop_place_participants(workshop=workshop)
    for _ in range(4):
        ThematicTable.objects.create(workshop=workshop, title=f"T{_}", capacity=2)

    with django_assert_max_num_queries(25):
        response = coordinator_client.get(
            f"/admin/pact/workshops/{workshop.pk}/seating/"
        )
    assert response.status_code == 200
