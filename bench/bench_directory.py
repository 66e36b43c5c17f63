"""The services directory at scale: 5,000 services with 100,000 opening rows.

1. The public search (``/servizi/`` with a comune and its neighbours, the
   child's age, “Tuesday at 17:30”) through the test Client, against one raw SQL
   query that returns the same service ids. Query counts are taken with 500 and
   with 5,000 services: they must not change.
2. The summer coverage grid of the 33 comuni × 17 weeks × 2 age bands, against
   a single ``GROUP BY`` over the same opening rows. Queries with 500 and with
   5,000 services: the same.

Standalone: ``python bench/bench_directory.py`` (same database rules as run.py).
"""

import datetime
import re
import sys
from pathlib import Path

SERVICES = 5000
SMALL = 500
HOURS_PER_SERVICE = 20  # two periods × Monday–Friday × two openings a day
PREFIX = "Bench Servizio"
SUMMER_YEAR = 2031
SEARCH = "/servizi/?comune={comune}&vicini=on&eta=2y&giorno=1&ora=17:30&data=2031-11-03"


def create_services(target: int) -> None:
    """Services spread over the 33 comuni, each with a school year (morning and
    afternoon, Monday–Friday) and a summer period: 20 opening rows each."""
    from crm.models import (
        Member,
        MemberKind,
        MemberStatus,
        Municipality,
        OpeningHours,
        OpeningPeriod,
        Service,
        Topic,
    )

    have = Service.objects.filter(name__startswith=PREFIX).count()
    if have >= target:
        return
    org, _created = Member.objects.get_or_create(
        name="Bench Cooperativa",
        defaults={"kind": MemberKind.THIRD_SECTOR, "status": MemberStatus.ACTIVE},
    )
    comuni = list(Municipality.objects.order_by("istat_code"))
    topics = list(Topic.objects.order_by("slug"))
    batch = 1000
    for start in range(have, target, batch):
        numbers = range(start, min(start + batch, target))
        services = Service.objects.bulk_create(
            Service(
                member=org,
                kind=topics[n % len(topics)],
                name=f"{PREFIX} {n:05d}",
                municipality=comuni[n % len(comuni)],
                address="Via del Bench 1",
                age_min_months=(n % 4) * 12,
                age_max_months=(n % 4) * 12 + 36,
                capacity=20,
                places_free=n % 7,
            )
            for n in numbers
        )
        if not services[0].pk:
            services = list(
                Service.objects.filter(name__startswith=PREFIX).order_by("-pk")[
                    : len(services)
                ]
            )[::-1]
        periods = OpeningPeriod.objects.bulk_create(
            period
            for s in services
            for period in (
                OpeningPeriod(
                    service=s,
                    name="Anno",
                    starts_on=datetime.date(SUMMER_YEAR, 9, 15),
                    ends_on=datetime.date(SUMMER_YEAR + 1, 6, 10),
                ),
                OpeningPeriod(
                    service=s,
                    name="Estate",
                    starts_on=datetime.date(SUMMER_YEAR, 6, 9 + s.pk % 14),
                    ends_on=datetime.date(SUMMER_YEAR, 7 + s.pk % 3, 25),
                ),
            )
        )
        if not periods[0].pk:
            periods = list(
                OpeningPeriod.objects.filter(service__in=services).order_by("pk")
            )
        OpeningHours.objects.bulk_create(
            OpeningHours(period=p, weekday=day, opens=opens, closes=closes)
            for i, p in enumerate(periods)
            for day in range(5)
            for opens, closes in ((450 + i % 4 * 15, 780), (870, 1080 + i % 5 * 15))
        )


