"""The session rules every request meets, whichever door the session came by."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from crm.security import second_factor

_VERIFIED_SESSION_KEY = "crm_verified_email"
# What a session may still open before its second factor is enrolled: the
# enrolment itself (with the password re-authentication allauth asks first)
# and the way out.
_ENROLMENT_URL_NAMES = (
    "mfa_activate_totp",
    "account_reauthenticate",
    "account_logout",
    "admin_logout_handover",
    "set_language",
)


def _login_redirect(request):
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('account_login')}?{query}")


class SecondFactorMiddleware:
    """A session opens nothing that needs a login until its login is complete.

    allauth's flow is the only door (``crm.views.doors``), and it already asks
    for a verified email and a second factor. This checks the same of every
    session on every request, so a session that came some other way — a door
    not yet closed, a role granted mid-session — is refused everywhere:

    - a login whose email is not verified is logged out;
    - someone who needs a second factor (``needs_second_factor``) and has no
      authenticator app can only enrol one;
    - with an app, a session that never passed it is logged out and sent to
      log in again.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._enrolment_paths = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        if not self._email_verified(request, user):
            logout(request)
            messages.error(
                request,
                _("Confirm your email address first: log in to receive the link."),
            )
            return _login_redirect(request)
        if second_factor.passed_in_session(request, user):
            return None
        if not second_factor.needs_second_factor(user):
            return None
        if second_factor.has_authenticator_app(user):
            logout(request)
            messages.error(
                request,
                _("Your role needs the code of your authenticator app: log in again."),
            )
            return _login_redirect(request)
        if request.path_info in self._enrolment():
            return None
        messages.warning(
            request,
            _(
                "Your role requires two-factor authentication: activate an "
                "authenticator app before anything else."
            ),
        )
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('mfa_activate_totp')}?{query}")

    def _enrolment(self):
        if self._enrolment_paths is None:
            self._enrolment_paths = {reverse(name) for name in _ENROLMENT_URL_NAMES}
        return self._enrolment_paths

    @staticmethod
    def _email_verified(request, user) -> bool:
        """The login's email is a verified address of its own (checked at login
        and remembered in the session for that email: see ``remember_verified``)."""
        email = (user.email or "").lower()
        if email and request.session.get(_VERIFIED_SESSION_KEY) == email:
            return True
        return remember_verified(request, user)


def remember_verified(request, user) -> bool:
    """Check once per login (and again if the login email changes) that it is a
    verified address of the user; ``user_logged_in`` calls it for every login."""
    from crm.security.accounts import is_verified

    verified = is_verified(user)
    if verified:
        request.session[_VERIFIED_SESSION_KEY] = (user.email or "").lower()
    return verified


def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember_verified(request, user)


class PrivateCacheMiddleware:
    """Pages seen while logged in are nobody else's: ``Cache-Control: private,
    no-store`` keeps them out of shared caches and off the disk of a shared
    computer's browser.

    Also for anonymous responses the view marks as personal (a registration's
    own link, its certificate): ``private_response`` below.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = getattr(response, "personal", False)
        if personal or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response


def private_response(response):
    """Mark a response as personal data (see ``PrivateCacheMiddleware``)."""
    response.personal = True
    return response


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
