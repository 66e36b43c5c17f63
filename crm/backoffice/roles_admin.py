"""Back office for access: role assignments, invitations, erasure requests, lockouts.

Every write goes through the services of ``crm.permissions`` and ``crm.privacy``;
records are never edited or deleted, only revoked, replaced or decided.
"""

import datetime

import django_filters
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet

from crm import permissions, privacy
from crm.backoffice.listing import ListQueryMixin
from crm.forms import (
    ErasureDecisionForm,
    ErasureRecordForm,
    InvitationAdminForm,
    RevokeForm,
    RoleAssignForm,
)
from crm.models import (
    ErasureOutcome,
    ErasureRequest,
    ErasureSource,
    Invitation,
    Member,
    Person,
    Role,
    RoleAssignment,
)


def _errors_to_form(form, exc: ValidationError) -> None:
    form.add_error(None, exc.messages)


class AdminFormView(WagtailAdminTemplateMixin, PermissionCheckedMixin, FormView):
    """A form page in the admin style, checked against the model's policy."""

    model = None
    template_name = "crm/roles/form.html"
    submit_button_label = gettext_lazy("Save")
    index_url_name = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["submit_button_label"] = self.submit_button_label
        context["action_url"] = self.request.get_full_path()
        return context


# --- role assignments ------------------------------------------------------


class RoleAssignmentFilterSet(WagtailFilterSet):
    role = django_filters.ChoiceFilter(label=gettext_lazy("Role"), choices=Role.choices)
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=[
            ("active", gettext_lazy("In force")),
            ("revoked", gettext_lazy("Revoked")),
        ],
        method="filter_state",
    )
    member = django_filters.NumberFilter(
        label=gettext_lazy("Member (id)"), field_name="member"
    )
    person = django_filters.NumberFilter(
        label=gettext_lazy("Person (id)"), field_name="user__person"
    )

    class Meta:
        model = RoleAssignment
        fields = ["role"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=(value == "active"))


