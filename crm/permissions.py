"""Roles, invitations and access to members.

``RoleAssignment`` is the record; the services here keep Django groups (application
roles) and django-guardian object permissions (member roles) in step with it, in
the same transaction. Access helpers raise ``Http404`` for what a user may not see.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from crm import services
from crm.models import (
    APP_ROLES,
    Affiliation,
    EmailKind,
    Invitation,
    Member,
    MemberKind,
    Person,
    Role,
    RoleAssignment,
)
from crm.roles import COORDINATOR, GROUP_NAMES, LIAISON
from crm.security.accounts import (
    existing_login_for,
    is_verified,
    release_unverified_address,
)

INVITATION_VALID_FOR = timedelta(days=7)

# Object permissions on the member that each member role carries.
MEMBER_ROLE_PERMS = {
    Role.GUARDIAN: ("view_member", "change_member"),
    Role.CONTACT: ("view_member", "change_member"),
    Role.LEGAL_REPRESENTATIVE: ("view_member", "change_member", "represent_member"),
}
_ALL_MEMBER_PERMS = ("view_member", "change_member", "represent_member")
# Who may hand out a member role besides a coordinator: a legal representative,
# for their own organisation.
_REPRESENTATIVE_MAY_GRANT = (Role.CONTACT, Role.LEGAL_REPRESENTATIVE)
# Roles that may not use the admin without a second factor.
MFA_REQUIRED_GROUPS = (GROUP_NAMES[COORDINATOR], GROUP_NAMES[LIAISON])


# --- questions -------------------------------------------------------------


def is_coordinator(user) -> bool:
    """Coordinators (and superusers) run the network."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_crm_is_coordinator", None)
    if cached is None:
        cached = user.groups.filter(name=GROUP_NAMES[COORDINATOR]).exists()
        user._crm_is_coordinator = cached
    return cached


def requires_mfa(user) -> bool:
    """Coordinators and the liaison need a second factor before using the admin."""
    if not (user and user.is_authenticated):
        return False
    return (
        user.is_superuser or user.groups.filter(name__in=MFA_REQUIRED_GROUPS).exists()
    )


