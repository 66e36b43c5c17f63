"""Personal data: what the network holds about a person, and its erasure.

Erasure anonymises rather than deletes: Person and Member rows stay, so that
signed documents (adhesions, their frozen PDFs) keep their references, while
names, contact details, children and free text go, history included.
"""

import datetime
import decimal
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from crm import services
from crm.models import (
    Affiliation,
    Child,
    ConsentHow,
    ErasureOutcome,
    ErasureRequest,
    ErasureSource,
    Interaction,
    Member,
    MemberStatus,
    Person,
    RoleAssignment,
)

__all__ = [
    "ErasureSource",
    "erasure_decide",
    "erasure_request",
    "person_anonymise",
    "person_anonymised",
    "personal_data",
]

# Sent after a person is anonymised, inside the transaction, so that other apps
# (event registrations, contributions) can clear what they hold: crm imports
# neither of them. Arguments: ``person``, ``by``.
person_anonymised = Signal()


# --- my data ---------------------------------------------------------------


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _record(obj, exclude=()) -> dict:
    """Every concrete field of a row, foreign keys shown by their label."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        if field.is_relation:
            related = getattr(obj, field.name)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = _plain(field.value_from_object(obj))
    return data


def _other_apps_records(obj) -> dict:
    """Rows of other apps that point at ``obj`` (registrations, contributions…),
    found through the model's reverse relations so crm need not import them."""
    found = {}
    for rel in obj._meta.related_objects:
        model = rel.related_model
        if model._meta.app_label == "crm" or issubclass(model, HistoricalChanges):
            continue
        if rel.many_to_many or not hasattr(rel, "field"):
            continue
        rows = model._base_manager.filter(**{rel.field.name: obj})
        records = [_record(row, exclude=("password",)) for row in rows]
        if records:
            found[str(model._meta.verbose_name_plural)] = records
    return found


def _member_data(member: Member) -> dict:
    data = _record(member, exclude=("notes",))
    data["kind_label"] = member.get_kind_display()
    data["needs"] = [t.label for t in member.needs.all()]
    data["offers"] = [t.label for t in member.offers.all()]
    data["children"] = [
        {"birth_year": c.birth_year, "birth_month": c.birth_month}
        for c in member.children.all()
    ]
    data["people"] = [
        {
            "name": a.person.full_name,
            "role": a.get_role_display(),
            "from": _plain(a.start_date),
            "until": _plain(a.end_date),
        }
        for a in member.affiliations.select_related("person")
    ]
    data["interactions"] = [
        {
            "kind": i.get_kind_display(),
            "when": _plain(i.occurred_at),
            "subject": i.subject,
            "details": i.body,
        }
        for i in member.interactions.all()
    ]
    data["other_records"] = _other_apps_records(member)
    return data


def personal_data(user, members) -> dict:
    """Everything held about ``user``, their Person and ``members``, as plain data."""
    from allauth.account.models import EmailAddress

    person = Person.objects.filter(user=user).first()
    data = {
        "generated_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "date_joined": _plain(user.date_joined),
            "last_login": _plain(user.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
        },
        "roles": [
            {
                "role": a.get_role_display(),
                "member": str(a.member) if a.member else None,
                "granted_at": _plain(a.granted_at),
                "revoked_at": _plain(a.revoked_at),
            }
            for a in RoleAssignment.objects.filter(user=user).select_related("member")
        ],
        "person": None,
        "members": [_member_data(m) for m in members],
    }
    if person is not None:
        data["person"] = _record(person, exclude=("user",))
        data["person"]["consents"] = [
            {
                "purpose": c.get_purpose_display(),
                "notice_version": c.notice_version,
                "given_at": _plain(c.given_at),
                "given_how": c.get_given_how_display(),
                "withdrawn_at": _plain(c.withdrawn_at),
                "withdrawn_how": c.get_withdrawn_how_display() or None,
            }
            for c in person.consents.all()
        ]
        data["person"]["affiliations"] = [
            {
                "member": str(a.member),
                "role": a.get_role_display(),
                "from": _plain(a.start_date),
                "until": _plain(a.end_date),
            }
            for a in person.affiliations.select_related("member")
        ]
        data["person"]["erasure_requests"] = [
            {
                "requested_at": _plain(e.requested_at),
                "outcome": e.get_outcome_display(),
            }
            for e in person.erasure_requests.all()
        ]
        data["person"]["emails_sent"] = [
            {
                "sent_at": _plain(e.sent_at),
                "kind": e.get_kind_display(),
                "subject": e.subject,
                "to": e.to_email,
            }
            for e in person.emails.all()
        ]
        data["person"]["other_records"] = _other_apps_records(person)
    return data


