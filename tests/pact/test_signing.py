"""Signing an adhesion three ways: online with a code, in person, digitally."""

import asyncio
import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pyhanko.sign import signers

from pact import services
from pact.documents.seal import create_seal_certificate, seal_pdf
from pact.documents.verify import embedded_json, sha256_hex
from pact.models import Adhesion, AdhesionStatus, SignatureChallenge, SignatureMethod
from pact.services import signing
from tests.pact.adhesion_fixtures import (
    PNG,
    awaiting,
    read_document,
    scan,
    signed_in_person,
    upload,
)


def _code_from_mail():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.fixture
def emails(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the emails) of what happens in the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _send_code(client, adhesion, emails=None):
    url = reverse("pact:adhesion_send_code", args=[adhesion.pk])
    if emails is None:
        return client.post(url)
    with emails():
        return client.post(url)


def _sign(client, adhesion, code, confirm="on"):
    return client.post(
        reverse("pact:adhesion_sign", args=[adhesion.pk]),
        {"code": code, "confirm": confirm},
        HTTP_USER_AGENT="Firefox/128.0 (test)",
        REMOTE_ADDR="192.0.2.45",
    )


# --- online ------------------------------------------------------------------


def test_a_legal_representative_signs_online_with_the_emailed_code(
    client, network, adhesion_x, emails
):
    client.force_login(network.legal_rep_x)
    page = client.get(reverse("pact:adhesion_detail", args=[adhesion_x.pk]))
    assert "Finalità" in page.content.decode()  # the whole text is shown
    _send_code(client, adhesion_x, emails)
    assert mail.outbox[-1].to == ["laura.xerri@example.org"]
    _sign(client, adhesion_x, _code_from_mail())

    adhesion_x.refresh_from_db()
    assert adhesion_x.status == AdhesionStatus.SIGNED
    assert adhesion_x.signature_method == SignatureMethod.ONLINE
    assert adhesion_x.signatory == network.legal_rep_x.person
    assert adhesion_x.document_sha256 == sha256_hex(read_document(adhesion_x))
    evidence = adhesion_x.evidence
    assert evidence["ip_address"] == "192.0.2.45"
    assert evidence["user_agent"] == "Firefox/128.0 (test)"
    assert evidence["email"] == "laura.xerri@example.org"
    challenge = SignatureChallenge.objects.get(adhesion=adhesion_x)
    assert evidence["shown_sha256"] == challenge.document_sha256
    assert challenge.used_at is not None


def test_a_guardian_signs_the_familys_adhesion_online(
    client, network, adhesion_a, emails
):
    client.force_login(network.guardian_a)
    _send_code(client, adhesion_a, emails)
    _sign(client, adhesion_a, _code_from_mail())
    adhesion_a.refresh_from_db()
    assert adhesion_a.status == AdhesionStatus.SIGNED
    assert adhesion_a.signatory_capacity == "guardian"


def test_a_contact_of_the_organisation_sees_the_pact_but_cannot_sign_it(
    client, network, adhesion_x
):
    client.force_login(network.contact_x)
    page = client.get(reverse("pact:adhesion_detail", args=[adhesion_x.pk]))
    assert page.status_code == 200
    assert reverse("pact:adhesion_send_code", args=[adhesion_x.pk]) not in (
        page.content.decode()
    )
    response = _send_code(client, adhesion_x)
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.challenge_issue(adhesion=adhesion_x, user=network.contact_x)
    assert not SignatureChallenge.objects.exists()


def test_another_family_gets_not_found_for_an_adhesion_it_does_not_act_for(
    client, network, adhesion_a
):
    client.force_login(network.guardian_b)
    for name in ("adhesion_detail", "adhesion_pdf"):
        response = client.get(reverse(f"pact:{name}", args=[adhesion_a.pk]))
        assert response.status_code == 404
    response = _send_code(client, adhesion_a)
    assert response.status_code == 404
    assert not SignatureChallenge.objects.exists()


def test_a_wrong_code_is_refused_and_counts_as_an_attempt(
    client, network, adhesion_x, emails
):
    client.force_login(network.legal_rep_x)
    _send_code(client, adhesion_x, emails)
    code = _code_from_mail()
    wrong = "000000" if code != "000000" else "111111"
    response = _sign(client, adhesion_x, wrong)
    assert response.status_code == 400
    page = response.content.decode()
    assert "4" in page and ("Codice errato" in page or "Wrong code" in page)
    assert SignatureChallenge.objects.get().attempts == 1
    adhesion_x.refresh_from_db()
    assert adhesion_x.status == AdhesionStatus.AWAITING_SIGNATURE


def test_after_five_wrong_attempts_even_the_right_code_is_refused(network, adhesion_x):
    _challenge, code = services.challenge_issue(
        adhesion=adhesion_x, user=network.legal_rep_x
    )
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(signing.MAX_ATTEMPTS):
        with pytest.raises(ValidationError):
            services.adhesion_sign_online(
                adhesion=adhesion_x,
                signatory_user=network.legal_rep_x,
                code=wrong,
                request_meta={},
            )
    with pytest.raises(ValidationError):
        services.adhesion_sign_online(
            adhesion=adhesion_x,
            signatory_user=network.legal_rep_x,
            code=code,
            request_meta={},
        )
    assert SignatureChallenge.objects.get().attempts == signing.MAX_ATTEMPTS
    adhesion_x.refresh_from_db()
    assert not adhesion_x.is_signed


