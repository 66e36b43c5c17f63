from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataExportLog(models.Model):
    """Who exported or downloaded personal data, what, when and how many records."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    what = models.CharField(_("what"), max_length=200)
    format = models.CharField(_("format"), max_length=20, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("data export")
        verbose_name_plural = _("data export log")

    def __str__(self):
        return f"{self.what} ({self.record_count})"
