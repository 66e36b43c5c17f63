"""Roles: one RoleAssignment per grant, groups and object permissions in step."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from crm.models import Affiliation, Role, RoleAssignment
from crm.permissions import members_for_user, role_assign, role_revoke
from crm.roles import COORDINATOR, GROUP_NAMES, LIAISON
from tests.factories import FamilyFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English; the site itself speaks Italian."""
    with translation.override("en"):
        yield


def in_group(user, role):
    return user.groups.filter(name=GROUP_NAMES[role]).exists()


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_granting_an_application_role_puts_the_user_in_its_group(coordinator):
    user = UserFactory()
    assignment = role_assign(user=user, role=Role.LIAISON, by=coordinator, reason="x")
    assert in_group(user, LIAISON)
    assert assignment.granted_by == coordinator
    assert assignment.history.count() == 1


@pytest.mark.django_db
def test_revoking_an_application_role_takes_the_user_out_of_its_group(coordinator):
    user = UserFactory()
    assignment = role_assign(user=user, role=Role.LIAISON, by=coordinator)
    role_revoke(assignment=assignment, by=coordinator)
    assignment.refresh_from_db()
    assert not in_group(user, LIAISON)
    assert assignment.revoked_by == coordinator and assignment.revoked_at
    assert assignment.history.count() == 2


@pytest.mark.django_db
def test_a_guardian_role_gives_object_permissions_on_that_family_only(coordinator):
    family, other = FamilyFactory(), FamilyFactory()
    user = UserFactory()
    role_assign(user=user, role=Role.GUARDIAN, member=family, by=coordinator)
    user = fresh(user)
    assert user.has_perm("crm.change_member", family)
    assert not user.has_perm("crm.change_member", other)
    assert not user.has_perm("crm.represent_member", family)
    assert list(members_for_user(user)) == [family]


@pytest.mark.django_db
def test_a_member_role_links_the_persons_affiliation(coordinator):
    org = OrganisationFactory()
    user = UserFactory(email="nuovo@example.org", username="nuovo@example.org")
    role_assign(user=user, role=Role.LEGAL_REPRESENTATIVE, member=org, by=coordinator)
    affiliation = Affiliation.objects.get(member=org)
    assert affiliation.person.user == user
    assert affiliation.role == Role.LEGAL_REPRESENTATIVE
    assert fresh(user).has_perm("crm.represent_member", org)


@pytest.mark.django_db
def test_revoking_one_of_two_roles_on_a_member_keeps_the_other_roles_rights(
    coordinator,
):
    org = OrganisationFactory()
    user = UserFactory()
    rep = role_assign(
        user=user, role=Role.LEGAL_REPRESENTATIVE, member=org, by=coordinator
    )
    role_assign(user=user, role=Role.CONTACT, member=org, by=coordinator)
    role_revoke(assignment=rep, by=coordinator)
    user = fresh(user)
    assert user.has_perm("crm.change_member", org)
    assert not user.has_perm("crm.represent_member", org)


@pytest.mark.django_db
def test_nobody_can_grant_a_role_to_themselves(coordinator):
    with pytest.raises(ValidationError, match="themselves"):
        role_assign(user=coordinator, role=Role.LIAISON, by=coordinator)


@pytest.mark.django_db
def test_superuser_rights_are_not_a_role(coordinator):
    with pytest.raises(ValidationError, match="Superuser"):
        role_assign(user=UserFactory(), role="superuser", by=coordinator)


@pytest.mark.django_db
def test_a_guardian_role_needs_a_family(coordinator):
    with pytest.raises(ValidationError):
        role_assign(
            user=UserFactory(),
            role=Role.GUARDIAN,
            member=OrganisationFactory(),
            by=coordinator,
        )
    with pytest.raises(ValidationError):
        role_assign(user=UserFactory(), role=Role.GUARDIAN, by=coordinator)


@pytest.mark.django_db
def test_someone_who_is_not_a_coordinator_cannot_grant_roles(network):
    with pytest.raises(ValidationError):
        role_assign(user=UserFactory(), role=Role.COORDINATOR, by=network.guardian_a)
    with pytest.raises(ValidationError):
        role_assign(
            user=UserFactory(),
            role=Role.CONTACT,
            member=network.org_y,
            by=network.legal_rep_x,
        )


