"""Writes made from the member area by the people of a family or organisation.

Access is checked by the views (``crm.permissions`` helpers) before these run;
each service validates the data and records history in its transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm import services
from crm.models import (
    Child,
    Consent,
    ConsentHow,
    ConsentPurpose,
    Member,
    Person,
)

# Fields a family or organisation edits itself; the rest is the coordinators'.
MEMBER_EDITABLE = ("name", "municipality", "address", "postal_code", "email", "phone")
ORGANISATION_EDITABLE = ("legal_name", "legal_form", "listed_publicly")
PERSON_EDITABLE = ("first_name", "last_name", "phone")
PRIVACY_NOTICE_VERSION = "2020-1"


def member_editable_fields(member: Member) -> tuple[str, ...]:
    if member.is_organisation:
        return MEMBER_EDITABLE + ORGANISATION_EDITABLE
    return MEMBER_EDITABLE


def _save_with_history(obj, by, fields):
    obj._history_user = by
    obj.full_clean()
    obj.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def member_update(*, member: Member, by, needs=None, offers=None, **fields) -> Member:
    """Update what a member may edit about itself: details, needs and offers."""
    allowed = member_editable_fields(member)
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(_("These details cannot be changed here."))
    member = Member.objects.select_for_update().get(pk=member.pk)
    for field, value in fields.items():
        setattr(member, field, value)
    _save_with_history(member, by, list(fields))
    if needs is not None:
        member.needs.set(needs)
    if offers is not None:
        member.offers.set(offers)
    return member


@transaction.atomic
def person_update(*, person: Person, by, **fields) -> Person:
    """A person updates their own name and phone."""
    if set(fields) - set(PERSON_EDITABLE):
        raise ValidationError(_("These details cannot be changed here."))
    for field, value in fields.items():
        setattr(person, field, value)
    _save_with_history(person, by, list(fields))
    return person


@transaction.atomic
def child_add(*, family: Member, birth_year: int, birth_month: int, by) -> Child:
    """Record a child of a family by birth year and month only."""
    if not family.is_family:
        raise ValidationError(_("Only families have children on record."))
    child = Child(family=family, birth_year=birth_year, birth_month=birth_month)
    child._history_user = by
    child.full_clean()
    child.save()
    return child


@transaction.atomic
def child_remove(*, child: Child, by) -> None:
    child._history_user = by
    child.delete()


@transaction.atomic
def consent_give_online(*, person: Person, purpose: str) -> Consent:
    """A person gives a consent from the member area."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError(_("Unknown consent."))
    return services.consent_give(
        person=person,
        purpose=purpose,
        notice_version=PRIVACY_NOTICE_VERSION,
        how=ConsentHow.MEMBER_AREA,
    )


@transaction.atomic
def consent_withdraw_online(*, consent: Consent, by):
    """A person withdraws a consent from the member area.

    Withdrawing the privacy consent starts an erasure review, as the network can
    no longer keep the person's data without it. Returns ``(consent, erasure)``,
    ``erasure`` being ``None`` for other purposes.
    """
    from crm.privacy import ErasureSource, erasure_request

    consent = services.consent_withdraw(consent=consent, how=ConsentHow.MEMBER_AREA)
    erasure = None
    if consent.purpose == ConsentPurpose.PRIVACY:
        erasure = erasure_request(
            person=consent.person, by=by, source=ErasureSource.PRIVACY_WITHDRAWN
        )
    return consent, erasure
