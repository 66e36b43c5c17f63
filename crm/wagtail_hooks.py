"""Wagtail admin for the network. Each module registers its own hooks."""

from crm.backoffice import hooks_members, hooks_roles  # noqa: F401
