"""Production readiness: the production settings refuse to start half-configured,
pass ``check --deploy``, and every response carries a Content-Security-Policy
that the site's own markup satisfies. Static files are served with hashed names
and far-future cache headers.

The browser proof (no policy violation on the real pages, logged in as each
persona) is ``scripts/csp_check.py`` and the journeys in ``tests/e2e``.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.pact.adhesion_fixtures import awaiting, make_open_version

BASE_DIR = Path(settings.BASE_DIR)

# --- the production settings, as a deployment starts them --------------------


def _production_env(tmp_path, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"))
        and key not in {"DATABASE_URL", "TEST_DB_SUFFIX", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="rete.example.it",
        SITE_URL="https://rete.example.it",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(args, env):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_reports_nothing(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        {"SECRET_KEY": None},
        {"SECRET_KEY": "  "},
        {"ALLOWED_HOSTS": None},
        {"SITE_URL": None},
        {"SITE_URL": ""},
    ],
)
def test_production_refuses_to_start_without(tmp_path, missing):
    (name,) = missing
    result = _run(["manage.py", "check"], _production_env(tmp_path, **missing))
    assert result.returncode != 0
    assert f"The environment variable {name} must be set." in result.stderr


@pytest.mark.parametrize(
    "address", ["rete.example.it", "ftp://rete.example.it", "https://rete.example.it/x"]
)
def test_production_refuses_a_site_url_that_is_not_an_address(tmp_path, address):
    result = _run(["manage.py", "check"], _production_env(tmp_path, SITE_URL=address))
    assert result.returncode != 0
    assert "is not the site's address" in result.stderr


def test_in_production_links_and_qr_codes_use_site_url(tmp_path):
    result = _run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "from pact.signed_documents import verification_url; "
            "print(settings.SITE_URL, settings.WAGTAILADMIN_BASE_URL, "
            "verification_url('LIF-AAAA-BBBB'))",
        ],
        _production_env(tmp_path, SITE_URL="https://rete.example.it/"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "https://rete.example.it",
        "https://rete.example.it",
        "https://rete.example.it/verifica/LIF-AAAA-BBBB/",
    ]


_SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "MIDDLEWARE": s.MIDDLEWARE,
    "STATICFILES": s.STORAGES["staticfiles"]["BACKEND"],
    "CSP": {k: [str(v) for v in vs] for k, vs in
            s.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()},
    "CSP_REPORT_ONLY": getattr(s, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
    "TASKS": s.TASKS["default"]["BACKEND"],
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
}))
"""


