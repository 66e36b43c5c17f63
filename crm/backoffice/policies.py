"""Wagtail permission policies of the CRM models.

The admin shows CRM records only to whoever holds the model permission
(coordinators, through their group). Member roles (guardian, contact, legal
representative) are django-guardian object permissions that act in the member
area, whose pages show what each role may see and change: a CMS editor or the
liaison who is also a family's guardian sees that family there, and in the
admin neither its coordinator-only fields (status, notes, source, joined date)
nor its internal contacts and history. ``scope_queryset`` narrows every admin
view of these models (index and export, inspect, edit, delete, history, usage)
to what the policy allows, so no view of the model can be reached around it.
"""

from wagtail.admin.views import generic
from wagtail.admin.views.generic import usage as usage_views
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from crm.models import (
    Affiliation,
    Child,
    Consent,
    ErasureRequest,
    Interaction,
    Invitation,
    Member,
    Person,
    RoleAssignment,
)


class CoordinatorPolicy(ModelPermissionPolicy):
    """Model permissions only: object permissions of member roles open nothing
    in the admin."""

    def _model_level(self, user, action) -> bool:
        return bool(user.is_active) and user.has_perm(self._get_permission_name(action))

    def user_has_permission(self, user, action):
        return self._model_level(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self._model_level(user, action)

    def instances_user_has_any_permission_for(self, user, actions):
        if any(self._model_level(user, a) for a in actions):
            return self.model._default_manager.all()
        return self.model._default_manager.none()


class RecordPolicy(ModelPermissionPolicy):
    """Role assignments, invitations and erasure requests are records: they are
    revoked, replaced or decided through services, never deleted."""

    def __init__(self, model, forbidden=("delete",)):
        super().__init__(model)
        self.forbidden = forbidden

    def user_has_permission(self, user, action):
        if action in self.forbidden:
            return False
        return super().user_has_permission(user, action)


POLICIES = {
    Member: CoordinatorPolicy(Member),
    Person: CoordinatorPolicy(Person),
    Interaction: CoordinatorPolicy(Interaction),
    Child: CoordinatorPolicy(Child),
    Affiliation: CoordinatorPolicy(Affiliation),
    Consent: CoordinatorPolicy(Consent),
    RoleAssignment: RecordPolicy(RoleAssignment),
    Invitation: RecordPolicy(Invitation),
    # Added only by recording one received on paper, from the person's page.
    ErasureRequest: RecordPolicy(ErasureRequest),
}


def register_policies() -> None:
    """Register every policy (idempotent); must run before the viewsets do."""
    for model, policy in POLICIES.items():
        if policy_registry.get_by_type(model, fallback=False) is not policy:
            register_permission_policy(model, policy)


def _actions_of(view) -> list[str]:
    if isinstance(view, generic.EditView | usage_views.UsageView):
        return ["change"]
    if isinstance(view, generic.DeleteView):
        return ["delete"]
    return ["view", "change", "delete"]


def scope_queryset(view, queryset):
    """Narrow an admin view's queryset to the objects its user may act on."""
    policy = policy_registry.get_by_type(queryset.model)
    if not isinstance(policy, CoordinatorPolicy):
        return queryset
    user = view.request.user
    if any(policy._model_level(user, a) for a in _actions_of(view)):
        return queryset
    return queryset.none()


# Registered on import: the viewsets import this module, so the policies exist
# before any viewset asks for one.
register_policies()
