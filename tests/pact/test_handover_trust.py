"""What the receiving instance relies on: a manifest sealed by a registered
sender, every PDF sealed by a trusted certificate and saying what the
manifest says, and a register that stays whole across handovers.

Two instances in one test database, as in test_handover_import.py: A builds
the bundles, then everything A knew is deleted, the media folders and the
seal are swapped, and B (which registered A's certificate, or did not)
verifies and imports them.
"""

import dataclasses
import hashlib
import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from crm.models import MemberKind
from pact.documents import context
from pact.documents.bundle import MANIFEST
from pact.documents.manifest_seal import MANIFEST_SEAL
from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document
from pact.documents.seal import create_seal_certificate, seal_pdf
from pact.documents.verify import embedded_json, verify_document
from pact.models import Adhesion, AdhesionStatus, RegisterLink
from pact.services import adhesion_withdraw, handover
from pact.services.handover_import import handover_import
from pact.services.register import register_state
from pact.services.trust import trusted_roots
from tests.factories import FamilyFactory, OrganisationFactory

from .handover_data import open_version, seal_signer, sign, use_seal
from .test_handover_import import (
    _documents_swapped,
    _files,
    _first_pdf,
    _manifest,
    _rewrite,
    _state,
    become_instance_b,
    instance_a,  # noqa: F401
    resealed,
)

pytestmark = pytest.mark.django_db


def _sender_folder(tmp_path):
    return tmp_path.parent / "seal-handover"


def _attempt(command: str, data: bytes, tmp_path) -> str:
    """Run ``command`` on ``data``; it must refuse. Returns what it said."""
    path = tmp_path / f"{command}.zip"
    path.write_bytes(data)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command(command, str(path), stdout=io.StringIO())
    assert refused.value.returncode == 1
    return str(refused.value)


def _refused_everywhere(data: bytes, settings, tmp_path, reason: str) -> None:
    """verify_bundle says INVALID, import_handover REFUSED, nothing written."""
    before, files = _state(), _files(settings)
    links = RegisterLink.objects.count()
    verified = _attempt("verify_bundle", data, tmp_path)
    imported = _attempt("import_handover", data, tmp_path)
    assert verified.startswith("INVALID BUNDLE") and reason in verified, verified
    assert imported.startswith("REFUSED") and reason in imported, imported
    assert _state() == before and _files(settings) == files
    assert RegisterLink.objects.count() == links


def _attacker(tmp_path):
    """A key and certificate with the very subject of the network's seal."""
    folder = tmp_path.parent / "seal-attacker"
    if not (folder / "key.pem").exists():
        create_seal_certificate(
            key_path=folder / "key.pem",
            cert_path=folder / "cert.pem",
            common_name="Rete Lucca In famiglia (test)",
        )
    return folder


def _replace_pdf(data: bytes, name: str, pdf: bytes) -> bytes:
    """Put ``pdf`` in place of ``name`` and fix every hash in the manifest."""
    manifest = _manifest(data)
    old = manifest["files"][name]
    new = hashlib.sha256(pdf).hexdigest()
    manifest["files"][name] = new
    for entry in manifest["adhesions"]:
        if entry["sha256"] == old:
            entry["sha256"] = new
    return _rewrite(data, replace={MANIFEST: json.dumps(manifest), name: pdf})


