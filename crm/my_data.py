"""“My data on one page”: what the network holds about a person, in words.

``crm.privacy.personal_data`` is the complete, machine-readable copy (the JSON
download). This module reads the same records for a person: field labels in
their language, choices as they were offered (“Confermata”, not
``confirmed``), dates as Italians write them, and no internal identifiers.
Rows of other apps (registrations, contributions, adhesions…) are found through
the reverse relations, as the JSON does; an app may register how one of its
models reads (``register``), e.g. pact explains a signature's evidence.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from crm.models import Member, Person, RoleAssignment

Row = tuple[str, str | list[str]]


@dataclass
class Record:
    title: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Section:
    title: str
    records: list[Record] = field(default_factory=list)


# Fields a person would not recognise: identifiers, hashes, tokens, files.
_TECHNICAL_NAMES = {"id", "uuid", "reference", "token", "client_token", "password"}
_TECHNICAL_SUFFIXES = ("_sha256", "_token", "_hash", "_position")
_DESCRIBERS: dict[str, Callable[[models.Model], Record]] = {}


def register(model_label: str, describe: Callable[[models.Model], Record]) -> None:
    """How rows of ``app_label.model`` read on the page, e.g. ``"pact.adhesion"``."""
    _DESCRIBERS[model_label.lower()] = describe


def when(value) -> str:
    """A date or moment as Italians write it: 04/12/2026, 04/12/2026 16:47."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "d/m/Y")
    return str(value)


def is_technical(field_obj) -> bool:
    name = field_obj.name
    return (
        field_obj.primary_key
        or name in _TECHNICAL_NAMES
        or name.endswith(_TECHNICAL_SUFFIXES)
        or isinstance(field_obj, models.FileField)
    )


