"""Revoke a role from the command line: ``revoke_role EMAIL ROLE [--member ID]``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.management.commands.grant_role import find_member, find_user
from crm.models import RoleAssignment
from crm.permissions import role_revoke


class Command(BaseCommand):
    help = "Revoke a role, through the same service as the admin."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role")
        parser.add_argument("--member", type=int, help="member id, for member roles")
        parser.add_argument("--reason", default="command line")

    def handle(self, *args, email, role, member, reason, **options):
        user = find_user(email)
        assignment = (
            RoleAssignment.objects.active()
            .filter(user=user, role=role, member=find_member(member))
            .first()
        )
        if assignment is None:
            raise CommandError(f"{email} does not hold this role.")
        try:
            role_revoke(assignment=assignment, by=None, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Revoked: {assignment}")
