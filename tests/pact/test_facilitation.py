"""The facilitator's page: only their tables, the five kinds, nothing lost."""

import uuid

import pytest

from pact import services
from pact.models import Contribution, ContributionKind, Seat, SeatHow
from tests.conftest import log_in
from tests.factories import PersonFactory

# As the programme names them: "punti di vista, esigenze, esperienze,
# preoccupazioni e proposte".
KINDS = [
    ("point_of_view", "Punto di vista"),
    ("need", "Esigenza"),
    ("experience", "Esperienza"),
    ("concern", "Preoccupazione"),
    ("proposal", "Proposta"),
]


def seat(table, person=None):
    person = person or PersonFactory()
    Seat.objects.create(
        workshop=table.workshop, table=table, person=person, how=SeatHow.COORDINATOR
    )
    return person


def contribution_at(table, text="Servono orari più lunghi."):
    return services.contribution_record(table=table, kind="need", text=text)[0]


def test_there_are_exactly_the_five_kinds_of_the_programme():
    assert [(k.value, str(k.label)) for k in ContributionKind] == KINDS


@pytest.mark.parametrize("kind", [value for value, _label in KINDS])
def test_a_facilitator_records_each_kind_at_their_table(
    facilitator_client, facilitator, table_a, kind
):
    response = facilitator_client.post(
        f"/facilitazione/tavoli/{table_a.pk}/",
        {"kind": kind, "text": f"Testo {kind}", "client_token": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.kind, contribution.text) == (kind, f"Testo {kind}")
    assert contribution.author is None and contribution.recorded_by == facilitator


def test_a_contribution_has_an_author_from_the_table_and_topics(
    facilitator_client, table_a
):
    author = seat(table_a)
    facilitator_client.post(
        f"/facilitazione/tavoli/{table_a.pk}/",
        {
            "kind": "proposal",
            "text": "Un nido aperto fino alle 18:30",
            "author": author.pk,
            "topics": list(table_a.topics.values_list("pk", flat=True)),
        },
    )

    contribution = Contribution.objects.get()
    assert contribution.author == author
    assert set(contribution.topics.all()) == set(table_a.topics.all())


def test_the_author_must_sit_at_the_table(facilitator_client, table_a, table_b):
    elsewhere = seat(table_b)

    response = facilitator_client.post(
        f"/facilitazione/tavoli/{table_a.pk}/",
        {"kind": "need", "text": "Testo", "author": elsewhere.pk},
    )

    assert response.status_code == 400
    assert not Contribution.objects.exists()


def test_my_tables_lists_only_the_facilitators_tables(
    facilitator_client, table_a, table_b
):
    page = facilitator_client.get("/facilitazione/").content.decode()

    assert table_a.title in page
    assert table_b.title not in page


@pytest.mark.parametrize(
    "path",
    [
        "/facilitazione/tavoli/{b}/",
        "/facilitazione/tavoli/{b}/sintesi/",
        "/facilitazione/contributi/{c}/",
    ],
)
def test_a_facilitator_cannot_read_another_table(
    facilitator_client, table_a, table_b, path
):
    other = contribution_at(table_b)

    response = facilitator_client.get(path.format(b=table_b.pk, c=other.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "path, data",
    [
        ("/facilitazione/tavoli/{b}/", {"kind": "need", "text": "Intruso"}),
        ("/facilitazione/tavoli/{b}/sintesi/", {"synthesis": "Intruso"}),
        ("/facilitazione/tavoli/{b}/chiudi/", {}),
        ("/facilitazione/contributi/{c}/", {"kind": "concern", "text": "Intruso"}),
        ("/facilitazione/contributi/{c}/elimina/", {}),
    ],
)
def test_a_facilitator_cannot_write_to_another_table(
    facilitator_client, table_a, table_b, path, data
):
    other = contribution_at(table_b, text="Originale")

    response = facilitator_client.post(path.format(b=table_b.pk, c=other.pk), data)

    assert response.status_code == 404
    table_b.refresh_from_db()
    other.refresh_from_db()
    assert (other.text, other.kind, table_b.synthesis) == ("Originale", "need", "")
    assert not table_b.is_closed
    assert Contribution.objects.count() == 1


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("facilitator", {"a": 200, "b": 404}),
        ("other_facilitator", {"a": 404, "b": 200}),
        ("coordinator", {"a": 200, "b": 200}),
        ("outsider", {"a": 404, "b": 404}),
    ],
)
def test_permission_matrix_of_the_table_pages(
    client, request, table_a, table_b, persona, expected
):
    log_in(client, request.getfixturevalue(persona))

    got = {
        name: client.get(f"/facilitazione/tavoli/{table.pk}/").status_code
        for name, table in (("a", table_a), ("b", table_b))
    }

    assert got == expected


