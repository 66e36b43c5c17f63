"""Two people updating a service's places at once never lose an update.

Only PostgreSQL runs the threads' transactions side by side (SQLite serialises
writers), so the proof runs there:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lucca \\
        pytest tests/crm/test_directory_concurrency.py
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from crm.directory import services as directory
from crm.models import Service
from tests.factories import ServiceFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 8


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(django_db_blocker):
    """Put the data migrations' rows back after the last flush here."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)


def _race(attempt):
    barrier = threading.Barrier(THREADS)
    outcomes, lock = [], threading.Lock()

    def run(index):
        try:
            barrier.wait()
            result = attempt(index)
        except ValidationError as exc:
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_places_taken_at_the_same_moment_are_all_counted():
    service = ServiceFactory(capacity=30, places_free=20)

    outcomes = _race(
        lambda i: directory.places_update(service=service, by=None, delta=-1)
    )
    assert all(isinstance(o, Service) for o in outcomes)
    service.refresh_from_db()
    assert service.places_free == 20 - THREADS
    assert service.places_version == THREADS
    assert service.history.count() == 1 + THREADS


def test_figures_typed_on_the_same_page_at_once_save_exactly_one():
    service = ServiceFactory(capacity=30, places_free=20)
    seen = service.places_version

    outcomes = _race(
        lambda i: directory.places_update(
            service=service,
            by=None,
            places_free=i,
            capacity=30,
            expected_version=seen,
        )
    )
    saved = [o for o in outcomes if isinstance(o, Service)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(saved) == 1 and len(refused) == THREADS - 1
    service.refresh_from_db()
    assert service.places_free == saved[0].places_free
    assert service.places_version == seen + 1
