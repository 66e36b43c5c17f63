"""Signed links for a registration: manage/cancel (for the person) and check-in."""

from django.core import signing
from django.http import Http404

from cms.models import Registration

MANAGE = "cms.registration.manage"
CHECK_IN = "cms.registration.check-in"


def make_token(registration: Registration, *, purpose: str) -> str:
    return signing.Signer(salt=purpose).sign(str(registration.pk))


def registration_for_token(token: str, *, purpose: str) -> Registration:
    """The registration a signed token names; 404 for a tampered or unknown one."""
    try:
        pk = int(signing.Signer(salt=purpose).unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404("invalid token") from None
    try:
        return Registration.objects.select_related(
            "event", "event__venue", "person", "member"
        ).get(pk=pk)
    except Registration.DoesNotExist:
        raise Http404("unknown registration") from None


def manage_url(registration: Registration) -> str:
    """The person's own link: see, cancel, download the certificate. No login."""
    from django.urls import reverse

    token = make_token(registration, purpose=MANAGE)
    return reverse("cms:registration_manage", args=[token])


def check_in_url(registration: Registration) -> str:
    """What the QR code holds: the door's check-in page for this registration."""
    from django.urls import reverse

    token = make_token(registration, purpose=CHECK_IN)
    return reverse("cms_admin:check_in_token", args=[token])


CONFIRM = "cms.registration.confirm"


def pending_token(pending) -> str:
    return signing.Signer(salt=CONFIRM).sign(str(pending.pk))


def pending_for_token(token: str):
    """The registration awaiting confirmation a signed link names; 404 otherwise."""
    from cms.models import PendingRegistration

    try:
        pk = int(signing.Signer(salt=CONFIRM).unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404("invalid token") from None
    pending = PendingRegistration.objects.select_related("event").filter(pk=pk).first()
    if pending is None:
        raise Http404("unknown or expired request")
    return pending


def confirm_url(pending) -> str:
    """The link, sent only to the address typed, that confirms the registration."""
    from django.urls import reverse

    return reverse("cms:registration_confirm", args=[pending_token(pending)])
