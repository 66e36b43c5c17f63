"""Emails to registered people: Italian, HTML and text, with .ics and QR code."""

import logging
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from cms import ical, qr, tokens
from cms.models import Registration, RegistrationStatus
from crm.models import EmailKind
from crm.services import email_record

logger = logging.getLogger(__name__)

QR_CONTENT_ID = "checkin-qr"


def people_language() -> str:
    """The language of emails and certificates: Italian unless configured."""
    return getattr(settings, "CMS_PEOPLE_LANGUAGE", settings.LANGUAGE_CODE)


def _subject(registration: Registration, reason: str) -> str:
    title = registration.event.title
    status = registration.status
    if status == RegistrationStatus.REJECTED:
        return _("Your registration could not be accepted: %(title)s") % {
            "title": title
        }
    if status == RegistrationStatus.WAITING:
        return _("You are on the waiting list: %(title)s") % {"title": title}
    if status == RegistrationStatus.PENDING_APPROVAL:
        return _("Registration received, awaiting approval: %(title)s") % {
            "title": title
        }
    if reason == "promoted":
        return _("A place has come free: you are registered for %(title)s") % {
            "title": title
        }
    return _("Registration confirmed: %(title)s") % {"title": title}


def registration_ics(registration: Registration) -> bytes:
    event = registration.event
    online = event.online_url if event.is_online else ""
    extra = _("Manage or cancel your registration: %(url)s") % {
        "url": ical.absolute(tokens.manage_url(registration))
    }
    component = ical.event_component(event, online_url=online, extra=extra)
    return ical.calendar_bytes([component], name=event.title)


def send_registration_email(registration: Registration, *, reason: str) -> None:
    """Tell the person where their registration stands.

    ``reason`` is one of received, approved, promoted, rejected, moved_to_waiting.
    Confirmed registrations get the .ics, the online link and the check-in QR.
    """
    registration = Registration.objects.select_related(
        "event", "event__venue", "person", "member"
    ).get(pk=registration.pk)
    if not registration.person.email:
        return
    with translation.override(people_language()):
        message = _build_message(registration, reason)
    message.send()
    email_record(
        to=registration.person.email,
        subject=message.subject,
        kind=EmailKind.REGISTRATION,
        person=registration.person,
        member=registration.member,
        about=registration,
    )


def _build_message(registration: Registration, reason: str):
    event = registration.event
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    check_in = ical.absolute(tokens.check_in_url(registration))
    context = {
        "registration": registration,
        "event": event,
        "person": registration.person,
        "reason": reason,
        "confirmed": confirmed,
        "event_url": ical.absolute(event.url or "/"),
        "manage_url": ical.absolute(tokens.manage_url(registration)),
        "online_url": event.online_url if confirmed and event.is_online else "",
        "location": ical.location(event),
        "qr_cid": QR_CONTENT_ID,
    }
    text = render_to_string("cms/emails/registration.txt", context)
    html = render_to_string("cms/emails/registration.html", context)
    message = EmailMultiAlternatives(
        subject=_subject(registration, reason),
        body=text,
        to=[registration.person.email],
    )
    message.attach_alternative(html, "text/html")
    if confirmed:
        image = MIMEImage(qr.qr_png(check_in), "png")
        image.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
        image.add_header("Content-Disposition", "inline", filename="check-in.png")
        message.attach(image)
        message.attach(
            "evento.ics", registration_ics(registration), ical.ICS_CONTENT_TYPE
        )
    return message


def send_confirmation_request(pending) -> None:
    """Ask the owner of a known address to confirm a registration made with it.

    The email names only the event and what was typed: whoever typed the
    address learns nothing, and nothing is recorded unless the link is used.
    """
    event = pending.event
    with translation.override(people_language()):
        context = {
            "event": event,
            "name": " ".join(
                filter(
                    None,
                    (pending.data.get("first_name"), pending.data.get("last_name")),
                )
            ),
            "confirm_url": ical.absolute(tokens.confirm_url(pending)),
            "event_url": ical.absolute(event.url or "/"),
            "location": ical.location(event),
            "valid_until": pending.expires_at,
        }
        body = render_to_string("cms/emails/registration_confirm.txt", context)
        subject = _("Confirm your registration: %(title)s") % {"title": event.title}
    EmailMultiAlternatives(subject=subject, body=body, to=[pending.email]).send()