def count_records(data) -> int:
    """How many records a personal-data export holds (for the export log)."""
    if isinstance(data, list):
        return sum(count_records(v) if isinstance(v, dict) else 1 for v in data)
    if isinstance(data, dict):
        nested = sum(count_records(v) for v in data.values() if isinstance(v, list))
        return 1 + nested
    return 0


# --- erasure ---------------------------------------------------------------


@transaction.atomic
def erasure_request(
    *,
    person: Person,
    by,
    source=ErasureSource.MEMBER_AREA,
    reason="",
    requested_at=None,
) -> ErasureRequest:
    """Ask the coordinators to erase a person's data; one pending request at most.

    ``requested_at`` is when the request was received, for one that arrived on
    paper or by email and is recorded later by a coordinator.
    """
    if person.anonymised_at:
        raise ValidationError(_("This person's data has already been anonymised."))
    if requested_at is not None and requested_at > timezone.now():
        raise ValidationError(_("The date the request was received is in the future."))
    pending = ErasureRequest.objects.select_for_update().pending().filter(person=person)
    if pending.exists():
        return pending.get()
    return ErasureRequest.objects.create(
        person=person,
        requested_by=by,
        source=source,
        reason=reason,
        requested_at=requested_at or timezone.now(),
    )


@transaction.atomic
def erasure_decide(
    *, erasure: ErasureRequest, by, approve: bool, note=""
) -> ErasureRequest:
    """A coordinator approves (anonymising the person) or refuses a request."""
    from crm.permissions import is_coordinator

    if not is_coordinator(by):
        raise ValidationError(_("Only a coordinator can decide on erasure."))
    erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
    if erasure.outcome != ErasureOutcome.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if not approve and not note.strip():
        raise ValidationError(_("Explain why the request is refused."))
    if approve:
        person_anonymise(person=erasure.person, by=by)
    erasure.outcome = ErasureOutcome.ERASED if approve else ErasureOutcome.REFUSED
    erasure.reviewed_by = by
    erasure.decided_at = timezone.now()
    erasure.note = note
    erasure.save()
    return erasure


def _close_login(user, by) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from crm.permissions import role_revoke

    for assignment in RoleAssignment.objects.active().filter(user=user):
        role_revoke(assignment=assignment, by=None, reason=_("Data erased"))
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.username = f"anonimo-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _blank_interactions(queryset) -> None:
    queryset.update(subject=_("(anonymised)"), body="")


def _blank_emails(queryset) -> None:
    """Keep that an email went and what it was about, not to whom."""
    queryset.update(to_email="", subject=_("(anonymised)"))


def _anonymise_family(member: Member, by) -> None:
    Child.history.filter(family_id=member.pk).delete()
    member.children.all().delete()
    _blank_interactions(member.interactions.all())
    _blank_emails(member.emails.all())
    Member.history.filter(id=member.pk).delete()
    member.name = _("Anonymised family #%(pk)s") % {"pk": member.pk}
    member.address = member.postal_code = member.email = member.phone = ""
    member.notes = ""
    member.status = MemberStatus.FORMER
    member.anonymised_at = timezone.now()
    member._history_user = by
    member.save()
    member.needs.clear()
    member.offers.clear()


def _families_left_without_guardians(person: Person):
    for affiliation in Affiliation.objects.filter(
        person=person, member__kind="family", member__anonymised_at__isnull=True
    ).select_related("member"):
        member = affiliation.member
        others = member.affiliations.exclude(person=person).filter(
            person__anonymised_at__isnull=True
        )
        if not others.exists():
            yield member


@transaction.atomic
def person_anonymise(*, person: Person, by) -> Person:
    """Anonymise a person: name, contacts and history go, the row stays.

    Their login is closed and their roles revoked; consents in force are
    withdrawn (the consent records themselves are the proof and stay); a family
    left with no other guardian is anonymised too (children removed).
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymised_at:
        return person
    for consent in person.consents.in_force():
        services.consent_withdraw(consent=consent, how=ConsentHow.MEMBER_AREA)
    families = list(_families_left_without_guardians(person))
    if person.user_id:
        _close_login(person.user, by)
    _blank_interactions(Interaction.objects.filter(person=person))
    _blank_emails(person.emails.all())
    Person.history.filter(id=person.pk).delete()
    person.first_name = _("Anonymised person")
    person.last_name = f"#{person.pk}"
    person.email = None
    person.phone = ""
    person.codice_fiscale = None
    person.user = None
    person.anonymised_at = timezone.now()
    person._history_user = by
    person.save()
    for member in families:
        _anonymise_family(member, by)
    person_anonymised.send(sender=Person, person=person, by=by)
    return person
