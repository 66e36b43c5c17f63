"""Event and programme pages against a minimal Django view, same process, same run.

The event page has 20 agenda items and 40 speakers; the programme lists 30
events. The baseline is a view that returns a short HttpResponse through the
same middleware and test Client. Query counts are also taken on a small event
(1 item, 1 speaker): they must match the large one.

Standalone: ``python bench/bench_event_page.py`` (same database rules as run.py).
"""

import datetime
import sys
from pathlib import Path

PREFIX = "bench-evento"


def _minimal(request):
    from django.http import HttpResponse

    return HttpResponse("<!DOCTYPE html><title>ok</title><p>ok</p>")


def _urlpatterns():
    from django.urls import path

    from config import urls

    return [path("bench/minimal/", _minimal), *urls.urlpatterns]


urlpatterns = []


def _site():
    """A programme with 30 events, a large one and a small one (idempotent)."""
    from django.utils import timezone

    from cms.models import (
        AgendaItem,
        EventPage,
        HomePage,
        PrivacyNoticePage,
        ProgrammePage,
        Speaker,
        Venue,
    )

    home = HomePage.objects.get()
    programme = ProgrammePage.objects.filter(slug=f"{PREFIX}-programma").first()
    if programme:
        return (
            programme,
            EventPage.objects.get(slug=f"{PREFIX}-grande"),
            EventPage.objects.get(slug=f"{PREFIX}-piccolo"),
        )
    home.add_child(
        instance=PrivacyNoticePage(
            title="Privacy",
            slug=f"{PREFIX}-privacy",
            version="bench-1",
            body="<p>x</p>",
        )
    )
    programme = ProgrammePage(title="Programma", slug=f"{PREFIX}-programma")
    home.add_child(instance=programme)
    venue = Venue.objects.create(name="Casermetta San Paolino", city="Lucca")
    start = timezone.now() + datetime.timedelta(days=30)
    speakers = [
        Speaker.objects.create(name=f"Relatore {n}", role="Ruolo", organisation="Ente")
        for n in range(40)
    ]
    pairs = [speakers[n : n + 2] for n in range(0, len(speakers), 2)]

    def event(slug, items):
        page = EventPage(
            title=slug,
            slug=slug,
            kind="other",
            venue=venue,
            start=start,
            end=start + datetime.timedelta(hours=3),
            capacity=500,
            agenda_items=items,
        )
        programme.add_child(instance=page)
        return page

    large = event(
        f"{PREFIX}-grande",
        [
            AgendaItem(
                title=f"Intervento {n}",
                sort_order=n,
                speakers=list(pair),
                starts_at=datetime.time(9 + n // 4, (n % 4) * 15),
            )
            for n, pair in enumerate(pairs)
        ],
    )
    small = event(
        f"{PREFIX}-piccolo",
        [AgendaItem(title="Intervento", sort_order=0, speakers=speakers[:1])],
    )
    for n in range(28):
        event(f"{PREFIX}-{n:02d}", [])
    return programme, large, small


def _row(scenario, client, url, baseline, detail):
    import common

    seconds, queries, response = common.timed(lambda: client.get(url), repeat=15)
    assert response.status_code == 200, (url, response.status_code)
    return {
        "scenario": scenario,
        "ratio": round(seconds / baseline, 1),
        "baseline": "minimal Django view",
        "queries": queries,
        "peak_mb": common.peak_mb(lambda: client.get(url)),
        "detail": f"{seconds * 1000:.1f} ms vs {baseline * 1000:.2f} ms; {detail}",
    }


def run() -> list[dict]:
    import common
    from django.test import Client, override_settings

    common.setup_django()
    module = sys.modules[__name__]
    module.urlpatterns = _urlpatterns()
    programme, large, small = _site()
    client = Client()
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        baseline, _q, _r = common.timed(
            lambda: client.get("/bench/minimal/"), repeat=30
        )
        client.get(small.url)  # warm the same caches the timed runs have
        small_queries = common.count_queries(lambda: client.get(small.url))
        rows = [
            _row(
                "event page: 20 agenda items, 40 speakers",
                client,
                large.url,
                baseline,
                f"same queries as a 1-item event: {small_queries}",
            ),
            _row(
                "programme page: 30 events",
                client,
                programme.url,
                baseline,
                "upcoming and past lists",
            ),
        ]
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common

    common.setup_django()
    print(common.format_table(run()))
