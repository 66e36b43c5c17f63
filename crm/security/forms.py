"""allauth's forms with the project's rules (``ACCOUNT_FORMS``, ``MFA_FORMS``)."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from django.core.exceptions import ValidationError

from crm.security import second_factor


class LoginForm(AllauthLoginForm):
    """allauth's login form; the page itself links to the password reset, once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""


class _CountedCodeMixin:
    """Wrong codes are counted per account: after ``MAX_WRONG_CODES`` the attempt
    ends (see ``second_factor.wrong_code``), and a locked-out account or address
    is refused before any code is tried."""

    def clean_code(self):
        request = context.request
        if second_factor.is_locked_out(request, self.user):
            request.axes_locked_out = True
            request.axes_credentials = {"username": self.user.get_username()}
            raise ImmediateHttpResponse(self.give_up(request))
        try:
            code = super().clean_code()
        except ValidationError:
            if second_factor.wrong_code(request, self.user):
                raise ImmediateHttpResponse(self.give_up(request)) from None
            raise
        second_factor.right_code(self.user)
        return code

    def give_up(self, request):
        raise NotImplementedError


class AuthenticateForm(_CountedCodeMixin, AllauthAuthenticateForm):
    """The second step of a login."""

    def give_up(self, request):
        return second_factor.end_login_attempt(request)


class ReauthenticateForm(_CountedCodeMixin, AllauthReauthenticateForm):
    """A code asked again before changing the second factor, email or password."""

    def give_up(self, request):
        return second_factor.end_session(request)
