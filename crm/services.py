"""Writes to the CRM. Views, admin views, commands and tasks all call these.

Every function is keyword-only and atomic; model validation (``full_clean``)
runs here so a rule holds whichever door the data came in by.
"""

import itertools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from crm.models import (
    Affiliation,
    Consent,
    ConsentHow,
    DataExportLog,
    Interaction,
    InteractionKind,
    Member,
    MemberKind,
    Person,
    SentEmail,
)


@transaction.atomic
def person_upsert(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    codice_fiscale: str | None = None,
) -> tuple[Person, bool]:
    """Find the person by email (case-insensitive) or create them.

    Known people keep their data; blank fields are filled from the new values.
    Returns ``(person, created)``.
    """
    person = Person.objects.select_for_update().by_email(email).first()
    created = person is None
    if created:
        person = Person(email=email)
    for field, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("phone", phone),
        ("codice_fiscale", codice_fiscale),
    ):
        if value and not getattr(person, field):
            setattr(person, field, value)
    person.full_clean(validate_unique=False)
    person.save()
    return person, created


@transaction.atomic
def member_create(*, source: str, **fields) -> Member:
    """Create a member after full validation; m2m needs/offers may be passed."""
    needs = fields.pop("needs", None)
    offers = fields.pop("offers", None)
    member = Member(source=source, **fields)
    member.full_clean()
    member.save()
    if needs is not None:
        member.needs.set(needs)
    if offers is not None:
        member.offers.set(offers)
    return member


@transaction.atomic
def affiliation_add(
    *, person: Person, member: Member, role: str, start_date=None
) -> Affiliation:
    """Link a person to a member; an open affiliation with the same role is kept."""
    existing = Affiliation.objects.filter(
        person=person, member=member, role=role, end_date__isnull=True
    ).first()
    if existing:
        return existing
    affiliation = Affiliation(
        person=person,
        member=member,
        role=role,
        start_date=start_date or timezone.localdate(),
    )
    affiliation.full_clean()
    affiliation.save()
    return affiliation


@transaction.atomic
def affiliation_end(*, affiliation: Affiliation, end_date=None) -> Affiliation:
    affiliation.end_date = end_date or timezone.localdate()
    affiliation.full_clean()
    affiliation.save(update_fields=["end_date"])
    return affiliation


@transaction.atomic
def consent_give(
    *, person: Person, purpose: str, notice_version: str, how: str, at=None
) -> Consent:
    """Record a consent; one given under an older notice version is superseded."""
    at = at or timezone.now()
    current = (
        Consent.objects.select_for_update()
        .in_force()
        .filter(person=person, purpose=purpose)
        .first()
    )
    if current and current.notice_version == notice_version:
        return current
    if current:
        consent_withdraw(consent=current, how=how, at=at)
    consent = Consent(
        person=person,
        purpose=purpose,
        notice_version=notice_version,
        given_at=at,
        given_how=how,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, how: str = ConsentHow.ONLINE, at=None):
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = max(at or timezone.now(), consent.given_at)
    consent.withdrawn_how = how
    consent.save(update_fields=["withdrawn_at", "withdrawn_how"])
    return consent


@transaction.atomic
def interaction_log(
    *, member: Member, kind: str, subject: str, author=None, **fields
) -> Interaction:
    interaction = Interaction(
        member=member, kind=kind, subject=subject, author=author, **fields
    )
    interaction.full_clean()
    interaction.save()
    return interaction


def _ids(objects) -> set[int]:
    """Primary keys from a queryset (of objects or of ids), objects or ids."""
    if objects is None:
        return set()
    if hasattr(objects, "values_list") and not getattr(objects, "_fields", None):
        objects = objects.values_list("pk", flat=True)
    return {getattr(o, "pk", o) for o in objects if o is not None}


