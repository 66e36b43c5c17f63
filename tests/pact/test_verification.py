"""The signed PDF checked as archivists and visitors would: PDF/A-3b, embedded
data, seal, QR code; the verification page, `verify_pact` and the chain."""

import io
import shutil

import pypdfium2
import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from pact import services
from pact.documents.chain import GENESIS
from pact.documents.seal import validate_seal
from pact.documents.verify import embedded_json, pdfa_identification, sha256_hex
from pact.models import Adhesion
from tests.pact.adhesion_fixtures import read_document, signed_in_person, upload


@pytest.fixture
def sealed_x(seal, network, open_version):
    return signed_in_person(
        open_version, network.org_x, network.coordinator, network.legal_rep_x
    )


@pytest.fixture
def sealed_pdf(sealed_x):
    return read_document(sealed_x)


def _root(pdf):
    return PdfFileReader(io.BytesIO(pdf), strict=False).root


def _flip(pdf: bytes, where: float = 0.4) -> bytes:
    data = bytearray(pdf)
    data[int(len(data) * where)] ^= 0x01
    return bytes(data)


# --- the PDF -----------------------------------------------------------------


def test_the_signed_pdf_is_pdf_a_3b_in_its_xmp(sealed_pdf):
    assert pdfa_identification(_root(sealed_pdf)) == "3B"


def test_the_embedded_json_reads_back_the_adhesion(sealed_x, sealed_pdf):
    data = embedded_json(_root(sealed_pdf))
    assert data["adhesion"] == sealed_x.reference
    assert data["short_code"] == sealed_x.short_code
    assert data["member"]["name"] == "Associazione Xilofono"
    assert data["network_role"]["code"] == "nodo"
    assert data["pact"]["text_sha256"] == sealed_x.version.text_sha256
    assert data["signatory"]["name"] == "Laura Xerri"
    assert data["previous_sha256"] == GENESIS


def test_the_seal_is_valid_and_covers_the_whole_file(sealed_pdf, seal):
    status = validate_seal(sealed_pdf)
    assert status.ok and status.trusted
    assert "Rete Lucca In famiglia" in status.signer


def test_the_qr_code_decodes_to_the_verification_page_of_the_adhesion(
    sealed_x, sealed_pdf
):
    pdf = pypdfium2.PdfDocument(sealed_pdf)
    try:
        found = []
        for page in pdf:
            image = page.render(scale=3).to_pil().convert("L")
            found += [code.text for code in zxingcpp.read_barcodes(image)]
    finally:
        pdf.close()
    expected = "http://testserver" + reverse(
        "pact:verify_code", args=[sealed_x.short_code]
    )
    assert expected in found


def test_the_pdf_is_stored_once_and_its_hash_recorded(sealed_x, sealed_pdf):
    assert sealed_x.document_sha256 == sha256_hex(sealed_pdf)
    Adhesion.objects.get(pk=sealed_x.pk)  # re-reading does not re-render
    assert read_document(sealed_x) == sealed_pdf


def test_each_signature_records_the_hash_of_the_previous_one(network, open_version):
    first = signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )
    second = signed_in_person(
        open_version, network.family_b, network.coordinator, network.guardian_b
    )
    assert first.previous_sha256 == GENESIS
    assert second.previous_sha256 == first.document_sha256
    assert (first.chain_position, second.chain_position) == (1, 2)
    data = embedded_json(_root(read_document(second)))
    assert data["previous_sha256"] == first.document_sha256


# --- the verification page ---------------------------------------------------


def test_the_verification_page_answers_genuine_for_an_uploaded_signed_pdf(
    client, sealed_x, sealed_pdf
):
    response = client.post(reverse("pact:verify"), {"file": upload(sealed_pdf)})
    page = response.content.decode()
    assert "Autentico" in page or "Genuine" in page
    assert "Associazione Xilofono" in page
    assert sealed_x.version.pact.title in page


def test_one_changed_byte_makes_an_uploaded_pdf_not_genuine(client, sealed_pdf):
    response = client.post(reverse("pact:verify"), {"file": upload(_flip(sealed_pdf))})
    page = response.content.decode()
    assert "Non autentico" in page or "Not genuine" in page
    assert "Associazione Xilofono" not in page


def test_an_unknown_pdf_is_not_genuine(client, db):
    from pact.documents.pdf import render_adhesion_pdf
    from pact.documents.samples import sample_document

    pdf = render_adhesion_pdf(sample_document(), seal=False)
    page = client.post(reverse("pact:verify"), {"file": upload(pdf)}).content.decode()
    assert "Non autentico" in page or "Not genuine" in page


def test_a_file_that_is_not_a_pdf_gets_a_clear_answer(client, db):
    response = client.post(
        reverse("pact:verify"), {"file": upload(b"hello", "note.txt")}
    )
    assert response.status_code == 200
    assert "PDF" in response.content.decode()


