"""Trusted senders: added by certificate (command or back office), shown with
their fingerprint, every change in the history; only coordinators."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from pact.documents.manifest_seal import fingerprint, load_certificate
from pact.documents.seal import create_seal_certificate
from pact.models import TrustedSender
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(tmp_path):
    """A sending network's seal certificate (PEM) and its fingerprint."""
    digest = create_seal_certificate(
        key_path=tmp_path / "sender-key.pem",
        cert_path=tmp_path / "sender-cert.pem",
        common_name="Rete Famiglie Versilia",
    )
    return tmp_path / "sender-cert.pem", digest


def test_the_command_adds_lists_and_removes_a_sender(certificate):
    path, digest = certificate
    out = io.StringIO()
    call_command("trusted_sender", "add", "Rete Versilia", str(path), stdout=out)
    assert "ADDED: Rete Versilia" in out.getvalue()
    sender = TrustedSender.objects.get()
    assert sender.fingerprint == digest
    assert "Rete Famiglie Versilia" in sender.subject
    assert sender.history.get().history_type == "+"

    out = io.StringIO()
    call_command("trusted_sender", "list", stdout=out)
    assert digest in out.getvalue() and "1 trusted senders" in out.getvalue()

    call_command(
        "trusted_sender", "remove", sender.fingerprint_display, stdout=io.StringIO()
    )
    assert not TrustedSender.objects.exists()
    assert [h.history_type for h in TrustedSender.history.order_by("pk")] == [
        "+",
        "-",
    ]


def test_the_command_refuses_what_is_not_a_certificate(tmp_path, certificate):
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with translation.override("en"), pytest.raises(CommandError, match="not an X.509"):
        call_command("trusted_sender", "add", "Nope", str(junk))
    call_command("trusted_sender", "add", "Once", str(certificate[0]))
    with translation.override("en"), pytest.raises(CommandError, match="already"):
        call_command("trusted_sender", "add", "Twice", str(certificate[0]))
    assert TrustedSender.objects.count() == 1


def test_a_der_certificate_gives_the_same_fingerprint(tmp_path, certificate):
    path, digest = certificate
    der = tmp_path / "sender.cer"
    der.write_bytes(load_certificate(path.read_bytes()).dump())
    assert fingerprint(load_certificate(der.read_bytes())) == digest


def test_a_coordinator_adds_a_sender_in_the_back_office(
    coordinator_client, coordinator, certificate
):
    path, digest = certificate
    url = reverse("pact_trusted_senders")
    response = coordinator_client.post(
        url,
        {
            "name": "Rete Versilia",
            "certificate": SimpleUploadedFile("versilia.pem", path.read_bytes()),
        },
    )
    assert response.status_code == 302
    sender = TrustedSender.objects.get()
    assert sender.added_by == coordinator
    assert sender.history.get().history_user == coordinator

    page = coordinator_client.get(url).content.decode()
    assert sender.fingerprint_display in page and "Rete Versilia" in page


def test_a_bad_upload_gets_a_message_and_adds_nothing(coordinator_client):
    response = coordinator_client.post(
        reverse("pact_trusted_senders"),
        {"name": "Rete", "certificate": SimpleUploadedFile("x.pem", b"garbage")},
        HTTP_ACCEPT_LANGUAGE="it",
    )
    assert response.status_code == 200
    assert "certificato X.509" in response.content.decode()
    assert not TrustedSender.objects.exists()


def test_a_coordinator_removes_a_sender(coordinator_client, coordinator, certificate):
    call_command("trusted_sender", "add", "Rete", str(certificate[0]))
    sender = TrustedSender.objects.get()
    response = coordinator_client.post(
        reverse("pact_trusted_sender_remove", args=[sender.pk])
    )
    assert response.status_code == 302 and not TrustedSender.objects.exists()
    assert TrustedSender.history.latest().history_user == coordinator


def test_nobody_else_sees_or_changes_trusted_senders(
    client, network, certificate, liaison
):
    call_command("trusted_sender", "add", "Rete", str(certificate[0]))
    sender = TrustedSender.objects.get()
    for user in (network.guardian_a, network.legal_rep_x, liaison):
        log_in(client, user)
        assert client.get(reverse("pact_trusted_senders")).status_code in (302, 404)
        client.post(
            reverse("pact_trusted_senders"),
            {"name": "X", "certificate": SimpleUploadedFile("x.pem", b"x")},
        )
        client.post(reverse("pact_trusted_sender_remove", args=[sender.pk]))
    assert TrustedSender.objects.get() == sender
