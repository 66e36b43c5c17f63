from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.roles import sync_groups
        from crm.spreadsheets import guard_wagtail_exports

        guard_wagtail_exports()

        # Permissions exist only after migrate has run, hence post_migrate.
        post_migrate.connect(sync_groups, dispatch_uid="crm.sync_groups")
