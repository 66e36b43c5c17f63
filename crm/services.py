"""Writes to the CRM. Views, admin views, commands and tasks all call these.

Every function is keyword-only and atomic; model validation (``full_clean``)
runs here so a rule holds whichever door the data came in by.
"""

from django.db import transaction
from django.utils import timezone

from crm.models import (
    Affiliation,
    Consent,
    ConsentHow,
    DataExportLog,
    Interaction,
    Member,
    Person,
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


def export_log(
    *, user, what: str, format: str = "", count: int = 0, filters=None
) -> DataExportLog:
    """Record an export or download of personal data."""
    return DataExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        what=what,
        format=format,
        record_count=count,
        filters=filters or {},
    )