class RoleAssignView(AdminFormView):
    """Grant a role; ``?member=`` and ``?person=`` prefill it from their pages."""

    model = RoleAssignment
    permission_required = "add"
    form_class = RoleAssignForm
    page_title = gettext_lazy("Grant a role")
    submit_button_label = gettext_lazy("Grant the role")
    header_icon = "key"

    def get_initial(self):
        initial = {}
        member_id = self.request.GET.get("member", "")
        if member_id.isdecimal():
            initial["member"] = Member.objects.filter(pk=member_id).first()
        person_id = self.request.GET.get("person", "")
        if person_id.isdecimal():
            person = Person.objects.filter(pk=person_id).first()
            if person and person.user_id:
                initial["email"] = person.user.email
            elif person:
                initial["email"] = person.email
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            assignment, invitation = permissions.role_grant_or_invite(
                email=data["email"],
                role=data["role"],
                member=data["member"],
                by=self.request.user,
                reason=data["reason"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        if invitation is not None:
            messages.success(
                self.request,
                _(
                    "No verified account has this email: an invitation has been "
                    "sent to %(email)s, and the role is granted when it is "
                    "accepted."
                )
                % {"email": invitation.email},
            )
            return redirect("crm_invitations:index")
        messages.success(self.request, _("Role granted: %(a)s.") % {"a": assignment})
        return redirect(
            reverse("crm_roles:index") + f"?person={_person_id(assignment.user)}"
        )


def _person_id(user):
    person = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    return person or ""


class RoleAssignmentDetailView(
    WagtailAdminTemplateMixin, PermissionCheckedMixin, FormView
):
    """An assignment with its history; POST revokes it."""

    model = RoleAssignment
    permission_required = "change"
    template_name = "crm/roles/assignment.html"
    page_title = gettext_lazy("Role assignment")
    header_icon = "key"
    form_class = RevokeForm

    def dispatch(self, request, *args, **kwargs):
        self.object = permissions.assignment_for_admin(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignment"] = self.object
        context["history"] = self.object.history.select_related("history_user")
        return context

    def form_valid(self, form):
        try:
            permissions.role_revoke(
                assignment=self.object,
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Role revoked: %(a)s.") % {"a": self.object})
        return redirect("crm_roles:edit", self.object.pk)


class RoleAssignmentViewSet(ListQueryMixin, ModelViewSet):
    model = RoleAssignment
    icon = "key"
    menu_label = gettext_lazy("Roles")
    add_to_admin_menu = False
    inspect_view_enabled = False
    copy_view_enabled = False
    add_view_class = RoleAssignView
    edit_view_class = RoleAssignmentDetailView
    filterset_class = RoleAssignmentFilterSet
    search_fields = ["user__email", "member__name"]
    search_backend_name = None
    list_display = [
        "user",
        Column("role", label=gettext_lazy("Role"), accessor="get_role_display"),
        "member",
        "granted_by",
        DateColumn("granted_at", label=gettext_lazy("Granted")),
        DateColumn("revoked_at", label=gettext_lazy("Revoked")),
    ]
    list_export = ["user", "role", "member", "granted_by", "granted_at", "revoked_at"]

    def get_queryset(self, request):
        return RoleAssignment.objects.for_list()

    def get_add_view_kwargs(self, **kwargs):
        return {"index_url_name": self.get_url_name("index"), **kwargs}

    def get_edit_view_kwargs(self, **kwargs):
        return {"index_url_name": self.get_url_name("index"), **kwargs}


# --- invitations -----------------------------------------------------------


class InvitationSendView(AdminFormView):
    model = Invitation
    permission_required = "add"
    form_class = InvitationAdminForm
    page_title = gettext_lazy("Send an invitation")
    submit_button_label = gettext_lazy("Send the invitation")
    header_icon = "mail"

    def get_initial(self):
        member_id = self.request.GET.get("member", "")
        if member_id.isdecimal():
            return {"member": Member.objects.filter(pk=member_id).first()}
        return {}

    def form_valid(self, form):
        try:
            permissions.invitation_create(by=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("crm_invitations:index")


class InvitationDetailView(
    WagtailAdminTemplateMixin, PermissionCheckedMixin, TemplateView
):
    """An invitation; POST sends a new one that replaces it."""

    model = Invitation
    permission_required = "change"
    template_name = "crm/roles/invitation.html"
    page_title = gettext_lazy("Invitation")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(Invitation.objects.for_list(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invitation": self.object}

    def post(self, request, pk):
        old = self.object
        try:
            permissions.invitation_create(
                email=old.email, role=old.role, member=old.member, by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("crm_invitations:edit", old.pk)
        messages.success(request, _("A new invitation has been sent."))
        return redirect("crm_invitations:index")


class InvitationViewSet(ListQueryMixin, ModelViewSet):
    model = Invitation
    icon = "mail"
    menu_label = gettext_lazy("Invitations")
    inspect_view_enabled = False
    copy_view_enabled = False
    add_view_class = InvitationSendView
    edit_view_class = InvitationDetailView
    list_filter = ["role"]
    search_fields = ["email"]
    search_backend_name = None
    list_display = [
        "email",
        Column("role", label=gettext_lazy("Role"), accessor="get_role_display"),
        "member",
        Column("status", label=gettext_lazy("State"), accessor="get_status_display"),
        DateColumn("created_at", label=gettext_lazy("Sent")),
        DateColumn("expires_at", label=gettext_lazy("Expires")),
        "invited_by",
    ]

    def get_queryset(self, request):
        return Invitation.objects.for_list()

    def get_add_view_kwargs(self, **kwargs):
        return {"index_url_name": self.get_url_name("index"), **kwargs}

    def get_edit_view_kwargs(self, **kwargs):
        return {"index_url_name": self.get_url_name("index"), **kwargs}


# --- erasure requests ------------------------------------------------------


class ErasureReviewView(AdminFormView):
    model = ErasureRequest
    permission_required = "change"
    form_class = ErasureDecisionForm
    template_name = "crm/roles/erasure.html"
    page_title = gettext_lazy("Erasure request")
    submit_button_label = gettext_lazy("Record the decision")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        # Before any lookup: whoever may not review learns nothing of who asked.
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        self.object = get_object_or_404(
            ErasureRequest.objects.select_related("person", "reviewed_by"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object.person
        context.update(
            erasure=self.object,
            person=person,
            affiliations=person.affiliations.select_related("member"),
            decided=self.object.outcome != ErasureOutcome.PENDING,
        )
        return context

    def form_valid(self, form):
        try:
            privacy.erasure_decide(
                erasure=self.object,
                by=self.request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The decision has been recorded."))
        return redirect("crm_erasure:index")


class ErasureRecordView(AdminFormView):
    """A coordinator records a request received on paper, by email or in person.

    It starts from the person's page (``?person=<pk>``) and leads straight to
    the review, where the decision is taken as for any other request.
    """

    model = ErasureRequest
    permission_required = "add"
    form_class = ErasureRecordForm
    template_name = "crm/roles/erasure_record.html"
    page_title = gettext_lazy("Record an erasure request")
    submit_button_label = gettext_lazy("Record the request")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        # Before any lookup: whoever may not record learns nothing of the person.
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        person_id = request.GET.get("person", "")
        self.person = (
            Person.objects.filter(pk=person_id).first()
            if person_id.isdecimal()
            else None
        )
        if self.person is None:
            messages.error(
                request,
                _("Open the person's page and record the request from there."),
            )
            return redirect("crm_person:index")
        if self.person.anonymised_at:
            messages.error(
                request, _("This person's data has already been anonymised.")
            )
            return redirect("crm_person:inspect", self.person.pk)
        pending = ErasureRequest.objects.pending().filter(person=self.person).first()
        if pending is not None:
            messages.warning(
                request,
                _("A request for this person is already awaiting review: here it is."),
            )
            return redirect("crm_erasure:edit", pending.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"received_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["person"] = self.person
        return context

    def form_valid(self, form):
        received = timezone.make_aware(
            datetime.datetime.combine(form.cleaned_data["received_on"], datetime.time())
        )
        try:
            erasure = privacy.erasure_request(
                person=self.person,
                by=self.request.user,
                source=ErasureSource.COORDINATOR,
                reason=form.cleaned_data["reason"],
                requested_at=min(received, timezone.now()),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The request has been recorded: decide on it now or later."),
        )
        return redirect("crm_erasure:edit", erasure.pk)


class ErasureRequestViewSet(ListQueryMixin, ModelViewSet):
    model = ErasureRequest
    icon = "warning"
    menu_label = gettext_lazy("Erasure requests")
    inspect_view_enabled = False
    copy_view_enabled = False
    edit_view_class = ErasureReviewView
    list_filter = ["outcome", "source"]
    list_display = [
        "person",
        DateColumn("requested_at", label=gettext_lazy("Requested")),
        Column("source", label=gettext_lazy("Source"), accessor="get_source_display"),
        Column(
            "outcome", label=gettext_lazy("Outcome"), accessor="get_outcome_display"
        ),
        "reviewed_by",
    ]

    # Requests come from the member area, a withdrawn privacy consent, or a
    # coordinator who records one received on paper (from the person's page).
    add_view_class = ErasureRecordView

    def get_queryset(self, request):
        return ErasureRequest.objects.select_related("person", "reviewed_by")

    def get_add_view_kwargs(self, **kwargs):
        return {"permission_required": "add", **kwargs}

    def get_edit_view_kwargs(self, **kwargs):
        return {"index_url_name": self.get_url_name("index"), **kwargs}


# --- lockouts (django-axes) ------------------------------------------------


def _may_unlock(user) -> bool:
    return user.has_perm("axes.view_accessattempt") and user.has_perm(
        "axes.delete_accessattempt"
    )


class LockoutIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "crm/roles/lockouts.html"
    page_title = gettext_lazy("Login attempts and lockouts")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not _may_unlock(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from axes.conf import settings as axes_settings

        context = super().get_context_data(**kwargs)
        context["attempts"] = AccessAttempt.objects.order_by("-attempt_time")[:200]
        context["failure_limit"] = axes_settings.AXES_FAILURE_LIMIT
        return context

    def post(self, request):
        attempt_id = request.POST.get("attempt", "")
        attempt = (
            AccessAttempt.objects.filter(pk=attempt_id).first()
            if attempt_id.isdecimal()
            else None
        )
        if attempt is None:
            raise Http404("No such attempt")
        axes_reset(ip=attempt.ip_address, username=attempt.username)
        _clear_allauth_login_limit(request, attempt.username)
        messages.success(
            request, _("%(who)s can log in again.") % {"who": attempt.username}
        )
        return redirect("crm_lockouts:index")


def _clear_allauth_login_limit(request, login) -> None:
    """django-allauth keeps its own count of failed logins per address; an unlock
    clears it too (allauth offers no public call for this: it does the same after
    a password reset)."""
    from allauth.account.adapter import get_adapter

    if login:
        get_adapter(request)._delete_login_attempts_cached_email(request, email=login)


class LockoutMenuItem(MenuItem):
    def is_shown(self, request):
        return _may_unlock(request.user)


class LockoutViewSet(ViewSet):
    """Failed logins and lockouts, with an unlock button (coordinators)."""

    name = "crm_lockouts"
    url_prefix = "accessi/blocchi"
    icon = "lock"
    menu_label = gettext_lazy("Lockouts")
    menu_item_class = LockoutMenuItem

    def get_urlpatterns(self):
        return [path("", LockoutIndexView.as_view(), name="index")]

    @property
    def menu_url(self):
        return reverse(self.get_url_name("index"))
