from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
EDITOR_MODEL_PERMISSIONS = (
    "add_venue",
    "change_venue",
    "view_venue",
    "add_speaker",
    "change_speaker",
    "view_speaker",
)


def grant_page_permissions(**kwargs) -> None:
    """Let CMS editors and coordinators write and publish the site's pages."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    from cms.models import HomePage
    from crm.roles import CMS_EDITOR, COORDINATOR, GROUP_NAMES

    # Our post_migrate may run before auth has created these apps' permissions.
    for label in ("cms", "wagtailcore"):
        create_permissions(apps.get_app_config(label), verbosity=0)
    home = HomePage.objects.first()
    page_perms = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=EDITOR_PAGE_PERMISSIONS
    )
    for role in (CMS_EDITOR, COORDINATOR):
        group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
        if home is not None:
            for permission in page_perms:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=home, permission=permission
                )
    editors = Group.objects.get(name=GROUP_NAMES[CMS_EDITOR])
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cms", codename__in=EDITOR_MODEL_PERMISSIONS
        )
    )


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import pre_save
        from wagtail.signals import page_published

        from cms import signals
        from cms.models import EventPage
        from cms.personal_data import register_describers
        from cms.spreadsheets import register_resource
        from cms.story import register_story

        register_describers()
        register_resource()
        register_story()
        pre_save.connect(
            signals.remember_capacity,
            sender=EventPage,
            dispatch_uid="cms.remember_capacity",
        )
        page_published.connect(
            signals.fill_freed_places,
            sender=EventPage,
            dispatch_uid="cms.fill_freed_places",
        )
        post_migrate.connect(
            grant_page_permissions, sender=self, dispatch_uid="cms.page_permissions"
        )
