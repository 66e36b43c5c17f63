"""The handover bundle: written streamed, read back strictly, refused whole."""

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import zipfile
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from pact.documents.bundle import (
    FORMAT,
    MANIFEST,
    REGISTRY_CSV,
    REGISTRY_XLSX,
    BundleAdhesion,
    BundleError,
    BundleMember,
    BundlePactVersion,
    write_bundle,
    write_bundle_file,
)
from pact.documents.bundle_reader import BundleLimits, read_bundle
from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document

ROME = ZoneInfo("Europe/Rome")
VERSION = BundlePactVersion(
    pact_title="Patto di comunità per le famiglie",
    pact_slug="patto-di-comunita",
    number=1,
    text_sha256=hashlib.sha256(b"text").hexdigest(),
    opened_at=dt.datetime(2020, 11, 4, 9, 0, tzinfo=ROME),
    effective_date=dt.date(2020, 11, 4),
)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """Three real signed-pact PDFs on disk, as the document store keeps them."""
    folder = tmp_path_factory.mktemp("pdfs")
    paths = {}
    for i in range(1, 4):
        pdf = render_adhesion_pdf(sample_document(reference=f"ad-{i}"), seal=False)
        paths[f"ad-{i}"] = folder / f"ad-{i}.pdf"
        paths[f"ad-{i}"].write_bytes(pdf)
    return paths


def _adhesion(reference, path, **overrides):
    kind = "family" if reference == "ad-2" else "third_sector"
    values = dict(
        reference=reference,
        member=BundleMember(
            reference=f"m-{reference}",
            name="Famiglia Rossi" if kind == "family" else "=Coop; Il Girasole",
            kind=kind,
            codice_fiscale="" if kind == "family" else "01234567890",
            municipality_istat="046007",
            municipality="Capannori",
        ),
        network_role_code="nodo",
        network_role_name="Nodo",
        signatory_name="Maria Bianchi",
        signatory_capacity="legale rappresentante",
        signed_at=dt.datetime(2020, 11, 12, 10, 31, tzinfo=ROME),
        method="online",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        short_code="LIF-7K3Q-9PXM",
        commitments=("Doposcuola il martedì",),
    )
    values.update(overrides)
    return BundleAdhesion(**values)


@pytest.fixture(scope="module")
def adhesions(pdfs):
    return [_adhesion(ref, path) for ref, path in pdfs.items()]


def _opener(pdfs):
    @contextmanager
    def open_pdf(adhesion):
        with open(pdfs[adhesion.reference], "rb") as handle:
            yield handle

    return open_pdf


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory, pdfs, adhesions):
    path = tmp_path_factory.mktemp("bundle") / "consegna.zip"
    write_bundle_file(
        path, pact_version=VERSION, adhesions=adhesions, open_pdf=_opener(pdfs)
    )
    return path


