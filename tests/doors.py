"""Logging in as people do: the password form, then the authenticator app's code.

Used by the tests of the login rules (``tests/crm/test_doors.py``) and the sweep
of every URL (``tests/test_sweep.py``).
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

PASSWORD = "password-for-tests"  # tests.factories.UserFactory's


def tolerate_slow_requests(settings):
    """A code computed just before its half-minute ends reaches the server in
    the next one when the machine is busy: accept the neighbouring period, as
    a phone's clock drift would need (production keeps allauth's default, 0)."""
    settings.MFA_TOTP_TOLERANCE = 1


def give_app(user, secret=None) -> str:
    """An authenticator app for ``user``, with its recovery codes, as after an
    enrolment; returns the app's secret."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    secret = secret or generate_totp_secret()
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def recovery_code(user) -> str:
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return codes.wrap().get_unused_codes()[0]


def code_of(secret: str, *, shift: int = 0) -> str:
    """The app's current code (``shift`` periods away: a wrong but plausible one)."""
    counter = next(yield_hotp_counters_from_time()) + shift
    return format_hotp_value(hotp_value(secret, counter))


def wrong_code(secret: str) -> str:
    """A code no period near now accepts."""
    right = {code_of(secret, shift=shift) for shift in (-1, 0, 1)}
    return next(
        candidate
        for candidate in (f"{n:06d}" for n in range(1000))
        if candidate not in right
    )


def password_step(client, user, password=PASSWORD, **extra):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": password}, **extra
    )


def code_step(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def log_in(client, user, secret, password=PASSWORD):
    """The whole login; returns the response to the code."""
    response = password_step(client, user, password)
    assert response["Location"] == reverse("mfa_authenticate"), response
    return code_step(client, code_of(secret))


def next_period(user, secret):
    """As if the next code had come up: allauth refuses a code used twice."""
    from django.core.cache import cache

    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code_of(secret)}")


def reauthenticate_with_code(client, user, secret, **extra):
    next_period(user, secret)
    return client.post(
        reverse("mfa_reauthenticate"), {"code": code_of(secret), **extra}
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session
