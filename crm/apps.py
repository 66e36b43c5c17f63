from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.roles import sync_groups
        from crm.security import signals as security_signals
        from crm.spreadsheets import guard_wagtail_exports

        guard_wagtail_exports()
        security_signals.connect()

        # Permissions exist only after migrate has run, hence post_migrate.
        post_migrate.connect(sync_groups, dispatch_uid="crm.sync_groups")
        post_migrate.connect(create_cache_table, dispatch_uid="crm.cache_table")


def create_cache_table(sender, using="default", verbosity=1, **kwargs):
    """The database cache's table, made by ``migrate`` like every other table.

    Production shares one cache between its processes (used two-factor codes,
    rate limits); ``createcachetable`` is idempotent and does nothing when no
    cache lives in the database.
    """
    if sender.name != "crm":
        return
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
