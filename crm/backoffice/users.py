"""Wagtail's user admin, narrowed to what must not bypass the account rules.

Accounts come from invitations (or sign-up), roles from role assignments, login
emails and passwords from allauth's verified flows, second factors from their
owners (or an audited reset). Here a superuser edits only names and whether an
account is active; "Add user" leads to the invitations.
"""

from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.users.forms import UserEditForm
from wagtail.users.views import users as wagtail_users

User = get_user_model()
# Fields of Wagtail's form that another flow owns.
_OWNED_ELSEWHERE = (User.USERNAME_FIELD, "email", "groups", "is_superuser")


class AccountForm(UserEditForm):
    """Names and the active flag; the rest is shown, not edited."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in _OWNED_ELSEWHERE:
            self.fields.pop(name, None)


class CreateView(wagtail_users.CreateView):
    def dispatch(self, request, *args, **kwargs):
        messages.info(
            request,
            _(
                "Accounts are created by invitation: the link proves the email "
                "address and the role follows when it is accepted."
            ),
        )
        return redirect("crm_invitations:add")


class UserViewSet(wagtail_users.UserViewSet):
    add_view_class = CreateView
    template_prefix = "crm/users/"

    def get_form_class(self, for_update=False):
        return AccountForm