def _rewrite(source, target, *, replace=None, drop=(), add=None):
    """Copy a ZIP, changing entries as an attacker (or a bad disk) would."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, old.read(info))
            new.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
        for name, data in add.items():
            new.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return target


def _manifest(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(MANIFEST))


def _problems(path, **kwargs):
    with pytest.raises(BundleError) as caught:
        read_bundle(path, **kwargs)
    return " | ".join(caught.value.problems)


# Writing and reading back ---------------------------------------------------


def test_the_bundle_holds_manifest_registry_files_and_one_pdf_per_adhesion(
    bundle_path, adhesions
):
    with zipfile.ZipFile(bundle_path) as zf:
        names = set(zf.namelist())
    assert names == {MANIFEST, REGISTRY_CSV, REGISTRY_XLSX} | {
        a.file_name for a in adhesions
    }


def test_the_manifest_names_the_format_the_pact_version_and_every_file_hash(
    bundle_path, adhesions, pdfs
):
    manifest = _manifest(bundle_path)
    assert manifest["format"] == FORMAT and manifest["format_version"] == 2
    assert manifest["register"] == {"length": 0, "head": "0" * 64, "links": []}
    assert manifest["pact_version"]["text_sha256"] == VERSION.text_sha256
    assert manifest["count"] == 3
    entry = manifest["adhesions"][0]
    for key in ("member", "network_role_code", "signatory_name", "signed_at", "file"):
        assert entry[key]
    assert set(manifest["files"]) == {REGISTRY_CSV, REGISTRY_XLSX} | {
        a.file_name for a in adhesions
    }
    with zipfile.ZipFile(bundle_path) as zf:
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest


def test_reading_a_bundle_gives_back_the_same_adhesions_and_identical_pdfs(
    bundle_path, adhesions, pdfs
):
    bundle = read_bundle(bundle_path)
    assert bundle.pact_version == VERSION
    assert list(bundle.adhesions) == adhesions
    for adhesion in bundle.adhesions:
        assert bundle.read_pdf(adhesion) == pdfs[adhesion.reference].read_bytes()


def test_the_registry_csv_opens_in_italian_excel_with_formulas_neutralised(
    bundle_path,
):
    with zipfile.ZipFile(bundle_path) as zf:
        raw = zf.read(REGISTRY_CSV)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4
    assert "'=Coop; Il Girasole" in rows[1]
    assert "12/11/2020 10:31" in rows[1]


def test_the_registry_xlsx_lists_every_adherent(bundle_path):
    with zipfile.ZipFile(bundle_path) as zf:
        workbook = openpyxl.load_workbook(io.BytesIO(zf.read(REGISTRY_XLSX)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[2][1] == "Famiglia Rossi"


def test_the_bundle_streams_to_a_file_that_cannot_seek(pdfs, adhesions):
    class Pipe:
        def __init__(self):
            self.chunks = []

        def write(self, data):
            self.chunks.append(bytes(data))
            return len(data)

        def flush(self):
            pass

    pipe = Pipe()
    write_bundle(
        pipe, pact_version=VERSION, adhesions=adhesions, open_pdf=_opener(pdfs)
    )
    bundle = read_bundle(io.BytesIO(b"".join(pipe.chunks)))
    assert len(bundle.adhesions) == 3


def test_the_summary_gives_the_manifest_hash_as_written(pdfs, adhesions):
    target = io.BytesIO()
    summary = write_bundle(
        target, pact_version=VERSION, adhesions=adhesions, open_pdf=_opener(pdfs)
    )
    with zipfile.ZipFile(target) as zf:
        manifest = zf.read(MANIFEST)
    assert summary.manifest_sha256 == hashlib.sha256(manifest).hexdigest()
    assert summary.count == 3 and len(summary.files) == 5


def test_progress_is_reported_per_document(tmp_path, pdfs, adhesions):
    seen = []
    write_bundle_file(
        tmp_path / "b.zip",
        pact_version=VERSION,
        adhesions=adhesions,
        open_pdf=_opener(pdfs),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_stored_pdf_that_no_longer_matches_its_hash_is_never_handed_over(
    tmp_path, pdfs, adhesions
):
    wrong = [adhesions[0], _adhesion("ad-2", pdfs["ad-2"], sha256="a" * 64)]
    with pytest.raises(BundleError, match="ad-2"):
        write_bundle_file(
            tmp_path / "b.zip",
            pact_version=VERSION,
            adhesions=wrong,
            open_pdf=_opener(pdfs),
        )
    assert not (tmp_path / "b.zip").exists()
    assert not (tmp_path / "b.zip.part").exists()


def test_a_reference_that_cannot_name_a_file_is_refused(tmp_path, pdfs):
    bad = [dataclasses.replace(_adhesion("ad-1", pdfs["ad-1"]), reference="../ad-1")]
    with pytest.raises(BundleError):
        write_bundle(
            io.BytesIO(), pact_version=VERSION, adhesions=bad, open_pdf=_opener(pdfs)
        )


# Tampering ------------------------------------------------------------------


def test_a_flipped_byte_in_a_pdf_is_refused(bundle_path, tmp_path, adhesions):
    name = adhesions[1].file_name
    with zipfile.ZipFile(bundle_path) as zf:
        data = bytearray(zf.read(name))
    data[1000] ^= 0x01
    tampered = _rewrite(bundle_path, tmp_path / "t.zip", replace={name: bytes(data)})
    assert f"{name} non corrisponde al suo SHA-256" in _problems(tampered)


def test_a_changed_hash_in_the_manifest_is_refused(bundle_path, tmp_path, adhesions):
    manifest = _manifest(bundle_path)
    name = adhesions[0].file_name
    manifest["files"][name] = "b" * 64
    manifest["adhesions"][0]["sha256"] = "b" * 64
    tampered = _rewrite(
        bundle_path,
        tmp_path / "t.zip",
        replace={MANIFEST: json.dumps(manifest).encode()},
    )
    assert f"{name} non corrisponde al suo SHA-256" in _problems(tampered)


def test_a_manifest_whose_entries_disagree_with_its_file_list_is_refused(
    bundle_path, tmp_path
):
    manifest = _manifest(bundle_path)
    manifest["adhesions"][0]["sha256"] = "c" * 64
    tampered = _rewrite(
        bundle_path, tmp_path / "t.zip", replace={MANIFEST: json.dumps(manifest)}
    )
    assert "Il manifest non è valido" in _problems(tampered)


def test_a_tampered_registry_file_is_refused(bundle_path, tmp_path):
    tampered = _rewrite(
        bundle_path, tmp_path / "t.zip", replace={REGISTRY_CSV: b"\xef\xbb\xbfx;y\r\n"}
    )
    assert "registry.csv non corrisponde al suo SHA-256" in _problems(tampered)


def test_a_missing_file_is_refused(bundle_path, tmp_path, adhesions):
    tampered = _rewrite(bundle_path, tmp_path / "t.zip", drop={adhesions[2].file_name})
    assert f"File mancante: {adhesions[2].file_name}" in _problems(tampered)


def test_an_extra_file_is_refused(bundle_path, tmp_path):
    tampered = _rewrite(bundle_path, tmp_path / "t.zip", add={"pdf/extra.pdf": b"%PDF"})
    assert "File inatteso: pdf/extra.pdf" in _problems(tampered)


@pytest.mark.parametrize(
    "name",
    [
        "../evil.pdf",
        "pdf/../../evil.pdf",
        "/etc/cron.d/evil",
        "pdf\\evil.pdf",
        "C:/evil.pdf",
        "pdf//evil.pdf",
    ],
)
def test_a_name_that_escapes_the_folder_is_refused(bundle_path, tmp_path, name):
    tampered = _rewrite(bundle_path, tmp_path / "t.zip", add={name: b"x"})
    assert "Nome di file non sicuro" in _problems(tampered)


def test_a_zip_bomb_is_refused_before_it_is_expanded(bundle_path, tmp_path):
    zeros = b"\0" * (20 * 1024 * 1024)
    tampered = _rewrite(bundle_path, tmp_path / "t.zip", add={"pdf/bomb.pdf": zeros})
    assert "rifiutato come possibile zip bomb" in _problems(tampered)


def test_a_bundle_larger_than_the_limits_is_refused(bundle_path):
    assert "oltre il limite" in _problems(
        bundle_path, limits=BundleLimits(max_total_bytes=10_000)
    )
    assert "troppi file" in _problems(bundle_path, limits=BundleLimits(max_entries=2))


def test_a_truncated_zip_is_refused(bundle_path, tmp_path):
    truncated = tmp_path / "t.zip"
    truncated.write_bytes(bundle_path.read_bytes()[:-200])
    assert "non è un archivio ZIP valido" in _problems(truncated)


def test_corrupt_compressed_data_is_refused(bundle_path, tmp_path, adhesions):
    data = bytearray(bundle_path.read_bytes())
    with zipfile.ZipFile(bundle_path) as zf:
        info = zf.getinfo(adhesions[0].file_name)
    data[info.header_offset + 30 + len(info.filename) + 400] ^= 0xFF
    corrupt = tmp_path / "t.zip"
    corrupt.write_bytes(bytes(data))
    problems = _problems(corrupt)
    assert "danneggiato" in problems or "non corrisponde" in problems


def test_something_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "t.zip"
    path.write_bytes(b"%PDF-1.7 not a zip")
    assert "non è un archivio ZIP valido" in _problems(path)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.update(format="something/else"),
        lambda m: m.update(format_version=99),
        lambda m: m.pop("pact_version"),
        lambda m: m["adhesions"][0].pop("signed_at"),
        lambda m: m["adhesions"][0].update(signed_at="yesterday"),
        lambda m: m["adhesions"][0].update(reference="../x"),
        lambda m: m.update(count=7),
        lambda m: m["files"].update({"../x.pdf": "a" * 64}),
        lambda m: m["adhesions"].append(m["adhesions"][0]),
        lambda m: m.update(adhesions="all of them"),
    ],
)
def test_a_malformed_manifest_is_refused_with_a_clear_message(
    bundle_path, tmp_path, change
):
    manifest = _manifest(bundle_path)
    change(manifest)
    tampered = _rewrite(
        bundle_path, tmp_path / "t.zip", replace={MANIFEST: json.dumps(manifest)}
    )
    assert "Il manifest non è valido" in _problems(tampered)


def test_a_manifest_that_is_not_json_is_refused(bundle_path, tmp_path):
    tampered = _rewrite(bundle_path, tmp_path / "t.zip", replace={MANIFEST: b"{nope"})
    assert "non è un JSON valido" in _problems(tampered)


# The command ----------------------------------------------------------------


@pytest.mark.django_db
def test_verify_bundle_refuses_a_bundle_whose_manifest_is_not_sealed(bundle_path):
    # A complete, well-formed bundle: but nobody vouches for it. (A sealed
    # round trip is in test_handover_import.py and test_handover_trust.py.)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("verify_bundle", str(bundle_path))
    assert refused.value.returncode == 1
    assert "The manifest is not sealed" in str(refused.value)


def test_a_bundle_of_the_old_unsealed_format_is_refused_plainly(bundle_path, tmp_path):
    manifest = _manifest(bundle_path)
    manifest["format_version"] = 1
    old = _rewrite(
        bundle_path, tmp_path / "t.zip", replace={MANIFEST: json.dumps(manifest)}
    )
    with translation.override("en"):
        assert "old format (version 1)" in _problems(old)


@pytest.mark.django_db
def test_verify_bundle_fails_with_exit_status_1_and_every_reason(
    bundle_path, tmp_path, adhesions
):
    tampered = _rewrite(
        bundle_path,
        tmp_path / "t.zip",
        drop={adhesions[0].file_name},
        add={"notes.txt": b"hi"},
    )
    with pytest.raises(CommandError) as caught:
        call_command("verify_bundle", str(tampered))
    assert caught.value.returncode == 1
    assert "File mancante" in str(caught.value)
    assert "File inatteso: notes.txt" in str(caught.value)


def test_manifest_problems_read_in_italian_to_the_end():
    from django.utils import translation

    from pact.documents.bundle_reader import BundleError, parse_manifest

    with translation.override("it"):
        with pytest.raises(BundleError) as refused:
            parse_manifest({"format": "lucca-in-famiglia/handover", "x": 1})
    message = " ".join(str(p) for p in refused.value.problems)
    assert "Il manifest" in message and "manca o non è" in message, message
