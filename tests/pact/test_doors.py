"""Trust at the door (issue 11) where pacts are: a session without its second
factor opens nothing (point 2), and signed pacts are private files (point 7)."""

import importlib

import pytest
from django.conf import settings
from django.urls import clear_url_caches, reverse

from crm.models import DataExportLog
from pact.models import ContributionKind, HandoverStatus, ThematicTable
from tests.conftest import log_in
from tests.doors import give_app

from .test_handover import delivered, signed, version  # noqa: F401

pytestmark = pytest.mark.django_db


# --- 2. a password-only session opens nothing -------------------------------


def test_a_password_only_session_of_the_liaison_downloads_no_handover(
    client,
    network,
    delivered,  # noqa: F811
):
    give_app(network.liaison)
    client.force_login(network.liaison)  # the password, and no code

    download = client.get(reverse("pact:handover_download", args=[delivered.pk]))
    acknowledge = client.post(
        reverse("pact:handover_acknowledge", args=[delivered.pk]), {"note": "ok"}
    )

    for response in (download, acknowledge):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not DataExportLog.objects.filter(user=network.liaison).exists()
    delivered.refresh_from_db()
    assert delivered.status == HandoverStatus.DELIVERED


def test_a_password_only_session_of_a_coordinator_leaves_the_tables_alone(
    client, network, table_a
):
    give_app(network.coordinator)
    before = list(ThematicTable.objects.values())
    urls = [
        ("get", reverse("pact:facilitation_table", args=[table_a.pk])),
        (
            "post",
            reverse("pact:facilitation_table", args=[table_a.pk]),
        ),
        ("post", reverse("pact:facilitation_close", args=[table_a.pk])),
    ]
    for method, url in urls:
        client.force_login(network.coordinator)
        response = getattr(client, method)(
            url, {"kind": ContributionKind.PROPOSAL, "text": "Proposta"}
        )
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))
    assert list(ThematicTable.objects.values()) == before
    assert not table_a.contributions.exists()


def test_with_the_code_the_liaison_downloads_as_before(
    client,
    network,
    delivered,  # noqa: F811
):
    log_in(client, network.liaison)
    response = client.get(reverse("pact:handover_download", args=[delivered.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- 7. signed pacts are private files ----------------------------------------


def test_a_signed_pdf_is_stored_outside_the_media_and_sent_as_private(
    client, network, signed_x
):
    path = signed_x.document.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))

    log_in(client, network.legal_rep_x)
    response = client.get(reverse("pact:adhesion_pdf", args=[signed_x.pk]))

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def debug_urls(settings):
    """The URLs as ``make run`` (DEBUG) serves them."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_with_debug_media_serves_images_and_nothing_private(
    client, network, signed_x, debug_urls, settings
):
    from pathlib import Path

    images = Path(settings.MEDIA_ROOT) / "images"
    images.mkdir(parents=True)
    (images / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    # A private file put under MEDIA_ROOT by mistake is not served either.
    stray = Path(settings.MEDIA_ROOT) / signed_x.document.name
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.7 stray copy")
    (Path(settings.MEDIA_ROOT) / "documents").mkdir()
    (Path(settings.MEDIA_ROOT) / "documents" / "verbale.pdf").write_bytes(b"%PDF")

    assert client.get("/media/images/logo.png").status_code == 200
    for path in (
        f"/media/{signed_x.document.name}",
        f"/media/images/../{signed_x.document.name}",
        "/media/images/%2e%2e/" + signed_x.document.name,
        "/media/documents/verbale.pdf",
    ):
        assert client.get(path).status_code == 404, path
