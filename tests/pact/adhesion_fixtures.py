"""Fixtures of the adhesion tests: a pact version open for signature, the
seal, and adhesions in each state, all made through the real services.

Loaded by ``tests/pact/conftest.py``; the network personas (families A and B,
organisations X and Y, their guardians, legal representative and contacts)
come from ``tests/conftest.py``.
"""

import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import Topic
from pact import services
from pact.documents.seal import create_seal_certificate
from pact.models import Pact

# A 1×1 PNG: a scan as small as a scan can be.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def make_open_version(title="Patto di comunità per le famiglie", slug="patto"):
    pact = Pact.objects.create(title=title, slug=slug)
    version = services.pact_version_create(pact=pact)
    services.article_save(
        version=version, title="Finalità", body="<p>Una rete per le famiglie.</p>"
    )
    services.article_save(
        version=version, title="Impegni", body="<p>Ognuno fa la sua parte.</p>"
    )
    services.network_role_save(
        version=version, code="nodo", name="Nodo", description="Offre servizi."
    )
    services.network_role_save(
        version=version,
        code="sostenitore",
        name="Sostenitore",
        description="Sostiene la rete.",
    )
    services.pact_version_update(
        version=version, effective_date=datetime.date(2020, 11, 4)
    )
    return services.pact_version_open(version=version)


def scan(name="scansione.png", data=PNG):
    return SimpleUploadedFile(name, data, content_type="image/png")


def awaiting(version, member, coordinator, *, role="nodo", commitments=""):
    adhesion = services.adhesion_create(
        version=version,
        member=member,
        by=coordinator,
        network_role=version.network_roles.get(code=role),
        commitments=commitments or "Doposcuola il martedì fino alle 18.30.",
        topics=Topic.objects.filter(slug="doposcuola"),
    )
    return services.adhesion_request_signature(adhesion=adhesion, by=coordinator)


def signed_in_person(version, member, coordinator, signatory_user):
    adhesion = awaiting(version, member, coordinator)
    return services.adhesion_sign_in_person(
        adhesion=adhesion,
        scan_file=scan(),
        signatory=signatory_user.person,
        signed_at=timezone.now() - datetime.timedelta(hours=1),
        by=coordinator,
    )


def read_document(adhesion) -> bytes:
    with adhesion.document.open("rb") as handle:
        return handle.read()


def upload(data: bytes, name="patto.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def open_version(db):
    return make_open_version()


@pytest.fixture
def seal(db):
    """A configured seal, as `create_seal_certificate` makes for demos."""
    create_seal_certificate(
        key_path=settings.PACT_SEAL_KEY,
        cert_path=settings.PACT_SEAL_CERT,
        common_name="Rete Lucca In famiglia",
        organisation="Rete Lucca In famiglia",
    )
    return settings.PACT_SEAL_CERT


@pytest.fixture
def adhesion_x(network, open_version):
    """Associazione Xilofono, awaiting the signature of its legal representative."""
    return awaiting(open_version, network.org_x, network.coordinator)


@pytest.fixture
def adhesion_a(network, open_version):
    """Famiglia Aranci, awaiting the signature of its guardian."""
    return awaiting(open_version, network.family_a, network.coordinator)


@pytest.fixture
def signed_x(network, open_version):
    return signed_in_person(
        open_version, network.org_x, network.coordinator, network.legal_rep_x
    )


def pdf_bytes_io(data: bytes):
    return io.BytesIO(data)
