"""The sweep (issue 11): every URL pattern of the project, enumerated from the
resolver, requested by each persona who can reach the back office holding a
session without its second factor — never a 200 on anything that needs a login,
and nothing written by a POST.

URL patterns added later are swept without editing this file: their path
arguments are filled generically (an id that exists in the demo data, any
value otherwise), and what "needs a login" means is measured, not listed: what
an anonymous visitor cannot open.
"""

import re
import uuid
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

try:  # Python 3.11+
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_parse

pytestmark = pytest.mark.django_db

DEMO_BACK_OFFICE = (
    "coordinatrice@luccainfamiglia.example",
    "referente@luccafamilynet.example",
    "redazione@example.org",
)
# Rows a refused request may still write: its session, the lockout's log.
UNTRACKED = {"sessions.session", "axes.accesslog", "axes.accessattempt"}


# --- every URL, with its arguments filled ----------------------------------------

SAMPLES = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x",
    "uuid": str(uuid.UUID(int=1)),
}


def _sample_regex(regex: str) -> str | None:
    """The shortest text a regular expression matches (enough for a sweep)."""

    def build(parsed) -> str:
        out = []
        for op, arg in parsed:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "NOT_LITERAL":
                out.append("a" if chr(arg) != "a" else "b")
            elif name in ("ANY",):
                out.append("a")
            elif name == "IN":
                out.append(_sample_class(arg))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _high, sub = arg
                out.append(build(sub) * max(low, 0))
            elif name == "SUBPATTERN":
                out.append(build(arg[-1]))
            elif name == "BRANCH":
                out.append(build(arg[1][0]))
            elif name == "AT":
                continue
            else:
                raise ValueError(name)
        return "".join(out)

    try:
        return build(sre_parse.parse(regex))
    except ValueError:
        return None


def _sample_class(items) -> str:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return "1" if "DIGIT" in str(arg) else "a"
    return "a"


def _sample(pattern) -> str | None:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        return re.sub(
            r"<(?:(?P<conv>\w+):)?\w+>",
            lambda m: SAMPLES.get(m.group("conv") or "str", "1"),
            route,
        )
    if isinstance(pattern, RegexPattern):
        return _sample_regex(pattern.regex.pattern)
    return None


def every_url() -> list[str]:
    """One concrete path per URL pattern of the project."""
    paths, unreachable = [], []

    def walk(patterns, prefix):
        for entry in patterns:
            sample = _sample(entry.pattern)
            if sample is None:
                unreachable.append(prefix + str(entry.pattern))
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + sample)
            elif isinstance(entry, URLPattern):
                paths.append("/" + prefix + sample)

    walk(get_resolver().url_patterns, "")
    assert not unreachable, f"patterns the sweep cannot fill: {unreachable}"
    return sorted(set(paths))


def test_the_sweep_fills_every_kind_of_pattern(db):
    paths = every_url()
    assert len(paths) > 400
    for path in ("/admin/", "/area-riservata/", "/area-riservata/soggetti/1/"):
        assert path in paths
    for path in paths:
        resolve(path)  # each one reaches a view


# --- the personas and their half sessions ---------------------------------------


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def back_office(demo):
    """The demo's people who can reach the back office, and a superuser."""
    from django.contrib.auth import get_user_model

    from crm.demo import demo_second_factor
    from tests.factories import UserFactory

    boss = UserFactory(username="amministratore@example.org", is_superuser=True)
    demo_second_factor(boss)
    User = get_user_model()
    return [User.objects.get(email=email) for email in DEMO_BACK_OFFICE] + [boss]


def half_session(client, user) -> None:
    """What a password alone gave before (Wagtail's login pages): a logged-in
    session that never passed the second factor."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    client.cookies["sessionid"] = session.session_key


def needs_login(client, paths) -> list[str]:
    """What an anonymous visitor cannot open."""
    return [path for path in paths if client.get(path).status_code != 200]


def database_rows() -> dict:
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in UNTRACKED and model._meta.managed
    }


def sweep(client, user, paths, method="get") -> list[str]:
    opened = []
    for path in paths:
        half_session(client, user)
        response = getattr(client, method)(path)
        if response.status_code == 200:
            opened.append(f"{method.upper()} {path}")
    return opened


def test_a_session_without_its_second_factor_opens_nothing(client, back_office):
    """Each persona's password-only session, before and after enrolling an
    authenticator app: with an app it is logged out on any path; without one it
    can only enrol (and leave)."""
    from allauth.mfa.models import Authenticator
    from django.urls import reverse

    paths = every_url()
    private = needs_login(client, paths)
    assert len(private) > 300  # the admin and the areas, at least
    rows = database_rows()

    opened = []
    for user in back_office:
        assert Authenticator.objects.filter(user=user, type="totp").exists()
        opened += sweep(client, user, private)
        opened += sweep(client, user, paths, method="post")
    assert not opened, "\n".join(opened)
    assert database_rows() == rows

    Authenticator.objects.filter(user__in=back_office).delete()
    enrolment = {
        reverse(name)
        for name in (
            "mfa_activate_totp",
            "account_reauthenticate",
            "account_logout",
            "admin_logout_handover",
        )
    }
    for user in back_office:
        opened += [
            entry
            for entry in sweep(client, user, private)
            if entry.split(" ", 1)[1] not in enrolment
        ]
    assert not opened, "\n".join(opened)
