"""Every verdict is unmistakable (one include: framed callout, icon, title);
the member area keeps its navigation on every page and one chevron per select."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _verdicts(html) -> list[str]:
    return re.findall(
        r'<div class="callout verdict[^"]*".*?</div>\s*</div>', html, re.S
    )


def _framed(verdict: str, tone: str, icon: str) -> bool:
    return (
        f"callout verdict {tone}" in verdict
        and 'class="callout-inner"' in verdict
        and f"#{icon}" in verdict
        and 'class="callout-title"' in verdict
    )


def test_an_unknown_code_is_a_framed_verdict(client):
    response = client.get(reverse("pact:verify_code", args=["LIF-AAAA-BBBB"]))
    assert response.status_code == 404
    (verdict,) = _verdicts(response.content.decode())
    assert _framed(verdict, "danger", "it-close-circle")
    assert 'role="status"' in verdict and "Non trovato" in verdict


def test_no_callout_on_the_site_lacks_its_inner_frame():
    from pathlib import Path

    from django.conf import settings

    bare = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for match in re.finditer(
            r'class="callout[ "][^>]*>(.{0,40})', path.read_text(), re.S
        ):
            if "callout-inner" not in match.group(1):
                bare.append(f"{path.name}: {match.group(0)[:60]}")
    assert not bare, bare


def test_the_tone_names_the_verdict_for_screen_readers_too():
    html = Template(
        '{% load verdicts %}{% verdict "warning" "Ritirata" %}<p>x</p>{% endverdict %}'
    ).render(Context({}))
    assert _framed(html, "warning", "it-warning-circle")
    assert '<span class="visually-hidden">Attenzione: </span>Ritirata' in html


def test_login_and_security_keeps_the_member_area_navigation(client, network):
    client.force_login(network.guardian_a)
    for name in ("account_email", "account_change_password", "mfa_index"):
        # Changing the password first asks for the password again (a fresh
        # re-authentication): that page keeps the navigation too.
        html = client.get(reverse(name), follow=True).content.decode()
        assert 'id="area-nav-links"' in html, name
        assert reverse("crm:area_consents") in html


def test_the_member_area_menu_folds_behind_one_button_on_a_phone(client, network):
    client.force_login(network.guardian_a)
    html = client.get(reverse("crm:area_home")).content.decode()
    nav = html[html.index('class="col-lg-3 mb-4 area-nav"') :]
    button = nav[: nav.index("</button>")]
    assert 'data-bs-toggle="collapse"' in button and "d-lg-none" in button
    assert 'class="link-list-wrapper collapse d-lg-block" id="area-nav-links"' in nav


def test_member_area_selects_have_one_chevron(client, network):
    client.force_login(network.guardian_a)
    html = client.get(
        reverse("crm:area_member_edit", args=[network.family_a.pk])
    ).content.decode()
    selects = re.findall(r"<select[^>]*>", html)
    assert selects and not [s for s in selects if "form-select" in s]
