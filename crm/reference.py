"""Reference data every instance needs: comuni of the Province of Lucca, topics.

Loaded by a data migration and by ``seed_demo``; safe to run again.
"""

import json
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
