"""In development, links follow the address the server runs on: ``runserver
8101`` prints, emails and QR-codes links to port 8101, not 8000."""

import io

import pytest
from django.core.management import call_command

from crm.management.commands import runserver


@pytest.mark.parametrize(
    "addr, port, ipv6, url",
    [
        ("127.0.0.1", "8101", False, "http://127.0.0.1:8101"),
        ("0.0.0.0", "8101", False, "http://127.0.0.1:8101"),
        ("localhost", "9000", False, "http://localhost:9000"),
        ("::1", "8101", True, "http://[::1]:8101"),
    ],
)
def test_the_served_address(addr, port, ipv6, url):
    assert runserver.served_address(addr, port, ipv6=ipv6) == url


@pytest.fixture
def serve(monkeypatch, settings):
    """Run ``runserver ADDRPORT`` up to the point where it would serve."""
    monkeypatch.setattr(
        runserver.StaticFilesRunserver, "inner_run", lambda self, *a, **k: None
    )

    def run(addrport, environ_site_url=None):
        if environ_site_url is None:
            monkeypatch.delenv("SITE_URL", raising=False)
        else:
            monkeypatch.setenv("SITE_URL", environ_site_url)
        out = io.StringIO()
        call_command("runserver", addrport, use_reloader=False, stdout=out)
        return out.getvalue()

    return run


def test_runserver_on_another_port_makes_its_links_point_there(serve, settings):
    printed = serve("127.0.0.1:8101")

    assert settings.SITE_URL == "http://127.0.0.1:8101"
    assert settings.WAGTAILADMIN_BASE_URL == "http://127.0.0.1:8101"
    assert "http://127.0.0.1:8101" in printed
    from crm.permissions import invitation_url
    from pact.signed_documents import verification_url

    assert verification_url("LIF-AAAA-BBBB").startswith("http://127.0.0.1:8101/")
    assert invitation_url("x").startswith("http://127.0.0.1:8101/")


def test_an_explicit_site_url_wins_over_the_servers_address(serve, settings):
    settings.SITE_URL = "https://rete.example.it"
    serve("127.0.0.1:8101", environ_site_url="https://rete.example.it")
    assert settings.SITE_URL == "https://rete.example.it"
