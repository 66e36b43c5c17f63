"""Accounts and their login emails: which account holds an address, verified.

An address counts only once its owner has proved it (allauth's verification,
or an invitation's link): only such an account is found by its email, linked to
a person of the CRM or given a role.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def existing_login_for(email: str):
    """The account that holds ``email`` as its verified login email, if any."""
    email = (email or "").strip()
    if not email:
        return None
    return (
        get_user_model()
        .objects.filter(
            email__iexact=email,
            emailaddress__email__iexact=email,
            emailaddress__verified=True,
        )
        .first()
    )


def is_verified(user) -> bool:
    """Whether the login email of ``user`` is verified (allauth)."""
    from allauth.account.models import EmailAddress

    email = (getattr(user, "email", "") or "").strip()
    return bool(email) and (
        EmailAddress.objects.filter(
            user_id=user.pk, email__iexact=email, verified=True
        ).exists()
    )


def release_unverified_address(email: str) -> None:
    """An invitation link proves the mailbox: a sign-up with the same address
    that was never confirmed (and so never logged in) gives way to it.

    Such an account holds nothing (no role can be granted to it); one that
    somehow does is left alone and the invitation refused.
    """
    User = get_user_model()
    for squatter in User.objects.filter(email__iexact=email):
        if is_verified(squatter):
            continue
        from crm.models import Person, RoleAssignment

        holds = (
            RoleAssignment.objects.filter(user=squatter).exists()
            or Person.objects.filter(user=squatter).exists()
        )
        if holds:
            raise ValidationError(
                _(
                    "An account with this email is waiting for its email to be "
                    "confirmed: ask a coordinator of the network."
                )
            )
        squatter.delete()
