"""Signed adhesions for the export and handover tests.

A pact version is opened through the pact services; signed adhesions are
stored as the signing services leave them (status, chain, SHA-256, the PDF in
storage). ``real=True`` stores a genuine signed-pact PDF (PDF/A-3b with its
embedded data, sealed when ``seal_key`` is given), rendered once per test
session for each reference; otherwise a small unique stand-in file.
"""

import dataclasses
import datetime as dt
import hashlib
import uuid
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from pyhanko.sign.signers import SimpleSigner

from crm.models import AffiliationRole
from pact.documents import context
from pact.documents.chain import GENESIS
from pact.documents.pdf import render_adhesion_pdf
from pact.documents.samples import sample_document, sample_pact
from pact.documents.seal import create_seal_certificate, seal_pdf
from pact.models import Adhesion, AdhesionStatus, Pact, PactVersion
from pact.services import (
    article_save,
    network_role_save,
    pact_version_create,
    pact_version_open,
    pact_version_update,
)
from pact.services.register import register_signature
from tests.factories import PersonFactory

ROME = ZoneInfo("Europe/Rome")
SIGNED_AT = dt.datetime(2020, 11, 12, 10, 0, tzinfo=ROME)
_RENDERED: dict[tuple, bytes] = {}
_SIGNERS: dict[str, SimpleSigner] = {}


def open_version(slug="patto-piana", title="Patto di comunità della Piana"):
    """A pact version open for signature, with an article and two roles."""
    pact = Pact.objects.create(title=title, slug=slug)
    version = pact_version_create(pact=pact)
    pact_version_update(
        version=version,
        effective_date=dt.date(2020, 11, 4),
        preamble="<p>Nato dal percorso «Lucca In… famiglia».</p>",
    )
    article_save(
        version=version,
        title="Finalità",
        body="<p>Una rete di supporto alle famiglie con bambini 0-6.</p>",
    )
    network_role_save(
        version=version, code="capofila", name="Capofila", description="Coordina."
    )
    network_role_save(
        version=version, code="nodo", name="Nodo", description="Offre servizi."
    )
    return pact_version_open(version=version)


def seal_signer(folder) -> SimpleSigner:
    """A demo seal (EC key and self-signed certificate) made once per folder."""
    key = str(folder)
    if key not in _SIGNERS:
        create_seal_certificate(
            key_path=folder / "key.pem",
            cert_path=folder / "cert.pem",
            common_name="Rete Lucca In famiglia (test)",
        )
        _SIGNERS[key] = SimpleSigner.load(
            str(folder / "key.pem"), str(folder / "cert.pem")
        )
    return _SIGNERS[key]


def use_seal(settings, folder) -> SimpleSigner:
    """Make the seal of ``folder`` this instance's configured seal."""
    signer = seal_signer(folder)
    settings.PACT_SEAL_KEY = folder / "key.pem"
    settings.PACT_SEAL_CERT = folder / "cert.pem"
    return signer


def _real_pdf(version: PactVersion, adhesion: Adhesion, signer) -> bytes:
    member = adhesion.member
    key = (
        adhesion.reference,
        version.text_sha256,
        adhesion.short_code,
        member.name,
        adhesion.signatory.full_name,
        adhesion.signed_at,
        adhesion.signature_method,
        adhesion.network_role.code,
        adhesion.previous_sha256,
        id(signer) if signer is not None else None,
    )
    if key not in _RENDERED:
        document = sample_document(
            reference=adhesion.reference,
            short_code=adhesion.short_code,
            verification_url=f"http://testserver/verifica/{adhesion.short_code}/",
            pact=dataclasses.replace(
                sample_pact(),
                title=version.pact.title,
                slug=version.pact.slug,
                version_number=version.number,
                text_sha256=version.text_sha256,
            ),
            member=context.Party(
                reference=f"m-{member.pk}",
                name=member.name,
                kind=member.kind,
                codice_fiscale=member.codice_fiscale or "",
                partita_iva=member.partita_iva or "",
            ),
            previous_sha256=adhesion.previous_sha256,
            network_role=context.NetworkRole(
                adhesion.network_role.code, adhesion.network_role.name
            ),
            signatory=context.Signatory(
                name=adhesion.signatory.full_name, capacity="legale rappresentante"
            ),
            evidence=context.Evidence(
                method=adhesion.signature_method, signed_at=adhesion.signed_at
            ),
            commitments=(context.Commitment(adhesion.commitments, ()),),
        )
        pdf = render_adhesion_pdf(document, seal=False)
        _RENDERED[key] = seal_pdf(pdf, signer=signer) if signer else pdf
    return _RENDERED[key]


def sign(
    version: PactVersion,
    member,
    *,
    number: int,
    role: str = "nodo",
    signatory=None,
    signed_at=None,
    method: str = "online",
    real: bool = False,
    signer=None,
) -> Adhesion:
    """A signed adhesion of ``member``, appended to the version's chain.

    ``number`` makes the reference and the verification code; the same number
    always gives the same document, so PDFs are rendered once per session.
    """
    last = version.adhesions.signed().order_by("-chain_position").first()
    adhesion = Adhesion(
        uuid=uuid.UUID(int=number),
        version=version,
        member=member,
        network_role=version.network_roles.get(code=role),
        commitments="Doposcuola il martedì.\nCentro estivo a luglio.",
        status=AdhesionStatus.SIGNED,
        signatory=signatory
        or PersonFactory(first_name="Maria", last_name=f"Bianchi {number}"),
        signatory_capacity=(
            AffiliationRole.GUARDIAN
            if member.is_family
            else AffiliationRole.LEGAL_REPRESENTATIVE
        ),
        signature_method=method,
        signed_at=signed_at or SIGNED_AT + dt.timedelta(hours=number),
        evidence={"method": method},
        previous_sha256=last.document_sha256 if last else GENESIS,
        chain_position=(last.chain_position + 1) if last else 1,
        short_code=f"LIF-T{number:03d}-TEST",
    )
    if real:
        data = _real_pdf(version, adhesion, signer)
    else:
        data = (
            b"%PDF-1.7\n% stand-in signed pact " + str(number).encode() + b"\n%%EOF\n"
        )
    adhesion.document_sha256 = hashlib.sha256(data).hexdigest()
    adhesion.document.save("signed.pdf", ContentFile(data), save=False)
    adhesion.save()
    register_signature(adhesion)
    return adhesion
