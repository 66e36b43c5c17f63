"""Application roles as Django groups, kept in step with the code.

Coordinators act through the permissions of their group; member-scoped roles
(guardian, legal representative, contact) act through object permissions.
"""

from django.utils.translation import gettext_lazy as _

COORDINATOR = "coordinator"
FACILITATOR = "facilitator"
LIAISON = "liaison"
CMS_EDITOR = "cms_editor"

GROUP_NAMES = {
    COORDINATOR: "Coordinatori di rete",
    FACILITATOR: "Facilitatori",
    LIAISON: "Referenti Lucca Family net",
    CMS_EDITOR: "Redattori CMS",
}

ROLE_LABELS = {
    COORDINATOR: _("Network coordinator"),
    FACILITATOR: _("Facilitator"),
    LIAISON: _("Lucca Family net liaison"),
    CMS_EDITOR: _("CMS editor"),
}

# Apps whose every model permission a coordinator holds.
COORDINATOR_APPS = ("crm", "pact", "cms", "axes", "django_tasks_db")
COORDINATOR_EXTRA = (
    "wagtailadmin.access_admin",
    "wagtailsnippets.add_snippet",
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "auth.view_user",
)
ROLE_EXTRA = {
    FACILITATOR: (),
    LIAISON: ("wagtailadmin.access_admin",),
    CMS_EDITOR: (
        "wagtailadmin.access_admin",
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
    ),
}


def _perms(Permission, codes):
    found = []
    for code in codes:
        app_label, codename = code.split(".")
        found.extend(
            Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        )
    return found


def sync_groups(**kwargs) -> None:
    """Create the role groups and give them their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    coordinators, _created = Group.objects.get_or_create(name=GROUP_NAMES[COORDINATOR])
    coordinators.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=COORDINATOR_APPS),
        *_perms(Permission, COORDINATOR_EXTRA),
    )
    for role, codes in ROLE_EXTRA.items():
        group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
        group.permissions.add(*_perms(Permission, codes))
