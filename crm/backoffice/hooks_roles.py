"""The "Access" menu group: roles, invitations, erasure requests, lockouts and
second factors.

Also registers the guardian-aware permission policies of the CRM models, before
any viewset asks for one.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from crm.backoffice.policies import register_policies
from crm.backoffice.roles_admin import (
    ErasureRequestViewSet,
    InvitationViewSet,
    LockoutViewSet,
    RoleAssignmentViewSet,
)
from crm.backoffice.second_factor_admin import SecondFactorViewSet

register_policies()


class AccessGroup(ViewSetGroup):
    menu_label = _("Access and roles")
    menu_icon = "key"
    menu_order = 160
    items = (
        RoleAssignmentViewSet("crm_roles", url_prefix="accessi/ruoli"),
        InvitationViewSet("crm_invitations", url_prefix="accessi/inviti"),
        ErasureRequestViewSet("crm_erasure", url_prefix="accessi/cancellazioni"),
        LockoutViewSet(),
        SecondFactorViewSet(),
    )


@hooks.register("register_admin_viewset")
def register_access_viewsets():
    return AccessGroup()
