"""Load the site's pages in headless Chromium and report Content-Security-Policy
violations and console errors.

Run it against a server with the demo data (``seed_demo``)::

    .venv/bin/python scripts/csp_check.py http://127.0.0.1:8000

It visits the public pages, then logs in as each demo persona (the coordinator
and the liaison with their demo second factor) and walks the links of their
pages, breadth first and bounded, plus the pages with rich widgets (pact
version editor, registration form, signing page). It never follows logout,
delete or download links. Exit status 0 when no page violated the policy.
"""

import argparse
import re
import sys
from collections import deque
from urllib.parse import urldefrag, urljoin, urlparse

from playwright.sync_api import sync_playwright

PASSWORD = "luccainfamiglia"
DEMO_TOTP_SECRET = "LUCCAINFAMIGLIA2"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP = re.compile(
    r"logout|/i18n/|/delete|/elimina|/annulla|/cancel|/revoke|/withdraw|/ritira|"
    r"export=|\.(pdf|ics|zip|xlsx|csv|json|xml|txt)$|/pdf/|/download|/scarica|"
    r"/documents/|/media/|/static/|/unlock|/sblocca|/disable|/deactivate|/reset|"
    r"/merge|/unisci|/acknowledge|/conferma|/preview/|/draft/|/copy/|/move/|"
    r"/unpublish|/publish|/lock/|/unlock/|/revisions/.*/revert|/2fa/|/mfa/",
    re.I,
)

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ` +
    `(${e.sourceFile || ''}:${e.lineNumber || ''}) ${e.sample || ''}`);
});
"""


def totp_now(secret):
    import base64
    import hashlib
    import hmac
    import struct
    import time

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{code % 1_000_000:06d}"


class Checker:
    def __init__(self, base, browser, limit):
        self.base = base.rstrip("/")
        self.browser = browser
        self.limit = limit
        self.problems = {}
        self.visited = 0
        self.verbose = False

    def context(self, phone=False):
        options = {"viewport": {"width": 390, "height": 844}} if phone else {}
        options["timezone_id"] = "Europe/Rome"
        ctx = self.browser.new_context(**options)
        ctx.add_init_script(WATCH)
        return ctx

    def watch(self, page):
        page.__errors = []

        def on_console(msg):
            # CSP refusals arrive as securitypolicyviolation events already.
            text = msg.text
            if msg.type == "error" and "Content Security Policy" not in text:
                if not text.startswith("Failed to load resource"):
                    page.__errors.append(text)

        def on_response(response):
            # A page may answer 404 on purpose; a missing stylesheet, script,
            # image or font is a fault.
            if response.status >= 400 and response.request.resource_type != "document":
                page.__errors.append(f"{response.status} {response.url}")

        page.on("response", on_response)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: page.__errors.append(f"JS error: {exc}"))

    def collect(self, page, label):
        page.wait_for_timeout(300)
        found = list(page.evaluate("window.__cspViolations || []"))
        found += [e for e in page.__errors if e not in found]
        page.__errors.clear()
        self.visited += 1
        if self.verbose:
            print(f"  {label}: {len(found)} problem(s)", flush=True)
        if found:
            self.problems.setdefault(label, []).extend(found)
        page.evaluate("window.__cspViolations = []")

    def visit(self, page, url):
        response = page.goto(url, wait_until="load")
        self.collect(
            page, urlparse(page.url).path + (f" [{url}]" if page.url != url else "")
        )
        return response

    def login(self, page, email, totp=False):
        page.goto(self.base + "/account/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form [type=submit]")
        page.wait_for_load_state("load")
        if totp and "code" in page.content():
            page.fill("input[name=code]", totp_now(DEMO_TOTP_SECRET))
            page.click("main form [type=submit]")
            page.wait_for_load_state("load")
        self.collect(page, f"login {email}")

    def crawl(self, page, starts, prefixes, limit=None):
        limit = limit or self.limit
        seen, queue, count = set(), deque(self.base + s for s in starts), 0
        while queue and count < limit:
            url = urldefrag(queue.popleft())[0]
            if url in seen:
                continue
            seen.add(url)
            response = self.visit(page, url)
            count += 1
            if response is None or "text/html" not in (
                response.headers.get("content-type") or ""
            ):
                continue
            for href in page.eval_on_selector_all(
                "a[href]", "els => els.map(e => e.href)"
            ):
                href = urldefrag(urljoin(page.url, href))[0]
                path = urlparse(href).path
                if (
                    href.startswith(self.base)
                    and href not in seen
                    and path.startswith(prefixes)
                    and not SKIP.search(href)
                ):
                    queue.append(href)

    # --- journeys with forms and widgets ------------------------------------

    def register_for_event(self, page):
        page.goto(self.base + "/programma/")
        links = page.eval_on_selector_all(
            "main a[href*='/programma/']", "els => els.map(e => e.href)"
        )
        for link in links:
            page.goto(link)
            form = page.query_selector(
                "form#registration, form.registration-form, main form[method=post]"
            )
            if form and page.query_selector("main input[name=email]"):
                self.collect(page, urlparse(page.url).path)
                page.fill("main input[name=email]", "csp.check@example.org")
                for name, value in (
                    ("first_name", "Prova"),
                    ("last_name", "CSP"),
                    ("name", "Prova CSP"),
                ):
                    if page.query_selector(f"main input[name={name}]"):
                        page.fill(f"main input[name={name}]", value)
                page.eval_on_selector_all(
                    "main input[type=checkbox][required]",
                    "els => els.forEach(e => { e.checked = true; })",
                )
                page.click("main form[method=post] [type=submit]")
                page.wait_for_load_state("load")
                self.collect(page, "registration submit " + urlparse(page.url).path)
                return
        self.problems.setdefault("registration", []).append(
            "no event with a form found"
        )

    def verify(self, page):
        self.visit(page, self.base + "/verifica/")
        if page.query_selector("main input[name=code]"):
            page.fill("main input[name=code]", "XXXX-XXXX")
            page.click("main form [type=submit]")
            page.wait_for_load_state("load")
            self.collect(page, "verifica submit")

    def request_signing_code(self, page):
        """On a pact waiting for signature, ask for the code and try a wrong one."""
        self.visit(page, self.base + "/area-riservata/patti/")
        for link in page.eval_on_selector_all(
            "main a[href*='/area-riservata/patti/']", "els => els.map(e => e.href)"
        ):
            page.goto(link)
            button = page.query_selector("form[action$='/codice/'] [type=submit]")
            if button:
                button.click()
                page.wait_for_load_state("load")
                self.collect(page, "signing code sent " + urlparse(page.url).path)
                page.fill("input[name=code]", "000000")
                page.check("input[name=confirm]", force=True)
                page.click("form[action$='/firma/'] [type=submit]")
                page.wait_for_load_state("load")
                self.collect(
                    page, "signing with a wrong code " + urlparse(page.url).path
                )
                return
        self.problems.setdefault("signing", []).append("no pact to sign found")

    def record_contribution(self, page):
        """A facilitator saves a contribution (the page's script posts it)."""
        self.visit(page, self.base + "/facilitazione/")
        for link in page.eval_on_selector_all(
            "main a[href*='/facilitazione/tavoli/']", "els => els.map(e => e.href)"
        ):
            page.goto(link)
            if page.query_selector("form[data-contribution-form]"):
                page.check("input[name=kind]", force=True)
                page.fill("textarea[name=text]", "Contributo di prova (controllo CSP)")
                page.click("form[data-contribution-form] [type=submit]")
                page.wait_for_timeout(1000)
                self.collect(page, "contribution saved " + urlparse(page.url).path)
                return
        self.problems.setdefault("facilitation", []).append("no open table found")

    def rich_text_editor(self, page):
        page.goto(self.base + "/admin/")
        for link in page.eval_on_selector_all(
            "a[href*='pact']", "els => els.map(e => e.href)"
        ):
            if "version" in link or "versioni" in link:
                page.goto(link)
                break
        edit = page.eval_on_selector_all(
            "a[href*='/edit/']", "els => els.map(e => e.href)"
        )
        if not edit:
            self.problems.setdefault("pact version edit", []).append("not found")
            return
        self.visit(page, edit[0])
        page.wait_for_timeout(800)
        self.collect(page, "pact version edit (rich text) " + urlparse(page.url).path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--limit", type=int, default=40, help="pages per persona")
    parser.add_argument(
        "--only", choices=["public", "members", "admin"], help="one part of the site"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list pages")
    options = parser.parse_args()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        checker = Checker(options.base, browser, options.limit)
        checker.verbose = options.verbose

        parts = {options.only} if options.only else {"public", "members", "admin"}
        if "public" in parts:
            ctx = checker.context()
            page = ctx.new_page()
            checker.watch(page)
            starts = ["/", "/programma/", "/patto/", "/cerca/?q=famiglie"]
            checker.crawl(page, starts, ("/",))
            checker.verify(page)
            checker.register_for_event(page)
            checker.visit(page, options.base + "/account/login/")
            ctx.close()

        members = [
            ("giulia.bianchi@example.org", False, ("/area-riservata/",)),
            ("lucia.baroni@example.org", False, ("/area-riservata/",)),
            ("giorgio.landucci@example.org", False, ("/area-riservata/",)),
            ("facilitatrice@luccainfamiglia.example", True, ("/facilitazione/",)),
            ("facilitatore@luccainfamiglia.example", True, ("/facilitazione/",)),
            ("referente@luccafamilynet.example", False, ("/area-riservata/",)),
        ]
        for email, phone, prefixes in members if "members" in parts else []:
            ctx = checker.context(phone=phone)
            page = ctx.new_page()
            checker.watch(page)
            checker.login(page, email, totp=True)
            checker.crawl(page, list(prefixes), prefixes)
            if email.startswith("giorgio"):
                checker.request_signing_code(page)
            if email.startswith("facilitatore"):
                checker.record_contribution(page)
            ctx.close()

        admins = ("coordinatrice@luccainfamiglia.example", "redazione@example.org")
        for email in admins if "admin" in parts else []:
            ctx = checker.context()
            page = ctx.new_page()
            checker.watch(page)
            checker.login(page, email, totp=True)
            checker.crawl(page, ["/admin/"], ("/admin/",), limit=options.limit * 3)
            if email.startswith("coordinatrice"):
                checker.rich_text_editor(page)
            ctx.close()
        browser.close()

    print(f"{checker.visited} page loads checked.")
    for label, items in checker.problems.items():
        print(f"\n{label}")
        for item in dict.fromkeys(items):
            print(f"  - {item}")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
