"""django-allauth adapters (``ACCOUNT_ADAPTER``, ``MFA_ADAPTER``)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

from crm.security import second_factor
from crm.security.client import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # allauth's rate limits count per address as django-axes does.
        return client_ip(request)

    def get_reauthentication_methods(self, user):
        """With an authenticator app, re-authenticating means a code from it:
        a password alone never unlocks changes to the second factor, the email
        or the password."""
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and second_factor.has_authenticator_app(user):
            return [m for m in methods if m["id"].startswith("mfa_reauthenticate")]
        return methods


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires two-factor authentication, so the authenticator "
            "app cannot be switched off. To move to a new phone, replace the app "
            "instead; if it is lost, a coordinator can reset it."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        """The last authenticator app of someone who needs one stays."""
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        user = authenticator.user
        if not second_factor.needs_second_factor(user):
            return True
        return (
            Authenticator.objects.filter(user_id=user.pk)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .exists()
        )
