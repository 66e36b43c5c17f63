"""The member area's dashboard says when a pact waits for the person's signature."""

from django.urls import reverse


def test_the_dashboard_and_the_menu_flag_a_pact_awaiting_signature(
    client, network, adhesion_x
):
    client.force_login(network.legal_rep_x)
    html = client.get(reverse("crm:area_home")).content.decode()
    assert "Un patto attende la tua firma" in html
    assert reverse("pact:adhesion_detail", args=[adhesion_x.pk]) in html
    assert network.org_x.name in html
    # The menu entry "I miei patti" carries the count on every page of the area.
    profile = client.get(reverse("crm:area_profile")).content.decode()
    assert "attesa della tua firma" in profile


def test_nothing_is_flagged_to_whoever_may_not_sign(client, network, adhesion_x):
    # A contact of the organisation sees its pacts but does not sign them.
    client.force_login(network.contact_x)
    html = client.get(reverse("crm:area_home")).content.decode()
    assert "attende la tua firma" not in html
    client.force_login(network.guardian_b)
    assert (
        "attende la tua firma"
        not in client.get(reverse("crm:area_home")).content.decode()
    )


def test_nothing_is_flagged_once_signed(client, network, signed_x):
    client.force_login(network.legal_rep_x)
    html = client.get(reverse("crm:area_home")).content.decode()
    assert "attende la tua firma" not in html
    assert "attesa della tua firma" not in html


def test_the_bulk_check_agrees_with_may_sign_for_every_persona(network):
    from crm.models import Member
    from pact.services import may_sign
    from pact.services.adhesions import members_signable_by

    members = list(Member.objects.all())
    for name in ("guardian_a", "guardian_b", "legal_rep_x", "contact_x", "contact_y"):
        user = getattr(network, name)
        expected = {m.pk for m in members if may_sign(user, m)}
        assert members_signable_by(user, members) == expected, name
    assert members_signable_by(network.legal_rep_x, members) == {network.org_x.pk}
