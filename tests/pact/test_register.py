"""The register is a chain of entries: every field of a signature is covered,
and a deleted, moved or truncated entry is named by ``check_signature_chain``.

Edits are made below the guards (raw SQL), as someone with database access
would make them.
"""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from pact.documents import register as chain
from pact.models import Adhesion, RegisterLink
from pact.services import adhesion_withdraw
from pact.services.register import (
    links_of,
    register_check,
    register_checkpoint,
    register_state,
)
from tests.factories import FamilyFactory, OrganisationFactory, PersonFactory

from .handover_data import open_version, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(db):
    return open_version()


@pytest.fixture
def signed(version):
    return [
        sign(version, OrganisationFactory(name="Coop Girasole"), number=1),
        sign(version, FamilyFactory(name="Famiglia Aranci"), number=2),
        sign(version, OrganisationFactory(name="Bottega Verdi"), number=3),
        sign(version, FamilyFactory(name="Famiglia Bruni"), number=4),
    ]


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _check():
    """Exit status and what ``check_signature_chain`` said."""
    try:
        call_command("check_signature_chain", "--skip-files")
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


def test_every_signature_is_a_link_that_hashes_the_whole_entry(version, signed):
    links = links_of(version)
    assert [link.position for link in links] == [1, 2, 3, 4]
    assert links[0].previous == chain.GENESIS
    assert all(
        b.previous == a.link_sha256 for a, b in zip(links, links[1:], strict=False)
    )
    entry = links[1].entry
    assert entry["adhesion"] == signed[1].reference
    assert entry["member"]["name"] == "Famiglia Aranci"
    assert entry["signatory"] == signed[1].signatory.full_name
    assert entry["commitments"] == ["Doposcuola il martedì.", "Centro estivo a luglio."]
    assert entry["document_sha256"] == signed[1].document_sha256
    assert register_state(version) == (4, links[-1].link_sha256)
    assert _check() == (0, "")


def test_a_withdrawal_is_appended_as_a_link_of_its_own(coordinator, version, signed):
    adhesion_withdraw(adhesion=signed[1], by=coordinator, reason="Trasferiti.")
    last = RegisterLink.objects.filter(version=version).order_by("position").last()
    assert (last.position, last.kind, last.adhesion_id) == (
        5,
        "withdrawal",
        signed[1].pk,
    )
    assert last.entry["signature_link"] == links_of(version)[1].link_sha256
    assert _check() == (0, "")


EDITS = {
    "signed_at": ("UPDATE pact_adhesion SET signed_at = %s WHERE id = %s", "date"),
    "signature_method": (
        "UPDATE pact_adhesion SET signature_method = %s WHERE id = %s",
        "in_person",
    ),
    "commitments": (
        "UPDATE pact_adhesion SET commitments = %s WHERE id = %s",
        "Nessun impegno.",
    ),
    "short_code": (
        "UPDATE pact_adhesion SET short_code = %s WHERE id = %s",
        "LIF-FAKE-CODE",
    ),
    "document_sha256": (
        "UPDATE pact_adhesion SET document_sha256 = %s WHERE id = %s",
        "e" * 64,
    ),
}


@pytest.mark.parametrize("field", sorted(EDITS))
def test_editing_one_field_of_a_signature_is_detected(version, signed, field):
    statement, value = EDITS[field]
    if value == "date":
        value = signed[2].signed_at - dt.timedelta(days=30)
    _sql(statement, value, signed[2].pk)
    status, message = _check()
    assert status == 1
    assert "link 3" in message and signed[2].reference in message
    assert field.removeprefix("signature_") in message or "document" in message


def test_pointing_a_signature_at_another_signatory_is_detected(version, signed):
    _sql(
        "UPDATE pact_adhesion SET signatory_id = %s WHERE id = %s",
        PersonFactory(first_name="Mario", last_name="Falsi").pk,
        signed[1].pk,
    )
    status, message = _check()
    assert status == 1 and "link 2" in message and "signatory" in message


def test_renaming_the_signatory_is_detected(version, signed):
    _sql(
        "UPDATE crm_person SET last_name = %s WHERE id = %s",
        "Falsi",
        signed[0].signatory_id,
    )
    status, message = _check()
    assert status == 1 and "link 1" in message and "signatory" in message


def test_pointing_a_signature_at_another_member_is_detected(version, signed):
    other = FamilyFactory(name="Famiglia Intrusa")
    _sql(
        "UPDATE pact_adhesion SET member_id = %s WHERE id = %s", other.pk, signed[3].pk
    )
    status, message = _check()
    assert status == 1 and "link 4" in message and "member" in message


def test_renaming_a_family_is_detected(version, signed):
    _sql(
        "UPDATE crm_member SET name = %s WHERE id = %s",
        "Famiglia Rinominata",
        signed[1].member_id,
    )
    status, message = _check()
    assert status == 1 and "link 2" in message and "member" in message


