"""Reads for the back office: lists, a member's page, the dashboard, duplicates.

Every function returns a queryset or plain data fetched in a fixed number of
queries, whatever the number of rows.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat, Lower, Replace, Trim, TruncMonth

from crm.models import (
    Affiliation,
    Child,
    Consent,
    DataExportLog,
    Interaction,
    Member,
    MemberKind,
    MemberStatus,
    Municipality,
    Person,
    Topic,
)

# ---------------------------------------------------------------------------
# Lists


def member_list(*, user=None):
    """The members a back-office user works with, ready for the list."""
    return Member.objects.for_list()


def person_list(*, user=None):
    return Person.objects.all()


def interaction_list(*, user=None):
    return Interaction.objects.select_related("member", "person", "author")


def child_list(*, user=None):
    return Child.objects.select_related("family")


def affiliation_list(*, user=None):
    return Affiliation.objects.select_related("person", "member")


def export_log_list(*, user=None):
    return DataExportLog.objects.select_related("user")


def search_words(queryset, text: str):
    """Apply the model's ``search()`` once per word: every word must match."""
    for word in (text or "").split():
        queryset = queryset.search(word)
    return queryset


# ---------------------------------------------------------------------------
# One member, one person


def member_timeline(member, *, limit=50):
    return member.interactions.select_related("person", "author")[:limit]


def member_affiliations(member):
    return member.affiliations.select_related("person").order_by(
        "end_date", "role", "person__last_name", "person__first_name"
    )


def member_consents(member):
    """Consents of the people affiliated to ``member``, newest first."""
    return (
        Consent.objects.filter(person__affiliations__member=member)
        .select_related("person")
        .distinct()
        .order_by("person__last_name", "person__first_name", "-given_at")
    )


def person_affiliations(person):
    return person.affiliations.select_related("member").order_by(
        "end_date", "member__name"
    )


def children_summary(member, *, on=None):
    children = list(member.children.all())
    return {
        "children": children,
        "zero_to_six": sum(1 for child in children if child.is_zero_to_six(on)),
    }