def represents(user, member: Member) -> bool:
    """Whether the user is a legal representative of this organisation."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.has_perm("crm.represent_member", member)


def may_grant(by, role: str, member: Member | None) -> bool:
    """``by=None`` is the command line or the system acting for a coordinator."""
    if by is None or is_coordinator(by):
        return True
    return (
        role in _REPRESENTATIVE_MAY_GRANT
        and member is not None
        and member.is_organisation
        and represents(by, member)
    )


# --- access helpers --------------------------------------------------------


def members_for_user(user, *, write=False):
    """The members a person acts for in the member area (never through global
    permissions: a coordinator's own area shows only their own members)."""
    if not (user and user.is_authenticated and user.is_active):
        return Member.objects.none()
    perm = "crm.change_member" if write else "crm.view_member"
    return get_objects_for_user(
        user, perm, Member, with_superuser=False, accept_global_perms=False
    ).filter(anonymised_at__isnull=True)


def member_for_user(user, pk, *, write=False) -> Member:
    """The member ``pk`` if the user acts for it; 404 otherwise."""
    try:
        return members_for_user(user, write=write).get(pk=int(pk))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("No such member") from None


def member_for_representative(user, pk) -> Member:
    """An organisation the user legally represents; 404 otherwise."""
    member = member_for_user(user, pk)
    if not represents(user, member):
        raise Http404("No such member")
    return member


def person_for_user(user) -> Person | None:
    if not (user and user.is_authenticated):
        return None
    return Person.objects.filter(user=user, anonymised_at__isnull=True).first()


def assignment_for_admin(user, pk) -> RoleAssignment:
    if not is_coordinator(user):
        raise Http404("No such role assignment")
    try:
        return RoleAssignment.objects.for_list().get(pk=int(pk))
    except (RoleAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such role assignment") from None


# --- roles -----------------------------------------------------------------


def _check_scope(role: str, member: Member | None) -> None:
    if role not in Role.values:
        raise ValidationError(
            _(
                "Unknown role “%(role)s”. Superuser rights cannot be granted "
                "through roles."
            ),
            params={"role": role},
        )
    if role in APP_ROLES:
        if member is not None:
            raise ValidationError(_("This role is not tied to a member."))
        return
    if member is None:
        raise ValidationError(_("Choose the family or organisation for this role."))
    if member.anonymised_at:
        raise ValidationError(_("This member's data has been anonymised."))
    if role == Role.GUARDIAN and member.kind != MemberKind.FAMILY:
        raise ValidationError(_("Guardians belong to families, not organisations."))
    if role != Role.GUARDIAN and member.kind == MemberKind.FAMILY:
        raise ValidationError(_("People are linked to a family as guardians."))


def _sync(user, role: str, member: Member | None) -> None:
    """Make the user's group or object permissions match their open assignments."""
    active = RoleAssignment.objects.active().filter(user=user)
    if role in APP_ROLES:
        group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
        if active.filter(role=role, member__isnull=True).exists():
            user.groups.add(group)
        else:
            user.groups.remove(group)
        user.__dict__.pop("_crm_is_coordinator", None)
        return
    wanted = set()
    for held in active.filter(member=member).values_list("role", flat=True):
        wanted.update(MEMBER_ROLE_PERMS[held])
    for perm in _ALL_MEMBER_PERMS:
        if perm in wanted:
            assign_perm(f"crm.{perm}", user, member)
        else:
            remove_perm(f"crm.{perm}", user, member)
    # Django and guardian cache permissions on the user object.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def _person_for_login(user) -> Person:
    """The Person behind a login, linking or creating one by email."""
    person = Person.objects.filter(user=user).first()
    if person:
        return person
    email = (user.email or user.username or "").strip().lower()
    person = Person.objects.select_for_update().by_email(email).first()
    if person is None:
        # Names guessed from “mario.rossi@…” until the person corrects them.
        parts = email.split("@")[0].replace("_", ".").split(".")
        person, _created = services.person_upsert(
            email=email,
            first_name=user.first_name or parts[0].capitalize(),
            last_name=user.last_name or (parts[-1].capitalize() if parts[1:] else "—"),
        )
    if person.user_id and person.user_id != user.pk:
        raise ValidationError(
            _("The person with this email is linked to another account.")
        )
    if person.user_id is None:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    return person


@transaction.atomic
def role_assign(*, user, role, member=None, by, reason="") -> RoleAssignment:
    """Grant ``role`` to ``user`` (on ``member`` for member roles).

    ``by`` is the user granting it, or ``None`` for the command line. Nobody grants
    a role to themselves; superuser rights are never a role. Granting a role that
    is already held returns the open assignment. A member role also links the
    user's Person to the member with the matching affiliation.
    """
    _check_scope(role, member)
    if by is not None and by.pk == user.pk:
        raise ValidationError(_("Nobody can grant a role to themselves."))
    if not user.is_active:
        raise ValidationError(_("This account is disabled."))
    if not is_verified(user):
        # Whoever signs up with someone else's address never gets their role.
        raise ValidationError(
            _("This account's email is not verified: send an invitation instead.")
        )
    if not may_grant(by, role, member):
        raise ValidationError(_("You may not grant this role."))
    existing = RoleAssignment.objects.active().filter(
        user=user, role=role, member=member
    )
    if existing.exists():
        return existing.get()
    assignment = RoleAssignment(
        user=user, role=role, member=member, granted_by=by, reason=reason[:255]
    )
    assignment.full_clean()
    assignment.save()
    if member is not None:
        person = _person_for_login(user)
        services.affiliation_add(person=person, member=member, role=role)
    _sync(user, role, member)
    return assignment


@transaction.atomic
def role_grant_or_invite(
    *, email, role, member=None, by, reason="", first_name="", last_name=""
) -> tuple[RoleAssignment | None, Invitation | None]:
    """Grant ``role`` to the account whose verified login email is ``email``;
    with no such account, invite ``email`` to it instead.

    Returns ``(assignment, None)`` or ``(None, invitation)``. An address that
    no one has proved to own never receives a role: the invitation's link,
    which only its mailbox gets, makes the account and grants the role.
    """
    email = (email or "").strip().lower()
    user = existing_login_for(email)
    if user is not None:
        assignment = role_assign(
            user=user, role=role, member=member, by=by, reason=reason
        )
        return assignment, None
    invitation, _token = invitation_create(
        email=email,
        role=role,
        member=member,
        by=by,
        first_name=first_name,
        last_name=last_name,
    )
    return None, invitation


def _ensure_not_last_coordinator(assignment: RoleAssignment) -> None:
    group = Group.objects.select_for_update().get(name=GROUP_NAMES[COORDINATOR])
    others = (
        get_user_model()
        .objects.filter(groups=group, is_active=True)
        .exclude(pk=assignment.user_id)
    )
    if not others.exists():
        raise ValidationError(_("The last coordinator cannot be removed."))


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, by, reason="") -> RoleAssignment:
    """Revoke an assignment; the last coordinator cannot be removed."""
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.revoked_at is not None:
        return assignment
    if not may_grant(by, assignment.role, assignment.member):
        raise ValidationError(_("You may not revoke this role."))
    if assignment.role == Role.COORDINATOR:
        _ensure_not_last_coordinator(assignment)
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = by
    if reason:
        assignment.reason = f"{assignment.reason} · {reason}".strip(" ·")[:255]
    assignment.save(update_fields=["revoked_at", "revoked_by", "reason"])
    _sync(assignment.user, assignment.role, assignment.member)
    return assignment


@transaction.atomic
def member_person_remove(*, member: Member, person: Person, by) -> int:
    """End a person's affiliations with an organisation and revoke their roles on
    it. Used by a legal representative for their own organisation."""
    if not may_grant(by, Role.CONTACT, member):
        raise ValidationError(_("You may not remove people from this member."))
    if by is not None and person.user_id == by.pk:
        raise ValidationError(
            _("You cannot remove yourself; ask a coordinator of the network.")
        )
    open_affiliations = Affiliation.objects.filter(
        member=member, person=person, end_date__isnull=True
    )
    ended = 0
    for affiliation in open_affiliations:
        services.affiliation_end(affiliation=affiliation)
        ended += 1
    if person.user_id:
        held = RoleAssignment.objects.active().filter(
            user_id=person.user_id, member=member
        )
        for assignment in held:
            role_revoke(assignment=assignment, by=by, reason=_("Removed"))
    return ended


# --- invitations -----------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    path = reverse("crm:invitation_accept", kwargs={"token": token})
    return f"{settings.SITE_URL}{path}"


def _send_invitation(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "url": invitation_url(token),
        "valid_days": INVITATION_VALID_FOR.days,
    }
    subject = render_to_string("account/email/invitation_subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string("account/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])
    services.email_record(
        to=invitation.email,
        subject=subject,
        kind=EmailKind.INVITATION,
        member=invitation.member,
        about=invitation,
    )


