"""The audited reset of a lost second factor.

Who may reset whom:

- the account's owner never (they use a recovery code, then replace the app);
- a coordinator anyone else's, except a superuser's;
- a superuser anyone else's;
- the server's operator anyone's (``manage.py reset_second_factor``), for the
  last coordinator who lost both the app and the recovery codes.

The reset removes the authenticator app and the recovery codes, ends every
session of the account, records who did it and why, and tells the account's
owner by email. The next login then starts by enrolling a new app.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import SecondFactorReset
from crm.permissions import is_coordinator
from crm.security import second_factor


def may_reset(by, user) -> bool:
    """Whether ``by`` may reset the second factor of ``user`` (``by=None``: the
    server's operator)."""
    if by is None:
        return True
    if by.pk == user.pk or not is_coordinator(by):
        return False
    return by.is_superuser or not user.is_superuser


def _end_sessions(user) -> int:
    """Log ``user`` out everywhere (database sessions)."""
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return 0
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def second_factor_reset(*, user, by, reason: str) -> SecondFactorReset:
    """Remove ``user``'s authenticators, end their sessions, record it."""
    from allauth.mfa.models import Authenticator

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the second factor is reset."))
    if by is not None and by.pk == user.pk:
        raise ValidationError(
            _(
                "Nobody resets their own second factor: log in with a recovery "
                "code and replace the app, or ask another coordinator."
            )
        )
    if not may_reset(by, user):
        raise ValidationError(_("You may not reset this account's second factor."))
    removed = Authenticator.objects.filter(user_id=user.pk).delete()[0]
    if not removed:
        raise ValidationError(_("This account has no second factor to reset."))
    record = SecondFactorReset.objects.create(
        user=user, email=user.email, reset_by=by, reason=reason[:255]
    )
    _end_sessions(user)
    second_factor.right_code(user)  # a fresh start for the new app
    transaction.on_commit(lambda: _tell_owner(record), robust=True)
    return record


def _tell_owner(record: SecondFactorReset) -> None:
    if not record.email:
        return
    context = {"record": record, "login_url": f"{settings.SITE_URL}/account/login/"}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(
            "account/email/second_factor_reset_subject.txt", context
        )
        body = render_to_string(
            "account/email/second_factor_reset_message.txt", context
        )
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body,
        None,
        [record.email],
    )


@transaction.atomic
def authenticator_app_replace(*, request, secret: str):
    """Swap the account's authenticator app for a new one in one step.

    The new app has proved itself (its first code was right) and the owner has
    just given a code of the old one (re-authentication): nobody is left, even
    for a moment, without a second factor, as a deactivation would leave them.
    The recovery codes stay valid.
    """
    from allauth.account.adapter import get_adapter as get_account_adapter
    from allauth.mfa import signals
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, clear_totp_secret

    user = request.user
    old = list(
        Authenticator.objects.select_for_update().filter(
            user_id=user.pk, type=Authenticator.Type.TOTP
        )
    )
    for authenticator in old:
        authenticator.delete()
    new = TOTP.activate(user, secret).instance
    clear_totp_secret(request)

    def notify():
        for authenticator in old:
            signals.authenticator_removed.send(
                sender=Authenticator,
                request=request,
                user=user,
                authenticator=authenticator,
            )
        signals.authenticator_added.send(
            sender=Authenticator, request=request, user=user, authenticator=new
        )
        get_account_adapter(request).send_notification_mail(
            "mfa/email/totp_activated", user
        )

    transaction.on_commit(notify)
    return new
