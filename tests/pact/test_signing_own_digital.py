"""Signatories sign with their own digital signature in the member area.

As strict as signing online: the emailed code confirms who uploads, the file
must be this adhesion's text to sign, and a certificate naming a codice
fiscale must name the signatory's.
"""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document
from pact.documents.seal import create_seal_certificate, seal_pdf
from pact.documents.verify import embedded_json
from pact.models import Adhesion, AdhesionStatus, SignatureMethod

LAURA_CF = "XRRLRA80A41E715X"


def _signer(tmp_path, name, serial=""):
    key, cert = tmp_path / f"{name}-k.pem", tmp_path / f"{name}-c.pem"
    create_seal_certificate(
        key_path=key, cert_path=cert, common_name=name, serial_number=serial
    )
    return signers.SimpleSigner.load(str(key), str(cert))


@pytest.fixture
def laura(network):
    person = network.legal_rep_x.person
    person.codice_fiscale = LAURA_CF
    person.save()
    return network.legal_rep_x


@pytest.fixture
def laura_card(tmp_path):
    """Laura Xerri's smart card: her codice fiscale in the certificate."""
    return _signer(tmp_path, "Laura Xerri", f"TINIT-{LAURA_CF}")


def _text_to_sign(client, adhesion):
    response = client.get(reverse("pact:adhesion_text_to_sign", args=[adhesion.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _code(client, adhesion, emails):
    with emails():
        client.post(reverse("pact:adhesion_send_code", args=[adhesion.pk]))
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.fixture
def emails(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _upload(client, adhesion, data, code, name="patto-firmato.pdf"):
    return client.post(
        reverse("pact:adhesion_sign_digital", args=[adhesion.pk]),
        {
            "digital-uploaded": SimpleUploadedFile(name, data, "application/pdf"),
            "digital-code": code,
        },
        follow=True,
        REMOTE_ADDR="192.0.2.7",
    )


def _still_awaiting(adhesion):
    return Adhesion.objects.get(pk=adhesion.pk).status == (
        AdhesionStatus.AWAITING_SIGNATURE
    )


def test_the_legal_representative_signs_with_her_smart_card(
    client, laura, adhesion_x, laura_card, emails
):
    client.force_login(laura)
    page = client.get(reverse("pact:adhesion_detail", args=[adhesion_x.pk]))
    assert "Oppure firma con la tua firma digitale" in page.content.decode()

    text = _text_to_sign(client, adhesion_x)
    root = PdfFileReader(io.BytesIO(text)).root
    assert embedded_json(root)["adhesion"] == adhesion_x.reference
    signed = seal_pdf(text, signer=laura_card)
    before = timezone.now()
    response = _upload(client, adhesion_x, signed, _code(client, adhesion_x, emails))

    assert "La tua firma digitale è stata verificata e registrata" in (
        response.content.decode()
    )
    adhesion = Adhesion.objects.get(pk=adhesion_x.pk)
    assert adhesion.status == AdhesionStatus.SIGNED
    assert adhesion.signature_method == SignatureMethod.DIGITAL
    assert adhesion.signatory == laura.person
    assert adhesion.signed_at >= before  # the upload's time, not the card's claim
    assert adhesion.evidence["digital"]["signer_tax_id"] == LAURA_CF
    assert adhesion.evidence["email"] == laura.email
    with adhesion.source_file.open("rb") as handle:
        assert handle.read() == signed


def test_without_the_emailed_code_nothing_is_signed(
    client, laura, adhesion_x, laura_card, emails
):
    client.force_login(laura)
    signed = seal_pdf(_text_to_sign(client, adhesion_x), signer=laura_card)
    response = _upload(client, adhesion_x, signed, "000000")
    assert "Il codice è scaduto o non è mai stato inviato" in response.content.decode()
    code = _code(client, adhesion_x, emails)
    wrong = "111111" if code != "111111" else "222222"
    response = _upload(client, adhesion_x, signed, wrong)
    assert "Codice errato" in response.content.decode()
    assert _still_awaiting(adhesion_x)


def test_a_certificate_of_somebody_else_is_refused(
    client, laura, adhesion_x, tmp_path, emails
):
    client.force_login(laura)
    someone = _signer(tmp_path, "Mario Rossi", "TINIT-RSSMRA80A01E715Z")
    signed = seal_pdf(_text_to_sign(client, adhesion_x), signer=someone)
    response = _upload(client, adhesion_x, signed, _code(client, adhesion_x, emails))
    assert "Il certificato è di un&#x27;altra persona" in response.content.decode()
    assert _still_awaiting(adhesion_x)


def test_a_signed_file_that_is_not_this_text_to_sign_is_refused(
    client, laura, adhesion_x, laura_card, emails
):
    client.force_login(laura)
    # Any other PDF she signed, even one naming this adhesion with another text.
    other = render_adhesion_pdf(
        sample_document(reference=adhesion_x.reference), seal=False
    )
    signed = seal_pdf(other, signer=laura_card)
    response = _upload(client, adhesion_x, signed, _code(client, adhesion_x, emails))
    assert "non è il testo da firmare di questa adesione" in response.content.decode()
    assert _still_awaiting(adhesion_x)


def test_a_file_changed_after_signing_is_refused_with_a_message(
    client, laura, adhesion_x, laura_card, emails
):
    client.force_login(laura)
    signed = bytearray(seal_pdf(_text_to_sign(client, adhesion_x), signer=laura_card))
    signed[len(signed) // 3] ^= 0x01
    response = _upload(
        client, adhesion_x, bytes(signed), _code(client, adhesion_x, emails)
    )
    assert "La firma digitale non è valida" in response.content.decode()
    assert _still_awaiting(adhesion_x)


def test_an_unsigned_file_is_refused_with_a_message(client, laura, adhesion_x, emails):
    client.force_login(laura)
    text = _text_to_sign(client, adhesion_x)
    response = _upload(client, adhesion_x, text, _code(client, adhesion_x, emails))
    assert "il PDF non contiene una firma digitale" in response.content.decode()
    assert not Adhesion.objects.signed().exists()


def test_whoever_does_not_sign_for_the_member_cannot_do_it_this_way(
    client, network, laura, adhesion_x, laura_card
):
    client.force_login(laura)
    signed = seal_pdf(_text_to_sign(client, adhesion_x), signer=laura_card)
    # A contact of the organisation sees the pact but neither gets the text to
    # sign nor can upload a signature.
    client.force_login(network.contact_x)
    url = reverse("pact:adhesion_text_to_sign", args=[adhesion_x.pk])
    assert client.get(url).status_code == 404
    response = _upload(client, adhesion_x, signed, "123456")
    assert "Solo chi firma per questo soggetto" in response.content.decode()
    # Somebody from another family does not even see it.
    client.force_login(network.guardian_b)
    assert client.get(url).status_code == 404
    assert _upload(client, adhesion_x, signed, "123456").status_code == 404
    assert not Adhesion.objects.signed().exists()
