"""The seal on real PDFs: trusted roots only, PAdES B-T/B-LT, PDF/A-3b kept.

A local CA and TSA (``tests/pact/pki.py``, certomancer) stand in for the trust
service provider: the code under test fetches its time-stamp and CRL over
HTTP from 127.0.0.1, never from the network.

PDF/A: veraPDF cannot be installed here. The checks below are the PDF/A-3b
rules that sealing can break (ISO 19005-3 §6.1.2 header and version, §6.6.2
Info/XMP agreement, §6.8 associated files listed once, identification kept),
read back with pyHanko's parser, and the file is opened and rendered by a
second, independent PDF engine (PDFium, through pypdfium2). WeasyPrint's own
PDF/A-3b output, before sealing, is what these rules start from.
"""

import io
import logging
import re

import pypdfium2
import pytest
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import SimpleSigner

from pact.documents import seal as seal_module
from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document
from pact.documents.seal import (
    create_seal_certificate,
    seal_pdf,
    trust_roots,
    validate_seal,
)
from pact.documents.verify import RegistryRecord, sha256_hex, verify_document

from .pki import LocalPki

KNOWN: dict[str, RegistryRecord] = {}


def registry(sha256):
    return KNOWN.get(sha256)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return LocalPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def unsealed():
    return render_adhesion_pdf(sample_document(), seal=False)


@pytest.fixture
def production_seal(settings, pki, tmp_path):
    """The settings production uses: a PKCS#12 seal and a TSA."""
    settings.PACT_SEAL_PKCS12 = pki.seal_pkcs12(b"segreto")
    settings.PACT_SEAL_PKCS12_PASSPHRASE = "segreto"
    settings.PACT_TSA_URL = pki.tsa_url
    settings.PACT_TSA_ROOTS = [pki.pem_file("root")]
    settings.PACT_DOCUMENT_REGISTRY = f"{__name__}.registry"
    KNOWN.clear()
    yield settings
    KNOWN.clear()


def _register(pdf: bytes) -> None:
    KNOWN[sha256_hex(pdf)] = RegistryRecord(sha256_hex(pdf), "ad-000042")


def _attacker_signer(folder):
    """A self-signed certificate with the network's very subject."""
    key, cert = folder / "evil-key.pem", folder / "evil-cert.pem"
    create_seal_certificate(
        key_path=key,
        cert_path=cert,
        common_name="Rete Lucca In famiglia",
        organisation="Comune di Lucca",
    )
    return SimpleSigner.load(str(key), str(cert))


# --- trust -----------------------------------------------------------------


def test_a_seal_by_a_look_alike_certificate_is_refused_even_if_registered(
    production_seal, unsealed, tmp_path
):
    forged = seal_pdf(unsealed, signer=_attacker_signer(tmp_path), timestamper=None)
    _register(forged)  # as a receiver fooled by a forged bundle would have
    status = validate_seal(forged)
    assert status.intact and status.valid and not status.trusted
    verdict = verify_document(forged)
    assert not verdict.genuine
    assert "non si fida" in verdict.reason or "not trust" in verdict.reason


def test_verify_pact_says_untrusted_and_exits_1(production_seal, unsealed, tmp_path):
    forged = seal_pdf(unsealed, signer=_attacker_signer(tmp_path), timestamper=None)
    _register(forged)
    path = tmp_path / "falso.pdf"
    path.write_bytes(forged)
    out = io.StringIO()
    with pytest.raises(CommandError, match="NOT GENUINE") as caught:
        call_command("verify_pact", str(path), stdout=out)
    assert caught.value.returncode == 1
    assert "UNTRUSTED certificate" in out.getvalue()


def test_trust_roots_are_the_own_seal_and_the_listed_certificates(production_seal, pki):
    production_seal.PACT_TRUST_ROOTS = [pki.pem_file("tsa")]
    subjects = [c.subject.human_friendly for c in trust_roots()]
    assert subjects == [pki.cert("seal").subject.human_friendly] + [
        pki.cert("tsa").subject.human_friendly
    ]


def test_roots_passed_by_the_caller_replace_the_instance_roots(
    production_seal, pki, unsealed
):
    sealed = seal_pdf(unsealed)
    assert validate_seal(sealed).trusted
    assert not validate_seal(sealed, roots=[pki.cert("tsa")]).trusted
    assert validate_seal(sealed, roots=[pki.cert("root")]).trusted


# --- long-term signatures --------------------------------------------------


def test_a_seal_with_a_tsa_is_time_stamped_and_carries_its_validation_data(
    production_seal, pki, unsealed
):
    sealed = render_adhesion_pdf(sample_document())
    status = validate_seal(sealed)
    assert status.ok
    assert status.level == "B-LT"
    assert status.timestamp is not None and status.timestamp_trusted
    assert "TSA di prova" in status.timestamp_authority
    dss = PdfFileReader(io.BytesIO(sealed)).root["/DSS"]
    assert len(dss["/Certs"]) >= 2 and len(dss["/CRLs"]) >= 1


def test_the_report_names_the_level(production_seal, tmp_path):
    sealed = render_adhesion_pdf(sample_document())
    _register(sealed)
    path = tmp_path / "patto.pdf"
    path.write_bytes(sealed)
    out = io.StringIO()
    call_command("verify_pact", str(path), stdout=out)
    assert "Level:   B-LT (time-stamp " in out.getvalue()
    assert "GENUINE" in out.getvalue()