def raw_search_ids(comuni: list[int]) -> list[int]:
    """The same search as one SQL query (ids only)."""
    from django.db import connection

    day = datetime.date(2031, 11, 4)  # the Tuesday after 3 November 2031
    marks = ",".join(["%s"] * len(comuni))
    sql = f"""
        SELECT s.id FROM crm_service s JOIN crm_member m ON m.id = s.member_id
        WHERE s.published AND m.anonymised_at IS NULL AND m.status <> 'former'
          AND s.municipality_id IN ({marks})
          AND s.age_min_months <= 35 AND s.age_max_months >= 24
          AND EXISTS (SELECT 1 FROM crm_openinghours h
                      JOIN crm_openingperiod p ON p.id = h.period_id
                      WHERE p.service_id = s.id AND p.starts_on <= %s
                        AND p.ends_on >= %s AND h.weekday = 1
                        AND h.opens <= 1050 AND h.closes > 1050)
          AND NOT EXISTS (SELECT 1 FROM crm_closure c WHERE c.service_id = s.id
                          AND c.starts_on <= %s AND c.ends_on >= %s)
        ORDER BY s.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*comuni, day, day, day, day])
        return [row[0] for row in cursor.fetchall()]


def raw_group_by():
    """One GROUP BY over the opening rows the grid reads: comune × age × week."""
    from django.db import connection

    start = datetime.date(SUMMER_YEAR, 6, 1)
    end = datetime.date(SUMMER_YEAR, 9, 30)
    sql = """
        SELECT s.municipality_id, s.age_min_months, p.starts_on, p.ends_on,
               h.weekday, COUNT(DISTINCT s.id)
        FROM crm_openinghours h JOIN crm_openingperiod p ON p.id = h.period_id
        JOIN crm_service s ON s.id = p.service_id
        WHERE s.published AND p.starts_on <= %s AND p.ends_on >= %s
        GROUP BY s.municipality_id, s.age_min_months, p.starts_on, p.ends_on,
                 h.weekday
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, start])
        return cursor.fetchall()


def run() -> list[dict]:
    from common import count_queries, peak_mb, timed
    from django.test import Client

    from crm.directory import coverage
    from crm.models import Municipality, OpeningHours, Service

    client = Client()
    lucca = Municipality.objects.get(name="Lucca")
    comuni = [lucca.pk, *lucca.neighbours.values_list("pk", flat=True)]
    url = SEARCH.format(comune=lucca.pk)

    def search():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    def grid():
        return coverage.summer_grid(SUMMER_YEAR, piana_only=False)

    create_services(SMALL)
    small = (count_queries(search), count_queries(grid))
    create_services(SERVICES)
    rows = OpeningHours.objects.filter(period__service__name__startswith=PREFIX).count()
    search_s, search_q, response = timed(search)
    raw_s, _raw_q, ids = timed(lambda: raw_search_ids(comuni))
    shown = int(
        re.search(rb'aria-live="polite">([\d.]+)', response.content)[1].replace(
            b".", b""
        )
    )
    assert shown == len(ids), (shown, len(ids))
    grid_s, grid_q, built = timed(grid, repeat=3)
    group_s, _group_q, groups = timed(raw_group_by, repeat=3)
    assert len(built.rows) == 66 and len(built.columns) == 17
    search_mb, grid_mb = peak_mb(search), peak_mb(grid)
    services = Service.objects.filter(name__startswith=PREFIX).count()
    steady = small == (search_q, grid_q)
    return [
        {
            "scenario": (
                f"directory search, {services:,} services, {rows:,} opening rows"
            ),
            "ratio": round(search_s / raw_s, 1),
            "baseline": "one raw SQL query returning the same service ids",
            "queries": search_q,
            "peak_mb": search_mb,
            "detail": (
                f"page {search_s * 1000:.0f} ms, raw SQL {raw_s * 1000:.1f} ms; "
                f"{len(ids)} services found; queries with {SMALL:,} services "
                f"{small[0]}: " + ("same" if small[0] == search_q else "DIFFERENT")
            ),
        },
        {
            "scenario": "summer coverage grid, 33 comuni × 17 weeks × 2 age bands",
            "ratio": round(grid_s / group_s, 1),
            "baseline": "a single GROUP BY over the same opening rows",
            "queries": grid_q,
            "peak_mb": grid_mb,
            "detail": (
                f"grid {grid_s * 1000:.0f} ms, GROUP BY {group_s * 1000:.1f} ms "
                f"({len(groups)} groups); {built.empty_cells} of {built.cells} "
                f"cells empty; queries with {SMALL:,} services {small[1]}: "
                + ("same" if steady else "DIFFERENT")
            ),
        },
    ]


def _standalone():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common

    common.setup_django(fresh=False)
    print(common.format_table(run()))


if __name__ == "__main__":
    _standalone()
