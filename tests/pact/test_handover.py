"""Handover batches: built by a coordinator, delivered to the Lucca Family net
liaison, downloaded and acknowledged by them; each step recorded."""

import io
import json
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from crm.models import DataExportLog, MemberKind
from pact.documents.bundle_reader import read_bundle
from pact.models import AdhesionStatus, HandoverBatch, HandoverStatus
from pact.services import handover
from tests.conftest import log_in, pass_mfa
from tests.factories import FamilyFactory, OrganisationFactory

from .handover_data import open_version, sign, use_seal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def handover_seal(settings, tmp_path):
    """The network's seal: every handover's manifest is sealed with it."""
    return use_seal(settings, tmp_path.parent / "seal-handover")


@pytest.fixture
def version(db):
    return open_version()


@pytest.fixture
def signed(version):
    """Two organisations and a family signed the open version."""
    return [
        sign(
            version,
            OrganisationFactory(
                name="Coop Girasole",
                codice_fiscale="01234567890",
                partita_iva="01234567890",
            ),
            number=11,
            role="capofila",
        ),
        sign(version, FamilyFactory(name="Famiglia Aranci"), number=12),
        sign(
            version,
            OrganisationFactory(name="Bottega Verdi", kind=MemberKind.BUSINESS),
            number=13,
        ),
    ]


def _bundle(batch):
    with batch.file.open("rb") as handle:
        return read_bundle(io.BytesIO(handle.read()))


def _build(coordinator_client, version, **data):
    return coordinator_client.post(
        reverse("pact_handover_build"), {"version": version.pk, "scope": "all", **data}
    )


# --- build ---------------------------------------------------------------------


def test_a_coordinator_builds_a_batch_of_everything_not_yet_handed_over(
    coordinator, coordinator_client, version, signed
):
    response = _build(coordinator_client, version)

    batch = HandoverBatch.objects.get()
    assert response.url == reverse("pact_handover_admin", args=[batch.pk])
    assert (batch.status, batch.count, batch.built_by) == ("built", 3, coordinator)
    for adhesion in signed:
        adhesion.refresh_from_db()
        assert adhesion.status == AdhesionStatus.HANDED_OVER
        assert adhesion.handover_batch == batch and adhesion.handed_over_at
        last = adhesion.history.latest()
        assert (last.status, last.history_user) == ("handed_over", coordinator)
    bundle = _bundle(batch)
    assert bundle.pact_version.text_sha256 == version.text_sha256
    assert {a.reference: a.sha256 for a in bundle.adhesions} == {
        a.reference: a.document_sha256 for a in signed
    }


def test_the_manifest_identifies_organisations_and_says_no_more_of_families(
    coordinator, version, signed
):
    batch = handover.handover_batch_build(by=coordinator)

    entries = {a.reference: a for a in _bundle(batch).adhesions}
    organisation, family = entries[signed[0].reference], entries[signed[1].reference]
    assert organisation.member.partita_iva == "01234567890"
    assert organisation.member.codice_fiscale == "01234567890"
    assert organisation.network_role_code == "capofila"
    assert organisation.signatory_name == signed[0].signatory.full_name
    assert organisation.signed_at == signed[0].signed_at
    assert family.member.kind == "family"
    assert (family.member.codice_fiscale, family.member.partita_iva) == ("", "")
    with zipfile.ZipFile(batch.file.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        registry = zf.read("registry.csv").decode("utf-8-sig")
    family_entry = next(
        e for e in manifest["adhesions"] if e["reference"] == signed[1].reference
    )
    assert "email" not in json.dumps(family_entry["member"])
    assert manifest["pact_version"]["canonical_text"] == version.canonical_text
    assert sorted(manifest["files"]) == sorted(
        [
            "registry.csv",
            "registry.xlsx",
            *(f"pdf/adesione-{a.reference}.pdf" for a in signed),
        ]
    )
    assert "Coop Girasole" in registry and ";" in registry
    register = manifest["register"]
    assert register["length"] == 3 and len(register["links"]) == 3
    assert all("entry" not in link for link in register["links"])  # hashes only
    assert "Coop Girasole" not in json.dumps(register)


def test_a_handover_needs_the_networks_seal(coordinator, settings, version, signed):
    settings.PACT_SEAL_KEY = settings.PACT_SEAL_KEY.parent / "missing.pem"
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="seal is not configured"),
    ):
        handover.handover_batch_build(by=coordinator)
    assert not HandoverBatch.objects.exists()
    signed[0].refresh_from_db()
    assert signed[0].status == AdhesionStatus.SIGNED


