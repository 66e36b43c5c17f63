"""Concurrent attempts to sign one adhesion record exactly one signature.

Only PostgreSQL really runs the threads' transactions side by side (SQLite
serialises writers), so the proof runs there:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lucca \
        pytest tests/pact/test_signing_concurrency.py
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from pact import services
from pact.models import Adhesion, SignatureChallenge
from tests.pact.adhesion_fixtures import awaiting, make_open_version, scan

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks"
    ),
    # serialized_rollback: the flush after each test must not lose the rows
    # data migrations made (Wagtail root page, groups, topics).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 6


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(django_db_blocker):
    """The flush after the last test here empties the database; put the rows
    of the data migrations back, so later tests and --reuse-db runs have them."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)


def _race(attempt):
    """Run ``attempt`` in THREADS threads released together; collect outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            result = attempt()
        except ValidationError as exc:
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_concurrent_paper_signatures_record_exactly_one(network):
    version = make_open_version()
    adhesion = awaiting(version, network.org_x, network.coordinator)
    person = network.legal_rep_x.person

    def attempt():
        return services.adhesion_sign_in_person(
            adhesion=adhesion,
            scan_file=scan(),
            signatory=person,
            signed_at=timezone.now(),
            by=network.coordinator,
        )

    outcomes = _race(attempt)
    signed = [o for o in outcomes if isinstance(o, Adhesion)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(signed) == 1
    assert len(refused) == THREADS - 1
    assert Adhesion.objects.signed().count() == 1
    assert Adhesion.history.filter(status="signed").count() == 1


def test_concurrent_online_confirmations_with_the_same_code_record_one(network):
    version = make_open_version()
    adhesion = awaiting(version, network.org_x, network.coordinator)
    _challenge, code = services.challenge_issue(
        adhesion=adhesion, user=network.legal_rep_x, notify=False
    )

    def attempt():
        return services.adhesion_sign_online(
            adhesion=adhesion,
            signatory_user=network.legal_rep_x,
            code=code,
            request_meta={"ip": "192.0.2.1", "user_agent": "race"},
        )

    outcomes = _race(attempt)
    assert sum(isinstance(o, Adhesion) for o in outcomes) == 1
    assert Adhesion.objects.signed().count() == 1
    assert SignatureChallenge.objects.filter(used_at__isnull=False).count() == 1


def test_concurrent_signatures_of_different_adhesions_keep_one_chain(network):
    version = make_open_version()
    pairs = [
        (network.family_a, network.guardian_a),
        (network.family_b, network.guardian_b),
        (network.org_x, network.legal_rep_x),
    ]
    adhesions = [awaiting(version, m, network.coordinator) for m, _u in pairs]
    queue = list(zip(adhesions, [u for _m, u in pairs], strict=True))
    lock = threading.Lock()

    def attempt():
        with lock:
            if not queue:
                return None
            adhesion, user = queue.pop()
        return services.adhesion_sign_in_person(
            adhesion=adhesion,
            scan_file=scan(),
            signatory=user.person,
            signed_at=timezone.now(),
            by=network.coordinator,
        )

    _race(attempt)
    chain = list(Adhesion.objects.signed().chain_order())
    assert [a.chain_position for a in chain] == [1, 2, 3]
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.previous_sha256 == before.document_sha256
