"""Is this signed pact genuine? The library call and `verify_pact`."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document
from pact.documents.seal import create_seal_certificate, seal_pdf
from pact.documents.verify import RegistryRecord, sha256_hex, verify_document

# The register these tests plug in through PACT_DOCUMENT_REGISTRY.
KNOWN: dict[str, RegistryRecord] = {}


def registry(sha256: str) -> RegistryRecord | None:
    return KNOWN.get(sha256)


REGISTRY_PATH = f"{__name__}.registry"


@pytest.fixture(scope="module")
def seal_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seal")
    key, cert = folder / "key.pem", folder / "cert.pem"
    create_seal_certificate(key_path=key, cert_path=cert, common_name="Rete Test")
    return key, cert


@pytest.fixture(scope="module")
def sealed_pdf(seal_files):
    from pyhanko.sign.signers import SimpleSigner

    signer = SimpleSigner.load(str(seal_files[0]), str(seal_files[1]))
    return seal_pdf(render_adhesion_pdf(sample_document(), seal=False), signer=signer)


@pytest.fixture
def register(settings, seal_files):
    settings.PACT_DOCUMENT_REGISTRY = REGISTRY_PATH
    settings.PACT_SEAL_KEY, settings.PACT_SEAL_CERT = seal_files
    KNOWN.clear()

    def add(data: bytes, **fields) -> RegistryRecord:
        record = RegistryRecord(
            sha256=sha256_hex(data), reference="ad-000042", **fields
        )
        KNOWN[record.sha256] = record
        return record

    yield add
    KNOWN.clear()


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_a_registered_sealed_document_is_genuine(register, sealed_pdf):
    record = register(sealed_pdf)
    verdict = verify_document(sealed_pdf)
    assert verdict.genuine
    assert verdict.record == record
    assert verdict.report.seal.trusted


@pytest.mark.parametrize("position", [10, 5000, -40])
def test_one_flipped_byte_anywhere_makes_it_not_genuine(register, sealed_pdf, position):
    register(sealed_pdf)
    verdict = verify_document(_flip(sealed_pdf, position % len(sealed_pdf)))
    assert not verdict.genuine
    assert verdict.reason


def test_a_document_unknown_to_the_register_is_not_genuine(register, sealed_pdf):
    verdict = verify_document(sealed_pdf)
    assert not verdict.genuine
    assert verdict.report.seal.ok  # intact, but not ours to vouch for
    assert "registro" in verdict.reason


def test_an_unsealed_registered_document_is_genuine_on_its_hash_alone(register):
    pdf = render_adhesion_pdf(sample_document(), seal=False)
    register(pdf)
    assert verify_document(pdf).genuine
    assert not verify_document(_flip(pdf, 3000)).genuine


def test_a_withdrawn_adhesion_stays_genuine_and_says_it_is_no_longer_in_force(
    register, sealed_pdf
):
    register(sealed_pdf, in_force=False)
    verdict = verify_document(sealed_pdf)
    assert verdict.genuine and not verdict.record.in_force


def test_a_file_that_is_not_a_pdf_gets_a_clear_answer(register):
    verdict = verify_document(b"PK\x03\x04 this is a zip, not a pdf")
    assert not verdict.genuine and not verdict.report.readable
    assert "PDF" in verdict.reason


def test_without_a_register_nothing_is_declared_genuine(
    settings, seal_files, sealed_pdf
):
    settings.PACT_SEAL_KEY, settings.PACT_SEAL_CERT = seal_files
    settings.PACT_DOCUMENT_REGISTRY = "pact.no_such_module.lookup"
    verdict = verify_document(sealed_pdf)
    assert not verdict.genuine and "registro" in verdict.reason


def test_a_registry_can_be_passed_directly(settings, seal_files, sealed_pdf):
    settings.PACT_SEAL_KEY, settings.PACT_SEAL_CERT = seal_files
    known = {sha256_hex(sealed_pdf): RegistryRecord(sha256_hex(sealed_pdf), "x-1")}
    assert verify_document(sealed_pdf, registry=known.get).genuine


def test_verify_pact_command_says_genuine_for_a_registered_document(
    register, sealed_pdf, tmp_path
):
    register(sealed_pdf)
    path = tmp_path / "patto.pdf"
    path.write_bytes(sealed_pdf)
    out = io.StringIO()
    call_command("verify_pact", str(path), stdout=out)
    assert "GENUINE" in out.getvalue()
    assert sha256_hex(sealed_pdf) in out.getvalue()


def test_verify_pact_command_fails_with_the_reason_for_a_tampered_document(
    register, sealed_pdf, tmp_path
):
    register(sealed_pdf)
    path = tmp_path / "patto.pdf"
    path.write_bytes(_flip(sealed_pdf, 4000))
    with pytest.raises(CommandError, match="NOT GENUINE") as caught:
        call_command("verify_pact", str(path), stdout=io.StringIO())
    assert caught.value.returncode == 1


def test_verify_pact_command_reports_a_missing_file_clearly(register, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_pact", str(tmp_path / "nope.pdf"))


def _run_verify_pact(path: Path, registry_path: str, seal_files):
    env = {
        **os.environ,
        "PACT_SEAL_KEY": str(seal_files[0]),
        "PACT_SEAL_CERT": str(seal_files[1]),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    script = (
        "import django, sys; from django.conf import settings; django.setup();"
        f"settings.PACT_DOCUMENT_REGISTRY = {registry_path!r};"
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'verify_pact', sys.argv[1]])"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        env=env,
        timeout=120,
    )


def test_verify_pact_exits_0_for_genuine_and_1_for_not_genuine(
    sealed_pdf, seal_files, tmp_path
):
    # The child process has its own register: this module's, filled from a file.
    genuine = tmp_path / "genuine.pdf"
    genuine.write_bytes(sealed_pdf)
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(_flip(sealed_pdf, 6000))
    (tmp_path / "known.txt").write_text(sha256_hex(sealed_pdf))
    registry_path = "tests.pact.test_documents_verify.registry_from_file"
    os.environ["VERIFY_TEST_KNOWN"] = str(tmp_path / "known.txt")
    try:
        ok = _run_verify_pact(genuine, registry_path, seal_files)
        bad = _run_verify_pact(tampered, registry_path, seal_files)
    finally:
        del os.environ["VERIFY_TEST_KNOWN"]
    assert ok.returncode == 0, ok.stderr
    assert "GENUINE" in ok.stdout
    assert "Level:   B-B" in ok.stdout
    assert bad.returncode == 1
    assert "NOT GENUINE" in bad.stderr


def registry_from_file(sha256: str) -> RegistryRecord | None:
    known = Path(os.environ["VERIFY_TEST_KNOWN"]).read_text().split()
    return RegistryRecord(sha256, "ad-000042") if sha256 in known else None
