from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PactConfig(AppConfig):
    name = "pact"
    verbose_name = _("Pact")
    default_auto_field = "django.db.models.BigAutoField"
