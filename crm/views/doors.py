"""Wagtail's own login, password-reset and private-page login, handed over to
allauth's.

Their URLs are routed here, ahead of Wagtail's, so that no form but allauth's
ever checks a password: every login then meets the same lockout, second factor
and verified-email rule. A form posted to the old addresses is not read.
"""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

from crm.security.second_factor import ACCESS_ADMIN


def _next(request, default=""):
    wanted = request.GET.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return wanted
    return default


def _to_login(next_url):
    url = reverse("account_login")
    return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


@never_cache
def admin_login(request):
    """``/admin/login/``: allauth's login, then the back office."""
    home = reverse("wagtailadmin_home")
    next_url = _next(request, home)
    if not request.user.is_authenticated:
        return _to_login(next_url)
    if request.user.has_perm(ACCESS_ADMIN):
        return redirect(next_url)
    # Logged in without the back office: say so rather than loop to the login.
    return render(request, "account/no_back_office.html", status=403)


@never_cache
def frontend_login(request):
    """``/_util/login/``, where Wagtail sends visitors of a private page."""
    next_url = _next(request)
    if not request.user.is_authenticated:
        return _to_login(next_url)
    return render(request, "account/private_page.html", status=403)


def password_reset(request, rest=""):
    """Wagtail's password reset: allauth's, which is rate-limited."""
    return redirect("account_reset_password")


def password_change(request, *args, **kwargs):
    """allauth's password change, after a fresh re-authentication (with the
    authenticator app's code, for whoever has one: ``AccountAdapter``).

    Asked when the page is opened, not when the form is posted: allauth would
    keep a suspended POST, passwords included, in the session meanwhile.
    """
    from allauth.account.internal.flows.reauthentication import (
        is_reauthentication_required,
    )
    from allauth.core.exceptions import ReauthenticationRequired

    if request.user.is_authenticated and is_reauthentication_required(
        request, app="allauth.account"
    ):
        if request.method != "GET":
            return redirect(request.path)
        raise ReauthenticationRequired()
    return _allauth_password_change(request, *args, **kwargs)


def _allauth_password_change(request, *args, **kwargs):
    from allauth.account.views import PasswordChangeView

    return PasswordChangeView.as_view()(request, *args, **kwargs)


def activate_app(request, *args, **kwargs):
    """allauth's activation of an authenticator app; its first right code then
    completes the session's second factor (``record_enrolment``), so whoever had
    to enrol carries on without logging in again."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.views import activate_totp
    from django.utils import timezone

    from crm.security.second_factor import record_enrolment

    started = timezone.now()
    response = activate_totp(request, *args, **kwargs)
    if request.method == "POST" and request.user.is_authenticated:
        app = Authenticator.objects.filter(
            user_id=request.user.pk,
            type=Authenticator.Type.TOTP,
            created_at__gte=started,
        ).first()
        if app is not None:
            record_enrolment(request, request.user, app)
    return response