def test_a_coordinator_can_hand_over_a_chosen_set(coordinator_client, version, signed):
    _build(
        coordinator_client,
        version,
        scope="chosen",
        adhesion=[signed[0].pk, signed[2].pk],
    )

    batch = HandoverBatch.objects.get()
    assert batch.count == 2
    signed[1].refresh_from_db()
    assert signed[1].status == AdhesionStatus.SIGNED
    assert list(handover.pending_versions()) == [version]


def test_an_adhesion_is_handed_over_only_once(coordinator, version, signed):
    handover.handover_batch_build(by=coordinator)

    with pytest.raises(ValidationError):
        handover.handover_batch_build(by=coordinator)
    with pytest.raises(ValidationError):
        handover.handover_batch_build(by=coordinator, adhesions=[signed[0]])
    assert HandoverBatch.objects.count() == 1


def test_a_batch_holds_one_pact_version(coordinator, version, signed):
    other = open_version(slug="altro-patto", title="Altro patto")
    sign(other, FamilyFactory(), number=14)

    with pytest.raises(ValidationError):
        handover.handover_batch_build(by=coordinator)
    batch = handover.handover_batch_build(by=coordinator, version=other)
    assert batch.count == 1


def test_a_withdrawn_or_unsigned_adhesion_is_never_handed_over(
    coordinator, coordinator_client, version, signed
):
    signed[0].status = AdhesionStatus.WITHDRAWN
    signed[0].withdrawn_at = signed[0].signed_at
    signed[0].save()

    with pytest.raises(ValidationError):
        handover.handover_batch_build(by=coordinator, adhesions=[signed[0]])
    response = _build(coordinator_client, version, scope="chosen", adhesion=[])
    assert response.status_code == 302 and not HandoverBatch.objects.exists()
    assert handover.handover_batch_build(by=coordinator).count == 2


def test_a_stored_pdf_that_changed_stops_the_build_and_nothing_moves(
    coordinator, version, signed
):
    with signed[1].document.open("wb") as handle:
        handle.write(b"changed")

    with pytest.raises(ValidationError):
        handover.handover_batch_build(by=coordinator)

    assert not HandoverBatch.objects.exists()
    assert {a.status for a in type(signed[0]).objects.all()} == {"signed"}


def test_building_a_batch_is_logged_as_an_export(coordinator, version, signed):
    batch = handover.handover_batch_build(by=coordinator)

    log = DataExportLog.objects.get()
    assert (log.user, log.record_count, log.filters["batch"]) == (
        coordinator,
        3,
        batch.pk,
    )


# --- deliver, download, acknowledge -------------------------------------------


