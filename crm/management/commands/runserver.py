"""``runserver`` whose links follow the address it serves.

Emails, QR codes and the admin's links are built from ``SITE_URL``. In
development nobody sets it, and ``runserver 8101`` used to print and email
links to port 8000: unless the environment gives ``SITE_URL``, the server's own
address becomes it. Production sets ``SITE_URL`` (its settings refuse to start
without one) and does not use this command.
"""

import os

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import (
    Command as StaticFilesRunserver,
)


def served_address(addr: str, port: str, *, ipv6: bool = False) -> str:
    """The ``http://host:port`` a browser on this machine opens."""
    if addr in ("0", "0.0.0.0", ""):
        addr = "127.0.0.1"
    elif addr == "::":
        addr = "[::1]"
    elif ipv6:
        addr = f"[{addr}]"
    return f"http://{addr}:{port}"


class Command(StaticFilesRunserver):
    def inner_run(self, *args, **options):
        if not os.environ.get("SITE_URL"):
            url = served_address(self.addr, self.port, ipv6=self._raw_ipv6)
            settings.SITE_URL = url
            settings.WAGTAILADMIN_BASE_URL = url
            self.stdout.write(f"Links in emails and QR codes: {url}")
        super().inner_run(*args, **options)
