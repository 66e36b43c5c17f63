"""Trust at the door (issue 11): each finding of the attack on the logins,
replayed through real URLs with the personas, and what must hold instead.

1. one way in; 2. the second factor holds on every path; 3. changing it needs
it; 4. its guesses are limited; 5. accounts only for the owners of their email.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Invitation, Person, Role, RoleAssignment
from crm.permissions import members_for_user, role_assign
from tests.doors import (
    PASSWORD,
    code_of,
    code_step,
    give_app,
    is_logged_in,
    log_in,
    next_period,
    password_step,
    reauthenticate_with_code,
    tolerate_slow_requests,
    wrong_code,
)
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    cache.clear()
    tolerate_slow_requests(settings)


def accounts_state():
    """What a refused attempt must leave as it was."""
    return {
        "users": sorted(User.objects.values_list("pk", "email", "is_active")),
        "roles": sorted(RoleAssignment.objects.values_list("pk", "revoked_at")),
        "apps": sorted(Authenticator.objects.values_list("pk", "type", "data")),
        "emails": sorted(EmailAddress.objects.values_list("user_id", "email")),
        "people": sorted(Person.objects.values_list("pk", "user_id", "email")),
    }


# --- 1. one way in ------------------------------------------------------------


@pytest.mark.parametrize("door", ["/admin/login/", "/_util/login/"])
def test_wagtails_login_forms_read_no_password_and_open_no_session(
    client, network, door
):
    coordinator = network.coordinator
    give_app(coordinator)

    response = client.post(
        door,
        {"username": coordinator.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_the_admin_login_leads_to_the_second_factor_then_to_the_admin(client, network):
    coordinator = network.coordinator
    secret = give_app(coordinator)

    to_login = client.get("/admin/login/?next=/admin/pages/")
    assert (
        to_login["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fpages%2F"
    )
    page = client.get(to_login["Location"]).content.decode()
    assert page.count(reverse("account_reset_password")) == 1
    assert "Wagtail" not in page and "Nome utente" not in page

    response = client.post(
        to_login["Location"], {"login": coordinator.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    response = code_step(client, code_of(secret))
    assert response["Location"] == "/admin/pages/"
    assert client.get("/admin/").status_code == 200


def test_a_private_page_sends_visitors_to_allauths_login(client, network):
    response = client.get("/_util/login/?next=/pagina-riservata/")
    assert response["Location"] == (
        reverse("account_login") + "?next=%2Fpagina-riservata%2F"
    )


@pytest.mark.parametrize(
    "wanted", ["https://evil.example/", "//evil.example/", "http:/\\evil.example"]
)
def test_a_next_pointing_to_another_site_is_dropped(client, network, wanted):
    coordinator = network.coordinator
    secret = give_app(coordinator)

    to_login = client.get("/admin/login/", {"next": wanted})
    assert "evil" not in to_login["Location"]
    response = client.post(
        reverse("account_login") + f"?next={wanted}",
        {"login": coordinator.email, "password": PASSWORD, "next": wanted},
    )
    response = code_step(client, code_of(secret))
    assert "evil" not in response["Location"]


def test_logging_in_gives_a_new_session_key(client, network):
    coordinator = network.coordinator
    secret = give_app(coordinator)
    client.get(reverse("account_login"))
    session = client.session
    session["planted"] = "by someone else"
    session.save()
    planted = session.session_key
    client.cookies["sessionid"] = planted

    log_in(client, coordinator, secret)

    assert is_logged_in(client)
    assert client.session.session_key != planted


def test_someone_logged_in_without_the_back_office_is_told_so_not_looped(
    client, network
):
    client.force_login(network.guardian_a)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert "crm:area_home" or reverse("crm:area_home") in response.content.decode()


def test_a_password_reset_logs_nobody_in_and_the_code_is_still_asked(client, network):
    coordinator = network.coordinator
    secret = give_app(coordinator)
    client.post(reverse("account_reset_password"), {"email": coordinator.email})
    link = re.search(
        r"http://testserver(/account/password/reset/key/\S+)", mail.outbox[-1].body
    )[1]
    form = client.get(link, follow=True)
    new = "una-nuova-password-lunga-77"
    client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})

    assert not is_logged_in(client)
    response = password_step(client, coordinator, new)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    log_in_response = code_step(client, code_of(secret))
    assert log_in_response.status_code == 302 and is_logged_in(client)


def test_an_invitation_to_a_back_office_role_starts_by_enrolling_the_app(
    client, network
):
    from crm.permissions import invitation_create

    _invitation, token = invitation_create(
        email="nuova.redattrice@example.org",
        role=Role.CMS_EDITOR,
        by=network.coordinator,
        first_name="Nuova",
        last_name="Redattrice",
    )
    path = reverse("crm:invitation_accept", args=[token])
    client.post(
        path,
        {"password1": "una-password-lunga-42", "password2": "una-password-lunga-42"},
    )

    assert is_logged_in(client)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert client.get(reverse("crm:area_home"))["Location"].startswith(
        reverse("mfa_activate_totp")
    )


def test_the_reauthentication_page_needs_a_login_not_a_half_one(client, network):
    coordinator = network.coordinator
    give_app(coordinator)
    password_step(client, coordinator)  # the code is never given

    for name in ("mfa_reauthenticate", "account_reauthenticate", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)


# --- 2. the second factor holds on every path -------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "liaison", "cms_editor"])
def test_without_an_app_a_back_office_role_can_only_enrol_one(client, network, persona):
    user = getattr(network, persona)
    client.force_login(user)

    for url in ("/admin/", reverse("crm:area_home"), reverse("crm:area_my_data_json")):
        response = client.get(url)
        assert response["Location"].startswith(reverse("mfa_activate_totp")), url
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)


def test_superusers_need_a_second_factor_too(client, db):
    boss = UserFactory(username="capo@example.org", is_superuser=True)
    client.force_login(boss)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))


def test_families_and_facilitators_need_no_second_factor(client, network):
    for persona in ("guardian_a", "facilitator"):
        client.force_login(getattr(network, persona))
        assert client.get(reverse("crm:area_home")).status_code == 200


def test_enrolling_the_app_completes_the_session(client, network):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    coordinator = network.coordinator
    client.force_login(coordinator)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(reverse("mfa_activate_totp"), {"code": code_of(secret)})

    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_role_granted_mid_session_asks_for_the_app_at_once(client, network):
    user = network.guardian_a
    client.force_login(user)
    assert client.get(reverse("crm:area_home")).status_code == 200

    role_assign(user=user, role=Role.LIAISON, by=network.coordinator)

    assert client.get(reverse("crm:area_home"))["Location"].startswith(
        reverse("mfa_activate_totp")
    )


# --- 3. changing the second factor needs it ----------------------------------


@pytest.fixture
def coordinator_in(client, network):
    """The coordinator, logged in with password and code."""
    secret = give_app(network.coordinator)
    log_in(client, network.coordinator, secret)
    return network.coordinator, secret


NEW_PASSWORD = "una-nuova-password-lunga-77"
CHANGES = {
    "mfa_deactivate_totp": ("post", {}),
    "mfa_generate_recovery_codes": ("post", {}),
    "mfa_view_recovery_codes": ("get", {}),
    "mfa_download_recovery_codes": ("get", {}),
    "crm:authenticator_app_replace": ("get", {}),
    "account_change_password": ("get", {}),
    "account_email": ("post", {"email": "altra@example.org", "action_add": "1"}),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_every_change_to_the_second_factor_email_or_password_asks_for_a_code(
    client, coordinator_in, name
):
    url = reverse(name)
    method, data = CHANGES[name]
    before = accounts_state()

    response = getattr(client, method)(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    # The password is no way round it: its page sends to the code's.
    by_password = client.post(
        reverse("account_reauthenticate") + f"?next={url}", {"password": PASSWORD}
    )
    assert by_password["Location"].startswith(reverse("mfa_reauthenticate"))
    again = getattr(client, method)(url, data)
    assert again["Location"].startswith(reverse("mfa_reauthenticate"))
    assert accounts_state() == before
    assert network_password_unchanged(coordinator_in[0])


def network_password_unchanged(user) -> bool:
    user.refresh_from_db()
    return user.check_password(PASSWORD)


PASSWORD_CHANGE = {
    "oldpassword": PASSWORD,
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
}


def test_a_password_posted_without_a_fresh_code_changes_nothing_and_is_not_kept(
    client, coordinator_in
):
    coordinator, _secret = coordinator_in

    response = client.post(reverse("account_change_password"), PASSWORD_CHANGE)

    assert response["Location"] == reverse("account_change_password")
    assert network_password_unchanged(coordinator)
    assert NEW_PASSWORD not in str(dict(client.session))


def test_with_the_code_the_password_changes(client, coordinator_in):
    coordinator, secret = coordinator_in
    client.get(reverse("account_change_password"))

    reauthenticate_with_code(
        client, coordinator, secret, next=reverse("account_change_password")
    )
    client.post(reverse("account_change_password"), PASSWORD_CHANGE)

    coordinator.refresh_from_db()
    assert coordinator.check_password(NEW_PASSWORD)


def test_the_last_app_of_a_coordinator_cannot_be_switched_off(client, coordinator_in):
    coordinator, secret = coordinator_in
    before = accounts_state()
    reauthenticate_with_code(client, coordinator, secret)

    page = client.get(reverse("mfa_deactivate_totp"))
    response = client.post(reverse("mfa_deactivate_totp"))

    assert "non può essere disattivata" in page.content.decode()
    assert response.status_code == 200
    assert accounts_state() == before


def test_a_family_switches_its_optional_app_off_with_a_code(client, network):
    user = network.guardian_a
    secret = give_app(user)
    log_in(client, user, secret)
    reauthenticate_with_code(client, user, secret)

    client.post(reverse("mfa_deactivate_totp"))

    assert not Authenticator.objects.filter(user=user).exists()


def test_replacing_the_app_swaps_it_in_one_step(client, coordinator_in):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    coordinator, old = coordinator_in
    reauthenticate_with_code(client, coordinator, old)
    client.get(reverse("crm:authenticator_app_replace"))
    new = client.session[SECRET_SESSION_KEY]

    response = client.post(
        reverse("crm:authenticator_app_replace"), {"code": code_of(new)}
    )

    assert response["Location"] == reverse("mfa_index")
    assert Authenticator.objects.filter(user=coordinator, type="totp").count() == 1
    client.logout()
    password_step(client, coordinator)
    next_period(coordinator, old)
    code_step(client, code_of(old))
    assert not is_logged_in(client)
    next_period(coordinator, new)
    code_step(client, code_of(new))
    assert is_logged_in(client)


def test_a_family_changes_its_email_only_through_the_verification(client, network):
    user = network.guardian_a
    old = user.email
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    client.post(
        reverse("account_email"),
        {"action_add": "1", "email": "anna.nuova@example.org"},
    )
    user.refresh_from_db()
    assert user.email == old  # not before the link is followed

    link = re.search(
        r"http://testserver(/account/confirm-email/\S+/)", mail.outbox[-1].body
    )[1]
    client.post(link)
    user.refresh_from_db()
    assert user.email == "anna.nuova@example.org"
    assert list(
        EmailAddress.objects.filter(user=user).values_list("email", "verified")
    ) == [("anna.nuova@example.org", True)]


# --- 4. limited guesses -----------------------------------------------------


def test_five_wrong_codes_end_the_login_and_count_as_a_failed_login(client, network):
    coordinator = network.coordinator
    secret = give_app(coordinator)
    password_step(client, coordinator)

    for _ in range(4):
        assert code_step(client, wrong_code(secret)).status_code == 200
    fifth = code_step(client, wrong_code(secret))

    assert fifth["Location"] == reverse("account_login")
    assert (
        AccessAttempt.objects.get(username=coordinator.email).failures_since_start == 1
    )
    right = code_step(client, code_of(secret))
    assert right["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)


def test_five_ended_attempts_lock_the_login_out_even_with_the_right_code(
    client, network
):
    coordinator = network.coordinator
    secret = give_app(coordinator)
    for _ in range(5):
        password_step(client, coordinator)
        for _ in range(5):
            code_step(client, wrong_code(secret))

    response = password_step(client, coordinator)

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_wrong_recovery_codes_count_like_wrong_app_codes(client, network):
    coordinator = network.coordinator
    give_app(coordinator)
    password_step(client, coordinator)
    for _ in range(5):
        response = code_step(client, "12345678")
    assert response["Location"] == reverse("account_login")
    assert AccessAttempt.objects.filter(username=coordinator.email).exists()


def test_logins_started_side_by_side_share_the_count(client, network):
    from django.test import Client

    coordinator = network.coordinator
    secret = give_app(coordinator)
    others = [Client() for _ in range(3)]
    for other in others:
        password_step(other, coordinator)
    password_step(client, coordinator)

    for n, other in enumerate(others * 2):
        if n < 4:
            code_step(other, wrong_code(secret))
    ended = code_step(client, wrong_code(secret))

    assert ended["Location"] == reverse("account_login")


def test_five_wrong_codes_when_asked_again_end_the_session(client, coordinator_in):
    coordinator, secret = coordinator_in
    for _ in range(5):
        response = client.post(
            reverse("mfa_reauthenticate"), {"code": wrong_code(secret)}
        )
    assert response["Location"] == reverse("account_login")
    assert not is_logged_in(client)


# --- 5. accounts only for the owners of their email ---------------------------


@pytest.fixture
def squatter(client, network):
    """Someone signs up with the address of a guardian the CRM knows, who has
    no login, and never confirms it (they cannot)."""
    person = PersonFactory(
        first_name="Maria", last_name="Verdi", email="maria.verdi@example.org"
    )
    network.family_a.affiliations.create(person=person, role="guardian")
    client.post(
        reverse("account_signup"),
        {
            "email": person.email,
            "password1": "attaccante-password-9",
            "password2": "attaccante-password-9",
        },
    )
    user = User.objects.get(email=person.email)
    assert not EmailAddress.objects.get(user=user).verified
    return user


def test_an_unverified_sign_up_cannot_log_in_anywhere(client, squatter):
    for door in ("/admin/login/", "/_util/login/"):
        client.post(
            door, {"username": squatter.email, "password": "attaccante-password-9"}
        )
        assert not is_logged_in(client)
    client.post(
        reverse("account_login"),
        {"login": squatter.email, "password": "attaccante-password-9"},
    )
    assert not is_logged_in(client)


def test_a_session_of_an_unverified_account_opens_nothing(client, squatter):
    client.force_login(squatter)  # whatever door it came by
    response = client.get(reverse("crm:area_home"))
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)


def test_granting_a_role_to_an_unverified_address_sends_an_invitation(
    client, network, squatter
):
    from tests.conftest import pass_mfa

    admin = pass_mfa(client, network.coordinator)
    response = admin.post(
        reverse("crm_roles:add"),
        {"email": squatter.email, "role": "guardian", "member": network.family_a.pk},
    )

    assert response["Location"] == reverse("crm_invitations:index")
    assert not RoleAssignment.objects.filter(user=squatter).exists()
    assert not members_for_user(squatter).exists()
    assert Person.objects.get(email=squatter.email).user is None
    (invitation,) = Invitation.objects.filter(email=squatter.email)
    assert squatter.email in mail.outbox[-1].to
    with pytest.raises(ValidationError):
        role_assign(user=squatter, role="guardian", member=network.family_a, by=None)

    # The owner of the mailbox accepts: a new account, the squatter's gone.
    admin.logout()
    path = re.search(r"http://testserver(/invito/\S+/)", mail.outbox[-1].body)[1]
    client.post(
        path, {"password1": "la-mia-password-12", "password2": "la-mia-password-12"}
    )
    owner = User.objects.get(email=squatter.email)
    assert owner.pk != squatter.pk
    assert network.family_a in members_for_user(owner)
    assert not User.objects.filter(pk=squatter.pk).exists()


def test_open_sign_up_gives_no_access_to_anyones_data(client, network):
    person = PersonFactory(email="zia.verdi@example.org", first_name="Zia")
    network.family_a.affiliations.create(person=person, role="guardian")
    user = UserFactory(username="zia.verdi@example.org")  # signed up, verified
    client.force_login(user)

    page = client.get(reverse("crm:area_home")).content.decode()

    assert "Aranci" not in page
    assert not members_for_user(user).exists()
    person.refresh_from_db()
    assert person.user is None


def test_wagtails_account_page_changes_no_email(client, coordinator_in):
    coordinator, _secret = coordinator_in
    before = accounts_state()
    page = client.get(reverse("wagtailadmin_account")).content.decode()
    client.post(
        reverse("wagtailadmin_account"),
        {"name_email-email": "altro@evil.example", "name_email-first_name": "A"},
    )
    assert 'name="name_email-email"' not in page
    assert accounts_state() == before


def test_wagtails_user_admin_changes_no_email_role_or_password(client, db):
    from tests.conftest import pass_mfa

    boss = UserFactory(username="capo@example.org", is_superuser=True)
    someone = UserFactory(username="qualcuno@example.org")
    pass_mfa(client, boss)
    before = accounts_state()
    url = reverse("wagtailusers_users:edit", args=[someone.pk])

    page = client.get(url).content.decode()
    client.post(
        url,
        {
            "username": "rubato@evil.example",
            "email": "rubato@evil.example",
            "first_name": "Qual",
            "last_name": "Cuno",
            "is_active": "on",
            "is_superuser": "on",
            "groups": ["1"],
            "password1": "x-password-lunga-1",
            "password2": "x-password-lunga-1",
        },
    )
    someone.refresh_from_db()

    assert 'name="email"' not in page and 'name="groups"' not in page
    assert someone.first_name == "Qual"  # names may change
    assert (someone.email, someone.is_superuser) == ("qualcuno@example.org", False)
    assert not someone.groups.exists()
    assert someone.check_password(PASSWORD)
    assert accounts_state()["emails"] == before["emails"]
    assert client.get(reverse("wagtailusers_users:add"))["Location"] == reverse(
        "crm_invitations:add"
    )


def test_no_code_path_gives_a_login_an_unverified_email(network):
    user = network.guardian_a
    user.email = "non.verificata@example.org"
    with pytest.raises(ValidationError):
        user.save()


# --- 7. smaller holes ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/password_reset/",
        "/admin/password_reset/done/",
        "/admin/password_reset/confirm/MQ/abc-123/",
        "/admin/password_reset/complete/",
    ],
)
def test_wagtails_password_reset_sends_nothing_and_hands_over(client, network, path):
    response = client.post(path, {"email": network.guardian_a.email})
    assert response["Location"] == reverse("account_reset_password")
    assert client.get(path)["Location"] == reverse("account_reset_password")
    assert mail.outbox == []


def test_allauths_password_reset_is_rate_limited(client, network):
    email = network.guardian_a.email
    answers = [
        client.post(reverse("account_reset_password"), {"email": email}).status_code
        for _ in range(7)
    ]
    assert answers[-1] == 429
    assert len(mail.outbox) <= 5


@pytest.mark.parametrize("path", ["/admin/logout/", "/account/logout/"])
def test_a_get_never_logs_out(client, coordinator_in, path):
    response = client.get(path)
    assert response.status_code == 200  # asks
    assert is_logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_the_admins_logout_button_logs_out(client, coordinator_in):
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_a_forged_forwarded_for_changes_nobodys_lockout(client, network):
    user = network.guardian_a
    for n in range(5):
        password_step(client, user, "sbagliata", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    response = password_step(client, user, HTTP_X_FORWARDED_FOR="10.9.9.99")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }


@pytest.fixture
def behind_a_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    return {"REMOTE_ADDR": "10.0.0.2"}


def test_behind_the_proxy_each_visitor_is_counted_apart(
    client, network, behind_a_proxy
):
    from django.test import Client

    user = network.guardian_a
    for _ in range(5):
        password_step(
            client,
            user,
            "sbagliata",
            # What the client wrote, then what the proxy appended.
            HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5",
            **behind_a_proxy,
        )
    neighbour = Client()
    locked = password_step(
        client, user, HTTP_X_FORWARDED_FOR="203.0.113.5", **behind_a_proxy
    )
    allowed = password_step(
        neighbour, user, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_a_proxy
    )

    assert locked.status_code == 429
    assert allowed.status_code == 302 and is_logged_in(neighbour)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "203.0.113.5"
    }


def test_the_login_limits_and_the_lockout_read_the_same_address(rf, behind_a_proxy):
    from allauth.account.adapter import get_adapter
    from axes.helpers import get_client_ip_address

    from cms.ratelimit import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", **behind_a_proxy)
    assert get_adapter().get_client_ip(request) == "203.0.113.9"
    assert get_client_ip_address(request) == "203.0.113.9"
    assert client_address(request) == "203.0.113.9"


@pytest.mark.parametrize(
    "name", ["crm:area_home", "crm:area_my_data", "crm:area_my_data_json"]
)
def test_member_area_pages_are_never_stored_by_caches(client, network, name):
    client.force_login(network.guardian_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_member_role_opens_no_coordinator_field_in_the_admin(client, network):
    from crm.models import Member

    editor = network.cms_editor
    role_assign(user=editor, role="guardian", member=network.family_b, by=None)
    from tests.conftest import log_in as complete_login

    complete_login(client, editor)
    family = network.family_b
    before = Member.objects.filter(pk=family.pk).values().get()

    pages = [
        client.get(reverse(f"crm_member:{view}", args=[family.pk]))
        for view in ("edit", "inspect", "history")
    ]
    client.post(
        reverse("crm_member:edit", args=[family.pk]),
        {"name": family.name, "status": "former", "notes": "mia", "source": "import"},
    )

    assert all(page.status_code in (302, 404) for page in pages)
    assert Member.objects.filter(pk=family.pk).values().get() == before
    assert client.get(reverse("crm:area_member", args=[family.pk])).status_code == 200


def test_an_invitation_page_is_never_stored_by_caches(client, network):
    from crm.permissions import invitation_create

    _invitation, token = invitation_create(
        email="nuova.persona@example.org",
        role=Role.CONTACT,
        member=network.org_x,
        by=network.legal_rep_x,
        first_name="Nuova",
        last_name="Persona",
    )
    response = client.get(reverse("crm:invitation_accept", args=[token]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_superuser_made_on_the_server_confirms_the_email_then_enrols(client, db):
    User.objects.create_superuser("capo", "capo@example.org", "una-password-lunga-42")
    login = {"login": "capo@example.org", "password": "una-password-lunga-42"}

    first = client.post(reverse("account_login"), login)
    assert not is_logged_in(client)
    assert first["Location"] == reverse("account_email_verification_sent")
    link = re.search(
        r"http://testserver(/account/confirm-email/\S+/)", mail.outbox[-1].body
    )[1]
    client.post(link)

    client.post(reverse("account_login"), login)
    assert is_logged_in(client)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))