@transaction.atomic
def invitation_create(
    *, email, role, by, member=None, first_name="", last_name=""
) -> tuple[Invitation, str]:
    """Invite a person by email; returns ``(invitation, token)``.

    A coordinator may invite to any role; a legal representative invites contacts
    and legal representatives of their own organisation. A newer invitation for
    the same person, member and role replaces the pending one.
    """
    email = (email or "").strip().lower()
    validate_email(email)
    _check_scope(role, member)
    if not may_grant(by, role, member):
        raise ValidationError(_("You may not invite people to this role."))
    if by is not None and (by.email or "").lower() == email:
        raise ValidationError(_("You cannot invite yourself."))
    person = Person.objects.by_email(email).first()
    if person is None:
        if not first_name.strip() or not last_name.strip():
            raise ValidationError(_("Give the first and last name of the person."))
        person, _created = services.person_upsert(
            email=email, first_name=first_name.strip(), last_name=last_name.strip()
        )
    if person.anonymised_at:
        raise ValidationError(_("This person's data has been anonymised."))
    if person.user_id and RoleAssignment.objects.active().filter(
        user_id=person.user_id, role=role, member=member
    ):
        raise ValidationError(_("This person already has this role."))
    now = timezone.now()
    Invitation.objects.pending(now).filter(
        email=email, member=member, role=role
    ).update(superseded_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        person=person,
        member=member,
        role=role,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
        invited_by=by,
    )
    _send_invitation(invitation, token)
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a link, whatever its state; 404 for a forged token."""
    if not token or len(token) > 100:
        raise Http404("No such invitation")
    invitation = (
        Invitation.objects.select_related("member", "person", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user=None, password=None):
    """Accept a pending invitation, creating the login when ``user`` is None.

    The link proves the email address, so a new login's address is verified. The
    role is granted in the name of the inviter. Returns the user.
    """
    from allauth.account.models import EmailAddress

    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise ValidationError(_("This invitation can no longer be used."))
    User = get_user_model()
    if user is None:
        if existing_login_for(invitation.email) is not None:
            raise ValidationError(
                _("An account with this email already exists: log in first.")
            )
        release_unverified_address(invitation.email)
        person = invitation.person
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=person.first_name[:150],
            last_name=person.last_name[:150],
        )
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(
            user=user, email=invitation.email, verified=True, primary=True
        )
    elif (user.email or "").lower() != invitation.email or not is_verified(user):
        raise ValidationError(_("This invitation was sent to another email address."))
    by = invitation.invited_by
    if by is not None and not may_grant(by, invitation.role, invitation.member):
        raise ValidationError(
            _("Whoever invited you can no longer grant this role: ask them again.")
        )
    person = invitation.person
    if person.user_id and person.user_id != user.pk:
        raise ValidationError(
            _("The person with this email is linked to another account.")
        )
    if person.user_id is None:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    role_assign(
        user=user,
        role=invitation.role,
        member=invitation.member,
        by=by,
        reason=_("Invitation accepted"),
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def member_permissions_resync(*, member: Member) -> None:
    """Rebuild the object permissions on ``member`` from its open assignments
    (after a merge moved assignments onto it)."""
    User = get_user_model()
    for user in User.objects.filter(
        role_assignments__member=member, role_assignments__revoked_at__isnull=True
    ).distinct():
        _sync(user, Role.GUARDIAN, member)
