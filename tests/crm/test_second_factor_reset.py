"""A lost authenticator: the audited reset, who may do it for whom, and what
the person finds at their next login."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.models import Role, SecondFactorReset
from crm.permissions import role_assign
from tests.doors import (
    give_app,
    is_logged_in,
    log_in,
    password_step,
    reauthenticate_with_code,
    tolerate_slow_requests,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _codes(settings):
    tolerate_slow_requests(settings)


@pytest.fixture
def coordinator_in(client, network):
    secret = give_app(network.coordinator)
    log_in(client, network.coordinator, secret)
    return network.coordinator, secret


def reset_url(user):
    return reverse("crm_second_factor:reset", args=[user.pk])


def test_a_coordinator_resets_a_lost_app_with_a_reason_and_it_is_recorded(
    client, network, coordinator_in, django_capture_on_commit_callbacks
):
    coordinator, secret = coordinator_in
    liaison = network.liaison
    give_app(liaison)
    elsewhere = Client()
    log_in(elsewhere, liaison, give_app(liaison))
    reauthenticate_with_code(client, coordinator, secret)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reset_url(liaison), {"reason": "Telefono rubato, verificato al telefono"}
        )

    assert response["Location"] == reverse("crm_second_factor:index")
    assert not Authenticator.objects.filter(user=liaison).exists()
    record = SecondFactorReset.objects.get()
    assert (record.user, record.reset_by, record.email) == (
        liaison,
        coordinator,
        liaison.email,
    )
    assert "rubato" in record.reason
    assert not is_logged_in(elsewhere)
    (message,) = [m for m in mail.outbox if liaison.email in m.to]
    assert "rubato" in message.body
    # The next login: the password, then straight to enrolling a new app.
    fresh = Client()
    assert password_step(fresh, liaison)["Location"] != reverse("mfa_authenticate")
    assert fresh.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))
    page = client.get(reverse("crm_second_factor:index")).content.decode()
    assert "rubato" in page


def test_a_reset_asks_the_coordinator_for_their_own_code_first(
    client, network, coordinator_in
):
    give_app(network.liaison)

    response = client.post(reset_url(network.liaison), {"reason": "perso"})

    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert Authenticator.objects.filter(user=network.liaison).exists()
    assert not SecondFactorReset.objects.exists()


def test_a_reset_needs_a_reason(client, network, coordinator_in):
    coordinator, secret = coordinator_in
    give_app(network.liaison)
    reauthenticate_with_code(client, coordinator, secret)

    response = client.post(reset_url(network.liaison), {"reason": " "})

    assert response.status_code == 200
    assert Authenticator.objects.filter(user=network.liaison).exists()


def test_nobody_resets_their_own_nor_a_coordinator_a_superusers(
    client, network, coordinator_in
):
    coordinator, secret = coordinator_in
    boss = UserFactory(username="capo@example.org", is_superuser=True)
    give_app(boss)
    reauthenticate_with_code(client, coordinator, secret)

    for target in (coordinator, boss):
        response = client.post(reset_url(target), {"reason": "prova"})
        assert response.status_code in (302, 403)
        assert Authenticator.objects.filter(user=target).exists()
    assert not SecondFactorReset.objects.exists()


def test_a_superuser_resets_a_coordinators_app(client, network):
    boss = UserFactory(username="capo@example.org", is_superuser=True)
    secret = give_app(boss)
    log_in(client, boss, secret)
    give_app(network.coordinator)
    reauthenticate_with_code(client, boss, secret)

    client.post(reset_url(network.coordinator), {"reason": "Telefono perso"})

    assert not Authenticator.objects.filter(user=network.coordinator).exists()


@pytest.mark.parametrize("persona", ["liaison", "cms_editor", "guardian_a"])
def test_only_coordinators_see_or_reset_second_factors(client, network, persona):
    from tests.conftest import log_in as complete_login

    give_app(network.coordinator)
    complete_login(client, getattr(network, persona))

    for response in (
        client.get(reverse("crm_second_factor:index")),
        client.post(reset_url(network.coordinator), {"reason": "x"}),
    ):
        assert response.status_code in (302, 403)
    assert Authenticator.objects.filter(user=network.coordinator).exists()


def test_the_server_resets_the_last_coordinator(network):
    give_app(network.coordinator)
    out = io.StringIO()

    call_command(
        "reset_second_factor",
        network.coordinator.email,
        "--reason",
        "Ultima coordinatrice, telefono e codici persi",
        stdout=out,
    )

    assert not Authenticator.objects.filter(user=network.coordinator).exists()
    assert SecondFactorReset.objects.get().reset_by is None
    with pytest.raises(CommandError, match="No login"):
        call_command("reset_second_factor", "nessuno@example.org", "--reason", "x")
    with translation.override("en"), pytest.raises(CommandError, match="no second"):
        call_command("reset_second_factor", network.coordinator.email, "--reason", "x")


def test_the_list_of_second_factors_runs_a_fixed_number_of_queries(
    client, network, coordinator_in, django_assert_max_num_queries
):
    for n in range(20):
        user = UserFactory(username=f"redattore{n}@example.org")
        role_assign(user=user, role=Role.CMS_EDITOR, by=None)
        give_app(user)

    with django_assert_max_num_queries(30):
        response = client.get(reverse("crm_second_factor:index"))

    assert response.status_code == 200
    assert "redattore19@example.org" in response.content.decode()
