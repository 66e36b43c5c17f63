"""Invitations: a one-time link that sets a password and opens the member area."""

from allauth.account.utils import perform_login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm import permissions
from crm.forms import SetPasswordForm
from crm.middleware import private_response
from crm.models import InvitationStatus


def _landing_url(invitation) -> str:
    if invitation.member_id:
        return reverse("crm:area_member", kwargs={"pk": invitation.member_id})
    return reverse("crm:area_home")


def _unusable(request, invitation):
    """Expired, replaced and used links each get their own explanation (410)."""
    context = {"invitation": invitation, "status": invitation.status}
    return render(request, "account/invitation_unusable.html", context, status=410)


def invitation_accept(request, token):
    invitation = permissions.invitation_for_token(token)
    if invitation.status != InvitationStatus.PENDING:
        return _unusable(request, invitation)
    user = request.user if request.user.is_authenticated else None
    existing = permissions.existing_login_for(invitation.email)
    if user is None and existing is not None:
        login_url = reverse("account_login") + f"?next={request.path}"
        context = {"invitation": invitation, "login_url": login_url}
        return private_response(
            render(request, "account/invitation_login.html", context)
        )
    form = SetPasswordForm(request.POST or None, email=invitation.email)
    errors = []
    if request.method == "POST" and (user is not None or form.is_valid()):
        try:
            accepted = permissions.invitation_accept(
                invitation=invitation,
                user=user,
                password=None if user else form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Welcome to Lucca In famiglia!"))
            if user is None:
                # The new account logs in through allauth's flow like any other:
                # a role that needs a second factor starts by enrolling one.
                return perform_login(
                    request, accepted, redirect_url=_landing_url(invitation)
                )
            return redirect(_landing_url(invitation))
    context = {
        "invitation": invitation,
        "form": form,
        "signed_in_as": user,
        "errors": errors,
    }
    # The invitee's name and email: no cache keeps them.
    return private_response(render(request, "account/invitation_accept.html", context))
