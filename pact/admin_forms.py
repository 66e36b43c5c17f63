"""Wagtail admin forms: a frozen version refuses every edit with a clear message."""

from django.db.models import Max
from wagtail.admin.forms import WagtailAdminModelForm

from pact.models import FrozenVersionError, PactVersion


class PactVersionAdminForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.stored_status() not in (None, "draft"):
            raise FrozenVersionError()
        pact = cleaned.get("pact") or getattr(instance, "pact", None)
        if not instance.pk and pact is not None:
            # New drafts take the next number of their pact.
            last = PactVersion.objects.filter(pact=pact).aggregate(n=Max("number"))
            instance.number = (last["n"] or 0) + 1
        return cleaned
