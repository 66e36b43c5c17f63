"""Load the demo network: idempotent, safe to run on every `make run`."""

from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo data of the Lucca In famiglia network (idempotent)."

    def handle(self, *args, **options):
        from crm import demo as crm_demo

        with transaction.atomic():
            logins = crm_demo.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write("")
        self.stdout.write("Demo logins (password for all: see below)")
        for role, email, password in logins:
            self.stdout.write(f"  {role:<34} {email:<36} {password}")
