"""Grant a role from the command line: ``grant_role EMAIL ROLE [--member ID]``.

The same service as the admin: an address that no verified account holds gets
an invitation instead, and the role follows when it is accepted.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import Member, Role
from crm.permissions import role_grant_or_invite


def find_user(email):
    """Any account with this login email (revoking needs no verification)."""
    from django.contrib.auth import get_user_model

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
    help = (
        "Grant a role to a verified login, through the same service as the admin; "
        "other addresses are sent an invitation."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", help=", ".join(Role.values))
        parser.add_argument("--member", type=int, help="member id, for member roles")
        parser.add_argument("--reason", default="command line")
        parser.add_argument("--first-name", default="", help="for an invitation")
        parser.add_argument("--last-name", default="", help="for an invitation")

    def handle(self, *args, email, role, member, reason, **options):
        try:
            assignment, invitation = role_grant_or_invite(
                email=email,
                role=role,
                member=find_member(member),
                by=None,
                reason=reason,
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if invitation is not None:
            self.stdout.write(
                f"No verified login has this email: invitation sent to "
                f"{invitation.email} (#{invitation.pk})."
            )
            return
        self.stdout.write(f"Granted: {assignment} (#{assignment.pk})")
