"""Wagtail permission policies that honour django-guardian object permissions.

Wagtail's generic views check model permissions only. Coordinators hold those
(through their group); anyone else reaches a CRM object only through an object
permission on a member (guardian, contact, legal representative). One policy per
model says which instances a user may view or change; ``scope_queryset`` narrows
every admin view of the model (index and export, inspect, edit, delete, history,
usage) to them.
"""

from guardian.shortcuts import get_objects_for_user
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


class MemberObjectPolicy(ModelPermissionPolicy):
    """Model permissions, else the user's object permissions on members.

    ``member_lookup`` leads from this model to the member; ``object_actions`` maps
    an admin action to the member permission that grants it on related objects.
    """

    member_lookup = "pk"
    object_actions = {"view": "view_member", "change": "change_member"}

    def _model_level(self, user, action) -> bool:
        return bool(user.is_active) and user.has_perm(self._get_permission_name(action))

    def _member_ids(self, user, codenames):
        return get_objects_for_user(
            user,
            [f"crm.{c}" for c in codenames],
            Member,
            any_perm=True,
            with_superuser=False,
            accept_global_perms=False,
        ).values("pk")

    def scoped(self, user, actions):
        """Instances reached through object permissions for any of ``actions``."""
        codenames = sorted(
            {self.object_actions[a] for a in actions if a in self.object_actions}
        )
        manager = self.model._default_manager
        if not codenames or not (user.is_authenticated and user.is_active):
            return manager.none()
        return self._filter(manager.all(), user, codenames, actions)

    def _filter(self, queryset, user, codenames, actions):
        ids = self._member_ids(user, codenames)
        return queryset.filter(**{f"{self.member_lookup}__in": ids})

    def _cached_exists(self, user, actions) -> bool:
        cache = user.__dict__.setdefault("_crm_policy_cache", {})
        key = (self.model._meta.label, tuple(sorted(actions)))
        if key not in cache:
            cache[key] = self.scoped(user, actions).exists()
        return cache[key]

    def user_has_permission(self, user, action):
        if self._model_level(user, action):
            return True
        return action in self.object_actions and self._cached_exists(user, [action])

    def user_has_permission_for_instance(self, user, action, instance):
        if self._model_level(user, action):
            return True
        if action not in self.object_actions:
            return False
        return self.scoped(user, [action]).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if any(self._model_level(user, a) for a in actions):
            return self.model._default_manager.all()
        return self.scoped(user, actions)


class ViaMemberPolicy(MemberObjectPolicy):
    """Interactions, children, affiliations: readable by the member's people,
    written by coordinators only (their forms name other members)."""

    object_actions = {"view": "view_member"}


class PersonPolicy(MemberObjectPolicy):
    """The people of the members one acts for can be seen; of them, only oneself
    edited (one's own details are otherwise edited in the member area)."""

    def _filter(self, queryset, user, codenames, actions):
        ids = self._member_ids(user, codenames)
        people = queryset.filter(
            pk__in=Affiliation.objects.filter(
                member__in=ids, end_date__isnull=True
            ).values("person")
        )
        if "view" in actions:
            return people
        return people.filter(user=user)


class ConsentPolicy(MemberObjectPolicy):
    object_actions = {"view": "view_member"}

    def _filter(self, queryset, user, codenames, actions):
        return queryset.filter(person__user=user)


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


class InteractionPolicy(ViaMemberPolicy):
    member_lookup = "member"


class ChildPolicy(ViaMemberPolicy):
    member_lookup = "family"


class AffiliationPolicy(ViaMemberPolicy):
    member_lookup = "member"


POLICIES = {
    Member: MemberObjectPolicy(Member),
    Person: PersonPolicy(Person),
    Interaction: InteractionPolicy(Interaction),
    Child: ChildPolicy(Child),
    Affiliation: AffiliationPolicy(Affiliation),
    Consent: ConsentPolicy(Consent),
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
    if not isinstance(policy, MemberObjectPolicy):
        return queryset
    user = view.request.user
    actions = _actions_of(view)
    if any(policy._model_level(user, a) for a in actions):
        return queryset
    return queryset.filter(pk__in=policy.scoped(user, actions).values("pk"))


# Registered on import: the viewsets import this module, so the policies exist
# before any viewset asks for one.
register_policies()
