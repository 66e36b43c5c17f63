"""`make load`'s verdict: registrations confirmed to users, looked up in the database.

bench/load/dbstate.py counts them; bench/load/run.py turns locust's statistics and
that count into the report and the exit status.
"""

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

from cms import services
from cms.models import RegistrationStatus
from crm.models import ConsentPurpose

ROOT = Path(__file__).resolve().parents[2]


def _module(name):
    spec = importlib.util.spec_from_file_location(
        f"load_{name}", ROOT / "bench" / "load" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _register(event, email):
    return services.registration_create(
        event=event,
        email=email,
        first_name="Anna",
        last_name="Prova",
        consents=[ConsentPurpose.PRIVACY],
    )


@pytest.mark.django_db
def test_a_confirmed_registration_missing_from_the_database_is_lost(
    make_event, tmp_path
):
    event = make_event(capacity=1, waiting_list=True)
    _register(event, "load-r1-1-aaaaaa@example.org")  # confirmed
    _register(event, "load-r1-2-bbbbbb@example.org")  # waiting list: not lost
    _register(event, "someone@example.org")  # not the load run's
    sent = tmp_path / "registrations.txt"
    sent.write_text(
        "sent\tload-r1-1-aaaaaa@example.org\n"
        "confirmed\tload-r1-1-aaaaaa@example.org\t/programma/incontro-1/\n"
        "sent\tload-r1-2-bbbbbb@example.org\n"
        "confirmed\tload-r1-2-bbbbbb@example.org\t/programma/incontro-1/\n"
        "sent\tload-r1-3-cccccc@example.org\n"
        "confirmed\tload-r1-3-cccccc@example.org\t/programma/incontro-1/\n"
    )
    out = tmp_path / "count.json"

    _module("dbstate").count(sent, out)

    count = json.loads(out.read_text())
    assert count["sent"] == 3 and count["confirmed"] == 3
    assert count["in_db"] == 2
    assert count["by_status"] == {
        RegistrationStatus.CONFIRMED: 1,
        RegistrationStatus.WAITING: 1,
    }
    assert count["lost"] == ["load-r1-3-cccccc@example.org"]
    assert count["unreported"] == [] and count["duplicated"] == []


def _locust_json(path, *, failures=0):
    entry = {
        "method": "GET",
        "name": "event page",
        "start_time": 1000.0,
        "last_request_timestamp": 1060.0,
        "num_requests": 100,
        "num_failures": failures,
        "max_response_time": 812.4,
        # 90 answers in 100 ms, 9 in 400 ms, 1 in 800 ms
        "response_times": {"100": 90, "400": 9, "800": 1},
    }
    path.write_text(json.dumps([entry]))


@pytest.mark.parametrize(
    "failures, lost, fives, passed",
    [
        (0, [], 0, True),
        (1, [], 0, False),
        (0, ["x@example.org"], 0, False),
        (0, [], 2, False),
    ],
)
def test_the_report_passes_only_without_failures_errors_or_lost(
    tmp_path, monkeypatch, failures, lost, fives, passed
):
    run = _module("run")
    monkeypatch.setattr(run, "VAR", tmp_path)
    _locust_json(tmp_path / "locust.json", failures=failures)
    rows = run.stats_rows()
    total = rows[-1]
    assert total["name"] == "TOTAL" and total["requests"] == 100
    assert (total[50], total[95], total[99], total["max"]) == (100, 400, 800, 812)
    assert round(total["rps"], 2) == round(100 / 60, 2)
    args = argparse.Namespace(
        users=50, spawn_rate=10, run_time="60s", workers=3, threads=4
    )
    count = {"sent": 3, "confirmed": 3, "in_db": 3 - len(lost), "lost": lost}
    text, ok = run.report(args, rows, count, fives, [], {}, 3, 61.0)
    assert ok is passed
    assert (
        text.endswith(
            "OK: no errors, no lost or doubled registrations, no failed tasks."
        )
        is passed
    )
    assert f"lost {len(lost)}" in text
    # A registration recorded twice, or a background task that failed, fails it too.
    doubled = {**count, "duplicated": ["a@example.org"]}
    assert run.report(args, rows, doubled, fives, [], {}, 3, 61.0)[1] is False
    assert run.report(args, rows, count, fives, [], {"FAILED": 1}, 3, 61.0)[1] is False
