"""Who needs a second factor, whether a session has passed it, and how many
wrong codes a login may try.

Anyone who can reach the back office needs one: whoever holds Wagtail's
``wagtailadmin.access_admin`` permission, however it was granted (the
coordinators', the liaison's and the CMS editors' groups), and every superuser.
Deriving it from the permission rather than from a list of roles means a role
that gains access to the back office gains the requirement with it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.translation import gettext as _

ACCESS_ADMIN = "wagtailadmin.access_admin"
# Wrong codes (authenticator app or recovery codes) after which a login attempt
# ends and counts as one failed login towards the django-axes lockout.
MAX_WRONG_CODES = 5
_WRONG_CODES_KEY = "crm:mfa-wrong-codes:{pk}"


def needs_second_factor(user) -> bool:
    """Whether ``user`` may use a session only after a second factor."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.has_perm(ACCESS_ADMIN)


def has_authenticator_app(user) -> bool:
    """An authenticator that asks for a code at login (recovery codes alone do
    not: allauth removes them with the last app)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user_id=user.pk,
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
    ).exists()


def passed_in_session(request, user) -> bool:
    """Whether this session has seen a second factor of ``user``.

    allauth records each step of a login in the session (password, then
    ``mfa``); a session opened by any other door has no ``mfa`` step.
    """
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def record_enrolment(request, user, authenticator) -> None:
    """Typing the first code of a new authenticator app proves it as a login
    code does: the session counts as having passed the second factor, and as
    freshly re-authenticated with it.

    A password re-authentication made before the app existed no longer counts
    (changes to the second factor, the email or the password then need a code).
    """
    from allauth.account.internal.flows.login import (
        AUTHENTICATION_METHODS_SESSION_KEY,
        get_authentication_records,
        record_authentication,
    )

    kept = [
        record
        for record in get_authentication_records(request, user)
        if not (record.get("reauthenticated") and record.get("method") != "mfa")
    ]
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = kept
    record_authentication(
        request,
        user,
        "mfa",
        id=authenticator.pk,
        type=authenticator.type,
        reauthenticated=True,
        enrolled=True,
    )


# --- wrong codes ------------------------------------------------------------


def _window() -> int:
    """Seconds a count of wrong codes is kept: django-axes' cool-off."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else 15 * 60


def is_locked_out(request, user) -> bool:
    """django-axes' verdict for this account from this address."""
    from axes.handlers.proxy import AxesProxyHandler

    if not getattr(settings, "AXES_ENABLED", True):
        return False
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def wrong_code(request, user) -> bool:
    """Count one wrong code of ``user``; True when the attempt must end.

    The count is per account, shared by every session and address: several
    logins started side by side do not multiply the guesses. Every
    ``MAX_WRONG_CODES`` wrong codes make one failed login for django-axes.
    """
    key = _WRONG_CODES_KEY.format(pk=user.pk)
    cache.add(key, 0, _window())
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _window())
        count = 1
    if count < MAX_WRONG_CODES:
        return False
    cache.delete(key)
    # The same signal a wrong password sends: django-axes records a failure for
    # this account and address, and locks them out at its limit.
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username()},
        request=request,
    )
    return True


def right_code(user) -> None:
    cache.delete(_WRONG_CODES_KEY.format(pk=user.pk))


def end_login_attempt(request):
    """The response that ends a login whose second factor failed too often."""
    from allauth.account.internal.stagekit import clear_login

    clear_login(request)
    messages.error(
        request,
        _(
            "Too many wrong codes: this login attempt has ended. Log in again with "
            "your password and a new code."
        ),
    )
    return redirect("account_login")


def end_session(request):
    """The response that ends a session whose re-authentication failed too often."""
    logout(request)
    messages.error(
        request,
        _(
            "Too many wrong codes: you have been logged out. Log in again with your "
            "password and a new code."
        ),
    )
    return redirect("account_login")
