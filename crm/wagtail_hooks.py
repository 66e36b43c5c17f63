"""Wagtail admin for the network. Each module registers its own hooks."""

from crm.backoffice import (  # noqa: F401
    hooks_areas,
    hooks_directory,
    hooks_members,
    hooks_roles,
)
