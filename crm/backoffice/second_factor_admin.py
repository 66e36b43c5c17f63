"""Back office: the second factor of every account that needs one, and the
audited reset of a lost authenticator (``crm.security.services``)."""

from allauth.account.decorators import reauthentication_required
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from crm.models import SecondFactorReset
from crm.security.second_factor import ACCESS_ADMIN
from crm.security.services import may_reset, second_factor_reset

RESET_PERMISSION = "crm.add_secondfactorreset"


def _may_manage(user) -> bool:
    return user.has_perm(RESET_PERMISSION)


def accounts_to_watch():
    """Accounts that need a second factor, and any other that has one."""
    app, label = ACCESS_ADMIN.split(".")
    access = Q(codename=label, content_type__app_label=app)
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=_permissions(access))
            | Q(user_permissions__in=_permissions(access))
            | Q(authenticator__isnull=False),
            is_active=True,
        )
        .distinct()
        .order_by("email")
        .prefetch_related(
            "groups",
            Prefetch("authenticator_set", to_attr="authenticators"),
        )
    )


def _permissions(query):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(query)


def _row(user):
    by_type = {a.type: a for a in user.authenticators}
    app = by_type.get(Authenticator.Type.TOTP)
    codes = by_type.get(Authenticator.Type.RECOVERY_CODES)
    return {
        "user": user,
        "roles": ", ".join(group.name for group in user.groups.all()),
        "app": app,
        "codes_left": len(codes.wrap().get_unused_codes()) if codes else None,
        "last_used": max(
            (a.last_used_at for a in user.authenticators if a.last_used_at),
            default=None,
        ),
    }


class SecondFactorIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "crm/roles/second_factor.html"
    page_title = gettext_lazy("Second factor")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not _may_manage(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("crm_second_factor:index"), "label": self.page_title}
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [_row(user) for user in accounts_to_watch()]
        context["resets"] = SecondFactorReset.objects.select_related(
            "user", "reset_by"
        )[:50]
        context["me"] = self.request.user
        return context


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=255,
        help_text=gettext_lazy(
            "e.g. “Phone stolen, recovery codes lost: identity checked by phone "
            "on 12/03.”"
        ),
    )


# The coordinator confirms who they are with their own code first: a session
# left open must not be enough to take over someone else's account.
@method_decorator(
    reauthentication_required(app="allauth.mfa", allow_get=True), name="dispatch"
)
class SecondFactorResetView(WagtailAdminTemplateMixin, FormView):
    template_name = "crm/roles/second_factor_reset.html"
    page_title = gettext_lazy("Reset the second factor")
    header_icon = "lock"
    form_class = ResetForm

    def dispatch(self, request, *args, **kwargs):
        if not _may_manage(request.user):
            raise PermissionDenied
        self.account = get_object_or_404(accounts_to_watch(), pk=kwargs["pk"])
        if not may_reset(request.user, self.account):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("crm_second_factor:index"), "label": _("Second factor")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["account"] = self.account
        context["row"] = _row(self.account)
        context["action_url"] = self.request.get_full_path()
        context["submit_button_label"] = _("Reset the second factor")
        return context

    def form_valid(self, form):
        try:
            second_factor_reset(
                user=self.account,
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Second factor of %(who)s reset: they have been logged out, and "
                "their next login starts by activating a new authenticator app."
            )
            % {"who": self.account.email},
        )
        return redirect("crm_second_factor:index")


class SecondFactorMenuItem(MenuItem):
    def is_shown(self, request):
        return _may_manage(request.user)


class SecondFactorViewSet(ViewSet):
    """Who has a second factor, and the reset of a lost one (coordinators)."""

    name = "crm_second_factor"
    url_prefix = "accessi/secondo-fattore"
    icon = "lock"
    menu_label = gettext_lazy("Second factor")
    menu_item_class = SecondFactorMenuItem

    def get_urlpatterns(self):
        return [
            path("", SecondFactorIndexView.as_view(), name="index"),
            path("<int:pk>/reset/", SecondFactorResetView.as_view(), name="reset"),
        ]

    @property
    def menu_url(self):
        return reverse(self.get_url_name("index"))
