"""Browser journeys: Debian's Chromium driven by Playwright against a live server.

Every test here runs the app in a thread (pytest-django's ``live_server``) on
the test database, with the demo network loaded through ``seed_demo``, and
drives ``/usr/bin/chromium`` (never a browser download). The ``Browser``
helper opens one context per person, saves screenshots under
``results/e2e/<test>/`` for a person to look at, runs the axe-core engine
(``node_modules/axe-core``, installed by ``make test``) on the pages a test
asks it to, and fails the test on a Content-Security-Policy violation, an
uncaught script error, a server error or a missing static file.

Without Chromium or axe-core the journeys are skipped, unless ``CI`` is set:
then they fail, because ``make test`` installs both.
"""

import json
import os
import re
import shutil
import threading
import warnings
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

# Playwright's sync API keeps an event loop in this thread; the ORM calls the
# tests make between two browser steps are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = Path(django_settings.BASE_DIR) / "results" / "e2e"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# The laptop the issues were found on.
LAPTOP = {"width": 1366, "height": 900}
# What axe reports against: WCAG 2.1 A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
DEMO_PASSWORD = "luccainfamiglia"

# Collects CSP violations in the page itself: the event carries the directive
# and the blocked resource, which the console message does not always name.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({
    directive: e.violatedDirective, blocked: e.blockedURI,
    source: e.sourceFile, line: e.lineNumber, sample: e.sample,
  });
});
"""


def _missing_tools():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium ({CHROMIUM})")
    if not AXE.exists():
        missing.append(f"axe-core ({AXE.relative_to(django_settings.BASE_DIR)})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    return missing


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = _missing_tools()
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.e2e)
        item.add_marker(
            pytest.mark.django_db(transaction=True, serialized_rollback=True)
        )
        if missing and not os.environ.get("CI"):
            item.add_marker(
                pytest.mark.skip(
                    reason="browser journeys need "
                    + ", ".join(missing)
                    + " (`make test` installs them)"
                )
            )


@pytest.fixture(scope="session", autouse=True)
def _reference_data_left_in_place(django_db_setup, django_db_blocker):
    """Put the reference data back once the journeys are over.

    A transactional test empties the database when it ends (the next one
    restores it first); after the last journey nothing would, and a later
    ``--reuse-db`` run would start without comuni, topics or the site's pages.
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                call_command(
                    "flush",
                    database=connection.alias,
                    interactive=False,
                    inhibit_post_migrate=True,
                    verbosity=0,
                )
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def chromium():
    missing = _missing_tools()
    if missing:
        pytest.fail("browser journeys need " + ", ".join(missing))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def off_loop(function, *args, **kwargs):
    """Run ``function`` in a thread of its own and return its result.

    Playwright's sync API keeps an asyncio loop running in the test's thread;
    code that starts a loop itself (pyHanko signs with ``asyncio.run``) has to
    run beside it, as it does in the live server's thread.
    """
    from django.db import connections

    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def demo(db):
    """The demo network, as ``make run`` loads it."""
    off_loop(call_command, "seed_demo", stdout=StringIO())


@pytest.fixture
def site(live_server, settings):
    """The live server's address, with links in emails and QR codes pointing at it."""
    settings.SITE_URL = live_server.url
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    return live_server.url


class Problems:
    """What went wrong on a page that the page itself would not show."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.items = []

    def add(self, text):
        text = text if len(text) < 400 else text[:400] + "…"
        if text not in self.items:
            self.items.append(text)

    def watch(self, page):
        page.add_init_script(_CSP_LISTENER)
        page.on("pageerror", lambda error: self.add(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.add(f"CSP: {message.text}")

    def _response(self, response):
        url = response.url
        if not url.startswith(self.base_url):
            return
        if response.status >= 500:
            self.add(f"{response.status} on {url}")
        elif response.status == 404 and "/static/" in url:
            self.add(f"missing static file {url}")

    def collect_csp(self, page):
        try:
            found = page.evaluate("window.__cspViolations || []")
        except Exception:  # the page is navigating or closed
            return
        for violation in found:
            self.add(f"CSP violation on {page.url}: {violation}")


class Browser:
    """One journey: a browser context per person, screenshots and axe checks."""

    def __init__(self, chromium, base_url, name):
        self.chromium = chromium
        self.base_url = base_url
        self.folder = RESULTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.problems = Problems(base_url)
        self.contexts = []
        self.pages = []
        self.shots = 0
        self.axe_reports = {}

    def new_page(self, *, phone=False, language="it-IT", viewport=None):
        context = self.chromium.new_context(
            base_url=self.base_url,
            viewport=viewport or (PHONE if phone else DESKTOP),
            is_mobile=phone,
            has_touch=phone,
            locale=language,
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        self.problems.watch(page)
        self.pages.append(page)
        return page

    def shot(self, page, name):
        """A full-page screenshot a person can open: results/e2e/<test>/NN-name.png."""
        self.problems.collect_csp(page)
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{self.shots:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self, page, name):
        """Run axe-core on the page; fail on serious or critical WCAG 2.1 AA issues."""
        # Evaluated through the DevTools protocol, which the page's CSP does not
        # govern: a <script> tag would be (rightly) refused by it.
        page.evaluate(AXE.read_text("utf-8") + "\n;true")
        result = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            })""",
            AXE_TAGS,
        )
        violations = result["violations"]
        self.axe_reports[name] = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [n["target"] for n in v["nodes"]][:10],
            }
            for v in violations
        ]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe on {name} ({page.url}): " + "; ".join(
            f"{v['id']} [{v['impact']}] {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in blocking
        )
        return violations

    def login(self, page, email, password=DEMO_PASSWORD, *, next_url=None):
        target = "/account/login/" + (f"?next={next_url}" if next_url else "")
        page.goto(target)
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()

    def close(self):
        for page in self.pages:
            if not page.is_closed():
                self.problems.collect_csp(page)
        for context in self.contexts:
            context.close()
        if self.axe_reports:
            (self.folder / "axe.json").write_text(
                json.dumps(self.axe_reports, indent=1, ensure_ascii=False), "utf-8"
            )


@pytest.fixture
def browser(request, chromium, site):
    journey = Browser(chromium, site, request.node.name)
    yield journey
    journey.close()
    problems = journey.problems.items
    if problems and os.environ.get("E2E_PROBLEMS") == "warn":
        # For a developer chasing one thing at a time; `make test` never sets it.
        warnings.warn("\n".join(problems), stacklevel=1)
        return
    assert not problems, "\n".join(problems)


def totp_code(email):
    """The current code of a demo account's authenticator app."""
    out = StringIO()
    call_command("demo_totp", email, stdout=out)
    return out.getvalue().strip()
