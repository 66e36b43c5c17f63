"""Writes to the services directory. Views, the back office, imports and
commands all call these: keyword-only, atomic, validated with ``full_clean``.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm_services
from crm.models import (
    Affiliation,
    AffiliationRole,
    Closure,
    InteractionKind,
    Member,
    OpeningHours,
    OpeningPeriod,
    PlacesAlert,
    Service,
)
from crm.models.directory import WEEKDAYS, format_minutes

SERVICE_FIELDS = (
    "kind",
    "name",
    "description",
    "age_min_months",
    "age_max_months",
    "municipality",
    "address",
    "latitude",
    "longitude",
    "cost",
    "cost_notes",
    "how_to_apply",
    "contact_email",
    "contact_phone",
    "website",
    "accessibility",
    "languages",
    "open_on_public_holidays",
    "published",
)


def _history_user(obj, by):
    obj._history_user = by if getattr(by, "is_authenticated", False) else None


@transaction.atomic
def service_save(*, member: Member, by, service: Service | None = None, **fields):
    """Create a service of ``member`` or update ``service`` (not its places)."""
    unknown = set(fields) - set(SERVICE_FIELDS) - {"capacity", "places_free"}
    if unknown:
        raise ValidationError(_("These details cannot be changed here."))
    if service is None:
        service = Service(member=member)
        places = {k: fields.pop(k) for k in ("capacity", "places_free") if k in fields}
        if places:
            service.places_updated_at = timezone.now()
            service.places_updated_by = (
                by if getattr(by, "is_authenticated", False) else None
            )
            for name, value in places.items():
                setattr(service, name, value)
    else:
        service = Service.objects.select_for_update().get(pk=service.pk)
        if service.member_id != member.pk:
            raise ValidationError(_("This service belongs to another organisation."))
        fields.pop("capacity", None)
        fields.pop("places_free", None)
    for name, value in fields.items():
        setattr(service, name, value)
    _history_user(service, by)
    service.full_clean()
    service.save()
    return service


def _check_hours(hours) -> list[tuple[int, int, int]]:
    """Validate ``(weekday, opens, closes)`` triples: within the day, in order,
    not overlapping on the same weekday. Messages name the day and the times."""
    errors, checked = [], []
    for weekday, opens, closes in hours:
        row = OpeningHours(weekday=weekday, opens=opens, closes=closes)
        try:
            row.clean()
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        checked.append((weekday, opens, closes))
    names = dict(WEEKDAYS)
    by_day = {}
    for weekday, opens, closes in sorted(checked):
        previous = by_day.get(weekday)
        if previous and opens < previous[1]:
            errors.append(
                _("%(day)s: the hours %(a)s and %(b)s overlap.")
                % {
                    "day": str(names[weekday]).capitalize(),
                    "a": f"{format_minutes(previous[0])}–{format_minutes(previous[1])}",
                    "b": f"{format_minutes(opens)}–{format_minutes(closes)}",
                }
            )
        by_day[weekday] = (opens, closes)
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def period_save(
    *, service: Service, by, name, starts_on, ends_on, hours, period=None
) -> OpeningPeriod:
    """Create or replace a period with its weekly hours, all or nothing."""
    if period is None:
        period = OpeningPeriod(service=service)
    elif period.service_id != service.pk:
        raise ValidationError(_("This period belongs to another service."))
    period.name, period.starts_on, period.ends_on = name, starts_on, ends_on
    _history_user(period, by)
    period.full_clean()
    checked = _check_hours(hours)
    if not checked:
        raise ValidationError(_("Give the hours of at least one day."))
    period.save()
    period.hours.all().delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(period=period, weekday=w, opens=o, closes=c) for w, o, c in checked
    )
    return period


@transaction.atomic
def period_delete(*, period: OpeningPeriod, by) -> None:
    _history_user(period, by)
    period.delete()


@transaction.atomic
def closure_add(*, service: Service, by, starts_on, ends_on, reason="") -> Closure:
    closure = Closure(
        service=service, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
    _history_user(closure, by)
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def closure_delete(*, closure: Closure, by) -> None:
    _history_user(closure, by)
    closure.delete()


# ---------------------------------------------------------------------------
# Places


@transaction.atomic
def places_update(
    *,
    service: Service,
    by,
    places_free=None,
    capacity=...,
    expected_version=None,
    delta=None,
) -> Service:
    """Record the places free now (and the capacity), dated.

    Two people updating at once never lose an update: the row is locked, a
    relative change (``delta``: one place taken or freed) applies to the stored
    figure, and an absolute figure typed on a form that read ``expected_version``
    is refused if someone saved in between. Families waiting for a place are
    told when free places go from none to some.
    """
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if expected_version is not None and locked.places_version != expected_version:
        raise ValidationError(
            _(
                "Someone updated the places in the meantime: now %(free)s free "
                "(updated %(when)s). Check the figure and save again."
            )
            % {
                "free": "—" if locked.places_free is None else locked.places_free,
                "when": timezone.localtime(locked.places_updated_at).strftime(
                    "%d/%m/%Y %H:%M"
                )
                if locked.places_updated_at
                else "—",
            },
            code="stale",
        )
    before = locked.places_free or 0
    if capacity is not ...:
        locked.capacity = capacity
    if delta is not None:
        places_free = (locked.places_free or 0) + delta
    if places_free is not None and places_free < 0:
        raise ValidationError(
            {"places_free": _("Places free: the figure cannot be negative.")}
        )
    if places_free is not None:
        locked.places_free = places_free
    locked.places_updated_at = timezone.now()
    locked.places_updated_by = by if getattr(by, "is_authenticated", False) else None
    _history_user(locked, by)
    locked.full_clean(exclude=["member", "municipality"])
    locked.save(
        update_fields=[
            "capacity",
            "places_free",
            "places_updated_at",
            "places_updated_by",
            "updated_at",
        ]
    )
    # The version moves in the database itself, so no two saves share one.
    Service.objects.filter(pk=locked.pk).update(places_version=F("places_version") + 1)
    locked.refresh_from_db(fields=["places_version"])
    if before == 0 and (locked.places_free or 0) > 0:
        transaction.on_commit(lambda: places_alerts_notify(service=locked))
    return locked


# ---------------------------------------------------------------------------
# Families: information requests and places alerts


def organisation_recipients(service: Service) -> list[str]:
    """Who at the organisation hears from families: the service's own address,
    else its current legal representatives and contacts."""
    if service.contact_email:
        return [service.contact_email]
    emails = (
        Affiliation.objects.current()
        .filter(
            member=service.member,
            role__in=[AffiliationRole.LEGAL_REPRESENTATIVE, AffiliationRole.CONTACT],
            person__anonymised_at__isnull=True,
            person__email__isnull=False,
        )
        .values_list("person__email", flat=True)
        .distinct()
    )
    recipients = sorted(set(emails))
    if not recipients and service.member.email:
        recipients = [service.member.email]
    return recipients


def consent_to_share_text(service: Service) -> str:
    return _(
        "I agree that my name, email and phone number are passed to %(org)s so "
        "that they can answer me about “%(service)s”."
    ) % {"org": service.member.public_name or service.member.name, "service": service}


@transaction.atomic
def information_request_send(
    *, service: Service, family: Member, person, message: str, share_contact, by
):
    """A family asks a service for information: the organisation's contacts get
    an email, and the request goes on both members' timelines."""
    from crm.models import InformationRequest

    message = (message or "").strip()
    errors = {}
    if not message:
        errors["message"] = _("Message: write what you would like to know.")
    if not share_contact:
        errors["share_contact"] = _(
            "Consent: the organisation can only answer if you agree to share "
            "your contact."
        )
    if not family.is_family:
        errors["family"] = _("Only families ask services for information here.")
    if errors:
        raise ValidationError(errors)
    recipients = organisation_recipients(service)
    if not recipients:
        raise ValidationError(
            _("This service has no contact to write to yet: try by phone.")
        )
    now = timezone.now()
    request = InformationRequest.objects.create(
        service=service,
        family=family,
        person=person,
        message=message[:4000],
        contact_shared_at=now,
        consent_text=consent_to_share_text(service),
        created_at=now,
    )
    context = {"request": request, "service": service, "person": person}
    crm_services.interaction_log(
        member=family,
        kind=InteractionKind.EMAIL,
        subject=_("Information request to “%(service)s”") % {"service": service},
        body=message,
        person=person,
        author=by,
        occurred_at=now,
    )
    crm_services.interaction_log(
        member=service.member,
        kind=InteractionKind.EMAIL,
        subject=_("Information request from %(family)s about “%(service)s”")
        % {"family": family.name, "service": service},
        body=message,
        author=by,
        occurred_at=now,
    )
    subject = render_to_string("directory/email/request_subject.txt", context)
    body = render_to_string("directory/email/request_message.txt", context)
    transaction.on_commit(
        lambda: send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
            body,
            None,
            recipients,
            fail_silently=False,
        )
    )
    return request