def test_anonymous_visitors_are_sent_to_log_in(client, table_a):
    response = client.get(f"/facilitazione/tavoli/{table_a.pk}/")

    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_the_script_save_returns_the_new_item_and_a_fresh_token(
    facilitator_client, table_a
):
    token = str(uuid.uuid4())
    response = facilitator_client.post(
        f"/facilitazione/tavoli/{table_a.pk}/",
        {"kind": "experience", "text": "Il pedibus funziona", "client_token": token},
        HTTP_ACCEPT="application/json",
    )

    data = response.json()
    assert data["ok"] is True
    assert "Il pedibus funziona" in data["html"]
    assert data["next_token"] != token


def test_a_save_sent_again_after_a_dropped_connection_is_recorded_once(
    facilitator_client, table_a
):
    data = {
        "kind": "need",
        "text": "Un posto al nido",
        "client_token": str(uuid.uuid4()),
    }
    url = f"/facilitazione/tavoli/{table_a.pk}/"

    first = facilitator_client.post(url, data, HTTP_ACCEPT="application/json")
    again = facilitator_client.post(url, data, HTTP_ACCEPT="application/json")

    assert first.json()["ok"] and again.json()["ok"]
    assert Contribution.objects.count() == 1


def test_an_empty_text_keeps_the_form_and_says_why(facilitator_client, table_a):
    url = f"/facilitazione/tavoli/{table_a.pk}/"

    as_page = facilitator_client.post(url, {"kind": "need", "text": "   "})
    as_json = facilitator_client.post(
        url, {"kind": "need", "text": ""}, HTTP_ACCEPT="application/json"
    )

    assert as_page.status_code == 400 and as_json.status_code == 400
    assert "text" in as_json.json()["errors"]
    assert not Contribution.objects.exists()


def test_a_contribution_is_editable_until_the_table_is_closed(
    facilitator_client, facilitator, table_a
):
    contribution = contribution_at(table_a, text="Prima")
    url = f"/facilitazione/contributi/{contribution.pk}/"

    facilitator_client.post(url, {"kind": "proposal", "text": "Dopo"})
    contribution.refresh_from_db()
    assert (contribution.kind, contribution.text) == ("proposal", "Dopo")

    facilitator_client.post(f"/facilitazione/tavoli/{table_a.pk}/chiudi/")
    response = facilitator_client.post(url, {"kind": "need", "text": "Troppo tardi"})

    contribution.refresh_from_db()
    assert response.status_code == 400
    assert contribution.text == "Dopo"
    assert "closed" in response.content.decode() or "chius" in response.content.decode()


def test_a_closed_table_refuses_new_contributions_and_gives_the_text_back(
    facilitator_client, table_a
):
    services.table_close(table=table_a)

    response = facilitator_client.post(
        f"/facilitazione/tavoli/{table_a.pk}/",
        {"kind": "need", "text": "Il mio testo da non perdere"},
    )

    assert response.status_code == 400
    assert "Il mio testo da non perdere" in response.content.decode()
    assert not Contribution.objects.exists()


def test_the_synthesis_is_saved_for_the_plenary(facilitator_client, table_a):
    facilitator_client.post(
        f"/facilitazione/tavoli/{table_a.pk}/sintesi/",
        {"synthesis": "Orari più lunghi e un calendario unico."},
    )

    table_a.refresh_from_db()
    assert table_a.synthesis == "Orari più lunghi e un calendario unico."


def test_the_page_works_without_the_script(facilitator_client, table_a):
    page = facilitator_client.get(
        f"/facilitazione/tavoli/{table_a.pk}/"
    ).content.decode()

    assert f'action="/facilitazione/tavoli/{table_a.pk}/"' in page
    assert 'method="post"' in page
    assert 'name="client_token"' in page


def test_the_table_page_has_a_bounded_number_of_queries(
    facilitator_client, table_a, django_assert_max_num_queries
):
    people = [seat(table_a) for _ in range(3)]
    for index in range(30):
        services.contribution_record(
            table=table_a,
            kind="need",
            text=f"Contributo {index}",
            author=people[index % 3],
            topics=table_a.topics.all(),
        )

    with django_assert_max_num_queries(20):
        response = facilitator_client.get(f"/facilitazione/tavoli/{table_a.pk}/")
    assert response.status_code == 200


def test_my_tables_has_a_bounded_number_of_queries(
    client, workshop, django_assert_max_num_queries
):
    from pact.models import ThematicTable
    from tests.pact.conftest import _facilitator

    first = ThematicTable.objects.create(workshop=workshop, title="T0")
    user = _facilitator("many@example.org", first)
    for index in range(1, 10):
        ThematicTable.objects.create(
            workshop=workshop, title=f"T{index}"
        ).facilitators.add(user)
    log_in(client, user)

    with django_assert_max_num_queries(12):
        response = client.get("/facilitazione/")
    assert response.content.decode().count("table-card-title") == 10
