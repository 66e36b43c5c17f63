"""The people who use the site, for `make load` (bench/load/run.py drives it).

Four kinds of user, in the proportions of real traffic: many visitors reading the
programme, fewer registering for an event, members in their reserved area and
two coordinators in the back office. Every one of them reads the pages it is
served: links are followed from what the site shows, forms are posted with the
CSRF token of the page that carried them, a registration counts as confirmed
only when the site answers with the page of what was received (each registrant
uses a new email, so the site registers it at once; an email the network
already knows would wait for the link sent to that mailbox).

Environment (set by the runner; defaults let `locust -f` run it by hand):
    LOAD_DATA                 JSON from dbstate.py prepare: certificate links,
                              verification codes (what people receive by email
                              or read on a printed pact)
    LOAD_REGISTRATIONS_FILE   one line per registration sent ("sent", email) and
                              per registration the site confirmed ("confirmed",
                              email, event)
    LOAD_RUN_ID               marks this run's registrations (load-<id>-…)
    LOAD_PASSWORD, LOAD_TOTP_SECRET   the demo accounts' password and TOTP secret
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "luccainfamiglia")
TOTP_SECRET = os.environ.get("LOAD_TOTP_SECRET", "LUCCAINFAMIGLIA2")
RUN_ID = os.environ.get("LOAD_RUN_ID") or uuid.uuid4().hex[:8]
REGISTRATIONS_FILE = Path(
    os.environ.get("LOAD_REGISTRATIONS_FILE", "var/load/registrations.txt")
)

MEMBER_ACCOUNTS = [
    "giulia.bianchi@example.org",  # guardian, Famiglia Bianchi: signed pact
    "elena.rossi@example.org",  # guardian, Famiglia Rossi: signed pact
    "lucia.baroni@example.org",  # legal representative: signed pact
    "giorgio.landucci@example.org",  # legal representative: pact awaiting signature
]
COORDINATOR_ACCOUNT = "coordinatrice@luccainfamiglia.example"

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EVENT_RE = re.compile(r'href="(/programma/[a-z0-9-]+/)"')
EVENT_ICS_RE = re.compile(r'href="(/eventi/\d+/evento\.ics)"')
STATIC_RE = re.compile(r'(?:href|src)="(/static/[^"#]+\.(?:css|js))"')
MUNICIPALITY_RE = re.compile(r'<option value="(\d+)"')
NEED_RE = re.compile(r'name="needs" value="(\d+)"')
PACT_PDF_RE = re.compile(r'href="(/patto/[a-z0-9-]+/pdf/)"')
AREA_MEMBER_RE = re.compile(r'href="(/area-riservata/soggetti/\d+/)"')
ADHESION_RE = re.compile(r'href="(/area-riservata/patti/\d+/)"')
SIGNED_PDF_RE = re.compile(r'href="(/area-riservata/patti/\d+/pdf/)"')
ADMIN_EVENT_RE = re.compile(r'href="(/admin/programma/eventi/\d+/)"')


def load_data() -> dict:
    path = os.environ.get("LOAD_DATA")
    if path and Path(path).exists():
        return json.loads(Path(path).read_text())
    return {"certificates": [], "verify_codes": []}


DATA = load_data()


def csrf_token(html: str) -> str | None:
    match = CSRF_RE.search(html)
    return match.group(1) if match else None


def failure(response) -> str:
    """What went wrong when there is no HTTP status (connection refused, reset…)."""
    return repr(response.error) if response.status_code == 0 and response.error else ""


def totp(secret: str, counter: int, digits: int = 6) -> str:
    """RFC 6238, as an authenticator app computes it (SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


class _Codes:
    """One TOTP code per account and 30-second period, as with a real phone.

    allauth refuses a code already used (replay protection), so a second login
    in the same period waits for the next code, as a person would.
    """

    lock = threading.Lock()
    last_counter: dict[str, int] = {}

    @classmethod
    def next_code(cls, account: str) -> str:
        while True:
            with cls.lock:
                counter = int(time.time() // 30)
                if counter > cls.last_counter.get(account, -1):
                    cls.last_counter[account] = counter
                    return totp(TOTP_SECRET, counter)
            time.sleep(30 - time.time() % 30 + 0.2)


_site_lock = threading.Lock()
_site: dict[str, list[str]] = {}


class SiteUser(HttpUser):
    abstract = True
    wait_time = between(1, 5)

    # -- helpers --------------------------------------------------------------
    def page(
        self,
        path: str,
        name: str,
        *,
        expect: str | None = None,
        lands: str | None = None,
    ) -> str:
        """GET a page; a failure unless it answers 200 where it was asked for.

        ``lands``: the path prefix a redirect may lead to (default: the page
        itself), so a login or two-factor page served instead is a failure.
        ``expect``: text the page must contain.
        """
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(
                    f"{response.status_code} on {path} {failure(response)}"
                )
                return ""
            landed = urlsplit(response.url).path
            if not landed.startswith(lands or urlsplit(path).path):
                response.failure(f"{path} led to {landed}")
                return ""
            if expect and expect not in response.text:
                response.failure(f"{path}: {expect!r} not on the page")
                return ""
            return response.text

    def download(self, path: str, name: str, content_type: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(
                    f"{response.status_code} on {path} {failure(response)}"
                )
            elif content_type not in response.headers.get("Content-Type", ""):
                served = response.headers.get("Content-Type")
                response.failure(f"{path}: {served}, not {content_type}")
            elif content_type == "application/pdf" and not response.content.startswith(
                b"%PDF-"
            ):
                response.failure(f"{path}: not a PDF")

    def links(self, key: str, path: str, name: str, pattern: re.Pattern) -> list[str]:
        """Links found on a public page, read once and shared by every user."""
        with _site_lock:
            found = _site.get(key)
        if found is None:
            found = sorted(set(pattern.findall(self.page(path, name))))
            if found:
                with _site_lock:
                    _site[key] = found
        return found

    def events(self) -> list[str]:
        return [
            e
            for e in self.links("events", "/programma/", "programme", EVENT_RE)
            if e != "/programma/"
        ]

    def login(self, email: str) -> str:
        """The allauth login form; the text of the page it lands on."""
        html = self.page("/account/login/", "login form")
        token = csrf_token(html)
        if not token:
            return ""
        with self.client.post(
            "/account/login/",
            data={"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
            headers={"Referer": self.host + "/account/login/"},
            name="login: POST",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/account/login/" in response.url:
                response.failure(f"login refused for {email} ({response.status_code})")
                return ""
            return response.text

    def logout(self) -> None:
        html = self.page("/area-riservata/", "member area: home")
        token = csrf_token(html)
        if token:
            self.client.post(
                "/account/logout/",
                data={"csrfmiddlewaretoken": token},
                name="logout: POST",
            )


class Visitor(SiteUser):
    """Someone reading about the network: programme, events, calendar, the pact."""

    weight = 24

    def on_start(self):
        html = self.page("/", "home")
        # A first visit loads the stylesheets and scripts; later pages use the cache.
        for path in sorted(set(STATIC_RE.findall(html))):
            self.client.get(path, name="static file")

    @task(4)
    def home(self):
        self.page("/", "home", expect="Lucca In famiglia")

    @task(4)
    def programme(self):
        self.page("/programma/", "programme")

    @task(8)
    def event(self):
        events = self.events()
        if events:
            self.page(random.choice(events), "event page")

    @task(2)
    def calendars(self):
        self.download("/calendario.ics", "calendar (.ics)", "text/calendar")
        events = self.events()
        if events:
            html = self.page(random.choice(events), "event page")
            ics = EVENT_ICS_RE.findall(html)
            if ics:
                self.download(ics[0], "event calendar (.ics)", "text/calendar")

    @task(2)
    def verify(self):
        self.page("/verifica/", "verify: form")
        codes = DATA.get("verify_codes") or []
        if codes:
            # The code printed under the QR code of a signed pact.
            self.page(
                f"/verifica/?code={random.choice(codes)}",
                "verify: code",
                lands="/verifica/",
            )

    @task(2)
    def pact(self):
        html = self.page("/patto/", "pact (public)", lands="/patto/")
        pdfs = PACT_PDF_RE.findall(html)
        if pdfs and random.random() < 0.25:
            self.download(pdfs[0], "pact PDF (public)", "application/pdf")

    @task(1)
    def certificate(self):
        certificates = DATA.get("certificates") or []
        if certificates:
            # The personal link from the registration email, then the certificate.
            link = random.choice(certificates)
            self.page(link.removesuffix("attestato.pdf"), "registration: personal page")
            self.download(link, "attendance certificate (PDF)", "application/pdf")

    @task(1)
    def search(self):
        self.page("/cerca/?q=famiglie", "search")


_registration_numbers = itertools.count(1)
_registrations_lock = threading.Lock()


def record(*fields: str) -> None:
    """One line in the registrations file, which the runner checks in the database."""
    with _registrations_lock:
        REGISTRATIONS_FILE.parent.mkdir(parents=True, exist_ok=True)
        with REGISTRATIONS_FILE.open("a") as out:
            out.write("\t".join(fields) + "\n")


class Registrant(SiteUser):
    """Someone who reads an event and registers for it, each time a new person."""

    weight = 10

    @task
    def register(self):
        self.page("/programma/", "programme")
        events = self.events()
        random.shuffle(events)
        for event in events:
            html = self.page(event, "event page")
            token = csrf_token(html)
            if token and 'name="consent_privacy"' in html:
                self.submit(event, html, token)
                return

    def submit(self, event: str, html: str, token: str) -> None:
        number = next(_registration_numbers)
        email = f"load-{RUN_ID}-{number}-{uuid.uuid4().hex[:6]}@example.org"
        kind = random.choices(["family", "citizen", "third_sector"], weights=[6, 3, 1])[
            0
        ]
        municipalities = MUNICIPALITY_RE.findall(html)
        needs = NEED_RE.findall(html)
        data = {
            "csrfmiddlewaretoken": token,
            "first_name": random.choice(["Anna", "Marco", "Sara", "Luca", "Giulia"]),
            "last_name": f"Prova {number}",
            "email": email,
            "phone": "",
            "registrant_kind": kind,
            "organisation_name": f"Associazione Prova {number}"
            if kind == "third_sector"
            else "",
            "municipality": random.choice(municipalities) if municipalities else "",
            "childcare_children": "0",
            "childcare_ages": "",
            "accessibility_needs": "",
            "consent_privacy": "on",
            "website": "",  # the honeypot, left empty as people do
        }
        if needs and kind == "family":
            data["needs"] = random.sample(needs, k=min(2, len(needs)))
        if kind == "family" and random.random() < 0.3:
            data["childcare_children"] = "1"
            data["childcare_ages"] = str(random.randint(0, 6))
        record("sent", email)
        with self.client.post(
            event,
            data=data,
            headers={"Referer": self.host + event},
            allow_redirects=False,
            name="register: POST",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/iscrizioni/ricevuta/" not in location:
                response.failure(
                    f"registration not confirmed on {event}: "
                    f"{response.status_code} {response.error or ''}"
                )
                return
            # The site committed it: this person is registered (confirmed, on the
            # waiting list or awaiting approval, depending on the event).
            record("confirmed", email, event)
        self.page(location, "registration: received")


_member_accounts = itertools.cycle(MEMBER_ACCOUNTS)


class Member(SiteUser):
    """A guardian or legal representative in the reserved area."""

    weight = 12

    def on_start(self):
        self.account = next(_member_accounts)
        self.sign_in()

    def sign_in(self):
        html = self.login(self.account)
        self.members = sorted(set(AREA_MEMBER_RE.findall(html)))

    @task(4)
    def area_home(self):
        html = self.page("/area-riservata/", "member area: home")
        self.members = sorted(set(AREA_MEMBER_RE.findall(html))) or self.members

    @task(2)
    def member_page(self):
        if self.members:
            self.page(random.choice(self.members), "member area: family/organisation")

    @task(2)
    def registrations(self):
        self.page("/area-riservata/iscrizioni/", "member area: registrations")

    @task(1)
    def consents(self):
        self.page("/area-riservata/consensi/", "member area: consents")

    @task(1)
    def my_data(self):
        self.page("/area-riservata/i-miei-dati/", "member area: my data")

    @task(3)
    def pacts(self):
        html = self.page("/area-riservata/patti/", "member area: pacts")
        adhesions = sorted(set(ADHESION_RE.findall(html)))
        if not adhesions:
            return
        detail = self.page(random.choice(adhesions), "member area: adhesion")
        pdfs = SIGNED_PDF_RE.findall(detail)
        if pdfs:
            self.download(pdfs[0], "signed pact PDF", "application/pdf")

    @task(1)
    def sign_out_and_back(self):
        self.logout()
        self.sign_in()


class Coordinator(SiteUser):
    """The network coordinator in the back office, with two-factor login."""

    fixed_count = 2
    signed_in = False

    def on_start(self):
        self.sign_in()

    def sign_in(self):
        html = self.login(COORDINATOR_ACCOUNT)
        if not html:
            return
        token = csrf_token(html)
        code = _Codes.next_code(COORDINATOR_ACCOUNT)
        with self.client.post(
            "/account/2fa/authenticate/",
            data={"csrfmiddlewaretoken": token or "", "code": code},
            headers={"Referer": self.host + "/account/2fa/authenticate/"},
            name="login: two-factor code",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/account/" in response.url:
                response.failure(
                    f"two-factor code refused ({response.status_code}) "
                    f"{failure(response)}"
                )
                return
        self.signed_in = True

    def page(self, path, name, **kwargs):
        # Someone whose login did not go through logs in again before going on.
        back_office = path.startswith("/admin/")
        if back_office and not self.signed_in:
            self.sign_in()
        html = super().page(path, name, **kwargs)
        if back_office and not html:
            self.signed_in = False
        return html

    @task(1)
    def dashboard(self):
        self.page("/admin/", "admin: dashboard")

    @task(4)
    def members(self):
        self.page("/admin/rete/soggetti/", "admin: members list")

    @task(2)
    def member_search(self):
        query = random.choice(["famiglia", "associazione", "lucca", "cooperativa"])
        self.page(f"/admin/rete/soggetti/?q={query}", "admin: members search")

    @task(1)
    def people(self):
        self.page("/admin/rete/persone/", "admin: people list")

    @task(3)
    def registrations(self):
        html = self.page("/admin/programma/eventi/", "admin: events")
        events = sorted(set(ADMIN_EVENT_RE.findall(html)))
        if events:
            self.page(random.choice(events), "admin: registrations list")

    @task(3)
    def adhesions(self):
        self.page("/admin/pact/adhesions/", "admin: adhesions list")