def test_delivering_notifies_the_liaison_by_email(
    coordinator, coordinator_client, network, version, signed
):
    batch = handover.handover_batch_build(by=coordinator)

    coordinator_client.post(reverse("pact_handover_deliver", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == HandoverStatus.DELIVERED
    assert (batch.delivered_by, batch.recipients) == (
        coordinator,
        ["lia.lucchesi@example.org"],
    )
    assert batch.delivered_at is not None
    (email,) = mail.outbox
    assert email.to == ["lia.lucchesi@example.org"]
    assert reverse("pact:handover_detail", args=[batch.pk]) in email.body
    assert batch.file_sha256 in email.body


def test_a_batch_is_delivered_once(coordinator, network, version, signed):
    batch = handover.handover_batch_build(by=coordinator)
    handover.handover_batch_deliver(batch=batch, by=coordinator)

    with pytest.raises(ValidationError):
        handover.handover_batch_deliver(batch=batch, by=coordinator)
    assert len(mail.outbox) == 1


def test_delivering_needs_a_liaison(coordinator, version, signed):
    batch = handover.handover_batch_build(by=coordinator)

    with pytest.raises(ValidationError):
        handover.handover_batch_deliver(batch=batch, by=coordinator)
    batch.refresh_from_db()
    assert batch.status == HandoverStatus.BUILT


@pytest.fixture
def delivered(coordinator, network, version, signed, settings, tmp_path):
    use_seal(settings, tmp_path.parent / "seal-handover")  # also where imported
    batch = handover.handover_batch_build(by=coordinator)
    return handover.handover_batch_deliver(batch=batch, by=coordinator)


def test_the_liaison_downloads_and_acknowledges_from_their_area(
    client, liaison, delivered
):
    log_in(client, liaison)

    listing = client.get(reverse("pact:handover_list"))
    detail = client.get(reverse("pact:handover_detail", args=[delivered.pk]))
    download = client.get(reverse("pact:handover_download", args=[delivered.pk]))
    content = b"".join(download.streaming_content)
    client.post(
        reverse("pact:handover_acknowledge", args=[delivered.pk]),
        {"note": "Ricevuto e verificato."},
    )

    assert (
        reverse("pact:handover_detail", args=[delivered.pk]) in listing.content.decode()
    )
    assert "Coop Girasole" in detail.content.decode()
    assert read_bundle(io.BytesIO(content)).adhesions
    assert DataExportLog.objects.filter(user=liaison, format="zip").count() == 1
    delivered.refresh_from_db()
    assert delivered.status == HandoverStatus.ACKNOWLEDGED
    assert (delivered.acknowledged_by, delivered.acknowledgement_note) == (
        liaison,
        "Ricevuto e verificato.",
    )
    assert delivered.acknowledged_at >= delivered.delivered_at >= delivered.built_at


def test_receipt_is_acknowledged_once(liaison, delivered):
    handover.handover_batch_acknowledge(batch=delivered, by=liaison)

    with pytest.raises(ValidationError):
        handover.handover_batch_acknowledge(batch=delivered, by=liaison)


def test_only_the_liaison_acknowledges(coordinator, delivered, network):
    for someone in (coordinator, network.guardian_a):
        with pytest.raises(ValidationError):
            handover.handover_batch_acknowledge(batch=delivered, by=someone)
    delivered.refresh_from_db()
    assert delivered.status == HandoverStatus.DELIVERED


def test_the_liaison_menu_entry_shows_only_for_the_liaison(client, network, delivered):
    log_in(client, network.liaison)
    mine = client.get(reverse("crm:area_home")).content.decode()
    log_in(client, network.guardian_a)
    theirs = client.get(reverse("crm:area_home")).content.decode()

    assert reverse("pact:handover_list") in mine
    assert reverse("pact:handover_list") not in theirs


# --- the liaison sees batches, nothing else ---------------------------------


def test_the_liaison_does_not_see_a_batch_before_it_is_delivered(
    client, coordinator, liaison, delivered, version
):
    sign(version, FamilyFactory(), number=15)
    built = handover.handover_batch_build(by=coordinator)
    log_in(client, liaison)

    for name in ("handover_detail", "handover_download"):
        assert client.get(reverse(f"pact:{name}", args=[built.pk])).status_code == 404
    url = reverse("pact:handover_acknowledge", args=[built.pk])
    assert client.post(url).status_code == 404
    listing = client.get(reverse("pact:handover_list")).content.decode()
    assert reverse("pact:handover_detail", args=[built.pk]) not in listing


def test_the_liaison_gets_nothing_from_the_back_office_of_handovers_or_exports(
    client, liaison, delivered
):
    pass_mfa(client, liaison)

    for name, args in (
        ("pact_handover_index", []),
        ("pact_handover_build", []),
        ("pact_handover_admin", [delivered.pk]),
        ("pact_handover_download_admin", [delivered.pk]),
        ("pact_exports", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    response = client.post(reverse("pact_handover_deliver", args=[delivered.pk]))
    assert response.status_code == 404


def test_the_liaison_does_not_see_other_members_data_in_the_member_area(
    client, liaison, delivered, network
):
    log_in(client, liaison)

    response = client.get(reverse("crm:area_member", args=[network.family_a.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["guardian_a", "legal_rep_x", "contact_y"])
def test_members_never_see_handovers(client, network, delivered, persona):
    log_in(client, getattr(network, persona))

    assert client.get(reverse("pact:handover_list")).status_code == 404
    for name in ("handover_detail", "handover_download"):
        url = reverse(f"pact:{name}", args=[delivered.pk])
        assert client.get(url).status_code == 404
    url = reverse("pact:handover_acknowledge", args=[delivered.pk])
    assert client.post(url).status_code == 404


def test_a_coordinator_does_not_acknowledge_through_the_liaison_pages(
    client, coordinator, delivered
):
    log_in(client, coordinator)

    url = reverse("pact:handover_acknowledge", args=[delivered.pk])
    assert client.post(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, delivered):
    response = client.get(reverse("pact:handover_detail", args=[delivered.pk]))

    assert response.status_code == 302 and "login" in response.url


# --- lists cost a fixed number of queries ------------------------------------


def _many_batches(coordinator, version, count):
    for n in range(count):
        sign(version, FamilyFactory(), number=100 + n)
        batch = handover.handover_batch_build(by=coordinator)
        handover.handover_batch_deliver(batch=batch, by=coordinator)


def test_the_admin_list_and_detail_cost_a_fixed_number_of_queries(
    coordinator,
    coordinator_client,
    network,
    version,
    signed,
    django_assert_max_num_queries,
):
    _many_batches(coordinator, version, 8)
    for n in range(20):
        sign(version, FamilyFactory(), number=200 + n)
    batch = handover.handover_batch_build(by=coordinator)

    with django_assert_max_num_queries(30):
        index = coordinator_client.get(reverse("pact_handover_index"))
    with django_assert_max_num_queries(30):
        detail = coordinator_client.get(reverse("pact_handover_admin", args=[batch.pk]))
    assert index.content.decode().count("/admin/pact/handover/") >= 9
    assert detail.content.decode().count("LIF-T2") == 20


def test_the_liaison_pages_cost_a_fixed_number_of_queries(
    client, coordinator, liaison, version, signed, django_assert_max_num_queries
):
    _many_batches(coordinator, version, 8)
    for n in range(20):
        sign(version, FamilyFactory(), number=200 + n)
    batch = handover.handover_batch_deliver(
        batch=handover.handover_batch_build(by=coordinator), by=coordinator
    )
    log_in(client, liaison)

    with django_assert_max_num_queries(20):
        listing = client.get(reverse("pact:handover_list"))
    with django_assert_max_num_queries(20):
        detail = client.get(reverse("pact:handover_detail", args=[batch.pk]))
    assert listing.content.decode().count("/area-riservata/consegne/") >= 9
    assert detail.content.decode().count("LIF-T2") == 20


# --- the command ---------------------------------------------------------------


def test_the_handover_command_writes_a_bundle_that_verifies(
    tmp_path, version, handover_seal
):
    for number in (17, 18, 19):
        sign(version, FamilyFactory(), number=number, real=True, signer=handover_seal)
    target = tmp_path / "consegna.zip"

    call_command("handover", "-o", str(target), stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_bundle", str(target), stdout=out)

    assert "VALID" in out.getvalue() and "Register:   3 links" in out.getvalue()
    batch = HandoverBatch.objects.get()
    assert batch.built_by is None and batch.count == 3
    assert target.read_bytes() == batch.file.open("rb").read()


def test_the_handover_command_fails_when_nothing_waits(tmp_path, version):
    with pytest.raises(CommandError) as failure:
        call_command("handover", "-o", str(tmp_path / "x.zip"))

    assert failure.value.returncode == 1
    assert not (tmp_path / "x.zip").exists()


def test_the_handover_command_asks_which_version_when_several_wait(
    tmp_path, version, signed
):
    other = open_version(slug="altro-patto", title="Altro patto")
    sign(other, FamilyFactory(), number=16)

    with pytest.raises(CommandError, match="--pact altro-patto --pact-version 1"):
        call_command("handover", "-o", str(tmp_path / "x.zip"))
    call_command(
        "handover",
        "-o",
        str(tmp_path / "x.zip"),
        "--pact",
        "altro-patto",
        "--pact-version",
        "1",
        stdout=io.StringIO(),
    )
    assert HandoverBatch.objects.get().version == other
