"""Personas shared by the whole suite.

Log personas in with ``client.force_login(user)``: django-axes needs the
request on ``authenticate``, which ``client.login`` does not pass.
"""

import pytest
from django.contrib.auth.models import Group

from crm.roles import COORDINATOR, GROUP_NAMES
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # No seal unless a test makes one: never the developer's var/seal.
    settings.PACT_SEAL_KEY = tmp_path / "seal" / "seal-key.pem"
    settings.PACT_SEAL_CERT = tmp_path / "seal" / "seal-cert.pem"


@pytest.fixture
def coordinator(db):
    user = UserFactory(username="alice@example.org", first_name="Alice")
    user.groups.add(Group.objects.get(name=GROUP_NAMES[COORDINATOR]))
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="charlie@example.org", first_name="Charlie")


@pytest.fixture
def coordinator_client(client, coordinator):
    """A coordinator logged in with their second factor, as the admin requires."""
    return pass_mfa(client, coordinator)


# --- Personas of the network (accounts) ------------------------------------
# Two families, two organisations and one user per role, granted through the
# real service (crm.permissions.role_assign). Names are distinctive so a test
# can check that no page shows another member's people.


def pass_mfa(client, user):
    """Give ``user`` an authenticator app and mark the client's session as having
    used it, as after a login with a TOTP code (everyone who can reach the back
    office needs it: crm.security.second_factor)."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type="totp").exists():
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    session = client.session
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session.save()
    return client


def log_in(client, user):
    """Log ``user`` in as a completed login would: with the second factor when
    their role needs one (whoever can reach the back office)."""
    from crm.security.second_factor import needs_second_factor

    if needs_second_factor(user):
        return pass_mfa(client, user)
    client.force_login(user)
    return client


@pytest.fixture
def network(db, coordinator):
    from types import SimpleNamespace

    from crm.models import MemberKind, Role
    from crm.permissions import role_assign
    from tests.factories import FamilyFactory, OrganisationFactory, PersonFactory

    n = SimpleNamespace(coordinator=coordinator)
    n.family_a = FamilyFactory(name="Famiglia Aranci", email="casa@aranci.example")
    n.family_b = FamilyFactory(name="Famiglia Bianchi", email="casa@bianchi.example")
    n.org_x = OrganisationFactory(
        name="Associazione Xilofono", email="info@xilo.example"
    )
    n.org_y = OrganisationFactory(
        name="Cooperativa Ypsilon", kind=MemberKind.BUSINESS, email="info@ypsi.example"
    )
    people = {
        "guardian_a": ("Anna", "Aranci", Role.GUARDIAN, n.family_a),
        "guardian_b": ("Bruno", "Bianchi", Role.GUARDIAN, n.family_b),
        "legal_rep_x": ("Laura", "Xerri", Role.LEGAL_REPRESENTATIVE, n.org_x),
        "contact_x": ("Carlo", "Xodo", Role.CONTACT, n.org_x),
        "contact_y": ("Yara", "Yeri", Role.CONTACT, n.org_y),
        "facilitator": ("Fabio", "Facci", Role.FACILITATOR, None),
        "liaison": ("Lia", "Lucchesi", Role.LIAISON, None),
        "cms_editor": ("Elena", "Editi", Role.CMS_EDITOR, None),
    }
    for key, (first, last, role, member) in people.items():
        email = f"{first.lower()}.{last.lower()}@example.org"
        user = UserFactory(username=email, email=email, first_name=first)
        PersonFactory(first_name=first, last_name=last, email=email, user=user)
        role_assign(user=user, role=role, member=member, by=coordinator)
        setattr(n, key, user)
    return n


@pytest.fixture
def guardian_a(network):
    return network.guardian_a


@pytest.fixture
def guardian_b(network):
    return network.guardian_b


@pytest.fixture
def legal_rep_x(network):
    return network.legal_rep_x


@pytest.fixture
def contact_x(network):
    return network.contact_x


@pytest.fixture
def contact_y(network):
    return network.contact_y


@pytest.fixture
def facilitator(network):
    return network.facilitator


@pytest.fixture
def liaison(network):
    return network.liaison


@pytest.fixture
def cms_editor(network):
    return network.cms_editor


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate limits, used two-factor codes
    and rendered PDFs of one test never reach the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _served_language():
    """Each test starts in the served language (Italian).

    A request in another language leaves it active for the thread (Django's
    LocaleMiddleware activates it and nothing resets it), so without this a test
    that follows one asking for English would read English messages.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# --- Hypothesis (malformed-input tests) ---------------------------------------
# Reproducible and bounded by default: the fuzz tests add well under a minute on
# two cores. HYPOTHESIS_PROFILE=deep explores much further (minutes).


def _hypothesis_profiles():
    import os

    from hypothesis import HealthCheck, settings

    common = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.function_scoped_fixture],
        "print_blob": True,
        "database": None,
    }
    settings.register_profile("ci", derandomize=True, max_examples=25, **common)
    settings.register_profile("deep", max_examples=400, **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()
