"""Accounts: invitations, login, two-factor authentication, lockout, erasure."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    Consent,
    ErasureOutcome,
    ErasureRequest,
    Invitation,
    Member,
    Person,
    Role,
)
from crm.permissions import invitation_create, members_for_user
from crm.privacy import erasure_request
from tests.conftest import pass_mfa
from tests.factories import ChildFactory, ConsentFactory

pytestmark = pytest.mark.django_db
PASSWORD = "una-password-lunga-42"


@pytest.fixture(autouse=True)
def _empty_rate_limits():
    """Rate-limit counters live in the cache: each test starts from zero."""
    cache.clear()


def link_in(message):
    return re.search(r"http://testserver(/invito/[^/\s]+/)", message.body).group(1)


def invite(network, email="nuova.persona@example.org", role=Role.CONTACT, member=None):
    invitation, token = invitation_create(
        email=email,
        role=role,
        member=member or network.org_x,
        by=network.legal_rep_x,
        first_name="Nuova",
        last_name="Persona",
    )
    return invitation, reverse("crm:invitation_accept", args=[token])


# --- invitations -----------------------------------------------------------


def test_an_invitation_sets_a_password_and_lands_in_the_organisation(client, network):
    invitation_create(
        email="nuova.persona@example.org",
        role=Role.CONTACT,
        member=network.org_x,
        by=network.legal_rep_x,
        first_name="Nuova",
        last_name="Persona",
    )
    path = link_in(mail.outbox[-1])
    assert client.get(path).status_code == 200
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == reverse("crm:area_member", args=[network.org_x.pk])
    user = get_user_model().objects.get(email="nuova.persona@example.org")
    assert list(members_for_user(user)) == [network.org_x]
    assert Person.objects.get(email="nuova.persona@example.org").user == user
    assert EmailAddress.objects.get(user=user).verified
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.wsgi_request.user == user


def test_a_used_invitation_says_so(client, network):
    _invitation, path = invite(network)
    client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert response.context["status"] == "accepted"
    again = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert again.status_code == 410
    assert (
        get_user_model().objects.filter(email="nuova.persona@example.org").count() == 1
    )


def test_an_expired_invitation_says_so(client, network):
    invitation, path = invite(network)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=9),
        expires_at=timezone.now() - timedelta(days=2),
    )
    response = client.get(path)
    assert response.status_code == 410 and response.context["status"] == "expired"


def test_reinviting_replaces_the_old_link(client, network):
    _first, old_path = invite(network)
    _second, new_path = invite(network)
    response = client.get(old_path)
    assert response.status_code == 410 and response.context["status"] == "superseded"
    assert client.get(new_path).status_code == 200


def test_a_tampered_token_is_a_404(client, network):
    _invitation, path = invite(network)
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert (
        client.get(reverse("crm:invitation_accept", args=["x" * 300])).status_code
        == 404
    )


def test_a_weak_password_is_refused_with_a_message(client, network):
    _invitation, path = invite(network)
    response = client.post(path, {"password1": "12345", "password2": "12345"})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not get_user_model().objects.filter(email="nuova.persona@example.org")


def test_someone_with_a_login_accepts_after_logging_in(client, network):
    invitation, path = invite(network, email=network.guardian_a.email)
    response = client.get(path)
    assert reverse("account_login") in response.content.decode()
    client.force_login(network.guardian_a)
    response = client.post(path)
    assert response.status_code == 302
    assert network.org_x in members_for_user(network.guardian_a)


def test_an_invitation_cannot_be_accepted_by_another_login(client, network):
    _invitation, path = invite(network)
    client.force_login(network.guardian_b)
    response = client.post(path)
    assert response.status_code == 200
    assert network.org_x not in members_for_user(network.guardian_b)


def test_a_legal_representative_cannot_invite_a_guardian_or_elsewhere(network):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        invite(network, role=Role.COORDINATOR, member=None)
    with pytest.raises(ValidationError):
        invite(network, member=network.org_y)


# --- login, logout, password reset -----------------------------------------


def verified(user):
    """The personas' login emails are verified (tests.factories.UserFactory)."""
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    return user


def test_a_member_logs_in_by_email_and_lands_in_the_area(client, network):
    verified(network.guardian_a)
    response = client.post(
        reverse("account_login"),
        {"login": network.guardian_a.email, "password": "password-for-tests"},
    )
    assert response["Location"] == reverse("crm:landing")
    assert client.get(reverse("crm:landing"))["Location"] == reverse("crm:area_home")
    response = client.post(reverse("account_logout"))
    assert client.get(reverse("crm:area_home")).status_code == 302


def test_registering_sends_a_verification_email(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "nuovo@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert "nuovo@example.org" in mail.outbox[-1].to


def test_a_forgotten_password_can_be_reset_by_email(client, network):
    verified(network.guardian_a)
    client.post(reverse("account_reset_password"), {"email": network.guardian_a.email})
    assert network.guardian_a.email in mail.outbox[-1].to


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_logout"],
)
def test_account_pages_use_the_site_layout(client, outsider, name):
    if name == "account_logout":
        client.force_login(outsider)
    page = client.get(reverse(name)).content.decode()
    assert "bootstrap-italia" in page and 'id="main"' in page