def test_an_expired_code_is_refused(network, adhesion_x):
    challenge, code = services.challenge_issue(
        adhesion=adhesion_x, user=network.legal_rep_x
    )
    SignatureChallenge.objects.filter(pk=challenge.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="Il codice è scaduto"):
        services.adhesion_sign_online(
            adhesion=adhesion_x,
            signatory_user=network.legal_rep_x,
            code=code,
            request_meta={},
        )


def test_a_new_code_replaces_the_previous_one(network, adhesion_x):
    _old, old_code = services.challenge_issue(
        adhesion=adhesion_x, user=network.legal_rep_x
    )
    _new, new_code = services.challenge_issue(
        adhesion=adhesion_x, user=network.legal_rep_x
    )
    if old_code != new_code:
        with pytest.raises(ValidationError):
            services.adhesion_sign_online(
                adhesion=adhesion_x,
                signatory_user=network.legal_rep_x,
                code=old_code,
                request_meta={},
            )
    services.adhesion_sign_online(
        adhesion=adhesion_x,
        signatory_user=network.legal_rep_x,
        code=new_code,
        request_meta={},
    )


def test_a_code_stops_working_when_the_commitments_change(network, adhesion_x):
    _challenge, code = services.challenge_issue(
        adhesion=adhesion_x, user=network.legal_rep_x
    )
    services.adhesion_update(
        adhesion=adhesion_x, by=network.coordinator, commitments="Altro testo."
    )
    with pytest.raises(
        ValidationError, match="Il testo è cambiato dopo l'invio del codice"
    ):
        services.adhesion_sign_online(
            adhesion=adhesion_x,
            signatory_user=network.legal_rep_x,
            code=code,
            request_meta={},
        )


def test_codes_are_stored_only_as_hashes(network, adhesion_x):
    challenge, code = services.challenge_issue(
        adhesion=adhesion_x, user=network.legal_rep_x
    )
    assert code not in challenge.code_hash


def test_a_draft_cannot_be_signed_online_before_the_signature_is_requested(
    network, open_version
):
    draft = services.adhesion_create(
        version=open_version,
        member=network.org_x,
        by=network.coordinator,
        network_role=open_version.network_roles.first(),
    )
    with pytest.raises(ValidationError):
        services.challenge_issue(adhesion=draft, user=network.legal_rep_x)


def test_asking_for_a_signature_emails_whoever_signs_for_the_member(
    network, open_version, emails
):
    with emails():
        awaiting(open_version, network.org_x, network.coordinator)
    recipients = [m.to for m in mail.outbox]
    assert recipients == [["laura.xerri@example.org"]]  # not the contact


# --- in person ---------------------------------------------------------------


def test_a_coordinator_records_an_in_person_signature_with_the_scan(
    network, open_version
):
    adhesion = signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )
    assert adhesion.status == AdhesionStatus.SIGNED
    assert adhesion.signature_method == SignatureMethod.IN_PERSON
    assert adhesion.source_sha256 == sha256_hex(PNG)
    assert adhesion.evidence["source_sha256"] == sha256_hex(PNG)
    data = embedded_json(
        __import__("pact.documents.verify", fromlist=["x"])
        and _root(read_document(adhesion))
    )
    assert data["signature"]["method"] == "in_person"
    assert data["signature"]["source_sha256"] == sha256_hex(PNG)


def _root(pdf):
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(pdf), strict=False).root


def test_in_person_the_signatory_must_be_who_signs_for_the_member(network, adhesion_x):
    with pytest.raises(ValidationError) as error:
        services.adhesion_sign_in_person(
            adhesion=adhesion_x,
            scan_file=scan(),
            signatory=network.contact_x.person,
            signed_at=timezone.now(),
            by=network.coordinator,
        )
    assert "signatory" in error.value.message_dict


def test_in_person_a_scan_that_is_not_a_pdf_or_image_is_refused(network, adhesion_x):
    with pytest.raises(ValidationError):
        services.adhesion_sign_in_person(
            adhesion=adhesion_x,
            scan_file=scan("x.exe", b"MZ\x90\x00"),
            signatory=network.legal_rep_x.person,
            signed_at=timezone.now(),
            by=network.coordinator,
        )
    adhesion_x.refresh_from_db()
    assert not adhesion_x.is_signed


def test_only_a_coordinator_records_a_signature_in_person(network, adhesion_x):
    with pytest.raises(ValidationError):
        services.adhesion_sign_in_person(
            adhesion=adhesion_x,
            scan_file=scan(),
            signatory=network.legal_rep_x.person,
            signed_at=timezone.now(),
            by=network.legal_rep_x,
        )


