"""Signatories sign with their own digital signature in the member area."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from pact.documents.seal import create_seal_certificate, seal_pdf
from pact.documents.verify import embedded_json
from pact.models import Adhesion, AdhesionStatus, SignatureMethod


@pytest.fixture
def laura_signer(tmp_path):
    """Laura Xerri's personal certificate (smart card), without a codice fiscale."""
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    create_seal_certificate(key_path=key, cert_path=cert, common_name="Laura Xerri")
    return signers.SimpleSigner.load(str(key), str(cert))


def _download_text_to_sign(client, adhesion):
    response = client.get(reverse("pact:adhesion_text_to_sign", args=[adhesion.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _upload(client, adhesion, data, name="patto-firmato.pdf"):
    return client.post(
        reverse("pact:adhesion_sign_digital", args=[adhesion.pk]),
        {"uploaded": SimpleUploadedFile(name, data, "application/pdf")},
        follow=True,
    )


def test_the_legal_representative_signs_with_a_smart_card(
    client, network, adhesion_x, laura_signer
):
    client.force_login(network.legal_rep_x)
    page = client.get(reverse("pact:adhesion_detail", args=[adhesion_x.pk]))
    assert "Oppure firma con la tua firma digitale" in page.content.decode()

    text = _download_text_to_sign(client, adhesion_x)
    root = PdfFileReader(io.BytesIO(text)).root
    assert embedded_json(root)["adhesion"] == adhesion_x.reference
    signed = seal_pdf(text, signer=laura_signer)
    response = _upload(client, adhesion_x, signed)

    assert "La tua firma digitale è stata verificata e registrata" in (
        response.content.decode()
    )
    adhesion = Adhesion.objects.get(pk=adhesion_x.pk)
    assert adhesion.status == AdhesionStatus.SIGNED
    assert adhesion.signature_method == SignatureMethod.DIGITAL
    assert adhesion.signatory == network.legal_rep_x.person
    assert "Laura Xerri" in adhesion.evidence["digital"]["signer"]
    with adhesion.source_file.open("rb") as handle:
        assert handle.read() == signed


def test_a_file_changed_after_signing_is_refused_with_a_message(
    client, network, adhesion_x, laura_signer
):
    client.force_login(network.legal_rep_x)
    signed = bytearray(
        seal_pdf(_download_text_to_sign(client, adhesion_x), signer=laura_signer)
    )
    signed[len(signed) // 3] ^= 0x01
    response = _upload(client, adhesion_x, bytes(signed))
    assert "La firma digitale non è valida" in response.content.decode()
    assert Adhesion.objects.get(pk=adhesion_x.pk).status == (
        AdhesionStatus.AWAITING_SIGNATURE
    )


def test_an_unsigned_file_is_refused_with_a_message(client, network, adhesion_x):
    client.force_login(network.legal_rep_x)
    text = _download_text_to_sign(client, adhesion_x)
    response = _upload(client, adhesion_x, text)
    assert "il PDF non contiene una firma digitale" in response.content.decode()
    assert not Adhesion.objects.signed().exists()


def test_whoever_does_not_sign_for_the_member_cannot_do_it_this_way(
    client, network, adhesion_x, laura_signer
):
    client.force_login(network.legal_rep_x)
    signed = seal_pdf(_download_text_to_sign(client, adhesion_x), signer=laura_signer)
    # A contact of the organisation sees the pact but neither gets the text to
    # sign nor can upload a signature.
    client.force_login(network.contact_x)
    url = reverse("pact:adhesion_text_to_sign", args=[adhesion_x.pk])
    assert client.get(url).status_code == 404
    response = _upload(client, adhesion_x, signed)
    assert "Solo chi firma per questo soggetto" in response.content.decode()
    # Somebody from another family does not even see it.
    client.force_login(network.guardian_b)
    assert client.get(url).status_code == 404
    assert _upload(client, adhesion_x, signed).status_code == 404
    assert not Adhesion.objects.signed().exists()
