"""Load the demo network: idempotent, safe to run on every `make run`.

It lives in ``pact`` because pact is the one app allowed to import both ``crm``
and ``cms``; each app seeds its own part.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo data of the Lucca In famiglia network (idempotent)."

    def handle(self, *args, **options):
        from cms import demo as cms_demo
        from crm import demo as crm_demo
        from pact import demo as pact_demo

        logins = []
        with transaction.atomic():
            for app_demo in (crm_demo, cms_demo, pact_demo):
                logins.extend(app_demo.seed(stdout=self.stdout))
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        seen = set()
        for role, email, password in logins:
            if email in seen:
                continue
            seen.add(email)
            self.stdout.write(f"  {role:<40} {email:<42} {password}")
        self.stdout.write("")
        self.stdout.write(
            "Two-factor codes for the back office (coordinator, liaison, CMS "
            "editor): add the secret "
            f"{crm_demo.DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`.venv/bin/python manage.py demo_totp EMAIL`."
        )
        site = settings.SITE_URL
        self.stdout.write(f"Site: {site}/   Back office: {site}/admin/")
