"""The demo's services: about thirty across the Piana, real-looking hours, and
believable gaps so every view has something to show."""

import datetime

from crm import demo as crm_demo
from crm.directory import coverage, demo
from crm.models import Service


def test_the_demo_creates_about_thirty_services_across_the_piana(db):
    crm_demo.seed()
    count = Service.objects.count()
    assert 28 <= count <= 36
    assert demo.seed() == 0  # idempotent
    assert Service.objects.count() == count
    comuni = set(Service.objects.values_list("municipality__name", flat=True))
    assert comuni == {
        "Altopascio",
        "Capannori",
        "Lucca",
        "Montecarlo",
        "Pescaglia",
        "Porcari",
        "Villa Basilica",
    }
    kinds = set(Service.objects.values_list("kind__slug", flat=True))
    assert {"nido", "doposcuola", "centri-estivi", "ludoteca"} <= kinds
    assert all(s.periods.exists() for s in Service.objects.all())
    assert all(s.has_position for s in Service.objects.all())
    # Some figures are fresh, some "to be confirmed", some services full.
    services = list(Service.objects.exclude(places_free=None))
    assert any(s.places_confirmed for s in services)
    assert any(not s.places_confirmed for s in services)
    assert any(s.places_free == 0 for s in services)


def test_the_demo_summer_leaves_august_empty_in_the_hill_comuni(db):
    crm_demo.seed()
    grid = coverage.summer_grid()
    august = [i for i, c in enumerate(grid.columns) if c["month"] == 8]
    july = [i for i, c in enumerate(grid.columns) if c["month"] == 7]
    for row in grid.rows:
        hill = row["comune"].name in ("Pescaglia", "Villa Basilica")
        if hill and str(row["band"]).startswith("3"):
            assert all(row["cells"][i] == 0 for i in august), row
            assert any(row["cells"][i] for i in july), row
    lucca = next(
        r
        for r in grid.rows
        if r["comune"].name == "Lucca" and str(r["band"]).startswith("3")
    )
    assert all(lucca["cells"][i] for i in july)
    assert grid.empty_cells and grid.empty_cells < grid.cells


def test_the_demo_follows_today(db):
    crm_demo.seed()
    year = coverage.default_summer_year()
    assert Service.objects.filter(periods__starts_on__year=year).exists()
    assert datetime.date.today() <= max(
        Service.objects.values_list("periods__ends_on", flat=True)
    )
