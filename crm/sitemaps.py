"""The public address of the sitemap's links.

Every entry of ``/sitemap.xml`` starts with ``SITE_URL`` (the address printed in
QR codes and emails), not with whatever host a request or Wagtail's ``Site``
record (``localhost`` until someone edits it) happens to carry.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def public_url(url: str) -> str:
    """``url`` (absolute or a path) moved to the site's public address."""
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    return urlunsplit((site.scheme, site.netloc, parts.path, parts.query, ""))


class PublicAddressMixin:
    """For a ``django.contrib.sitemaps.Sitemap``: links at ``SITE_URL``."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc
