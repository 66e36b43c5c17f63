"""Replacing the authenticator app (a new phone) without ever being without one."""

import base64

from allauth.account.decorators import reauthentication_required
from allauth.mfa.adapter import get_adapter
from allauth.mfa.totp.forms import ActivateTOTPForm
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import FormView

from crm.security.second_factor import has_authenticator_app, record_enrolment
from crm.security.services import authenticator_app_replace


@method_decorator(login_required, name="dispatch")
@method_decorator(reauthentication_required(app="allauth.mfa"), name="dispatch")
class ReplaceAppView(FormView):
    """Scan the new app's code, type its first code: the old app stops working.

    Asks for a code of the current app first (re-authentication), as every
    change to the second factor does.
    """

    form_class = ActivateTOTPForm
    template_name = "mfa/totp/replace_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not has_authenticator_app(request.user):
            return redirect("mfa_activate_totp")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        adapter = get_adapter()
        url = adapter.build_totp_url(self.request.user, context["form"].secret)
        svg = adapter.build_totp_svg(url)
        encoded = base64.b64encode(svg.encode("utf8")).decode("ascii")
        context["totp_svg_data_uri"] = f"data:image/svg+xml;base64,{encoded}"
        return context

    def form_valid(self, form):
        app = authenticator_app_replace(request=self.request, secret=form.secret)
        # The new app's first code is a fresh second factor for this session.
        record_enrolment(self.request, self.request.user, app)
        messages.success(
            self.request,
            _("The new authenticator app is active; the old one no longer works."),
        )
        return redirect("mfa_index")


replace_app = ReplaceAppView.as_view()
