"""The site's pages in ``/sitemap.xml``, at the public address."""

from wagtail.contrib.sitemaps import Sitemap

from crm.sitemaps import public_url


class PageSitemap(Sitemap):
    """Wagtail's live, public pages, their links moved to ``SITE_URL``."""

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        for url in urls:
            url["location"] = public_url(url["location"])
        return urls
