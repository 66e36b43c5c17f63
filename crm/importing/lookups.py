"""Existing records an import could match, fetched in batches, never per row."""

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from crm.models import Affiliation, Member, Person

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


class ExistingPeople:
    def __init__(self, plans: list, members: list):
        self.by_email, self.by_cf, self.by_name = {}, {}, {}
        emails = {p.data["email"] for p in plans if p.data.get("email")}
        cfs = {p.data["codice_fiscale"] for p in plans if p.data.get("codice_fiscale")}
        for person in matching(Person.objects.all(), "email", emails):
            self.by_email[person.email] = person
        for person in matching(Person.objects.all(), "codice_fiscale", cfs):
            self.by_cf[person.codice_fiscale] = person
        unnamed = {
            p.rows[0].member_plan.member.pk
            for p in plans
            if not (p.data.get("email") or p.data.get("codice_fiscale"))
            and p.rows[0].member_plan.member is not None
            and p.rows[0].member_plan.member.pk
        }
        links = Affiliation.objects.select_related("person")
        for link in matching(links, "member_id", unnamed):
            person = link.person
            key = (
                link.member_id,
                normalise_label(person.first_name),
                normalise_label(person.last_name),
            )
            self.by_name[key] = person


def existing_links(members: list) -> dict:
    pks = [p.member.pk for p in members if p.member is not None and p.member.pk]
    links = {}
    for link in matching(Affiliation.objects.all(), "member_id", pks):
        key = (link.person_id, link.member_id, link.role)
        links.setdefault(key, []).append(link)
    return links