def test_without_validation_data_the_seal_is_b_t(production_seal, pki, unsealed):
    # What seal_pdf falls back to when the chain cannot be validated at signing.
    sealed = seal_module._sign(
        unsealed, pki.seal_signer, seal_module.configured_timestamper(), False, "", ""
    )
    assert "/DSS" not in PdfFileReader(io.BytesIO(sealed)).root
    status = validate_seal(sealed)
    assert status.ok and status.level == "B-T" and status.timestamp is not None


def test_an_unreachable_tsa_still_seals_at_b_b_and_logs_it(
    production_seal, unsealed, caplog
):
    production_seal.PACT_TSA_URL = "http://127.0.0.1:9/tsa"
    with caplog.at_level(logging.ERROR, logger="pact.documents.seal"):
        sealed = seal_pdf(unsealed)
    status = validate_seal(sealed)
    assert status.ok and status.level == "B-B" and status.timestamp is None
    assert "Time-stamping failed" in caplog.text


def test_a_tampered_time_stamped_seal_is_broken(production_seal, unsealed):
    sealed = bytearray(seal_pdf(unsealed))
    sealed[3000] ^= 1
    assert not validate_seal(bytes(sealed)).ok


# --- PDF/A-3b after sealing -------------------------------------------------


def _xmp(root) -> str:
    return root["/Metadata"].get_object().data.decode("utf-8")


def _xmp_value(xmp: str, name: str) -> str:
    match = re.search(rf"<{name}>([^<]*)</{name}>", xmp) or re.search(
        rf'{name}="([^"]*)"', xmp
    )
    return match.group(1) if match else ""


def _info_date_as_xmp(value: str) -> str:
    # D:YYYYMMDDHHmmSS+HH'mm' -> YYYY-MM-DDTHH:mm:SS+HH:mm
    m = re.fullmatch(
        r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)([+-])(\d\d)'(\d\d)'?", value
    )
    assert m, value
    y, mo, d, h, mi, s, sign, oh, om = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{sign}{oh}:{om}"


@pytest.mark.parametrize("with_tsa", [False, True])
def test_the_sealed_file_keeps_pdf_a_3b(production_seal, unsealed, with_tsa):
    if not with_tsa:
        production_seal.PACT_TSA_URL = ""
    sealed = seal_pdf(unsealed)  # EC P-256: pyHanko would declare PDF 2.0
    reader = PdfFileReader(io.BytesIO(sealed))
    root = reader.root
    assert sealed.startswith(b"%PDF-1.7")
    assert str(root.get("/Version", "/1.7")) in ("/1.7", "/1.4", "/1.5", "/1.6")
    extensions = root.get("/Extensions", {})
    assert "/ISO_" not in extensions
    assert all(str(e["/BaseVersion"]) == "/1.7" for e in extensions.values())
    info = reader.trailer["/Info"]
    xmp = _xmp(root)
    assert _xmp_value(xmp, "pdfaid:part") == "3"
    assert _xmp_value(xmp, "pdfaid:conformance") == "B"
    assert _info_date_as_xmp(str(info["/ModDate"])) == _xmp_value(xmp, "xmp:ModifyDate")
    assert _info_date_as_xmp(str(info["/CreationDate"])) == _xmp_value(
        xmp, "xmp:CreateDate"
    )
    assert "." not in _xmp_value(xmp, "xmp:CreateDate")  # no microseconds
    assert str(info["/Producer"]) == _xmp_value(xmp, "pdf:Producer")
    files = [f.idnum for f in root["/AF"]]
    assert len(files) == len(set(files)) == 1
    assert str(root["/AF"][0].get_object()["/AFRelationship"]) == "/Data"
    document = pypdfium2.PdfDocument(sealed)
    assert len(document) >= 1
    assert document[0].render(scale=0.3).to_pil().size[0] > 0


# --- through the signing service and the verification page -----------------


def test_a_pact_signed_with_a_tsa_shows_b_lt_on_its_verification_page(
    production_seal, client, network, open_version
):
    from django.urls import reverse

    from tests.pact.adhesion_fixtures import read_document, signed_in_person, upload

    production_seal.PACT_DOCUMENT_REGISTRY = "pact.services.signed_document_by_sha256"
    adhesion = signed_in_person(
        open_version, network.org_x, network.coordinator, network.legal_rep_x
    )
    page = client.post(
        reverse("pact:verify_code", args=[adhesion.short_code]),
        {"file": upload(read_document(adhesion))},
    ).content.decode()
    assert "Autentico: è questo documento" in page
    assert "PAdES B-LT" in page and "TSA di prova" in page


# --- configuration -----------------------------------------------------------


def test_a_misconfigured_seal_stops_the_system_check(settings, tmp_path):
    from django.core.management.base import SystemCheckError

    (tmp_path / "not-a-cert.pem").write_text("hello")
    (tmp_path / "sigillo.p12").write_bytes(b"not pkcs12")
    settings.PACT_TRUST_ROOTS = [tmp_path / "not-a-cert.pem"]
    settings.PACT_SEAL_PKCS12 = tmp_path / "sigillo.p12"
    with pytest.raises(SystemCheckError) as caught:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    assert "pact.E001" in str(caught.value) and "pact.E002" in str(caught.value)


def test_a_pkcs12_with_the_wrong_passphrase_is_reported(settings, pki):
    from django.core.management.base import SystemCheckError

    settings.PACT_SEAL_PKCS12 = pki.seal_pkcs12(b"segreto")
    settings.PACT_SEAL_PKCS12_PASSPHRASE = "sbagliata"
    with pytest.raises(SystemCheckError, match="pact.E002"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
