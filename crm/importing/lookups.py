"""Existing records an import could match, fetched in batches, never per row."""

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from crm.models import Member

from .columns import normalise_label

CHUNK = 900  # below SQLite's bound-parameter limit


def member_keys(data: dict) -> list:
    """What identifies a row's member: its tax codes, else email, else name."""
    keys = [
        (name, data[name])
        for name in ("codice_fiscale", "partita_iva")
        if data.get(name)
    ]
    if not keys and data.get("email"):
        keys = [("email", data["email"].lower())]
    if not keys:
        keys = [
            (
                "name",
                data["kind"],
                normalise_label(data["name"]),
                data.get("municipality_id"),
            )
        ]
    return keys


def matching(queryset, field: str, values):
    """What of ``queryset`` has ``field`` among ``values``, in few queries.

    On PostgreSQL the values travel as one array: binding and planning a
    thousand-value IN list costs more there than running it.
    """
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        cast = "bigint[]" if isinstance(values[0], int) else "text[]"
        array = RawSQL(f"SELECT unnest(%s::{cast})", [values])
        yield from queryset.filter(**{f"{field}__in": array})
        return
    for part in chunks(values):
        yield from queryset.filter(**{f"{field}__in": part})


def chunks(items: list, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ExistingMembers:
    """Existing members that any group could match, fetched in chunks."""

    def __init__(self, plans: list):
        self.by_cf, self.by_piva, self.by_email, self.by_name = {}, {}, {}, {}
        values = {
            key: {p.data[key] for p in plans if p.data.get(key)}
            for key in ("codice_fiscale", "partita_iva")
        }
        emails = {p.data["email"].lower() for p in plans if p.data.get("email")}
        names = {
            p.data["name"].lower() for p in plans if member_keys(p.data)[0][0] == "name"
        }
        found = {}
        for key, wanted in values.items():
            for m in matching(Member.objects.all(), key, wanted):
                found[m.pk] = m
        by_email = Member.objects.annotate(lower_email=Lower("email"))
        for m in matching(by_email, "lower_email", emails):
            found[m.pk] = m
        by_name = Member.objects.annotate(lower_name=Lower("name"))
        for m in matching(by_name, "lower_name", names):
            found[m.pk] = m
        for m in found.values():
            self._index(m)
        self.topics = _topics_of(list(found))

    def _index(self, m: Member):
        if m.codice_fiscale:
            self.by_cf[m.codice_fiscale] = m
        if m.partita_iva:
            self.by_piva[m.partita_iva] = m
        if m.email:
            self.by_email.setdefault(m.email.lower(), []).append(m)
        name_key = ("name", m.kind, normalise_label(m.name), m.municipality_id)
        self.by_name.setdefault(name_key, []).append(m)


def _topics_of(pks: list) -> dict:
    topics = {pk: (set(), set()) for pk in pks}
    for position, through in enumerate((Member.needs.through, Member.offers.through)):
        links = through.objects.values_list("member_id", "topic_id")
        for member_id, topic_id in matching(links, "member_id", pks):
            topics[member_id][position].add(topic_id)
    return topics
