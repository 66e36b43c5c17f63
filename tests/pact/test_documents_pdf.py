"""The signed pact PDF: archival, self-describing, verifiable by QR code."""

import io

import pypdfium2
import pytest
import zxingcpp
from pyhanko.pdf_utils.reader import PdfFileReader

from pact.documents.context import (
    Branding,
    Party,
    new_short_code,
    normalise_short_code,
)
from pact.documents.pdf import LocalOnlyFetcher, font_dir, render_adhesion_pdf
from pact.documents.samples import sample_document
from pact.documents.verify import embedded_json, inspect_pdf, pdfa_identification

# A 1×1 transparent PNG: enough to prove a logo is embedded, not fetched.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def document():
    return sample_document(branding=Branding(footer_text="Piè di pagina", logo=PNG))


@pytest.fixture(scope="module")
def pdf(document):
    return render_adhesion_pdf(document, seal=False)


def _root(data):
    return PdfFileReader(io.BytesIO(data), strict=False).root


def _page_texts(data):
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def _decode_qr_codes(data, page_index):
    pdf = pypdfium2.PdfDocument(data)
    try:
        image = pdf[page_index].render(scale=3).to_pil().convert("L")
    finally:
        pdf.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_pdf_declares_itself_pdf_a_3b_in_its_xmp_metadata(pdf):
    assert pdfa_identification(_root(pdf)) == "3B"


def test_the_embedded_json_reads_back_equal_to_the_adhesion_data(pdf, document):
    assert embedded_json(_root(pdf)) == document.data()


def test_the_embedded_json_is_attached_as_data_of_the_document(pdf):
    root = _root(pdf)
    relationships = {str(spec.get_object()["/AFRelationship"]) for spec in root["/AF"]}
    assert relationships == {"/Data"}


def test_the_qr_code_decodes_back_to_the_exact_verification_url(pdf, document):
    last_page = len(_page_texts(pdf)) - 1
    assert _decode_qr_codes(pdf, last_page) == [document.verification_url]


def test_every_page_is_numbered_out_of_the_total(pdf):
    texts = _page_texts(pdf)
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {len(texts)}" in text


def test_the_document_shows_text_member_role_commitments_and_short_code(pdf, document):
    text = " ".join(_page_texts(pdf)).replace("\r\n", " ").replace("\n", " ")
    for expected in (
        document.pact.title.split()[0],
        document.pact.articles[-1].title,
        document.member.name,
        document.network_role.name,
        document.signatory.name,
        document.short_code,
        document.pact.text_sha256,
        "Piè di pagina",
    ):
        assert expected in text


def test_the_signature_certificate_records_method_times_and_evidence(pdf, document):
    certificate = _page_texts(pdf)[-1]
    assert document.evidence.ip_address in certificate
    assert document.evidence.email in certificate
    assert "12/11/2020 10:31:07" in certificate
    assert document.evidence.shown_sha256 in certificate


def test_fonts_are_the_bundled_titillium_web_embedded_in_the_file(pdf):
    assert font_dir() is not None
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    fonts = reader.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    names = {str(fonts[key]["/BaseFont"]) for key in fonts}
    assert any("Titillium-Web" in name for name in names)


def test_a_family_is_named_in_its_own_document_but_anonymous_in_public():
    family = Party(reference="m-1", name="Famiglia Rossi", kind="family")
    organisation = Party(reference="m-2", name="Coop Il Girasole", kind="business")
    assert family.public_name != "Famiglia Rossi"
    assert organisation.public_name == "Coop Il Girasole"
    pdf = render_adhesion_pdf(sample_document(member=family), seal=False)
    assert "Famiglia Rossi" in " ".join(_page_texts(pdf))


def test_rendering_refuses_to_fetch_anything_but_local_fonts_and_data_urls(tmp_path):
    fetcher = LocalOnlyFetcher(allowed_dirs=[tmp_path / "fonts"])
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "https://example.org/logo.png",
        "file:///etc/passwd",
        f"file://{tmp_path}/fonts/../secret",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_remote_image_in_the_pact_text_does_not_stop_the_document():
    document = sample_document()
    pact = document.pact.__class__(
        **{
            **document.pact.__dict__,
            "preamble_html": '<p><img src="http://192.0.2.1/x.png">Testo</p>',
        }
    )
    pdf = render_adhesion_pdf(sample_document(pact=pact), seal=False)
    assert inspect_pdf(pdf).pdfa == "3B"


def test_a_logo_is_refused_unless_it_is_an_image():
    with pytest.raises(ValueError):
        Branding(logo=b"<html>", logo_media_type="text/html")


def test_short_codes_survive_being_typed_by_a_person():
    code = new_short_code()
    assert code.startswith("LIF-") and len(code) == 13
    assert normalise_short_code(code.lower().replace("-", " ")) == code
    assert normalise_short_code("lif 7k3q 9pxm") == "LIF-7K3Q-9PXM"
    assert normalise_short_code("LIF-7K3Q-9PXO") == "LIF-7K3Q-9PX0"
    assert normalise_short_code("not a verification code") is None
    assert normalise_short_code("LIF-7K3Q") is None
    assert normalise_short_code("") is None