def test_editing_the_stored_entry_itself_is_detected(version, signed):
    row = RegisterLink.objects.get(version=version, position=2)
    entry = dict(row.entry, method="in_person")
    RegisterLink.objects.filter(pk=row.pk).update(entry=entry)
    status, message = _check()
    assert status == 1 and "link 2" in message and "field was edited" in message


def _rewrite_chain_from(version, position, rows):
    """What a careful forger does: recompute every link after a change."""
    start = [link for link in links_of(version) if link.position < position]
    rebuilt = chain.build_links([r.entry for r in rows], start)
    for row, link in zip(rows, rebuilt, strict=True):
        RegisterLink.objects.filter(pk=row.pk).update(
            position=link.position + 1000,  # out of the way of the unique index
            previous_sha256=link.previous,
            entry_sha256=link.entry_sha256,
            link_sha256=link.link_sha256,
        )
    for row, link in zip(rows, rebuilt, strict=True):
        RegisterLink.objects.filter(pk=row.pk).update(position=link.position)


def test_deleting_a_middle_entry_is_detected_even_with_the_chain_rewritten(
    version, signed
):
    RegisterLink.objects.filter(version=version, position=2)._raw_delete("default")
    status, message = _check()
    assert status == 1 and "link 2" in message  # the gap, where it was

    later = list(RegisterLink.objects.filter(version=version, position__gt=2))
    _rewrite_chain_from(version, 2, later)
    status, message = _check()
    # The next adhesion's previous document (sealed into its PDF) names the
    # deleted one: the gap shows where it was.
    assert status == 1 and "link 2" in message and signed[2].reference in message
    assert "previous document" in message


def test_reordering_two_entries_is_detected(version, signed):
    first, second = RegisterLink.objects.filter(version=version, position__in=[2, 3])
    RegisterLink.objects.filter(pk=first.pk).update(position=99)
    RegisterLink.objects.filter(pk=second.pk).update(position=2)
    RegisterLink.objects.filter(pk=first.pk).update(position=3)
    status, message = _check()
    assert (
        status == 1 and "link 2" in message and "deleted, inserted or moved" in message
    )


def _truncate_last(version, adhesion):
    """Remove the last entry and its adhesion altogether."""
    RegisterLink.objects.filter(adhesion=adhesion)._raw_delete("default")
    adhesion.commitment_topics.through.objects.filter(
        adhesion_id=adhesion.pk
    )._raw_delete("default")
    Adhesion.objects.filter(pk=adhesion.pk)._raw_delete("default")


def test_a_truncated_tail_is_detected_against_a_handed_over_head(version, signed):
    register_checkpoint(version, source="handover 2026-0001")
    _truncate_last(version, signed[3])
    status, message = _check()
    assert status == 1
    assert "link 4" in message and "truncated" in message and "2026-0001" in message


def test_a_truncated_tail_is_detected_against_a_published_head(version, signed):
    _length, head = register_state(version)
    _truncate_last(version, signed[3])
    assert _check() == (0, "")  # nothing local to compare with…
    with pytest.raises(CommandError) as error:
        call_command("check_signature_chain", "--skip-files", "--head", head)
    assert "link 4" in str(error.value) and "truncated or rewritten" in str(error.value)


def test_a_rewritten_chain_is_detected_against_a_handed_over_head(version, signed):
    register_checkpoint(version, source="handover 2026-0001")
    row = RegisterLink.objects.get(version=version, position=3)
    RegisterLink.objects.filter(pk=row.pk).update(
        entry=dict(row.entry, commitments=["Nessun impegno."])
    )
    _sql(
        "UPDATE pact_adhesion SET commitments = %s WHERE id = %s",
        "Nessun impegno.",
        signed[2].pk,
    )
    _rewrite_chain_from(
        version, 3, list(RegisterLink.objects.filter(version=version, position__gte=3))
    )
    report = register_check(version)
    assert not report.ok and report.position == 4 and "rewritten" in report.reason


def test_the_public_pact_page_publishes_the_head_and_length(client, version, signed):
    length, head = register_state(version)
    response = client.get(reverse("pact:pact_detail", args=[version.pact.slug]))
    assert response.status_code == 200
    assert head in response.content.decode() and length == 4
    assert "4" in response.content.decode()


def test_the_verification_no_longer_vouches_for_an_edited_signature(version, signed):
    from pact.documents.verify import verify_document
    from pact.services import signed_document_by_sha256

    assert signed_document_by_sha256(signed[1].document_sha256) is not None
    with signed[1].document.open("rb") as handle:
        data = handle.read()
    _sql(
        "UPDATE pact_adhesion SET signature_method = %s WHERE id = %s",
        "in_person",
        signed[1].pk,
    )
    assert signed_document_by_sha256(signed[1].document_sha256) is None
    assert not verify_document(data).genuine