def history_of(obj, *, limit=20):
    """The last changes recorded by simple_history: who, when, what changed."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-pk")[
            : limit + 1
        ]
    )
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        rows.append(
            {
                "record": record,
                "user": record.history_user,
                "when": record.history_date,
                "type": record.get_history_type_display(),
                "changes": _changes(record, previous),
            }
        )
    return rows


def history_of_related(records, *, label, limit=30):
    """Change history of several records (a family's children, a member's
    affiliations...), newest first; ``label(record)`` names each record."""
    previous, rows = {}, []
    for record in records.select_related("history_user").order_by(
        "history_date", "history_id"
    ):
        rows.append(
            {
                "object": label(record),
                "user": record.history_user,
                "when": record.history_date,
                "type": record.get_history_type_display(),
                "changes": _changes(record, previous.get(record.id)),
            }
        )
        previous[record.id] = record
    return rows[::-1][:limit]


def member_related_history(member):
    from crm.models import AffiliationRole

    def affiliation_label(record):
        role = AffiliationRole(record.role).label if record.role else ""
        return f"{record.person or '?'} — {role}"

    rows = [
        (
            Affiliation._meta.verbose_name_plural,
            history_of_related(
                Affiliation.history.filter(member_id=member.pk).select_related(
                    "person"
                ),
                label=affiliation_label,
            ),
        )
    ]
    if member.is_family:
        rows.append(
            (
                Child._meta.verbose_name_plural,
                history_of_related(
                    Child.history.filter(family_id=member.pk), label=str_of_child
                ),
            )
        )
    return rows


def str_of_child(record):
    return f"{record.birth_month:02d}/{record.birth_year}"


def person_related_history(person):
    from crm.models import AffiliationRole, ConsentPurpose

    def consent_label(record):
        return ConsentPurpose(record.purpose).label

    def affiliation_label(record):
        return f"{record.member or '?'} — {AffiliationRole(record.role).label}"

    return [
        (
            Consent._meta.verbose_name_plural,
            history_of_related(
                Consent.history.filter(person_id=person.pk), label=consent_label
            ),
        ),
        (
            Affiliation._meta.verbose_name_plural,
            history_of_related(
                Affiliation.history.filter(person_id=person.pk).select_related(
                    "member"
                ),
                label=affiliation_label,
            ),
        ),
    ]


def _changes(record, previous):
    if previous is None or record.history_type != "~":
        return []
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    model = record.instance_type
    changes = []
    for change in delta.changes:
        try:
            label = model._meta.get_field(change.field).verbose_name
        except Exception:  # an m2m or a field removed since
            label = change.field
        changes.append(
            {"field": label, "old": _plain(change.old), "new": _plain(change.new)}
        )
    return changes


def _plain(value):
    if isinstance(value, list):  # m2m: list of through-row dicts
        return str(len(value))
    return "" if value is None else value


# ---------------------------------------------------------------------------
# Dashboard


def adherents_count() -> int:
    return Member.objects.adherents().count()


def prospects_count() -> int:
    return Member.objects.filter(status=MemberStatus.PROSPECT).count()


def members_by_kind():
    """Adherents per kind of member."""
    counts = dict(
        Member.objects.adherents()
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(label, counts.get(value, 0)) for value, label in MemberKind.choices]


def members_by_municipality():
    """Municipalities with adherents, the Piana di Lucca first."""
    rows = (
        Municipality.objects.annotate(
            n=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))
        )
        .filter(n__gt=0)
        .order_by("-is_piana", "-n", "name")
        .values_list("name", "is_piana", "n")
    )
    without = Member.objects.adherents().filter(municipality__isnull=True).count()
    return list(rows), without


def adherents_without_joining_date() -> int:
    return Member.objects.adherents().filter(joined_on__isnull=True).count()


def members_by_joined_month(*, months=36):
    """New adherents per month (by joining date) and the running total.

    The last total equals the number of adherents, but for those with no
    joining date (``adherents_without_joining_date``). The last ``months``.
    """
    per_month = dict(
        Member.objects.adherents()
        .exclude(joined_on__isnull=True)
        .annotate(month=TruncMonth("joined_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not per_month:
        return []
    per_month = {_month_start(k): v for k, v in per_month.items()}
    first, last = min(per_month), max(per_month)
    series, total, month = [], 0, first
    while month <= last:
        total += per_month.get(month, 0)
        series.append({"month": month, "new": per_month.get(month, 0), "total": total})
        month = _next_month(month)
    return series[-months:]


def _month_start(value):
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.replace(day=1)


def _next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def needs_and_offers_by_topic():
    """Per topic: adhering families that need it, organisations that offer it."""
    return list(
        Topic.objects.annotate(
            needs=Count(
                "members_in_need",
                filter=Q(
                    members_in_need__kind=MemberKind.FAMILY,
                    members_in_need__status=MemberStatus.ACTIVE,
                ),
                distinct=True,
            ),
            offers=Count(
                "members_offering",
                filter=~Q(members_offering__kind=MemberKind.FAMILY)
                & Q(members_offering__status=MemberStatus.ACTIVE),
                distinct=True,
            ),
        )
        .filter(Q(needs__gt=0) | Q(offers__gt=0))
        .order_by("-needs", "name")
    )


# ---------------------------------------------------------------------------
# Possible duplicates


def _normalised(expression):
    """Lower-case, trimmed, without spaces and punctuation; portable SQL."""
    expression = Lower(Trim(expression))
    for char in (" ", ".", ",", "'", "-"):
        expression = Replace(expression, Value(char), Value(""))
    return expression


def _member_key():
    return _normalised(F("name"))


def _person_key():
    return _normalised(Concat(F("first_name"), F("last_name")))


def duplicate_members(*, limit=200):
    """Groups of members with the same normalised name and municipality, or
    the same phone. Each group: ``{"reason", "objects"}``."""
    name_keys = list(
        Member.objects.annotate(key=_member_key())
        .values_list("key", "municipality_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("key")[:limit]
    )
    groups = []
    if name_keys:
        municipality_ids = {m for _key, m, _n in name_keys}
        candidates = Member.objects.annotate(key=_member_key()).filter(
            key__in={k for k, _m, _n in name_keys}
        )
        where = Q(municipality_id__in=municipality_ids - {None})
        if None in municipality_ids:
            where |= Q(municipality__isnull=True)
        candidates = candidates.filter(where).select_related("municipality")
        by_key = defaultdict(list)
        for member in candidates:
            by_key[(member.key, member.municipality_id)].append(member)
        groups += [
            {"reason": "name", "objects": by_key[(k, m)]}
            for k, m, _n in name_keys
            if len(by_key[(k, m)]) > 1
        ]
    groups += _phone_groups(Member.objects.select_related("municipality"), limit)
    return groups


def duplicate_people(*, limit=200):
    """Groups of people with the same normalised name, or the same phone."""
    name_keys = list(
        Person.objects.annotate(key=_person_key())
        .values_list("key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("key")[:limit]
    )
    groups = []
    if name_keys:
        by_key = defaultdict(list)
        for person in Person.objects.annotate(key=_person_key()).filter(
            key__in=[k for k, _n in name_keys]
        ):
            by_key[person.key].append(person)
        groups += [{"reason": "name", "objects": by_key[k]} for k, _n in name_keys]
    groups += _phone_groups(Person.objects.all(), limit)
    return groups


def _phone_groups(queryset, limit):
    phones = list(
        queryset.exclude(phone="")
        .values_list("phone")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("phone")
        .values_list("phone", flat=True)[:limit]
    )
    if not phones:
        return []
    by_phone = defaultdict(list)
    for obj in queryset.filter(phone__in=phones):
        by_phone[obj.phone].append(obj)
    return [{"reason": "phone", "objects": by_phone[p]} for p in phones]


def merge_summary_member(member):
    """What the merge page shows of a member: key fields, what is linked."""
    return _fields(
        member, ("kind", "status", "municipality", "email", "phone", "joined_on")
    ) + [
        (Affiliation._meta.verbose_name_plural, member.affiliations.count()),
        (Interaction._meta.verbose_name_plural, member.interactions.count()),
        (Child._meta.verbose_name_plural, member.children.count()),
        (Member._meta.get_field("needs").verbose_name, member.needs.count()),
        (Member._meta.get_field("offers").verbose_name, member.offers.count()),
    ]


def merge_summary_person(person):
    return _fields(person, ("email", "phone", "codice_fiscale", "user")) + [
        (Affiliation._meta.verbose_name_plural, person.affiliations.count()),
        (Consent._meta.verbose_name_plural, person.consents.count()),
        (Interaction._meta.verbose_name_plural, person.interactions.count()),
    ]


def _fields(obj, names):
    rows = []
    for name in names:
        field = obj._meta.get_field(name)
        if field.choices:
            value = getattr(obj, f"get_{name}_display")()
        elif name == "phone":
            value = obj.phone_display
        else:
            value = getattr(obj, name)
        rows.append((field.verbose_name, value))
    return rows