def _same_document(pdf: bytes) -> context.AdhesionDocument:
    """A document rebuilt from what a genuine PDF embeds."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = embedded_json(PdfFileReader(io.BytesIO(pdf), strict=False).root)
    return sample_document(
        reference=data["adhesion"],
        short_code=data["short_code"],
        pact=dataclasses.replace(
            sample_document().pact,
            text_sha256=data["pact"]["text_sha256"],
            slug=data["pact"]["slug"],
        ),
        member=context.Party(
            reference=data["member"]["reference"],
            name=data["member"]["name"],
            kind=data["member"]["kind"],
            codice_fiscale=data["member"]["codice_fiscale"],
            partita_iva=data["member"]["partita_iva"],
        ),
        previous_sha256=data["previous_sha256"],
    )


# --- finding 1: forgeries --------------------------------------------------------


def test_a_bundle_from_an_unregistered_sender_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    become_instance_b(settings, tmp_path, trust=False)
    _refused_everywhere(
        instance_a["bundle"], settings, tmp_path, "not a trusted sender"
    )


def test_a_bundle_sealed_by_an_attacker_with_the_same_name_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    name, pdf = _first_pdf(instance_a["bundle"])
    attacker = seal_signer(_attacker(tmp_path))
    forged_pdf = seal_pdf(
        render_adhesion_pdf(_same_document(pdf), seal=False), signer=attacker
    )
    forged = _replace_pdf(instance_a["bundle"], name, forged_pdf)
    become_instance_b(settings, tmp_path)

    # Sealed by the attacker throughout: the manifest gives it away…
    _refused_everywhere(
        resealed(forged, _attacker(tmp_path)),
        settings,
        tmp_path,
        "not a trusted sender",
    )
    # …and with the manifest sealed by the genuine key, the PDF still does.
    _refused_everywhere(
        resealed(forged, _sender_folder(tmp_path)),
        settings,
        tmp_path,
        "a certificate that is not a trusted sender's",
    )


def test_an_unsealed_pdf_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    name, pdf = _first_pdf(instance_a["bundle"])
    unsealed = render_adhesion_pdf(_same_document(pdf), seal=False)
    forged = resealed(
        _replace_pdf(instance_a["bundle"], name, unsealed), _sender_folder(tmp_path)
    )
    become_instance_b(settings, tmp_path)
    _refused_everywhere(forged, settings, tmp_path, "the document is not sealed")


def test_a_patched_previous_hash_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    manifest = _manifest(instance_a["bundle"])
    manifest["adhesions"][1]["previous_sha256"] = "f" * 64
    forged = resealed(
        _rewrite(instance_a["bundle"], replace={MANIFEST: json.dumps(manifest)}),
        _sender_folder(tmp_path),
    )
    become_instance_b(settings, tmp_path)
    _refused_everywhere(
        forged, settings, tmp_path, "its previous document is not the register's"
    )


def test_a_missing_manifest_seal_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    forged = _rewrite(instance_a["bundle"], drop={MANIFEST_SEAL})
    become_instance_b(settings, tmp_path)
    _refused_everywhere(forged, settings, tmp_path, "The manifest is not sealed")


def test_a_seal_that_is_not_a_seal_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    forged = _rewrite(instance_a["bundle"], replace={MANIFEST_SEAL: b"0\x03\x02"})
    become_instance_b(settings, tmp_path)
    _refused_everywhere(forged, settings, tmp_path, "damaged or not a seal")


# --- findings 4 and 5: the manifest against the signed PDFs ----------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (("member", "name"), "Cooperativa Rinominata"),
        (("signatory_name",), "Mario Falsi"),
        (("signed_at",), "2021-01-01T10:00:00+01:00"),
        (("method",), "in_person"),
        (("commitments",), ["Nessun impegno."]),
    ],
)
def test_a_manifest_that_rewrites_an_entry_is_refused(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
    field,
    value,
):
    manifest = _manifest(instance_a["bundle"])
    target = manifest["adhesions"][0]
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    forged = resealed(
        _rewrite(instance_a["bundle"], replace={MANIFEST: json.dumps(manifest)}),
        _sender_folder(tmp_path),
    )
    become_instance_b(settings, tmp_path)
    _refused_everywhere(forged, settings, tmp_path, "the signed document says")
    assert "not the one in the register" in _attempt("verify_bundle", forged, tmp_path)


def test_verify_bundle_opens_every_pdf(
    instance_a,  # noqa: F811
    settings,
    tmp_path,
):
    """Two genuine documents swapped, every hash and the seal made to match."""
    forged = resealed(
        _documents_swapped(instance_a["bundle"]), _sender_folder(tmp_path)
    )
    become_instance_b(settings, tmp_path)
    _refused_everywhere(forged, settings, tmp_path, "says otherwise about: adhesion")


# --- finding 2 and the round trip: two handovers, withdrawals between ------------


@pytest.fixture
def two_handovers(coordinator, settings, tmp_path):
    """On A: hand over 2, withdraw one of them, sign 2 more, withdraw one of
    those before it is ever sent, hand over again. The two bundles' bytes."""
    signer = use_seal(settings, _sender_folder(tmp_path))
    version = open_version()

    def signed(number, member):
        return sign(version, member, number=number, real=True, signer=signer)

    first = [
        signed(41, OrganisationFactory(name="Coop Girasole", kind=MemberKind.BUSINESS)),
        signed(42, FamilyFactory(name="Famiglia Aranci")),
    ]
    bundles = [_bytes(handover.handover_batch_build(by=coordinator))]
    adhesion_withdraw(adhesion=first[0], by=coordinator, reason="Chiude l'attività.")
    later = [
        signed(43, FamilyFactory(name="Famiglia Bruni")),
        signed(44, FamilyFactory(name="Famiglia Verdi")),
    ]
    adhesion_withdraw(adhesion=later[0], by=coordinator, reason="Trasferiti.")
    bundles.append(_bytes(handover.handover_batch_build(by=coordinator)))
    documents = {}
    for adhesion in (*first, later[1]):
        with adhesion.document.open("rb") as handle:
            documents[adhesion.reference] = handle.read()
    return {
        "bundles": bundles,
        "register": register_state(version),
        "documents": documents,
        "withdrawn": first[0].reference,
        "never_sent": later[0].reference,
    }


