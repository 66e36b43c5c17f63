"""The pact back-office lists run a fixed number of queries, however long they get."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pact.models import (
    Contribution,
    ContributionKind,
    Pact,
    PactVersion,
    ThematicTable,
    Workshop,
)
from tests.factories import PersonFactory
from tests.pact.conftest import make_event

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _workshops(n):
    for i in range(n):
        workshop = Workshop.objects.create(
            event=make_event(f"Incontro {Workshop.objects.count() + 1}"),
            title=f"Laboratorio {i}",
        )
        for j in range(2):
            table = ThematicTable.objects.create(
                workshop=workshop, title=f"Tavolo {i}.{j}", room="Sala", capacity=5
            )
            for kind in (ContributionKind.NEED, ContributionKind.PROPOSAL):
                Contribution.objects.create(
                    table=table,
                    kind=kind,
                    text="Più posti al nido",
                    author=PersonFactory(),
                )


def _versions(n):
    for i in range(n):
        pact = Pact.objects.create(
            title=f"Patto {i}", slug=f"patto-{i}-{Pact.objects.count()}"
        )
        PactVersion.objects.create(pact=pact, number=1)


@pytest.mark.parametrize(
    "url_name, grow",
    [
        ("pact_workshops:index", _workshops),
        ("pact_tables:index", _workshops),
        ("pact_contributions:index", _workshops),
        ("pact_versions:index", _versions),
    ],
)
def test_the_list_does_not_grow_its_queries_with_its_rows(
    coordinator_client, url_name, grow
):
    url = reverse(url_name)
    grow(2)
    few = _queries(coordinator_client, url)
    grow(8)
    assert _queries(coordinator_client, url) == few