@transaction.atomic
def export_log(
    *,
    user,
    what: str,
    format: str = "",
    count: int = 0,
    filters=None,
    members=None,
    people=None,
) -> DataExportLog:
    """Record an export or download of personal data, and whom it included.

    ``members`` and ``people``: querysets, objects or primary keys; each
    member's and person's page then lists this export.
    """
    log = DataExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        what=what,
        format=format,
        record_count=count,
        filters=filters or {},
    )
    for relation, objects, column in (
        (DataExportLog.members, members, "member_id"),
        (DataExportLog.people, people, "person_id"),
    ):
        through = relation.through
        for batch in _id_batches(objects):
            through.objects.bulk_create(
                [through(dataexportlog_id=log.pk, **{column: pk}) for pk in batch]
            )
    return log


def _id_batches(objects, size=1000):
    """``_ids`` in batches; a queryset is read in chunks, never held whole
    (an export of 100,000 rows logs them in flat memory)."""
    if hasattr(objects, "values_list"):
        if not getattr(objects, "_fields", None):
            objects = objects.values_list("pk", flat=True)
        ids = (
            i
            for i in objects.order_by().distinct().iterator(chunk_size=size)
            if i is not None
        )
    else:
        ids = iter(sorted(_ids(objects)))
    while batch := list(itertools.islice(ids, size)):
        yield batch


def email_record(
    *, to: str, subject: str, kind: str, person=None, member=None, about=None
) -> SentEmail:
    """Note an email the network sent (never its text), for the story of the
    person and the member it concerns."""
    if person is None and to:
        person = Person.objects.filter(email__iexact=to).first()
    return SentEmail.objects.create(
        to_email=to,
        subject=subject[:255],
        kind=kind,
        person=person,
        member=member,
        about=about,
    )


# ---------------------------------------------------------------------------
# Merging duplicates


def _reverse_relations(model, handled):
    """Reverse relations to ``model`` not handled explicitly by a merge.

    Models added later (by other apps) are covered without the merge knowing
    them; history tables are left alone, they keep the old reference on purpose.
    """
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete):
            continue
        if rel.get_accessor_name() in handled or rel.name in handled:
            continue
        if issubclass(rel.related_model, HistoricalChanges):
            continue
        if rel.related_model._meta.auto_created:
            continue  # the through table of one of the model's own m2m fields
        if rel.many_to_many and not rel.through._meta.auto_created:
            continue  # through a model whose foreign key is visited on its own
        yield rel


def _move_references(model, *, keep, other, handled):
    for rel in _reverse_relations(model, handled):
        related = rel.related_model
        try:
            with transaction.atomic():
                if rel.many_to_many:
                    through = rel.through
                    source = rel.field.m2m_reverse_field_name()
                    target = rel.field.m2m_field_name()
                    for target_id in through.objects.filter(
                        **{source: other}
                    ).values_list(f"{target}_id", flat=True):
                        through.objects.get_or_create(
                            **{source: keep, f"{target}_id": target_id}
                        )
                    through.objects.filter(**{source: other}).delete()
                else:
                    related._base_manager.filter(**{rel.field.name: other}).update(
                        **{rel.field.name: keep}
                    )
        except IntegrityError:
            raise ValidationError(
                _(
                    "Both records have linked %(what)s that cannot be combined: "
                    "resolve them by hand before merging."
                ),
                params={"what": related._meta.verbose_name_plural},
            ) from None


