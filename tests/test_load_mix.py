"""The load test's users (bench/load/locustfile.py): importable, a realistic mix.

Importing locust patches the interpreter (gevent), so the locustfile is read in a
child process; nothing here touches the network.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
sys.path.insert(0, "bench/load")
import locustfile as lf  # first: locust patches ssl and threads (gevent)
import django
django.setup()
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

users = {}
for cls in (lf.Visitor, lf.Registrant, lf.Member, lf.Coordinator):
    users[cls.__name__] = {
        "weight": getattr(cls, "weight", 1),
        "fixed_count": getattr(cls, "fixed_count", 0),
        "tasks": sorted({t.__name__ for t in cls.tasks}),
        "wait": [cls.wait_time(None) for _ in range(50)],
    }
secret = "LUCCAINFAMIGLIA2"
codes = [
    (lf.totp(secret, n), format_hotp_value(hotp_value(secret, n)))
    for n in (0, 1, 59_000_000, 59_123_456)
]
print(json.dumps({"users": users, "codes": codes}))
"""


@pytest.fixture(scope="module")
def probe():
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PATH": "/usr/bin:/bin",
            "LOAD_DATA": "",
        },
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_locustfile_users_make_a_realistic_mix(probe):
    users = probe["users"]
    visitor, registrant = users["Visitor"], users["Registrant"]
    member, coordinator = users["Member"], users["Coordinator"]
    # Most people read; fewer register or use the reserved area; two coordinators.
    assert visitor["weight"] > member["weight"] >= registrant["weight"] > 0
    assert coordinator["fixed_count"] == 2
    assert {"home", "programme", "event", "calendars", "verify"} <= set(
        visitor["tasks"]
    )
    assert {"certificate", "pact"} <= set(visitor["tasks"])  # PDF downloads
    assert registrant["tasks"] == ["register"]
    assert {"area_home", "pacts", "sign_out_and_back"} <= set(member["tasks"])
    assert {"members", "registrations", "adhesions"} <= set(coordinator["tasks"])
    # People pause between pages.
    for user in users.values():
        assert all(1 <= wait <= 5 for wait in user["wait"])


def test_locustfile_two_factor_codes_are_those_allauth_accepts(probe):
    for ours, allauths in probe["codes"]:
        assert ours == allauths