def test_a_signed_adhesion_cannot_be_signed_again(network, signed_x):
    sha = signed_x.document_sha256
    with pytest.raises(ValidationError, match="è già stata firmata"):
        services.adhesion_sign_in_person(
            adhesion=signed_x,
            scan_file=scan(),
            signatory=network.legal_rep_x.person,
            signed_at=timezone.now(),
            by=network.coordinator,
        )
    signed_x.refresh_from_db()
    assert signed_x.document_sha256 == sha


# --- digital -----------------------------------------------------------------


@pytest.fixture
def personal_signer(tmp_path):
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    create_seal_certificate(key_path=key, cert_path=cert, common_name="Laura Xerri")
    return signers.SimpleSigner.load(str(key), str(cert))


def _text_to_sign(adhesion):
    from pact.documents.pdf import render_adhesion_pdf
    from pact.documents.samples import sample_document

    return render_adhesion_pdf(
        sample_document(reference=adhesion.reference), seal=False
    )


def test_a_pades_signed_pdf_is_checked_and_recorded(
    network, adhesion_x, personal_signer, coordinator_client
):
    signed = seal_pdf(_text_to_sign(adhesion_x), signer=personal_signer)
    adhesion = services.adhesion_sign_digital(
        adhesion=adhesion_x,
        uploaded=upload(signed),
        by=network.coordinator,
        signatory=network.legal_rep_x.person,
    )
    assert adhesion.signature_method == SignatureMethod.DIGITAL
    digital = adhesion.evidence["digital"]
    assert digital["kind"] == "pades" and digital["ok"] is True
    assert "Laura Xerri" in digital["signer"]
    assert adhesion.source_sha256 == sha256_hex(signed)
    with adhesion.source_file.open("rb") as handle:
        assert handle.read() == signed
    inspect = reverse("pact_adhesions:inspect", args=[adhesion.pk])
    assert "Laura Xerri" in coordinator_client.get(inspect).content.decode()


def test_a_p7m_envelope_is_checked_and_recorded(network, adhesion_x, personal_signer):
    content = _text_to_sign(adhesion_x)
    envelope = asyncio.run(
        personal_signer.async_sign_general_data(content, "sha256", detached=False)
    ).dump()
    adhesion = services.adhesion_sign_digital(
        adhesion=adhesion_x,
        uploaded=upload(envelope, "patto.pdf.p7m"),
        by=network.coordinator,
        signatory=network.legal_rep_x.person,
    )
    assert adhesion.evidence["digital"]["kind"] == "cades"
    assert adhesion.source_file.name.endswith(".p7m")


def test_a_digitally_signed_pdf_changed_after_signing_is_refused(
    network, adhesion_x, personal_signer
):
    signed = bytearray(seal_pdf(_text_to_sign(adhesion_x), signer=personal_signer))
    signed[len(signed) // 3] ^= 0x01
    with pytest.raises(ValidationError, match="La firma digitale non è valida"):
        services.adhesion_sign_digital(
            adhesion=adhesion_x,
            uploaded=upload(bytes(signed)),
            by=network.coordinator,
            signatory=network.legal_rep_x.person,
        )
    assert Adhesion.objects.signed().count() == 0


def test_an_unsigned_pdf_is_not_a_digital_signature(network, adhesion_x):
    with pytest.raises(ValidationError):
        services.adhesion_sign_digital(
            adhesion=adhesion_x,
            uploaded=upload(_text_to_sign(adhesion_x)),
            by=network.coordinator,
            signatory=network.legal_rep_x.person,
        )


def test_a_digitally_signed_pact_of_another_adhesion_is_refused(
    network, adhesion_x, personal_signer
):
    from pact.documents.pdf import render_adhesion_pdf
    from pact.documents.samples import sample_document

    other = render_adhesion_pdf(sample_document(reference="someone-else"), seal=False)
    with pytest.raises(ValidationError, match="il patto di un'altra adesione"):
        services.adhesion_sign_digital(
            adhesion=adhesion_x,
            uploaded=upload(seal_pdf(other, signer=personal_signer)),
            by=network.coordinator,
            signatory=network.legal_rep_x.person,
        )


def test_three_ways_of_signing_count_the_same(network, open_version, personal_signer):
    from pact.selectors import public_adherents

    network.org_x.listed_publicly = True
    network.org_x.save()
    online = awaiting(open_version, network.family_a, network.coordinator)
    _c, code = services.challenge_issue(adhesion=online, user=network.guardian_a)
    services.adhesion_sign_online(
        adhesion=online, signatory_user=network.guardian_a, code=code, request_meta={}
    )
    signed_in_person(
        open_version, network.family_b, network.coordinator, network.guardian_b
    )
    digital = awaiting(open_version, network.org_x, network.coordinator)
    services.adhesion_sign_digital(
        adhesion=digital,
        uploaded=upload(seal_pdf(_text_to_sign(digital), signer=personal_signer)),
        by=network.coordinator,
        signatory=network.legal_rep_x.person,
    )
    adherents = public_adherents(open_version)
    assert adherents.family_count == 2
    assert [m.name for m in adherents.organisations] == ["Associazione Xilofono"]
    assert Adhesion.objects.in_force().count() == 3
