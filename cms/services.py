"""Writes for the programme: registrations and their lifecycle.

Each function is keyword-only and atomic. Capacity rules run with the event
row locked, so two people cannot take the last place at once. Emails leave
only after the transaction commits.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms import emails
from cms.models import (
    EventPage,
    PendingRegistration,
    RegistrantKind,
    Registration,
    RegistrationStatus,
)
from cms.models.registrations import ORGANISATION_KINDS
from cms.selectors import confirmed_count, current_privacy_notice_version
from crm.models import (
    AffiliationRole,
    ConsentHow,
    ConsentPurpose,
    Member,
    Municipality,
    Person,
    Topic,
)
from crm.models import MemberStatus as CrmMemberStatus
from crm.services import affiliation_add, consent_give, member_create, person_upsert

_CLOSED_MESSAGES = {
    "disabled": gettext_lazy("Registration is not open for this event."),
    "not_yet": gettext_lazy("Registration for this event is not open yet."),
    "closed": gettext_lazy("Registration for this event is closed."),
}


def _lock_event(event: EventPage) -> EventPage:
    return EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)


def _lock_registration(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .get(pk=registration.pk)
    )


def _has_room(event: EventPage) -> bool:
    return event.capacity is None or confirmed_count(event) < event.capacity


def _initial_status(event: EventPage) -> str:
    if event.requires_approval:
        return RegistrationStatus.PENDING_APPROVAL
    if _has_room(event):
        return RegistrationStatus.CONFIRMED
    if event.waiting_list:
        return RegistrationStatus.WAITING
    raise ValidationError(_("The event is full."), code="full")


def _member_for(*, person, kind, organisation_name, municipality, needs):
    """The member the person speaks for: known, or a new prospect."""
    if kind == RegistrantKind.CITIZEN:
        return None
    affiliations = (
        person.affiliations.current().select_related("member").filter(member__kind=kind)
    )
    for affiliation in affiliations:
        if kind == RegistrantKind.FAMILY or (
            affiliation.member.name.lower() == organisation_name.lower()
        ):
            return affiliation.member
    if kind in ORGANISATION_KINDS:
        # A known organisation is linked, but nobody becomes its contact just by
        # saying so: a coordinator confirms who speaks for it.
        known = Member.objects.filter(kind=kind, name__iexact=organisation_name)
        known = (
            known.first()
            or Member.objects.filter(
                kind=kind, legal_name__iexact=organisation_name
            ).first()
        )
        if known:
            return known
    is_family = kind == RegistrantKind.FAMILY
    member = member_create(
        source="registration",
        kind=kind,
        name=organisation_name or _("Family %(name)s") % {"name": person.last_name},
        status=CrmMemberStatus.PROSPECT,
        municipality=municipality,
        email=person.email or "",
        needs=list(needs) if is_family else None,
    )
    role = AffiliationRole.GUARDIAN if is_family else AffiliationRole.CONTACT
    affiliation_add(person=person, member=member, role=role)
    return member


@transaction.atomic
def registration_create(
    *,
    event: EventPage,
    email: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    registrant_kind: str = RegistrantKind.CITIZEN,
    organisation_name: str = "",
    municipality=None,
    needs: Iterable = (),
    preferred_topics: Iterable = (),
    childcare_children: int = 0,
    childcare_ages: Iterable[int] = (),
    accessibility_needs: str = "",
    notes: str = "",
    consents: Iterable[str] = (),
) -> Registration:
    """Register a person for an event, with the CRM records it implies.

    Creates or completes the Person (matched by email), a prospect Member when
    the person speaks for a family or organisation not yet known, the consents
    given and the Registration, all or nothing. Raises ``ValidationError`` for
    a closed or full event, a duplicate, or a missing privacy consent.
    """
    event = _lock_event(event)
    consents = set(consents)
    notice_version = _check_can_register(event, consents)
    person, _created = person_upsert(
        email=email, first_name=first_name, last_name=last_name, phone=phone
    )
    if Registration.objects.active().filter(event=event, person=person).exists():
        raise ValidationError(
            _("You are already registered for this event."), code="duplicate"
        )
    member = _member_for(
        person=person,
        kind=registrant_kind,
        organisation_name=(organisation_name or "").strip(),
        municipality=municipality,
        needs=needs,
    )
    registration = Registration(
        event=event,
        person=person,
        member=member,
        status=_initial_status(event),
        registrant_kind=registrant_kind,
        organisation_name=(organisation_name or "").strip(),
        municipality=municipality,
        childcare_children=childcare_children,
        childcare_ages=list(childcare_ages),
        accessibility_needs=accessibility_needs,
        notes=notes,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # Two submissions raced past the check above: the constraint decides.
        raise ValidationError(
            _("You are already registered for this event."), code="duplicate"
        ) from None
    registration.needs.set(needs)
    registration.preferred_topics.set(preferred_topics)
    for purpose in sorted(consents):
        consent_give(
            person=person,
            purpose=purpose,
            notice_version=notice_version,
            how=ConsentHow.REGISTRATION,
        )
    _email_on_commit(registration, "received")
    return registration


def _check_can_register(event: EventPage, consents: set) -> str:
    """What refuses a registration whoever registers; the notice version."""
    state = event.registration_state()
    if state != "open":
        raise ValidationError(_CLOSED_MESSAGES[state], code="closed")
    notice_version = current_privacy_notice_version()
    if ConsentPurpose.PRIVACY not in consents:
        raise ValidationError(
            _("You must accept the privacy notice to register."),
            code="privacy_required",
        )
    if not notice_version:
        raise ValidationError(
            _("Registration is unavailable: no privacy notice is published."),
            code="no_privacy_notice",
        )
    return notice_version


# --- the public form -----------------------------------------------------------

# How long the link that confirms a registration made with a known email works.
PENDING_VALID_FOR = timedelta(days=3)
_TYPED = (
    "first_name",
    "last_name",
    "phone",
    "registrant_kind",
    "organisation_name",
    "childcare_children",
    "childcare_ages",
    "accessibility_needs",
    "notes",
)


def typed_data(fields: dict) -> dict:
    """What the form received, as JSON: plain values, ids for the choices."""
    data = {name: fields[name] for name in _TYPED if name in fields}
    data["childcare_ages"] = list(data.get("childcare_ages") or [])
    municipality = fields.get("municipality")
    data["municipality"] = municipality.pk if municipality else None
    data["needs"] = [t.pk for t in fields.get("needs") or ()]
    data["preferred_topics"] = [t.pk for t in fields.get("preferred_topics") or ()]
    data["consents"] = sorted(fields.get("consents") or ())
    return data


def _from_typed_data(data: dict) -> dict:
    fields = {name: data[name] for name in _TYPED if name in data}
    fields["municipality"] = Municipality.objects.filter(
        pk=data.get("municipality")
    ).first()
    fields["needs"] = list(Topic.objects.filter(pk__in=data.get("needs") or []))
    fields["preferred_topics"] = list(
        Topic.objects.filter(pk__in=data.get("preferred_topics") or [])
    )
    fields["consents"] = data.get("consents") or []
    return fields


def registration_submit(*, event: EventPage, email: str, **fields):
    """A registration from the public form, which must never reveal nor change
    what the CRM knows about someone.

    An email the CRM does not know registers at once (``registration_create``).
    One it knows only leaves a ``PendingRegistration`` and an email to that
    address: nothing is matched, written or consented in that person's name
    until the link is followed (``registration_confirm``). Both answer the
    same way, and refuse the same things (closed, full, no privacy consent),
    so the form tells nobody whether an address is known.
    """
    email = (email or "").strip()
    if not Person.objects.by_email(email).exists():
        return registration_create(event=event, email=email, **fields)
    return _pending_create(event=event, email=email, fields=fields)


@transaction.atomic
def _pending_create(*, event, email, fields) -> PendingRegistration:
    _check_can_register(event, set(fields.get("consents") or ()))
    _initial_status(event)  # a full event is refused here too
    now = timezone.now()
    # Unconfirmed data does not linger: expired requests go as new ones come.
    PendingRegistration.objects.filter(
        expires_at__lte=now, confirmed_at__isnull=True
    ).delete()
    pending = PendingRegistration.objects.create(
        event=event,
        email=email,
        data=typed_data(fields),
        expires_at=now + PENDING_VALID_FOR,
    )
    transaction.on_commit(
        lambda: emails.send_confirmation_request(pending), robust=True
    )
    return pending


@transaction.atomic
def registration_confirm(*, pending: PendingRegistration) -> tuple[Registration, bool]:
    """Register what was typed, now that its mailbox has confirmed it.

    Returns ``(registration, created)``: a person already registered for the
    event gets their registration back (``created`` False).
    """
    pending = PendingRegistration.objects.select_for_update().get(pk=pending.pk)
    if pending.registration_id:
        return pending.registration, False
    if pending.confirmed_at or pending.expires_at <= timezone.now():
        raise ValidationError(
            _("This link has expired: register again from the event's page."),
            code="expired",
        )
    try:
        with transaction.atomic():
            registration = registration_create(
                event=pending.event,
                email=pending.email,
                **_from_typed_data(pending.data),
            )
        created = True
    except ValidationError as error:
        if error.code != "duplicate":
            raise
        registration = (
            Registration.objects.active()
            .filter(
                event=pending.event, person__in=Person.objects.by_email(pending.email)
            )
            .get()
        )
        created = False
    pending.confirmed_at = timezone.now()
    pending.registration = registration
    pending.save(update_fields=["confirmed_at", "registration"])
    return registration, created


def _email_on_commit(registration: Registration, reason: str) -> None:
    transaction.on_commit(
        lambda: emails.send_registration_email(registration, reason=reason),
        robust=True,
    )


def _set_status(registration, status, *, by=None) -> Registration:
    registration.status = status
    registration.status_changed_by = by if getattr(by, "is_authenticated", 0) else None
    registration.save(
        update_fields=["status", "status_changed_by", "status_changed_at"]
    )
    return registration


@transaction.atomic
def waiting_list_fill(*, event: EventPage, by=None) -> list[Registration]:
    """Offer the free places to the waiting list, first come first served.

    Each person promoted is confirmed and emailed once the transaction commits.
    Called when a place comes free (a cancellation, a rejection) and when the
    event's capacity is raised.
    """
    event = _lock_event(event)
    promoted = []
    while _has_room(event):
        first = Registration.objects.filter(event=event).waiting().first()
        if first is None:
            break
        promoted.append(_set_status(first, RegistrationStatus.CONFIRMED, by=by))
        _email_on_commit(first, "promoted")
    return promoted


def capacity_raised(before: int | None, after: int | None) -> bool:
    """Whether a change of capacity frees places (no limit counts as infinite)."""
    if before is None:
        return False
    return after is None or after > before


@transaction.atomic
def registration_cancel(*, registration: Registration, by=None) -> Registration:
    """Cancel a registration; a freed place goes to the first on the waiting list."""
    event = _lock_event(registration.event)
    registration = _lock_registration(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    _set_status(registration, RegistrationStatus.CANCELLED, by=by)
    if was_confirmed:
        waiting_list_fill(event=event, by=by)
    return registration


@transaction.atomic
def registration_approve(*, registration: Registration, by) -> Registration:
    """Approve a pending registration: confirmed if there is room, else waiting."""
    event = _lock_event(registration.event)
    registration = _lock_registration(registration)
    if registration.status != RegistrationStatus.PENDING_APPROVAL:
        raise ValidationError(
            _("Only registrations awaiting approval can be approved."),
            code="not_pending",
        )
    if _has_room(event):
        status = RegistrationStatus.CONFIRMED
    elif event.waiting_list:
        status = RegistrationStatus.WAITING
    else:
        raise ValidationError(_("The event is full."), code="full")
    _set_status(registration, status, by=by)
    _email_on_commit(registration, "approved")
    return registration


@transaction.atomic
def registration_reject(*, registration: Registration, by) -> Registration:
    """Turn down a registration; a freed place goes to the waiting list."""
    event = _lock_event(registration.event)
    registration = _lock_registration(registration)
    if registration.status in (
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REJECTED,
    ):
        raise ValidationError(
            _("This registration is already cancelled or rejected."),
            code="not_active",
        )
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    _set_status(registration, RegistrationStatus.REJECTED, by=by)
    _email_on_commit(registration, "rejected")
    if was_confirmed:
        waiting_list_fill(event=event, by=by)
    return registration


@transaction.atomic
def registration_move(*, registration: Registration, to: str, by) -> Registration:
    """Move a person between the confirmed list and the waiting list.

    A coordinator's choice: moving someone to the waiting list promotes nobody,
    and confirming someone needs a free place.
    """
    event = _lock_event(registration.event)
    registration = _lock_registration(registration)
    allowed = {
        RegistrationStatus.CONFIRMED: RegistrationStatus.WAITING,
        RegistrationStatus.WAITING: RegistrationStatus.CONFIRMED,
    }
    if allowed.get(registration.status) != to:
        raise ValidationError(
            _("Only confirmed and waiting registrations can be moved."),
            code="not_movable",
        )
    if to == RegistrationStatus.CONFIRMED and not _has_room(event):
        raise ValidationError(
            _(
                "No places left: raise the number of places or move someone "
                "to the waiting list first."
            ),
            code="full",
        )
    _set_status(registration, to, by=by)
    reason = "promoted" if to == RegistrationStatus.CONFIRMED else "moved_to_waiting"
    _email_on_commit(registration, reason)
    return registration


@transaction.atomic
def registration_check_in(*, registration: Registration, by=None, at=None):
    """Record that a confirmed person came. Checking in twice keeps the first time."""
    registration = _lock_registration(registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(
            _("Only confirmed registrations can be checked in (this one is “%s”).")
            % registration.get_status_display(),
            code="not_confirmed",
        )
    if registration.attended_at is None:
        registration.attended_at = at or timezone.now()
        registration.status_changed_by = (
            by if getattr(by, "is_authenticated", 0) else None
        )
        registration.save(
            update_fields=["attended_at", "status_changed_by", "status_changed_at"]
        )
    return registration


@transaction.atomic
def registration_check_in_undo(*, registration: Registration, by=None):
    """Undo a check-in recorded by mistake."""
    registration = _lock_registration(registration)
    registration.attended_at = None
    registration.status_changed_by = by if getattr(by, "is_authenticated", 0) else None
    registration.save(
        update_fields=["attended_at", "status_changed_by", "status_changed_at"]
    )
    return registration