# --- lockout ---------------------------------------------------------------


def fail_five_logins(client, user):
    responses = [
        client.post(reverse("account_login"), {"login": user.email, "password": "no"})
        for _ in range(5)
    ]
    return responses[-1]


def test_repeated_failed_logins_lock_the_account_with_a_clear_page(client, network):
    verified(network.guardian_a)
    response = fail_five_logins(client, network.guardian_a)
    assert response.status_code == 429
    assert "account/lockout.html" in [t.name for t in response.templates]
    assert reverse("account_reset_password") in response.content.decode()
    response = client.post(
        reverse("account_login"),
        {"login": network.guardian_a.email, "password": "password-for-tests"},
    )
    assert not response.wsgi_request.user.is_authenticated


def test_a_coordinator_unlocks_a_locked_account(client, network):
    from axes.models import AccessAttempt

    verified(network.guardian_a)
    fail_five_logins(client, network.guardian_a)
    attempt = AccessAttempt.objects.get()
    admin = pass_mfa(client, network.coordinator)
    page = admin.get(reverse("crm_lockouts:index"))
    assert network.guardian_a.email in page.content.decode()
    admin.post(reverse("crm_lockouts:index"), {"attempt": attempt.pk})
    assert not AccessAttempt.objects.exists()
    admin.logout()
    response = client.post(
        reverse("account_login"),
        {"login": network.guardian_a.email, "password": "password-for-tests"},
    )
    assert response.status_code == 302


def test_only_coordinators_see_the_lockouts(client, network):
    pass_mfa(client, network.liaison)
    response = client.get(reverse("crm_lockouts:index"))
    assert response.status_code == 302


# --- two-factor authentication ---------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "liaison"])
def test_coordinators_and_liaison_must_activate_mfa_before_the_admin(
    client, network, persona
):
    client.force_login(getattr(network, persona))
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_session_that_never_gave_the_code_is_logged_out_and_sent_to_log_in(
    client, network
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = network.coordinator
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("account_login"))
    assert not client.get(reverse("crm:area_home")).wsgi_request.user.is_authenticated


def test_after_a_code_the_coordinator_uses_the_admin(client, network):
    pass_mfa(client, network.coordinator)
    assert client.get("/admin/").status_code == 200


def test_logging_in_with_password_and_code_opens_the_admin(client, network):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    user = verified(network.coordinator)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "password-for-tests"},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_mfa_is_optional_for_families(client, network):
    client.force_login(network.guardian_a)
    assert client.get(reverse("crm:area_home")).status_code == 200
    response = client.get("/admin/")
    assert not response["Location"].startswith(reverse("mfa_activate_totp"))


# --- erasure ---------------------------------------------------------------


def test_an_approved_erasure_anonymises_the_person_and_a_family_left_alone(
    client, network
):
    person = network.guardian_a.person
    ConsentFactory(person=person)
    ChildFactory(family=network.family_a)
    erasure = erasure_request(person=person, by=network.guardian_a)
    admin = pass_mfa(client, network.coordinator)
    page = admin.get(reverse("crm_erasure:edit", args=[erasure.pk]))
    assert page.status_code == 200 and "Anna" in page.content.decode()
    response = admin.post(
        reverse("crm_erasure:edit", args=[erasure.pk]),
        {"decision": "approve", "note": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.anonymised_at and person.email is None
    assert "Aranci" not in person.full_name and "Anna" not in person.full_name
    assert person.history.count() == 1
    assert not person.history.filter(first_name="Anna").exists()
    assert not Consent.objects.filter(person=person, withdrawn_at=None).exists()
    family = Member.objects.get(pk=network.family_a.pk)
    assert family.anonymised_at and "Aranci" not in family.name
    assert not family.children.exists()
    assert not family.history.filter(name="Famiglia Aranci").exists()
    user = type(network.guardian_a).objects.get(pk=network.guardian_a.pk)
    assert not user.is_active and user.email == ""
    erasure.refresh_from_db()
    assert erasure.outcome == ErasureOutcome.ERASED
    assert erasure.reviewed_by == network.coordinator


def test_a_refusal_needs_a_reason_and_changes_nothing(client, network):
    erasure = erasure_request(person=network.guardian_a.person, by=network.guardian_a)
    admin = pass_mfa(client, network.coordinator)
    url = reverse("crm_erasure:edit", args=[erasure.pk])
    response = admin.post(url, {"decision": "refuse", "note": ""})
    assert response.status_code == 200
    admin.post(url, {"decision": "refuse", "note": "Adesione firmata in corso"})
    erasure.refresh_from_db()
    assert erasure.outcome == ErasureOutcome.REFUSED
    assert Person.objects.get(pk=network.guardian_a.person.pk).first_name == "Anna"


def test_an_organisation_survives_the_erasure_of_one_of_its_people(network):
    from crm.privacy import person_anonymise

    person_anonymise(person=network.contact_x.person, by=network.coordinator)
    org = Member.objects.get(pk=network.org_x.pk)
    assert org.anonymised_at is None and org.name == "Associazione Xilofono"
    assert ErasureRequest.objects.count() == 0
