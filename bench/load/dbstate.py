"""What the load run needs from the database, before and after.

    python bench/load/dbstate.py prepare OUT.json
        links a real visitor would have (a personal registration link whose
        attendance was recorded, the verification codes printed on signed pacts)
        for the locust users, who cannot compute signed links themselves;
    python bench/load/dbstate.py count SENT.txt OUT.json
        the registrations of this run found in the database, against the lines
        the locust users wrote for every registration sent and confirmed;
    python bench/load/dbstate.py tasks
        background tasks still waiting or running (JSON).

Run by bench/load/run.py with the load test's environment (settings, database).
"""

import json
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def prepare(out: Path) -> None:
    from cms import tokens
    from cms.models import Registration
    from pact.models import Adhesion

    attended = Registration.objects.filter(attended_at__isnull=False).order_by("pk")
    data = {
        "certificates": [tokens.manage_url(r) + "attestato.pdf" for r in attended],
        "verify_codes": list(
            Adhesion.objects.signed()
            .filter(short_code__isnull=False)
            .order_by("pk")
            .values_list("short_code", flat=True)
        ),
        "registrations_before": Registration.objects.count(),
    }
    out.write_text(json.dumps(data, indent=2))


def count(sent_file: Path, out: Path) -> None:
    from cms.models import Registration

    sent, confirmed = set(), set()
    for line in sent_file.read_text().splitlines() if sent_file.exists() else []:
        kind, _sep, rest = line.partition("\t")
        email = rest.split("\t")[0].strip().lower()
        (confirmed if kind == "confirmed" else sent).add(email)
    rows = Registration.objects.filter(
        person__email__startswith="load-", person__email__endswith="@example.org"
    ).values_list("person__email", "status", "event_id")
    in_db: dict[str, list[str]] = {}
    by_status: dict[str, int] = {}
    for email, status, _event in rows:
        in_db.setdefault(email.lower(), []).append(status)
        by_status[status] = by_status.get(status, 0) + 1
    lost = sorted(confirmed - set(in_db))
    unreported = sorted(set(in_db) - confirmed)
    duplicated = sorted(e for e, statuses in in_db.items() if len(statuses) > 1)
    out.write_text(
        json.dumps(
            {
                "sent": len(sent),
                "confirmed": len(confirmed),
                "in_db": sum(len(v) for v in in_db.values()),
                "by_status": by_status,
                "lost": lost,
                "unreported": unreported,
                "duplicated": duplicated,
            },
            indent=2,
        )
    )


def tasks() -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    counts = {
        status: DBTaskResult.objects.filter(status=status).count()
        for status in (
            TaskResultStatus.READY,
            TaskResultStatus.RUNNING,
            TaskResultStatus.FAILED,
            TaskResultStatus.SUCCESSFUL,
        )
    }
    print(json.dumps(counts))


def main(argv: list[str]) -> None:
    django.setup()
    command = argv[1] if len(argv) > 1 else ""
    if command == "prepare" and len(argv) == 3:
        prepare(Path(argv[2]))
    elif command == "count" and len(argv) == 4:
        count(Path(argv[2]), Path(argv[3]))
    elif command == "tasks":
        tasks()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
