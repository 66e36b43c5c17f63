"""The network's seal: PAdES with pyHanko, without breaking PDF/A."""

import io
import re
import stat

import pytest
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils.reader import PdfFileReader

from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document
from pact.documents.seal import (
    SealNotConfigured,
    seal_configured,
    seal_paths,
    validate_seal,
)
from pact.documents.verify import inspect_pdf


@pytest.fixture
def configured_seal(settings, tmp_path):
    settings.PACT_SEAL_KEY = tmp_path / "seal" / "key.pem"
    settings.PACT_SEAL_CERT = tmp_path / "seal" / "cert.pem"
    call_command("create_seal_certificate", stdout=io.StringIO())
    return seal_paths()


@pytest.fixture
def sealed_pdf(configured_seal):
    return render_adhesion_pdf(sample_document())


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_create_seal_certificate_writes_a_private_key_and_a_certificate(
    configured_seal,
):
    assert configured_seal.key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY")
    assert configured_seal.cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    assert stat.S_IMODE(configured_seal.key.stat().st_mode) == 0o600


def test_create_seal_certificate_refuses_to_replace_a_seal_without_force(
    configured_seal,
):
    before = configured_seal.key.read_bytes()
    with pytest.raises(CommandError, match="--force"):
        call_command("create_seal_certificate", stdout=io.StringIO())
    assert configured_seal.key.read_bytes() == before
    call_command("create_seal_certificate", "--force", stdout=io.StringIO())
    assert configured_seal.key.read_bytes() != before


def test_the_default_seal_lives_beside_the_media_folder(settings):
    paths = seal_paths()
    assert paths.key.parent == settings.MEDIA_ROOT.parent / "seal"
    assert not seal_configured()


def test_a_sealed_document_validates_intact_valid_and_trusted(sealed_pdf):
    status = validate_seal(sealed_pdf)
    assert status.present and status.intact and status.valid and status.trusted
    assert status.whole_file and status.ok
    assert "Rete Lucca In famiglia" in status.signer


def test_sealing_keeps_the_pdf_a_3b_identification_and_the_embedded_data(
    sealed_pdf,
):
    report = inspect_pdf(sealed_pdf)
    assert report.pdfa == "3B"
    assert report.data == sample_document().data()
    assert report.problems == ()


def test_sealing_leaves_no_producer_that_disagrees_with_the_xmp(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf), strict=False)
    xmp = reader.root["/Metadata"].get_object().data.decode()
    xmp_producer = re.search(r'pdf:Producer="([^"]*)"', xmp)
    info = reader.trailer_view.get("/Info")
    info_producer = info.get_object().get("/Producer") if info else None
    assert info_producer is None or (
        xmp_producer and str(info_producer) == xmp_producer[1]
    )


def test_a_flipped_byte_in_the_content_makes_the_seal_not_intact(sealed_pdf):
    status = validate_seal(_flip(sealed_pdf, 2000))
    assert not status.ok
    assert not status.intact or status.problem


def test_a_flipped_byte_in_the_signature_makes_the_seal_not_valid(sealed_pdf):
    contents = sealed_pdf.index(b"/Contents <") + len(b"/Contents <") + 200
    tampered = sealed_pdf[:contents] + b"f" + sealed_pdf[contents + 1 :]
    if tampered == sealed_pdf:
        tampered = sealed_pdf[:contents] + b"e" + sealed_pdf[contents + 1 :]
    assert not validate_seal(tampered).ok


def test_bytes_appended_after_the_seal_are_noticed(sealed_pdf):
    status = validate_seal(sealed_pdf + b"\n% appended\n")
    assert not status.whole_file and not status.ok


def test_without_a_configured_seal_documents_are_left_unsealed():
    pdf = render_adhesion_pdf(sample_document())
    assert not validate_seal(pdf).present
    with pytest.raises(SealNotConfigured):
        render_adhesion_pdf(sample_document(), seal=True)


def test_a_seal_from_another_certificate_is_intact_but_not_trusted(
    sealed_pdf, settings, tmp_path
):
    settings.PACT_SEAL_CERT = tmp_path / "other" / "cert.pem"
    settings.PACT_SEAL_KEY = tmp_path / "other" / "key.pem"
    call_command("create_seal_certificate", stdout=io.StringIO())
    status = validate_seal(sealed_pdf)
    assert status.intact and status.valid and status.whole_file
    assert not status.trusted and not status.ok
    assert "certificat" in status.problem