def places_alert_consent_text(service: Service) -> str:
    return _(
        "I agree to receive an email when “%(service)s” has free places again. "
        "I can stop it at any time with the link in each email."
    ) % {"service": service}


@transaction.atomic
def places_alert_subscribe(*, service: Service, family: Member, person, consent):
    """Ask to be told when ``service`` frees places (consent recorded)."""
    if not consent:
        raise ValidationError(
            {"consent": _("Consent: tick the box to receive the email.")}
        )
    if not (person and person.email):
        raise ValidationError(_("Your details have no email address to write to."))
    existing = PlacesAlert.objects.active().filter(service=service, person=person)
    if existing.exists():
        return existing.get()
    return PlacesAlert.objects.create(
        service=service,
        family=family,
        person=person,
        email=person.email,
        consent_text=places_alert_consent_text(service),
        stop_token=secrets.token_urlsafe(32),
    )


@transaction.atomic
def places_alert_stop(*, alert: PlacesAlert) -> PlacesAlert:
    """Stop an alert (one click from the email, or from the member area)."""
    alert = PlacesAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.stopped_at is None:
        alert.stopped_at = timezone.now()
        alert.save(update_fields=["stopped_at"])
    return alert


def alert_stop_url(alert: PlacesAlert) -> str:
    path = reverse("crm:directory_alert_stop", kwargs={"token": alert.stop_token})
    return f"{settings.SITE_URL}{path}"


def places_alerts_notify(*, service: Service) -> int:
    """Email every family waiting for ``service``; returns how many were told."""
    told = 0
    service_url = settings.SITE_URL + reverse(
        "crm:directory_service", kwargs={"pk": service.pk}
    )
    for alert in PlacesAlert.objects.active().filter(service=service):
        context = {
            "alert": alert,
            "service": service,
            "service_url": service_url,
            "stop_url": alert_stop_url(alert),
        }
        subject = render_to_string("directory/email/places_subject.txt", context)
        body = render_to_string("directory/email/places_message.txt", context)
        _send(subject, body, alert.email, context["stop_url"])
        PlacesAlert.objects.filter(pk=alert.pk).update(last_notified_at=timezone.now())
        told += 1
    return told


def _send(subject: str, body: str, to: str, stop_url: str) -> None:
    from django.core.mail import EmailMessage

    EmailMessage(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body,
        None,
        [to],
        headers={
            "List-Unsubscribe": f"<{stop_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    ).send()
