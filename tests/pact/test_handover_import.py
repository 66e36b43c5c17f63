"""The round trip: instance A builds a handover bundle, an empty instance B
verifies and imports it with identical hashes; a tampered bundle is refused
whole and nothing is written; importing twice changes nothing.

Instance B is simulated in the same test database: after A has written the
bundle, everything A knew about the pact, its adhesions, members and
signatories is deleted (below the guards that protect signed records, as a
fresh database would simply not have them) and the media folder is swapped
for an empty one. Reference data (municipalities, roles) stays, as on any
instance.
"""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from crm.models import Member, MemberKind, Person
from pact.documents.bundle import MANIFEST
from pact.documents.manifest_seal import MANIFEST_SEAL, seal_digest
from pact.documents.verify import verify_document
from pact.models import (
    Adhesion,
    AdhesionStatus,
    Article,
    HandoverBatch,
    NetworkRole,
    Pact,
    PactVersion,
    RegisterCheckpoint,
    RegisterLink,
)
from pact.services import handover
from pact.services.handover_import import handover_import
from pact.services.trust import trusted_roots, trusted_sender_add
from tests.factories import FamilyFactory, OrganisationFactory

from .handover_data import open_version, seal_signer, sign, use_seal

pytestmark = pytest.mark.django_db

PIVA = "01234567897"


@pytest.fixture
def instance_a(coordinator, settings, tmp_path):
    """On A: a sealed set of signed adhesions handed over; the bundle's bytes."""
    version = open_version()
    signer = use_seal(settings, tmp_path.parent / "seal-handover")
    members = [
        OrganisationFactory(
            name="Coop Girasole", partita_iva=PIVA, codice_fiscale=PIVA
        ),
        FamilyFactory(name="Famiglia Aranci"),
        OrganisationFactory(name="Bottega Verdi", kind=MemberKind.BUSINESS),
    ]
    adhesions = [
        sign(version, m, number=n, real=True, signer=signer, role=role)
        for n, m, role in zip(
            (31, 32, 33), members, ("capofila", "nodo", "nodo"), strict=True
        )
    ]
    batch = handover.handover_batch_build(by=coordinator)
    with batch.file.open("rb") as handle:
        bundle = handle.read()
    documents = {}
    for adhesion in adhesions:
        with adhesion.document.open("rb") as handle:
            documents[adhesion.reference] = handle.read()
    return {
        "bundle": bundle,
        "text_sha256": version.text_sha256,
        "canonical_text": version.canonical_text,
        "documents": documents,
        "chain": [(a.document_sha256, a.previous_sha256) for a in adhesions],
    }


def become_instance_b(settings, tmp_path, *, trust=True):
    """Forget what A knew: pact, adhesions, members, signatories, files, register,
    and A's seal. B has a seal of its own and, with ``trust``, has registered
    A's seal certificate as a trusted sender."""
    sender_certificate = settings.PACT_SEAL_CERT.read_bytes()
    members = list(Adhesion.objects.values_list("member_id", flat=True))
    people = list(Adhesion.objects.values_list("signatory_id", flat=True))
    for model in (
        RegisterLink,
        RegisterCheckpoint,
        Adhesion,
        HandoverBatch,
        Article,
        NetworkRole,
        PactVersion,
    ):
        model.objects.all()._raw_delete(using="default")
    Pact.objects.all().delete()
    Member.objects.filter(pk__in=members).delete()
    Person.objects.filter(pk__in=people).delete()
    settings.MEDIA_ROOT = tmp_path / "instance-b" / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "instance-b" / "private"
    use_seal(settings, tmp_path.parent / "seal-receiver")
    if trust:
        trusted_sender_add(
            name="Rete Lucca In famiglia", certificate=sender_certificate, by=None
        )


