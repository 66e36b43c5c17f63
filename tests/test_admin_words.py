"""The back office shows each value as a person reads it: Sì/No rather than
True/False, labels in Italian, a signature's evidence in sentences."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pact import services
from pact.digital_signatures import DigitalCheck
from tests.pact.adhesion_fixtures import awaiting, make_open_version, scan

pytestmark = pytest.mark.django_db


def _cells(html) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_municipalities_say_yes_or_no_for_the_piana(coordinator_client):
    html = coordinator_client.get(reverse("crm_municipality:index")).content.decode()
    text = _cells(html)
    assert "True" not in text and "False" not in text
    assert re.search(r"Capannori .*? Sì", text)
    assert re.search(r"Barga .*? No", text)


def test_the_people_list_speaks_italian(coordinator_client, network):
    html = coordinator_client.get(reverse("crm_person:index")).content.decode()
    assert "Full name" not in html
    assert re.search(r"<th[^>]*>\s*(<a[^>]*>)?\s*Nome", html)


def test_a_signatures_evidence_reads_as_labelled_facts(coordinator_client, network):
    version = make_open_version()
    adhesion = awaiting(version, network.org_x, network.coordinator)
    services.adhesion_sign_in_person(
        adhesion=adhesion,
        scan_file=scan(),
        signatory=network.legal_rep_x.person,
        signed_at=timezone.now(),
        by=network.coordinator,
    )
    html = coordinator_client.get(
        reverse("pact_adhesions:inspect", args=[adhesion.pk])
    ).content.decode()
    evidence = html[html.index("Prove della firma") :].split("</dl>")[0]

    assert "scan_name" not in evidence and "signed_at" not in evidence
    assert "<code>" not in evidence
    assert "Modalità di firma" in evidence and "Di persona, su carta" in evidence
    assert re.search(
        r"Firmata il\s*</dt>\s*<dd>\d{2}/\d{2}/\d{4} \d{2}:\d{2}", evidence
    )


def test_the_check_of_a_digital_signature_is_told_in_sentences():
    from django.utils import translation

    from pact.evidence import evidence_rows

    check = DigitalCheck(
        kind="pades",
        intact=True,
        valid=True,
        whole_file=True,
        signer="Laura Xerri",
        signer_tax_id="XRRLRA80A41E715K",
    )
    with translation.override("it"):
        rows = dict(
            evidence_rows({"method": "digital", "digital": check.as_evidence()})
        )
    lines = rows["Verifica della firma digitale"]
    assert isinstance(lines, list)
    text = " ".join(lines)
    assert "Integro (il file è quello firmato): sì." in text
    # “trusted: false” explained: no EU trust list on this system.
    assert "elenco europeo" in text and "trusted" not in text
    assert "Codice fiscale: XRRLRA80A41E715K." in text
