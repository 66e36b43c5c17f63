"""Who may do what with registrations in the back office.

Coordinators hold the model permissions through their group; CMS editors,
who write pages, do not see people's registrations.
"""

from wagtail.permission_policies import ModelPermissionPolicy

from cms.models import Registration

registration_policy = ModelPermissionPolicy(Registration)


def can_view_registrations(user) -> bool:
    return registration_policy.user_has_permission(user, "view")


def can_manage_registrations(user) -> bool:
    return registration_policy.user_has_permission(user, "change")