def test_the_short_code_page_shows_pact_member_and_signature(client, sealed_x):
    response = client.get(reverse("pact:verify_code", args=[sealed_x.short_code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Associazione Xilofono" in page
    assert sealed_x.document_sha256 in page


def test_a_family_is_never_named_on_the_verification_page(
    client, network, open_version
):
    family = signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )
    page = client.get(
        reverse("pact:verify_code", args=[family.short_code])
    ).content.decode()
    assert "Aranci" not in page
    assert "famiglia aderente" in page.lower() or "adhering family" in page.lower()


def test_a_code_typed_loosely_is_understood(client, sealed_x):
    loose = sealed_x.short_code.lower().replace("-", " ")
    response = client.get(reverse("pact:verify"), {"code": loose})
    assert response.status_code == 302
    assert response.url == reverse("pact:verify_code", args=[sealed_x.short_code])


def test_an_unknown_code_is_not_found(client, db):
    response = client.get(reverse("pact:verify_code", args=["LIF-0000-0000"]))
    assert response.status_code == 404
    assert "LIF-0000-0000" in response.content.decode()


def test_the_verification_page_says_when_an_adhesion_was_withdrawn(
    client, network, sealed_x
):
    services.adhesion_withdraw(
        adhesion=sealed_x, by=network.coordinator, reason="Sospesa."
    )
    page = client.get(
        reverse("pact:verify_code", args=[sealed_x.short_code])
    ).content.decode()
    assert "ritirata" in page or "withdrawn" in page


# --- commands ----------------------------------------------------------------


def test_verify_pact_exits_0_for_the_signed_pdf_and_1_for_a_changed_byte(
    tmp_path, sealed_pdf, capsys
):
    genuine = tmp_path / "patto.pdf"
    genuine.write_bytes(sealed_pdf)
    call_command("verify_pact", str(genuine))
    assert "GENUINE" in capsys.readouterr().out
    tampered = tmp_path / "patto-modificato.pdf"
    tampered.write_bytes(_flip(sealed_pdf))
    with pytest.raises(CommandError) as error:
        call_command("verify_pact", str(tampered))
    assert error.value.returncode == 1
    assert "NOT GENUINE" in str(error.value)


def _chain(network, open_version):
    return [
        signed_in_person(open_version, member, network.coordinator, user)
        for member, user in (
            (network.family_a, network.guardian_a),
            (network.family_b, network.guardian_b),
            (network.org_x, network.legal_rep_x),
        )
    ]


def _check_chain():
    """The command's exit status, and what it said."""
    try:
        call_command("check_signature_chain")
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


def test_check_signature_chain_passes_on_an_intact_register(
    network, open_version, capsys
):
    _chain(network, open_version)
    assert _check_chain() == (0, "")
    assert "INTACT: 3" in capsys.readouterr().out


def test_check_signature_chain_finds_a_link_changed_in_the_database(
    network, open_version
):
    from django.db import connection

    adhesions = _chain(network, open_version)
    # Below the guards, as someone with database access would.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pact_adhesion SET previous_sha256 = %s WHERE id = %s",
            ["f" * 64, adhesions[2].pk],
        )
    status, message = _check_chain()
    assert status == 1
    assert "link 3" in message and adhesions[2].short_code in message


def test_check_signature_chain_finds_a_stored_pdf_that_was_replaced(
    network, open_version
):
    adhesions = _chain(network, open_version)
    path = adhesions[1].document.path
    shutil.copyfile(adhesions[0].document.path, path)
    status, message = _check_chain()
    assert status == 1
    assert "link 2" in message and "does not match" in message


# --- an uploaded file checked against a code ----------------------------------


def _check_on(client, code, data):
    return client.post(
        reverse("pact:verify_code", args=[code]), {"file": upload(data)}
    ).content.decode()


def test_a_pdf_uploaded_on_its_own_code_page_is_named_as_that_document(
    client, sealed_x, sealed_pdf
):
    page = _check_on(client, sealed_x.short_code, sealed_pdf)
    assert "è questo documento" in page or "it is this document" in page
    assert "Associazione Xilofono" in page
    assert "PAdES B-B" in page  # no TSA configured in tests: the page says so


def test_a_genuine_pdf_of_another_code_is_reported_without_naming_its_owner(
    client, network, open_version, sealed_x
):
    family = signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )
    page = _check_on(client, sealed_x.short_code, read_document(family))
    assert "registrato con un altro codice" in page or "another code" in page
    assert "Aranci" not in page
    assert family.short_code not in page
    assert family.document_sha256 not in page
    assert "Autentico: è questo documento" not in page


def test_a_changed_pdf_uploaded_on_its_code_page_is_not_genuine(
    client, sealed_x, sealed_pdf
):
    page = _check_on(client, sealed_x.short_code, _flip(sealed_pdf))
    assert "Non autentico" in page or "Not genuine" in page


def test_a_pdf_sealed_by_a_look_alike_certificate_is_refused_in_plain_words(
    client, sealed_x, tmp_path
):
    from pyhanko.sign.signers import SimpleSigner

    from pact.documents.pdf import render_adhesion_pdf
    from pact.documents.samples import sample_document
    from pact.documents.seal import create_seal_certificate, seal_pdf

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    create_seal_certificate(
        key_path=key, cert_path=cert, common_name="Rete Lucca In famiglia"
    )
    forged = seal_pdf(
        render_adhesion_pdf(sample_document(), seal=False),
        signer=SimpleSigner.load(str(key), str(cert)),
    )
    page = client.post(reverse("pact:verify"), {"file": upload(forged)})
    text = page.content.decode()
    assert "Non autentico" in text
    assert "certificato di cui la rete non si fida" in text


def test_uploads_are_rate_limited_per_address(client, settings, sealed_x, sealed_pdf):
    settings.PACT_VERIFY_UPLOAD_RATE_LIMIT = (2, 3600)
    for _ in range(2):
        assert "Autentico" in _check_on(client, sealed_x.short_code, sealed_pdf)
    page = _check_on(client, sealed_x.short_code, sealed_pdf)
    assert "Troppi file" in page
    assert "Autentico: è questo documento" not in page
