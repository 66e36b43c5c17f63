"""Grant a role from the command line: ``grant_role EMAIL ROLE [--member ID]``."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import Member, Role
from crm.permissions import role_assign


def find_user(email):
    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No login has the email {email}.")
    return user


def find_member(member_id):
    if member_id is None:
        return None
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise CommandError(f"No member has the id {member_id}.")
    return member


class Command(BaseCommand):
    help = "Grant a role to a login, through the same service as the admin."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", help=", ".join(Role.values))
        parser.add_argument("--member", type=int, help="member id, for member roles")
        parser.add_argument("--reason", default="command line")

    def handle(self, *args, email, role, member, reason, **options):
        user = find_user(email)
        try:
            assignment = role_assign(
                user=user, role=role, member=find_member(member), by=None, reason=reason
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Granted: {assignment} (#{assignment.pk})")