def test_production_settings_are_secure(tmp_path):
    result = _run(["-c", _SHOW_SETTINGS], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    # WhiteNoise right after SecurityMiddleware, with hashed, compressed files.
    assert s["MIDDLEWARE"][:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert s["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # The policy is enforced, not merely reported.
    assert "config.middleware.ContentSecurityPolicyMiddleware" in s["MIDDLEWARE"]
    assert s["CSP_REPORT_ONLY"] is None
    assert "'unsafe-inline'" not in s["CSP"]["script-src"]
    assert "'unsafe-eval'" not in s["CSP"]["script-src"]
    assert s["TASKS"] == "django_tasks_db.DatabaseBackend"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


_TOTP_REPLAY = """
import django
django.setup()
from django.core.cache import caches
from django.db import connection
print(caches["default"].__class__.__name__)
print("django_cache" in connection.introspection.table_names())
caches["default"].set("used-code", 1)
"""
_OTHER_PROCESS = """
import django
django.setup()
from django.core.cache import cache
print(cache.get("used-code"))
"""


def test_app_processes_share_one_cache_that_migrate_creates(tmp_path):
    # Used two-factor codes and rate limits must hold across gunicorn workers.
    env = _production_env(tmp_path)
    migrate = _run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    assert migrate.returncode == 0, migrate.stderr
    first = _run(["-c", _TOTP_REPLAY], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["DatabaseCache", "True"]
    other = _run(["-c", _OTHER_PROCESS], env)
    assert other.stdout.strip() == "1", other.stderr


_REQUESTS = """
import json, django
django.setup()
from django.test import Client
plain, tls = Client(), Client(HTTP_X_FORWARDED_PROTO="https")  # as the proxy says
home, health = plain.get("/"), plain.get("/healthz")
secure_health = tls.get("/healthz")
print(json.dumps({
    "home": [home.status_code, home.get("Location")],
    "health": health.status_code,
    "hsts": secure_health.get("Strict-Transport-Security"),
    "csp": secure_health.get("Content-Security-Policy"),
}))
"""


def test_production_redirects_to_https_but_answers_health_probes(tmp_path):
    env = _production_env(tmp_path, ALLOWED_HOSTS="testserver")
    result = _run(["-c", _REQUESTS], env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["home"] == [301, "https://testserver/"]
    # A load balancer probes over plain HTTP; the database needs no tables.
    assert seen["health"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in seen["csp"]


# --- the Content-Security-Policy header --------------------------------------


def _policy(response):
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.django_db
def test_site_pages_send_an_enforced_policy_with_a_fresh_nonce(client, network):
    """The member's pact page has an inline <style>: it carries the nonce that
    the header names, a new one on every request."""
    adhesion = awaiting(make_open_version(), network.family_a, network.coordinator)
    client.force_login(network.guardian_a)
    url = f"/area-riservata/patti/{adhesion.pk}/"
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200
    assert "Content-Security-Policy-Report-Only" not in first
    policy = _policy(first)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    for directive in ("script-src", "style-src"):
        assert "'self'" in policy[directive]
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    nonces = []
    for response in (first, second):
        (source,) = [
            s for s in _policy(response)["style-src"] if s.startswith("'nonce-")
        ]
        nonce = source[len("'nonce-") : -1]
        assert f'<style nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    _assert_satisfies_policy(first)


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)
_NONCE = re.compile(r'\bnonce="([^"]+)"')
_INLINE_STYLE = re.compile(r"<style([^>]*)>", re.I)
_STYLE_ATTR = re.compile(r"<[^>]+\sstyle=", re.I)
_HANDLER_ATTR = re.compile(r"<[^>]+\son[a-z]+=", re.I)


def _assert_satisfies_policy(response):
    """What a browser would refuse under the site's policy: inline scripts and
    styles without the response's nonce, style attributes, event handlers."""
    html = response.content.decode()
    nonce = (
        next(
            s[len("'nonce-") : -1]
            for s in _policy(response)["script-src"]
            if s.startswith("'nonce-")
        )
        if "nonce=" in html
        else None
    )
    for pattern in (_INLINE_SCRIPT, _INLINE_STYLE):
        for attrs in pattern.findall(html):
            if 'type="application/json"' in attrs or "application/ld+json" in attrs:
                continue
            found = _NONCE.search(attrs)
            assert found and found.group(1) == nonce, (
                response.request["PATH_INFO"],
                attrs,
            )
    assert not _STYLE_ATTR.search(html), _STYLE_ATTR.search(html).group(0)
    assert not _HANDLER_ATTR.search(html), _HANDLER_ATTR.search(html).group(0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/account/login/", "/account/signup/", "/verifica/", "/cerca/?q=rete"]
)
def test_public_pages_satisfy_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    _assert_satisfies_policy(response)


@pytest.mark.django_db
def test_member_area_pages_satisfy_the_policy(client, guardian_a):
    client.force_login(guardian_a)
    for path in (
        "/area-riservata/",
        "/area-riservata/profilo/",
        "/area-riservata/consensi/",
    ):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        _assert_satisfies_policy(response)


# Site templates (not the admin's, PDFs' or emails', which no browser renders
# under the site policy) never carry inline handlers or style attributes, and
# their inline <script>/<style> blocks carry the nonce.
_NOT_UNDER_SITE_POLICY = ("admin/", "emails/", "documents/", "pdf", "certificate")


def _site_templates():
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        rel = path.relative_to(BASE_DIR / "templates").as_posix()
        text = path.read_text()
        if any(part in rel for part in _NOT_UNDER_SITE_POLICY):
            continue
        if re.search(r"{%\s*extends\s+[\"']wagtailadmin/", text):
            continue
        yield rel, text


def test_site_templates_need_no_unsafe_inline():
    problems = []
    for rel, text in _site_templates():
        for pattern in (_INLINE_SCRIPT, _INLINE_STYLE):
            for attrs in pattern.findall(text):
                if "nonce=" not in attrs and "application/json" not in attrs:
                    problems.append(f"{rel}: <script/style{attrs}> without nonce")
        for pattern in (_STYLE_ATTR, _HANDLER_ATTR):
            for match in pattern.findall(text):
                problems.append(f"{rel}: {match}")
    assert problems == []


@pytest.mark.django_db
def test_admin_policy_allows_wagtail_inline_code_and_nothing_else(coordinator_client):
    response = coordinator_client.get("/admin/")
    assert response.status_code == 200
    policy = _policy(response)
    # Wagtail's own inline scripts and styles: 'unsafe-inline' without a nonce
    # (a nonce would switch 'unsafe-inline' off).
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-eval'" not in policy["script-src"]
    # Its live preview frames admin URLs; nothing else may frame it.
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


# --- static files ------------------------------------------------------------


@pytest.mark.django_db
def test_static_files_have_hashed_names_and_far_future_caching(client, tmp_path):
    """collectstatic with hashed names, then the site is served from them.

    Production stores them with ``CompressedManifestStaticFilesStorage``; its
    compression step alone takes a minute here, so this test uses the manifest
    storage it extends: the same names, the same strict lookup of every
    ``{% static %}`` a template uses, and the same WhiteNoise headers.
    """
    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        },
    }
    with override_settings(STATIC_ROOT=tmp_path / "static", STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
        page = client.get("/account/login/")
        assert page.status_code == 200
        html = page.content.decode()
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
        fonts = re.search(r'href="(/static/css/fonts\.[0-9a-f]{12}\.css)"', html)
        js = re.search(
            r'src="(/static/js/bootstrap-italia\.bundle\.min\.[0-9a-f]{12}\.js)"', html
        )
        assert css and fonts and js, html[:2000]

        static = client.get(css.group(1))
        assert static.status_code == 200
        cache = static["Cache-Control"]
        assert "max-age=315360000" in cache and "immutable" in cache
        body = (
            b"".join(static.streaming_content) if static.streaming else static.content
        )
        assert b"skip-link" in body

        # The typeface's URLs were rewritten to hashed names that are served.
        font_css = client.get(fonts.group(1))
        font_body = b"".join(font_css.streaming_content).decode()
        woff2 = re.search(r'url\("([^"]+\.[0-9a-f]{12}\.woff2)"\)', font_body)
        assert woff2, font_body[:500]
        font_url = "/static/css/" + woff2.group(1)
        font = client.get(os.path.normpath(font_url))
        assert font.status_code == 200
        assert "immutable" in font["Cache-Control"]
