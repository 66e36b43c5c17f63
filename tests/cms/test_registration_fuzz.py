"""The public registration form against whatever a visitor or a bot sends.

Hypothesis posts forms mixing what people type with hostile values — very
long strings, NUL and other control characters, odd Unicode digits, formulas,
malformed emails and phones, unknown choices, missing fields — to a real event
page, in Italian. Every answer is a registration (one, with its person) or the
form again with Italian messages and nothing saved; a filled honeypot saves
nothing; never a server error.
"""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cms.forms import RegistrationForm
from cms.models import Registration
from crm.models import Consent, Member, Municipality, Person, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def _english():
    """This module reads the Italian the site serves (overrides the folder's)."""
    yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    return client


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Registration, Person, Member, Consent)
    }


HOSTILE = [
    "",
    " ",
    "x" * 10_000,
    "A\x00B",
    "\x1b[31m",
    "\u202egnp.exe",
    "²",
    "٣",
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "'; DROP TABLE crm_person; --",
    "😀" * 60,
    "\r\n\r\n",
]
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))


def field(*plausible):
    return st.one_of(st.sampled_from(plausible), hostile, st.none())


def emails():
    return st.one_of(
        st.emails(),
        st.sampled_from(
            [
                "giulia.bianchi@example.org",
                "GIULIA.BIANCHI@EXAMPLE.ORG",
                "a" * 250 + "@example.org",
                "a@" + "b" * 300 + ".it",
                "no-at-sign",
                "x@y",
                "a@b.c\x00",
            ]
        ),
        hostile,
        st.none(),
    )


TIDY = {
    "first_name": "Giulia",
    "last_name": "Bianchi",
    "email": "giulia.bianchi@example.org",
    "phone": "333 123 4567",
    "registrant_kind": "family",
    "childcare_children": "0",
    "consent_privacy": "on",
}


@st.composite
def forms(draw, municipality: str, topic: str) -> dict:
    if draw(st.booleans()):
        # What a person types, with one field (maybe) gone wrong.
        data = dict(TIDY, email=draw(st.emails()))
        name = draw(st.sampled_from([*TIDY, "organisation_name", "childcare_ages"]))
        value = draw(st.one_of(hostile, st.none(), st.just(TIDY.get(name, ""))))
        data[name] = value
        return {k: v for k, v in data.items() if v is not None}
    data = {
        "first_name": draw(field("Giulia", "Anna Maria", "D'Angelo")),
        "last_name": draw(field("Bianchi", "De Santis")),
        "email": draw(emails()),
        "phone": draw(field("333 123 4567", "+39 0583 123456", "+1 555", "12")),
        "registrant_kind": draw(
            field("family", "citizen", "third_sector", "business", "institution")
        ),
        "organisation_name": draw(field("Associazione Noce", "")),
        "municipality": draw(field(municipality, "", "999999", "-1", "1e3")),
        "needs": draw(st.lists(field(topic, "0", "abc"), max_size=3)),
        "preferred_topics": draw(st.lists(field(topic), max_size=2)),
        "childcare_children": draw(field("0", "2", "7", "-1", "1.5", "²")),
        "childcare_ages": draw(field("", "2, 5", "3", "2;5", "²", "١")),
        "accessibility_needs": draw(field("Passeggino", "")),
        "consent_privacy": draw(field("on", "")),
        "consent_newsletter": draw(field("on")),
        "website": draw(st.sampled_from(["", "", "", "", "http://spam.example"])),
    }
    return {k: v for k, v in data.items() if v is not None and v != []}


def english_messages(data) -> dict:
    with translation.override("en"):
        form = RegistrationForm(data)
        form.is_valid()
        return {name: list(errors) for name, errors in form.errors.items()}


def note(label: str) -> None:
    try:
        event(label)
    except InvalidArgument:  # outside a hypothesis test
        pass


def check(client, event_page, data) -> None:
    cache.clear()  # the per-address rate limit is not what is tested here
    with rolled_back():
        before = counts()
        response = client.post(event_page.url, data)
        assert response.status_code in (200, 302), response.status_code
        if data.get("website"):
            note("honeypot")
            assert response.status_code == 302
            assert response["Location"] == event_page.url
            assert counts() == before
            return
        if response.status_code == 302:
            note("registered")
            after = counts()
            assert after["Registration"] == before["Registration"] + 1
            registration = Registration.objects.latest("pk")
            assert registration.event_id == event_page.pk
            assert registration.person.email.lower() == data["email"].strip().lower()
            return
        note("form errors")
        form = response.context["form"]
        assert form.errors, "the form came back without saying why"
        page = response.content.decode()
        assert "alert alert-danger" in page
        assert counts() == before, "a refused registration saved something"
        # Every field message is in Italian: it differs from the English one.
        english = english_messages(data)
        for name, messages in form.errors.items():
            if name in english:
                assert not set(messages) & set(english[name]), (name, messages)


@hsettings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@example(data={"childcare_children": "1", "childcare_ages": "²"})  # int() refuses
@example(data={"email": "a" * 250 + "@example.org"})  # the form takes 320
@example(data={"registrant_kind": "business", "organisation_name": "x" * 200})
def test_any_post_registers_once_or_explains_in_italian_and_saves_nothing(
    client, event, data
):
    lucca = str(Municipality.objects.get(name="Lucca").pk)
    nido = str(Topic.objects.get(slug="nido").pk)
    if isinstance(data, dict):  # an explicit example: the tidy form, changed
        posted = TIDY | data
    else:
        posted = data.draw(forms(lucca, nido))
    check(client, event, posted)


def test_a_valid_form_from_the_same_strategy_registers(client, event):
    """The happy path of the generator above, so the fuzzing reaches it."""
    check(
        client,
        event,
        {
            "first_name": "Giulia",
            "last_name": "Bianchi",
            "email": "giulia.bianchi@example.org",
            "phone": "333 123 4567",
            "registrant_kind": "family",
            "childcare_children": "0",
            "consent_privacy": "on",
        },
    )
    assert Registration.objects.count() == 0  # rolled back with the example
