"""The public verification page against damaged PDFs and odd codes.

Anyone can upload a file or type a code: a genuine signed pact damaged byte
by byte, truncated or spliced is never “genuine”, any bytes get an answer on
the page, and any code in the address gets the page or a 404 — never an error.
"""

import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from .test_handover_fuzz import Bundle, damaged
from .test_handover_import import instance_a

pytestmark = pytest.mark.django_db

__all__ = ["instance_a"]  # the fixture, imported to be used here


@pytest.fixture
def genuine(instance_a):
    """A sealed signed pact that is in this instance's register."""
    return Bundle(next(iter(instance_a["documents"].values())))


def verify(client, data: bytes):
    file = io.BytesIO(data)
    file.name = "patto.pdf"
    return client.post(reverse("pact:verify"), {"file": file})


def test_the_genuine_pdf_is_genuine(client, genuine):
    page = verify(client, genuine).content.decode()
    assert "Autentico" in page


@hsettings(max_examples=max(5, hsettings().max_examples // 2))
@given(data=st.data())
def test_a_damaged_pdf_is_never_genuine_and_always_answered(client, genuine, data):
    changed = data.draw(damaged(genuine))
    response = verify(client, changed)

    assert response.status_code == 200
    page = response.content.decode()
    if changed:
        assert "Non autentico" in page, page[-2000:]
    else:  # an empty upload is refused by the form
        assert "errorlist" in page or "invalid-feedback" in page or "vuoto" in page


@given(st.binary(max_size=4096).map(lambda b: b"%PDF-1.7\n" + b))
def test_any_bytes_called_a_pdf_get_an_answer(client, db, data):
    response = verify(client, data)

    assert response.status_code == 200
    assert "Non autentico" in response.content.decode()


@given(
    st.one_of(
        st.text(max_size=60).filter(lambda t: t and "/" not in t),
        st.sampled_from(["\x00", "LIF-²²²²-①①①①", "x" * 5000, "%00", "..", "é😀"]),
    )
)
def test_any_code_in_the_address_gets_the_page_or_a_404(client, db, code):
    from urllib.parse import quote

    response = client.get(f"/verifica/{quote(code, safe='')}/")

    assert response.status_code in (200, 301, 302, 404)
