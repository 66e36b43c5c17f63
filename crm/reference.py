"""Reference data every instance needs: comuni of the Province of Lucca, topics,
and the comuni's geography (position, neighbours, patron saint's day).

Loaded by data migrations and by ``seed_demo``; safe to run again.
"""

import functools
import json
from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_reference_data(municipality_model, topic_model) -> None:
    for row in json.loads((FIXTURES / "municipalities.json").read_text("utf-8")):
        municipality_model.objects.update_or_create(
            istat_code=row["istat_code"],
            defaults={k: v for k, v in row.items() if k != "istat_code"},
        )
    for row in json.loads((FIXTURES / "topics.json").read_text("utf-8")):
        topic_model.objects.get_or_create(
            slug=row["slug"], defaults={"name": row["name"], "name_en": row["name_en"]}
        )
    if hasattr(municipality_model, "neighbours"):
        load_geography(municipality_model)


@functools.lru_cache(maxsize=1)
def fixture_istat_codes() -> frozenset[str]:
    """The ISTAT codes of the comuni in the reference data."""
    rows = json.loads((FIXTURES / "municipalities.json").read_text("utf-8"))
    return frozenset(row["istat_code"] for row in rows)


def geography() -> dict:
    return json.loads((FIXTURES / "municipality_geography.json").read_text("utf-8"))


def load_geography(municipality_model) -> None:
    """Positions, hill comuni, neighbours and patron days of the 33 comuni.

    What a coordinator has already entered (a patron day, a position) is kept:
    only empty fields are filled, and neighbours are added, never removed.
    """
    data = geography()
    by_code = {m.istat_code: m for m in municipality_model.objects.all()}
    by_name = {}
    for code, row in data["comuni"].items():
        municipality = by_code.get(code)
        if municipality is None:
            continue
        by_name[row["name"]] = municipality
        changed = _fill(municipality, row)
        if changed:
            municipality.save(update_fields=changed)
    for first, second in data["borders"]:
        a, b = by_name.get(first), by_name.get(second)
        if a and b:
            # Both ways: the migration's historical model may not know the
            # relation is symmetrical.
            a.neighbours.add(b)
            b.neighbours.add(a)


def _fill(municipality, row) -> list[str]:
    changed = []
    values = {
        "latitude": Decimal(str(row["lat"])),
        "longitude": Decimal(str(row["lon"])),
        "is_hill": row["hill"],
    }
    patron = row.get("patron")
    has_patron = bool(
        municipality.patron_saint
        or municipality.patron_month
        or municipality.patron_easter_offset is not None
    )
    if patron and not has_patron:
        values["patron_saint"] = patron[0]
        if patron[1] == "easter":
            values["patron_easter_offset"] = patron[2]
        else:
            values["patron_month"], values["patron_day"] = patron[1], patron[2]
    for field, value in values.items():
        current = getattr(municipality, field)
        if field == "is_hill":
            if current is False and value:
                setattr(municipality, field, value)
                changed.append(field)
        elif current in (None, "") and value not in (None, ""):
            setattr(municipality, field, value)
            changed.append(field)
    return changed
