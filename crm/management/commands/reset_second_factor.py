"""Reset a lost second factor on the server: ``reset_second_factor EMAIL --reason``.

For the last coordinator, or a superuser, who lost both the authenticator app
and the recovery codes; anyone else asks a coordinator, who does it from the
back office (Access and roles → Second factor). Recorded like a reset there.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.security.services import second_factor_reset


class Command(BaseCommand):
    help = "Remove an account's authenticator app and recovery codes (recorded)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", required=True, help="recorded with the reset")

    def handle(self, *args, email, reason, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No login has the email {email}.")
        try:
            second_factor_reset(user=user, by=None, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Second factor of {user.email} reset: the next login enrols a new app."
        )
