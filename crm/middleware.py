"""Two-factor authentication before the back office, for the roles that need it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from crm.permissions import requires_mfa

# Admin pages reachable without a second factor: leaving must always work.
_EXEMPT = ("logout/",)


def _has_totp(user):
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        .values_list("created_at", flat=True)
        .first()
    )


def _session_used_mfa(request, totp_created_at) -> bool:
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, request.user)
    if any(r.get("method") == "mfa" for r in records):
        return True
    # Activating the app in this session proves the second factor too.
    last_login = request.user.last_login
    return bool(last_login and totp_created_at >= last_login)


class AdminMFAMiddleware:
    """Coordinators and the liaison reach /admin/ only after a second factor.

    Without an authenticator app they are sent to activate one; with one, but in
    a session that never used it, they are asked for a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = None

    def __call__(self, request):
        if self._prefix is None:
            self._prefix = reverse("wagtailadmin_home")
        path = request.path_info
        if path.startswith(self._prefix) and not path.startswith(
            tuple(self._prefix + p for p in _EXEMPT)
        ):
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        user = getattr(request, "user", None)
        if not requires_mfa(user):
            return None
        totp_created_at = _has_totp(user)
        query = urlencode({"next": request.get_full_path()})
        if totp_created_at is None:
            messages.warning(
                request,
                _(
                    "Your role requires two-factor authentication: activate an "
                    "authenticator app before using the back office."
                ),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        if not _session_used_mfa(request, totp_created_at):
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return None


def axes_username(request, credentials=None) -> str | None:
    """The login name django-axes counts failures against.

    django-allauth authenticates with ``email=`` (not ``username=``), and its form
    field is ``login``: without this, failed logins would not lock anything.
    """
    credentials = credentials or {}
    for key in ("email", "username", "login"):
        if credentials.get(key):
            return str(credentials[key]).strip().lower()
    data = getattr(request, "POST", None) or {}
    value = data.get("login") or data.get("username")
    return value.strip().lower() if value else None