def _file(tmp_path, data: bytes, name="consegna.zip"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _state():
    """Everything an import could write, counted."""
    return {
        model.__name__: model.objects.count()
        for model in (Adhesion, Member, Person, Pact, PactVersion, Article, NetworkRole)
    } | {"history": Adhesion.history.count(), "member_history": Member.history.count()}


def _files(settings):
    # Signed documents live in the private storage, never under MEDIA_ROOT.
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the round trip ------------------------------------------------------------


def test_an_empty_instance_imports_the_bundle_with_identical_hashes(
    instance_a, settings, tmp_path
):
    become_instance_b(settings, tmp_path)
    assert not Adhesion.objects.exists() and not PactVersion.objects.exists()
    existing = OrganisationFactory(name="Girasole coop. sociale", partita_iva=PIVA)

    result = handover_import(source=_file(tmp_path, instance_a["bundle"]))

    assert (result.created, result.unchanged) == (3, 0)
    assert (result.members_created, result.members_matched) == (2, 1)
    version = result.version
    assert version.text_sha256 == instance_a["text_sha256"]
    assert version.canonical_text == instance_a["canonical_text"]
    assert version.is_frozen and version.articles.get().title == "Finalità"
    assert set(version.network_roles.values_list("code", flat=True)) == {
        "capofila",
        "nodo",
    }
    for reference, data in instance_a["documents"].items():
        adhesion = Adhesion.objects.get(uuid=reference)
        with adhesion.document.open("rb") as handle:
            stored = handle.read()
        assert stored == data
        assert hashlib.sha256(stored).hexdigest() == adhesion.document_sha256
        assert adhesion.status == AdhesionStatus.HANDED_OVER
        assert str(adhesion.document.path).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    imported = Adhesion.objects.order_by("chain_position")
    assert [(a.document_sha256, a.previous_sha256) for a in imported] == instance_a[
        "chain"
    ]
    assert imported[0].member == existing  # matched by partita IVA
    family = imported[1].member
    assert family.kind == "family" and family.name == "Famiglia Aranci"
    assert (family.email, family.phone, family.address) == ("", "", "")
    assert imported[1].signatory.email is None


def test_verification_works_on_the_receiving_instance(instance_a, settings, tmp_path):
    become_instance_b(settings, tmp_path)
    handover_import(source=_file(tmp_path, instance_a["bundle"]))

    for reference, data in instance_a["documents"].items():
        verdict = verify_document(data, roots=trusted_roots())
        assert verdict.genuine, verdict.reason
        assert verdict.record.reference == reference
        tampered = bytearray(data)
        tampered[len(tampered) // 2] ^= 0x01
        assert not verify_document(bytes(tampered), roots=trusted_roots()).genuine


def test_importing_twice_changes_nothing(instance_a, settings, tmp_path):
    become_instance_b(settings, tmp_path)
    path = _file(tmp_path, instance_a["bundle"])
    handover_import(source=path)
    before, files = _state(), _files(settings)

    again = handover_import(source=path)

    assert (again.created, again.unchanged) == (0, 3)
    assert _state() == before
    assert _files(settings) == files


def test_importing_on_the_instance_that_built_it_changes_nothing(instance_a, tmp_path):
    before = _state()

    result = handover_import(source=_file(tmp_path, instance_a["bundle"]))

    assert (result.created, result.unchanged) == (0, 3)
    assert _state() == before


def test_the_command_imports_and_says_what_it_did(instance_a, settings, tmp_path):
    become_instance_b(settings, tmp_path)
    out = io.StringIO()

    call_command(
        "import_handover", str(_file(tmp_path, instance_a["bundle"])), stdout=out
    )

    assert "3 imported, 0 already here" in out.getvalue()
    assert "IMPORTED" in out.getvalue()


# --- refused whole --------------------------------------------------------------


def _rewrite(data: bytes, *, replace=None, drop=(), add=None) -> bytes:
    replace, add = replace or {}, add or {}
    target = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as old,
        zipfile.ZipFile(target, "w") as new,
    ):
        for info in old.infolist():
            if info.filename in drop:
                continue
            content = replace.get(info.filename, old.read(info))
            new.writestr(info.filename, content, zipfile.ZIP_DEFLATED)
        for name, content in add.items():
            new.writestr(name, content, zipfile.ZIP_DEFLATED)
    return target.getvalue()


def _manifest(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read("manifest.json"))


def _first_pdf(data: bytes) -> tuple[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        name = next(n for n in zf.namelist() if n.startswith("pdf/"))
        return name, zf.read(name)


def _flip(data: bytes, at=None) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2 if at is None else at] ^= 0x01
    return bytes(changed)


def _with_manifest(data: bytes, change) -> bytes:
    manifest = _manifest(data)
    change(manifest)
    return _rewrite(data, replace={"manifest.json": json.dumps(manifest).encode()})


def _manifest_hash_changed(data):
    def change(manifest):
        name = next(n for n in manifest["files"] if n.startswith("pdf/"))
        manifest["files"][name] = "0" * 64

    return _with_manifest(data, change)


def _pdf_byte_changed(data):
    name, pdf = _first_pdf(data)
    return _rewrite(data, replace={name: _flip(pdf)})


def _file_missing(data):
    name, _pdf = _first_pdf(data)
    return _rewrite(data, drop={name})


def _extra_file(data):
    return _rewrite(data, add={"pdf/adesione-intruso.pdf": b"%PDF-1.7"})


def _pdf_changed_and_hashes_rewritten(data):
    """A forger who also fixes the manifest: the seal gives them away."""
    name, pdf = _first_pdf(data)
    forged = _flip(pdf)
    digest = hashlib.sha256(forged).hexdigest()

    def change(manifest):
        manifest["files"][name] = digest
        for entry in manifest["adhesions"]:
            if entry["file"] == name:
                entry["sha256"] = digest

    return _rewrite(_with_manifest(data, change), replace={name: forged})


def _documents_swapped(data):
    """Two genuine documents under each other's names, manifest made to match."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        a, b = sorted(n for n in zf.namelist() if n.startswith("pdf/"))[:2]
        pdf_a, pdf_b = zf.read(a), zf.read(b)

    def change(manifest):
        manifest["files"][a], manifest["files"][b] = (
            manifest["files"][b],
            manifest["files"][a],
        )
        for entry in manifest["adhesions"]:
            if entry["file"] in (a, b):
                entry["sha256"] = manifest["files"][entry["file"]]

    return _rewrite(_with_manifest(data, change), replace={a: pdf_b, b: pdf_a})


def _pact_text_changed(data):
    def change(manifest):
        manifest["pact_version"]["canonical_text"] += " "

    return _with_manifest(data, change)


def _not_a_zip(data):
    return data[: len(data) // 2]


def resealed(data: bytes, folder) -> bytes:
    """The manifest sealed again with ``folder``'s key: what the sender's own
    (or a stolen) key could do, so the checks behind the seal are exercised."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = zf.read(MANIFEST)
    digest = hashlib.sha256(manifest).digest()
    signature = seal_digest(digest, signer=seal_signer(folder))
    return _rewrite(data, replace={MANIFEST_SEAL: signature})


MANIFEST_CHANGED = "The seal of the manifest does not match it"


@pytest.mark.parametrize(
    ("tamper", "reseal", "reason"),
    [
        (_manifest_hash_changed, False, "does not list pdf/"),
        (_pdf_byte_changed, False, "does not match its SHA-256"),
        (_file_missing, False, "Missing file"),
        (_extra_file, False, "Unexpected file"),
        (_pdf_changed_and_hashes_rewritten, False, MANIFEST_CHANGED),
        (_pdf_changed_and_hashes_rewritten, True, "the seal is broken"),
        (_documents_swapped, False, MANIFEST_CHANGED),
        (_documents_swapped, True, "not the one in the register"),
        (_documents_swapped, True, "the signed document says otherwise"),
        (_pact_text_changed, False, MANIFEST_CHANGED),
        (_pact_text_changed, True, "pact text in the manifest does not match"),
        (_not_a_zip, False, "not a valid ZIP"),
    ],
)
def test_a_tampered_bundle_is_refused_whole_and_nothing_is_written(
    instance_a, settings, tmp_path, tamper, reseal, reason
):
    data = tamper(instance_a["bundle"])
    if reseal:
        data = resealed(data, tmp_path.parent / "seal-handover")
    become_instance_b(settings, tmp_path)
    path = _file(tmp_path, data)
    before = _state()

    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_handover", str(path), stdout=io.StringIO())

    assert refused.value.returncode == 1
    assert "REFUSED" in str(refused.value)
    assert reason in str(refused.value)
    assert _state() == before
    assert _files(settings) == []


def test_a_version_with_another_text_under_the_same_number_is_refused(
    instance_a, settings, tmp_path
):
    become_instance_b(settings, tmp_path)
    open_version(title="Un altro patto")  # same slug and number, another text
    before = _state()
    with pytest.raises(CommandError, match="REFUSED"):
        call_command("import_handover", str(_file(tmp_path, instance_a["bundle"])))
    assert _state() == before


def test_an_adhesion_that_exists_here_with_another_document_is_refused(
    instance_a, settings, tmp_path
):
    """A is still there, but one of its documents no longer matches."""
    adhesion = Adhesion.objects.order_by("chain_position").first()
    with connection.cursor() as cursor:  # below the guard, as a broken disk would
        cursor.execute(
            "UPDATE pact_adhesion SET document_sha256 = %s WHERE id = %s",
            ["1" * 64, adhesion.pk],
        )
    before = _state()

    with (
        translation.override("en"),
        pytest.raises(CommandError, match="different document"),
    ):
        call_command("import_handover", str(_file(tmp_path, instance_a["bundle"])))

    assert _state() == before


def test_the_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_handover", str(tmp_path / "nope.zip"))
