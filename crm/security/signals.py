"""Receivers that keep the account rules whichever code path touches an account."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def login_email_is_verified(sender, instance, raw=False, **kwargs):
    """``User.email`` only ever becomes a verified address of its own user.

    allauth changes it after verifying the new address; an erased account's is
    emptied. Any other code path that would set an unverified address — an
    admin form, a script — is refused here, so the login email and allauth's
    addresses can never disagree.
    """
    from allauth.account.models import EmailAddress

    if raw or instance.pk is None:
        return
    new = (instance.email or "").strip()
    if not new:
        return
    old = (
        type(instance)
        ._default_manager.filter(pk=instance.pk)
        .values_list("email", flat=True)
        .first()
    )
    if old is None or (old or "").lower() == new.lower():
        return
    if not EmailAddress.objects.filter(
        user_id=instance.pk, email__iexact=new, verified=True
    ).exists():
        raise ValidationError(
            _("A login email changes only through its verification (allauth).")
        )


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import pre_save

    from crm.middleware import on_login

    user_logged_in.connect(on_login, dispatch_uid="crm.security.verified_login")

    pre_save.connect(
        login_email_is_verified,
        sender=get_user_model(),
        dispatch_uid="crm.security.login_email",
    )
