"""The pact's public pages in ``/sitemap.xml``: the pact in force and the
verification page, which are Django views rather than Wagtail pages."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from crm.sitemaps import PublicAddressMixin
from pact.models import Pact


class PactSitemap(PublicAddressMixin, Sitemap):
    changefreq = "monthly"

    def items(self):
        pacts = [
            ("pact:pact_detail", {"slug": slug})
            for slug in Pact.objects.with_version_in_force()
            .order_by("pk")
            .values_list("slug", flat=True)
        ]
        return [*pacts, ("pact:verify", {})]

    def location(self, item):
        name, kwargs = item
        return reverse(name, kwargs=kwargs)
