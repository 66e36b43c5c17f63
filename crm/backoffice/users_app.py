"""``wagtail.users`` with the project's user admin (``crm.backoffice.users``).

Kept apart from the viewset: ``INSTALLED_APPS`` imports this module before any
model exists.
"""

from wagtail.users.apps import WagtailUsersAppConfig


class UsersConfig(WagtailUsersAppConfig):
    user_viewset = "crm.backoffice.users.UserViewSet"