def _move_object_permissions(*, keep, other) -> None:
    """django-guardian keeps object permissions by primary key, not by foreign key."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    content_type = ContentType.objects.get_for_model(keep)
    for model, holder in (
        (UserObjectPermission, "user_id"),
        (GroupObjectPermission, "group_id"),
    ):
        kept = set(
            model.objects.filter(
                content_type=content_type, object_pk=str(keep.pk)
            ).values_list(holder, "permission_id")
        )
        for grant in model.objects.filter(
            content_type=content_type, object_pk=str(other.pk)
        ):
            if (getattr(grant, holder), grant.permission_id) in kept:
                grant.delete()
            else:
                grant.object_pk = str(keep.pk)
                grant.save(update_fields=["object_pk"])


def _merge_affiliation(affiliation, *, owner_field, keep, by):
    """Move one affiliation to ``keep``; an open one it already has absorbs it."""
    lookup = {"role": affiliation.role, "end_date__isnull": True}
    if owner_field == "member":
        lookup["person_id"] = affiliation.person_id
    else:
        lookup["member_id"] = affiliation.member_id
    twin = None
    if affiliation.end_date is None:
        twin = keep.affiliations.filter(**lookup).first()
    if twin is None:
        setattr(affiliation, owner_field, keep)
        affiliation._history_user = by
        affiliation.save()
        return
    starts = [d for d in (twin.start_date, affiliation.start_date) if d]
    if starts and twin.start_date != min(starts):
        twin.start_date = min(starts)
        twin._history_user = by
        twin.save(update_fields=["start_date"])
    affiliation._history_user = by
    affiliation.delete()


def _fill_blanks(keep, values: dict, by) -> list[str]:
    filled = []
    for field, value in values.items():
        if value not in (None, "") and getattr(keep, field) in (None, ""):
            setattr(keep, field, value)
            filled.append(str(keep._meta.get_field(field).verbose_name))
    keep._history_user = by
    keep.save()
    return filled


def _record_summary(obj, fields) -> str:
    lines = []
    for field in fields:
        value = getattr(obj, field)
        if value not in (None, ""):
            label = obj._meta.get_field(field).verbose_name
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


_MEMBER_FILL = {
    "any": ("municipality", "address", "postal_code", "email", "phone"),
    "organisation": (
        "legal_name",
        "legal_form",
        "codice_fiscale",
        "partita_iva",
        "ateco_code",
        "employees",
    ),
    MemberKind.THIRD_SECTOR: ("runts_number",),
    MemberKind.INSTITUTION: ("institution_type",),
}


def _member_fill_fields(member) -> tuple[str, ...]:
    fields = _MEMBER_FILL["any"]
    if member.is_organisation:
        fields += _MEMBER_FILL["organisation"] + _MEMBER_FILL.get(member.kind, ())
    return fields


@transaction.atomic
def member_merge(*, keep: Member, other: Member, by) -> Member:
    """Merge ``other`` into ``keep``, then delete ``other``.

    Affiliations, interactions, children, needs and offers (and whatever else
    refers to ``other``) move to ``keep``; blank fields of ``keep`` are filled
    from ``other``; a note on ``keep``'s timeline records the merge.
    """
    if keep.pk == other.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    keep = Member.objects.select_for_update().get(pk=keep.pk)
    other = Member.objects.select_for_update().get(pk=other.pk)
    if keep.is_family != other.is_family:
        raise ValidationError(_("A family cannot be merged with an organisation."))
    counts = {
        "affiliations": other.affiliations.count(),
        "interactions": other.interactions.count(),
        "children": other.children.count(),
    }
    for affiliation in other.affiliations.all():
        _merge_affiliation(affiliation, owner_field="member", keep=keep, by=by)
    other.interactions.update(member=keep)
    for child in other.children.all():
        child.family = keep
        child._history_user = by
        child.save()
    keep.needs.add(*other.needs.all())
    keep.offers.add(*other.offers.all())
    _move_references(
        Member,
        keep=keep,
        other=other,
        handled={"affiliations", "interactions", "children", "people"},
    )
    _move_object_permissions(keep=keep, other=other)
    values = {field: getattr(other, field) for field in _member_fill_fields(keep)}
    summary = _record_summary(other, ("name", *values, "joined_on", "notes"))
    joined = [d for d in (keep.joined_on, other.joined_on) if d]
    name, other_pk = other.name, other.pk
    other._history_user = by
    other.delete()
    keep.joined_on = min(joined) if joined else None
    filled = _fill_blanks(keep, values, by)
    interaction_log(
        member=keep,
        kind=InteractionKind.NOTE,
        author=by,
        subject=_("Merged with “%(name)s” (no. %(pk)s)")
        % {"name": name, "pk": other_pk},
        body=_merge_note(counts, filled, summary),
    )
    return keep


def _merge_note(counts: dict, filled: list[str], summary: str) -> str:
    moved = ", ".join(f"{label}: {n}" for label, n in counts.items())
    parts = [_("Moved: %(moved)s.") % {"moved": moved}]
    if filled:
        parts.append(_("Filled in: %(fields)s.") % {"fields": ", ".join(filled)})
    parts.append(_("The merged record held:") + "\n" + summary)
    return "\n".join(parts)


@transaction.atomic
def person_merge(*, keep: Person, other: Person, by) -> Person:
    """Merge ``other`` into ``keep``, then delete ``other``.

    Affiliations, consents, interactions and the login (when only ``other`` has
    one) move to ``keep``; of two consents in force for the same purpose the
    older is recorded as superseded by the newer. Blank fields of ``keep`` are
    filled from ``other``; each member ``keep`` belongs to gets a note.
    """
    if keep.pk == other.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    other = Person.objects.select_for_update().get(pk=other.pk)
    if keep.user_id and other.user_id:
        raise ValidationError(
            _("Both people have a login: remove one of them before merging.")
        )
    counts = {
        "affiliations": other.affiliations.count(),
        "consents": other.consents.count(),
        "interactions": other.interactions.count(),
    }
    for affiliation in other.affiliations.all():
        _merge_affiliation(affiliation, owner_field="person", keep=keep, by=by)
    _merge_consents(keep=keep, other=other, by=by)
    other.interactions.update(person=keep)
    user = other.user
    if user is not None:
        other.user = None
        other.save(update_fields=["user"])
    _move_references(
        Person,
        keep=keep,
        other=other,
        handled={"affiliations", "consents", "interactions", "members"},
    )
    _move_object_permissions(keep=keep, other=other)
    fields = ("first_name", "last_name", "email", "phone", "codice_fiscale")
    values = {field: getattr(other, field) for field in fields}
    summary = _record_summary(other, fields)
    name, other_pk = other.full_name, other.pk
    other._history_user = by
    other.delete()
    if user is not None:
        keep.user = user
    filled = _fill_blanks(keep, values, by)
    for member in Member.objects.filter(affiliations__person=keep).distinct():
        interaction_log(
            member=member,
            kind=InteractionKind.NOTE,
            person=keep,
            author=by,
            subject=_("Person “%(name)s” (no. %(pk)s) merged into “%(keep)s”")
            % {"name": name, "pk": other_pk, "keep": keep.full_name},
            body=_merge_note(counts, filled, summary),
        )
    return keep


def _merge_consents(*, keep: Person, other: Person, by) -> None:
    in_force = {c.purpose: c for c in keep.consents.in_force()}
    for consent in other.consents.in_force():
        twin = in_force.get(consent.purpose)
        if twin is None:
            continue
        older, newer = sorted((twin, consent), key=lambda c: (c.given_at, c.pk))
        older.withdrawn_at = newer.given_at
        older.withdrawn_how = newer.given_how
        older._history_user = by
        older.save(update_fields=["withdrawn_at", "withdrawn_how"])
    for consent in other.consents.all():
        consent.person = keep
        consent._history_user = by
        consent.save(update_fields=["person"])


def members_import(
    *, content: bytes, filename: str = "", by=None, people="fill", confirmed=()
):
    """Import members, people and affiliations from a CSV, XLSX, ODS or JSON file.

    All or nothing, in django-import-export's transaction: any problem raises
    ``crm.importing.ImportRefused`` with nothing written. ``people`` is
    ``"fill"`` (fill what known people lack) or ``"update"`` (the file's values
    replace theirs); ``confirmed`` lists the rows of conflicts the coordinator
    confirmed. Returns the ``ImportReport``.
    """
    from crm.importing import ImportRefused, prepare

    report = prepare(
        content, filename, dry_run=False, people=people, confirmed=confirmed, by=by
    )
    if not report.ok:
        raise ImportRefused(report)
    return report
