"""The signing page: the code field in view after asking for it, one
fingerprint explained once, refusals next to their field, a clear
confirmation, and forms that show they are working."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from pact import signed_documents
from pact.models import AdhesionStatus, SignatureChallenge

pytestmark = pytest.mark.django_db


def _detail(adhesion):
    return reverse("pact:adhesion_detail", args=[adhesion.pk])


def _code():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.fixture
def signer(client, network):
    client.force_login(network.legal_rep_x)
    return client


@pytest.fixture
def code_sent(signer, adhesion_x, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signer.post(reverse("pact:adhesion_send_code", args=[adhesion_x.pk]))
    return response


def test_asking_for_the_code_opens_the_page_at_the_code_field(
    signer, adhesion_x, code_sent
):
    assert code_sent.status_code == 302
    assert code_sent["Location"] == _detail(adhesion_x) + "#firma-codice"
    html = signer.get(_detail(adhesion_x)).content.decode()
    form = html[html.index('id="firma-codice"') :]
    assert re.search(r'<input[^>]*name="code"[^>]*autofocus', form)
    # The long text is folded once the code is on its way.
    assert '<details class="mb-4" id="testo">' in html


def test_one_fingerprint_explained_in_one_sentence(signer, adhesion_x):
    html = signer.get(_detail(adhesion_x)).content.decode()

    shown = signed_documents.shown_sha256(adhesion_x)
    assert html.count(shown) == 1
    assert adhesion_x.version.text_sha256 not in html
    assert html.count("SHA-256") == 1


def test_a_wrong_code_is_refused_next_to_the_field(signer, adhesion_x, code_sent):
    wrong = "000000" if _code() != "000000" else "111111"
    response = signer.post(
        reverse("pact:adhesion_sign", args=[adhesion_x.pk]),
        {"code": wrong, "confirm": "on"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    form = html[html.index('id="firma-codice"') :]
    assert "Codice errato" in form
    assert SignatureChallenge.objects.get().attempts == 1
    adhesion_x.refresh_from_db()
    assert adhesion_x.status == AdhesionStatus.AWAITING_SIGNATURE


def test_forgetting_to_confirm_is_said_at_the_checkbox(signer, adhesion_x, code_sent):
    response = signer.post(
        reverse("pact:adhesion_sign", args=[adhesion_x.pk]), {"code": _code()}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_confirm_error"' in html
    adhesion_x.refresh_from_db()
    assert adhesion_x.status == AdhesionStatus.AWAITING_SIGNATURE


def test_signing_ends_on_a_clear_confirmation(signer, adhesion_x, code_sent):
    response = signer.post(
        reverse("pact:adhesion_sign", args=[adhesion_x.pk]),
        {"code": _code(), "confirm": "on"},
    )
    assert response["Location"] == _detail(adhesion_x) + "#esito"
    html = signer.get(_detail(adhesion_x)).content.decode()
    verdict = html[html.index('class="callout verdict success"') :]
    assert 'class="callout-inner"' in verdict[:200]
    assert "Patto firmato" in verdict
    assert reverse("pact:adhesion_pdf", args=[adhesion_x.pk]) in verdict


def test_the_signing_forms_show_that_they_are_working(signer, adhesion_x, code_sent):
    html = signer.get(_detail(adhesion_x)).content.decode()
    forms = re.findall(r"<form[^>]*>", html)
    signing = [f for f in forms if "/firma" in f or "/codice/" in f]
    assert len(signing) == 3
    assert all("data-busy=" in f for f in signing)
    assert "js/site.js" in html