@pytest.mark.django_db
def test_a_legal_representative_can_add_a_contact_to_their_organisation(network):
    user = UserFactory()
    role_assign(
        user=user, role=Role.CONTACT, member=network.org_x, by=network.legal_rep_x
    )
    assert list(members_for_user(user)) == [network.org_x]


@pytest.mark.django_db
def test_the_last_coordinator_cannot_be_removed(db):
    boss = UserFactory()
    group = Group.objects.get(name=GROUP_NAMES[COORDINATOR])
    call_command("grant_role", boss.email, "coordinator")
    assert group.user_set.count() == 1
    assignment = RoleAssignment.objects.get(user=boss)
    with pytest.raises(ValidationError, match="last coordinator"):
        role_revoke(assignment=assignment, by=None)
    assert in_group(boss, COORDINATOR)


@pytest.mark.django_db
def test_a_coordinator_can_be_removed_while_another_remains(coordinator):
    second = UserFactory()
    assignment = role_assign(user=second, role=Role.COORDINATOR, by=coordinator)
    role_revoke(assignment=assignment, by=coordinator)
    assert not in_group(second, COORDINATOR)


@pytest.mark.django_db
def test_granting_a_role_twice_keeps_one_open_assignment(coordinator):
    user = UserFactory()
    first = role_assign(user=user, role=Role.FACILITATOR, by=coordinator)
    second = role_assign(user=user, role=Role.FACILITATOR, by=coordinator)
    assert first.pk == second.pk
    assert RoleAssignment.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_grant_and_revoke_commands_go_through_the_services(coordinator):
    family = FamilyFactory()
    user = UserFactory(email="mamma@example.org", username="mamma@example.org")
    call_command("grant_role", "MAMMA@example.org", "guardian", "--member", family.pk)
    assert list(members_for_user(fresh(user))) == [family]
    call_command("revoke_role", "mamma@example.org", "guardian", "--member", family.pk)
    assert list(members_for_user(fresh(user))) == []
    assert RoleAssignment.objects.get(user=user).revoked_at is not None


@pytest.mark.django_db
def test_the_commands_explain_bad_input(coordinator):
    # No verified login: an invitation, which needs the person's names.
    with pytest.raises(CommandError, match="first and last name"):
        call_command("grant_role", "nessuno@example.org", "liaison")
    with pytest.raises(CommandError, match="No login"):
        call_command("revoke_role", "nessuno@example.org", "liaison")
    with pytest.raises(CommandError, match="Superuser"):
        call_command("grant_role", coordinator.email, "superuser")
    with pytest.raises(CommandError, match="No member"):
        call_command("grant_role", coordinator.email, "guardian", "--member", 999999)
    with pytest.raises(CommandError, match="does not hold"):
        call_command("revoke_role", coordinator.email, "liaison")


@pytest.mark.django_db
def test_object_permissions_can_be_rebuilt_after_a_merge(coordinator):
    from crm.permissions import member_permissions_resync

    keep, other = FamilyFactory(), FamilyFactory()
    user = UserFactory()
    role_assign(user=user, role=Role.GUARDIAN, member=other, by=coordinator)
    RoleAssignment.objects.filter(member=other).update(member=keep)  # as a merge does
    other.delete()
    member_permissions_resync(member=keep)
    assert list(members_for_user(fresh(user))) == [keep]


@pytest.mark.parametrize(
    "url_name", ["crm_roles:index", "crm_invitations:index", "crm_erasure:index"]
)
def test_access_lists_do_not_grow_their_queries_with_their_rows(
    coordinator_client, network, url_name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.models import ErasureRequest
    from crm.permissions import invitation_create
    from tests.factories import OrganisationFactory, PersonFactory

    def grow(n):
        for _i in range(n):
            org = OrganisationFactory()
            invitation_create(
                email=f"{org.pk}@example.org",
                role="legal_representative",
                member=org,
                by=network.coordinator,
                first_name="Rita",
                last_name="Rossi",
            )
            ErasureRequest.objects.create(person=PersonFactory())

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert coordinator_client.get(reverse(url_name)).status_code == 200
        return len(ctx.captured_queries)

    coordinator_client.get(reverse(url_name))
    grow(2)
    few = count()
    grow(8)
    assert count() == few