def _bytes(batch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


def _check_chain() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_signature_chain", stdout=out)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def test_the_sender_s_register_is_intact_after_two_handovers(two_handovers):
    status, said = _check_chain()
    assert status == 0 and "INTACT: 6 links" in said, said


def test_two_handovers_with_withdrawals_between_leave_the_receiver_intact(
    two_handovers, settings, tmp_path
):
    become_instance_b(settings, tmp_path)
    paths = []
    for number, data in enumerate(two_handovers["bundles"], start=1):
        paths.append(tmp_path / f"consegna-{number}.zip")
        paths[-1].write_bytes(data)

    for path in paths:
        out = io.StringIO()
        call_command("verify_bundle", str(path), stdout=out)
        assert "VALID" in out.getvalue()
        call_command("import_handover", str(path), stdout=io.StringIO())
        status, said = _check_chain()
        assert status == 0, said  # intact after each handover

    assert "INTACT: 6 links" in said
    adhesions = {str(a.uuid): a for a in Adhesion.objects.all()}
    assert set(adhesions) == set(two_handovers["documents"])  # 43 never sent
    withdrawn = adhesions[two_handovers["withdrawn"]]
    assert withdrawn.status == AdhesionStatus.WITHDRAWN and withdrawn.withdrawn_at
    version = withdrawn.version
    assert register_state(version) == two_handovers["register"]
    tombstones = RegisterLink.objects.filter(version=version, adhesion__isnull=True)
    assert [(t.kind, t.entry) for t in tombstones.filter(kind="signature")] == [
        ("signature", None)  # hashes only: nothing personal of the family
    ]
    assert (
        tombstones.filter(kind="withdrawal").get().entry["adhesion"]
        == (two_handovers["never_sent"])
    )
    roots = trusted_roots()
    for reference, data in two_handovers["documents"].items():
        verdict = verify_document(data, roots=roots)
        assert verdict.genuine and verdict.report.seal.trusted, verdict.reason
        assert verdict.record.reference == reference

    # The receiver's register is as tamper-evident as the sender's.
    family = adhesions[str(uuid.UUID(int=42))]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pact_adhesion SET signature_method = %s WHERE id = %s",
            ["in_person", family.pk],
        )
    status, said = _check_chain()
    assert status == 1 and "method" in said


def test_handing_over_again_in_the_wrong_order_is_refused(
    two_handovers, settings, tmp_path
):
    """The second bundle alone continues nothing held here: its tombstones
    stand for documents B never received, which is fine; but a bundle whose
    register contradicts B's is refused whole."""
    become_instance_b(settings, tmp_path)
    first, second = two_handovers["bundles"]
    handover_import(source=io.BytesIO(second))
    assert _check_chain()[0] == 0
    handover_import(source=io.BytesIO(first))  # older: a prefix of B's register
    assert _check_chain()[0] == 0
    assert Adhesion.objects.count() == 3
    withdrawn = Adhesion.objects.get(uuid=two_handovers["withdrawn"])
    assert withdrawn.status == AdhesionStatus.WITHDRAWN  # applied on arrival