def value_of(obj, field_obj):
    """One field's value as a person reads it; ``None`` when there is nothing."""
    if field_obj.choices:
        raw = getattr(obj, field_obj.attname)
        return getattr(obj, f"get_{field_obj.name}_display")() if raw else None
    if field_obj.is_relation:
        related = getattr(obj, field_obj.name)
        return str(related) if related is not None else None
    value = getattr(obj, field_obj.attname)
    if value is None or value == "" or value == [] or value == {}:
        return None
    if field_obj.name == "phone" and hasattr(obj, "phone_display"):
        return obj.phone_display  # +39 347 120 0000, not +393471200000
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return when(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return str(value)


def field_rows(obj, names=None, *, exclude=()) -> list[Row]:
    """(label, value) of the filled-in fields of ``obj`` (or only ``names``)."""
    fields = obj._meta.concrete_fields
    if names is not None:
        fields = [obj._meta.get_field(name) for name in names]
    rows = []
    for field_obj in fields:
        if field_obj.name in exclude or (names is None and is_technical(field_obj)):
            continue
        value = value_of(obj, field_obj)
        if value is not None:
            rows.append((capfirst(str(field_obj.verbose_name)), value))
    return rows


def describe(obj, *, exclude=()) -> Record:
    """How one row reads: its app's describer, or every field with its label."""
    describer = _DESCRIBERS.get(obj._meta.label_lower)
    if describer is not None:
        return describer(obj)
    return Record(title=str(obj), rows=field_rows(obj, exclude=exclude))


def _other_apps_sections(obj, seen: set) -> list[Section]:
    """Rows of other apps pointing at ``obj``, but those already in ``seen``."""
    sections = []
    for rel in obj._meta.related_objects:
        model = rel.related_model
        if model._meta.app_label == "crm" or issubclass(model, HistoricalChanges):
            continue
        if rel.many_to_many or not hasattr(rel, "field"):
            continue
        rows = model._base_manager.filter(**{rel.field.name: obj})
        records = []
        for row in rows:
            key = (row._meta.label_lower, row.pk)
            if key not in seen:
                seen.add(key)
                records.append(describe(row, exclude=(rel.field.name,)))
        if records:
            sections.append(
                Section(
                    title=capfirst(str(model._meta.verbose_name_plural)),
                    records=records,
                )
            )
    return sections


def _account(user) -> list[Row]:
    rows = [
        (_("Email"), user.email),
        (_("Registered on"), when(user.date_joined)),
    ]
    if user.last_login:
        rows.append((_("Last login"), when(user.last_login)))
    return rows


def _roles(user) -> list[str]:
    lines = []
    for a in RoleAssignment.objects.filter(user=user).select_related("member"):
        line = a.get_role_display() + (f" — {a.member}" if a.member else "")
        period = _("from %(start)s") % {"start": when(a.granted_at)}
        if a.revoked_at:
            period += ", " + _("until %(end)s") % {"end": when(a.revoked_at)}
        lines.append(f"{line} ({period})")
    return lines


def _person(person: Person, seen: set) -> dict:
    consents = []
    for c in person.consents.all():
        line = _("%(purpose)s: given on %(when)s (%(how)s)") % {
            "purpose": c.get_purpose_display(),
            "when": when(c.given_at),
            "how": c.get_given_how_display(),
        }
        if c.withdrawn_at:
            line += "; " + _("withdrawn on %(when)s") % {"when": when(c.withdrawn_at)}
        consents.append(line)
    affiliations = [
        f"{a.member} — {a.get_role_display()}"
        + (f" ({_('until %(end)s') % {'end': when(a.end_date)}})" if a.end_date else "")
        for a in person.affiliations.select_related("member")
    ]
    erasures = [
        _("Asked on %(when)s: %(outcome)s")
        % {"when": when(e.requested_at), "outcome": e.get_outcome_display()}
        for e in person.erasure_requests.all()
    ]
    emails = [
        f"{when(e.sent_at)} · {e.get_kind_display()}: {e.subject} ({e.to_email})"
        for e in person.emails.all()
    ]
    return {
        "name": person.full_name,
        "emails": emails,
        "rows": field_rows(
            person,
            ["first_name", "last_name", "email", "phone", "codice_fiscale"],
        )
        + [(_("On record since"), when(person.created_at))],
        "consents": consents,
        "affiliations": affiliations,
        "erasure_requests": erasures,
        "sections": _other_apps_sections(person, seen),
    }


def _children(member: Member) -> list[str]:
    return [
        formats.date_format(datetime.date(c.birth_year, c.birth_month, 1), "F Y")
        for c in member.children.all()
    ]


def _member(member: Member, seen: set) -> dict:
    names = ["kind", "status", "legal_name", "municipality", "address"]
    names += ["postal_code", "email", "phone", "joined_on"]
    rows = field_rows(member, names)
    needs = [t.label for t in member.needs.all()]
    offers = [t.label for t in member.offers.all()]
    if needs:
        rows.append((_("Needs"), ", ".join(needs)))
    if offers:
        rows.append((_("Offers"), ", ".join(offers)))
    interactions = [
        f"{when(i.occurred_at)} · {i.get_kind_display()}: {i.subject}"
        + (f" — {i.body}" if i.body else "")
        for i in member.interactions.all()
    ]
    return {
        "name": member.name,
        "kind": member.get_kind_display(),
        "rows": rows,
        "children": _children(member) if member.is_family else [],
        "people": [
            f"{a.person.full_name} — {a.get_role_display()}"
            for a in member.affiliations.select_related("person")
        ],
        "interactions": interactions,
        "sections": _other_apps_sections(member, seen),
    }


def readable_data(user, members) -> dict:
    """Everything held about ``user``, their person and ``members``, in words.

    A record that concerns both (an adhesion the person signed for their
    family) reads once, under the family or organisation.
    """
    person = Person.objects.filter(user=user).first()
    seen: set = set()
    member_data = [_member(m, seen) for m in members]
    return {
        "generated_at": timezone.now(),
        "account": _account(user),
        "roles": _roles(user),
        "person": _person(person, seen) if person else None,
        "members": member_data,
    }
