"""Pact versions: drafting, the freeze on opening, supersession, diff,
traceability between proposals and articles, the public page."""

import datetime
import hashlib
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from pact import services
from pact.admin_forms import PactVersionAdminForm
from pact.models import (
    Article,
    FrozenVersionError,
    NetworkRole,
    Pact,
    PactVersion,
    VersionStatus,
)
from pact.wagtail_hooks import PactVersionViewSet


@pytest.fixture
def proposal(table_a):
    return services.contribution_record(
        table=table_a, kind="proposal", text="Un calendario unico dei servizi 0-6"
    )[0]


@pytest.fixture
def pact(db):
    return Pact.objects.create(title="Patto di comunità", slug="patto")


def make_draft(pact, proposal=None):
    version = services.pact_version_create(pact=pact)
    services.pact_version_update(
        version=version,
        preamble="<p>Le famiglie della Piana si impegnano.</p>",
        duration_terms="<p>Due anni.</p>",
        effective_date=datetime.date(2020, 11, 4),
    )
    services.article_save(
        version=version,
        title="Informazione condivisa",
        body="<p>Gli aderenti tengono aggiornato un calendario.</p>",
        proposals=[proposal] if proposal else [],
    )
    services.network_role_save(
        version=version, code="capofila", name="Capofila", description="Coordina."
    )
    return version


@pytest.fixture
def open_version(pact, proposal, coordinator):
    return services.pact_version_open(
        version=make_draft(pact, proposal), by=coordinator
    )


def test_opening_records_the_sha256_of_the_canonical_text(open_version):
    assert open_version.status == VersionStatus.OPEN
    assert (
        open_version.text_sha256
        == hashlib.sha256(open_version.canonical_text.encode()).hexdigest()
    )
    document = json.loads(open_version.canonical_text)
    assert document["articles"][0]["title"] == "Informazione condivisa"
    assert document["network_roles"][0]["code"] == "capofila"


def test_a_version_without_articles_cannot_be_opened(pact):
    version = services.pact_version_create(pact=pact)

    with pytest.raises(ValidationError, match="almeno un articolo"):
        services.pact_version_open(version=version)

    assert PactVersion.objects.get().status == VersionStatus.DRAFT


def test_the_service_refuses_to_change_a_frozen_version(open_version):
    with pytest.raises(FrozenVersionError):
        services.pact_version_update(version=open_version, preamble="<p>Altro</p>")
    with pytest.raises(FrozenVersionError):
        services.article_save(version=open_version, title="Nuovo", body="<p>x</p>")
    with pytest.raises(FrozenVersionError):
        services.network_role_save(
            version=open_version, code="nodo", name="Nodo", description="x"
        )


def test_the_orm_refuses_to_change_a_frozen_version(open_version, proposal):
    open_version.preamble = "<p>Cambiato di nascosto</p>"
    with pytest.raises(FrozenVersionError):
        open_version.save()
    with pytest.raises(FrozenVersionError):
        PactVersion.objects.filter(pk=open_version.pk).update(preamble="<p>x</p>")
    with pytest.raises(FrozenVersionError):
        PactVersion.objects.filter(pk=open_version.pk).update(status="draft")
    article = open_version.articles.get()
    article.body = "<p>Cambiato</p>"
    with pytest.raises(FrozenVersionError):
        article.save()
    with pytest.raises(FrozenVersionError):
        Article.objects.filter(pk=article.pk).update(title="x")
    with pytest.raises(FrozenVersionError):
        article.delete()
    with pytest.raises(FrozenVersionError):
        NetworkRole.objects.filter(version=open_version).delete()
    uncited = Article.objects.get(pk=article.pk)
    uncited.proposals.clear()
    with pytest.raises(FrozenVersionError):
        uncited.save()
    # Django's m2m writes mark the surrounding transaction: give them their own.
    with pytest.raises(FrozenVersionError), transaction.atomic():
        proposal.articles.remove(article)
    with pytest.raises(FrozenVersionError):
        open_version.delete()

    fresh = PactVersion.objects.get(pk=open_version.pk)
    assert fresh.preamble == "<p>Le famiglie della Piana si impegnano.</p>"
    assert fresh.articles.get().proposals.get() == proposal


def draftail(text):
    if not text:
        return json.dumps({"blocks": [], "entityMap": {}})
    block = {
        "key": "a",
        "type": "unstyled",
        "text": text,
        "depth": 0,
        "inlineStyleRanges": [],
        "entityRanges": [],
    }
    return json.dumps({"blocks": [block], "entityMap": {}})


def admin_form_data(version, **changes):
    article = version.articles.get()
    role = version.network_roles.get()
    data = {
        "pact": version.pact_id,
        "effective_date": "2020-11-04",
        "preamble": draftail(changes.get("preamble", "Testo nuovo")),
        "duration_terms": draftail(""),
        "renewal_terms": draftail(""),
        "articles-TOTAL_FORMS": "1",
        "articles-INITIAL_FORMS": "1",
        "articles-MIN_NUM_FORMS": "0",
        "articles-MAX_NUM_FORMS": "1000",
        "articles-0-id": article.pk,
        "articles-0-ORDER": "1",
        "articles-0-title": "Titolo cambiato",
        "articles-0-body": draftail("Corpo dell'articolo"),
        "network_roles-TOTAL_FORMS": "1",
        "network_roles-INITIAL_FORMS": "1",
        "network_roles-MIN_NUM_FORMS": "0",
        "network_roles-MAX_NUM_FORMS": "1000",
        "network_roles-0-id": role.pk,
        "network_roles-0-ORDER": "1",
        "network_roles-0-code": role.code,
        "network_roles-0-name": role.name,
        "network_roles-0-description": role.description,
        "network_roles-0-responsibilities": draftail(""),
    }
    return data


def test_the_admin_form_refuses_a_frozen_version(open_version):
    form_class = PactVersionViewSet("pact_versions_test").get_form_class(
        for_update=True
    )
    assert issubclass(form_class, PactVersionAdminForm)
    form = form_class(admin_form_data(open_version), instance=open_version)

    assert not form.is_valid()
    assert "non può più cambiare" in " ".join(form.non_field_errors())


def test_editing_a_frozen_version_in_the_admin_fails_with_a_clear_message(
    coordinator_client, open_version
):
    response = coordinator_client.post(
        f"/admin/pact/versions/edit/{open_version.pk}/",
        admin_form_data(open_version),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/admin/pact/versions/{open_version.pk}/"
    assert "non può più cambiare" in response.content.decode()
    fresh = PactVersion.objects.get(pk=open_version.pk)
    assert fresh.articles.get().title == "Informazione condivisa"
    assert fresh.text_sha256 == open_version.text_sha256


def test_a_draft_is_edited_in_the_admin_as_rich_text(coordinator_client, pact):
    draft = make_draft(pact)

    response = coordinator_client.post(
        f"/admin/pact/versions/edit/{draft.pk}/",
        admin_form_data(draft, preamble="Un preambolo riscritto"),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert "Un preambolo riscritto" in draft.preamble
    assert draft.articles.get().title == "Titolo cambiato"


def test_a_frozen_version_cannot_be_deleted_from_the_admin(
    coordinator_client, open_version
):
    coordinator_client.post(f"/admin/pact/versions/delete/{open_version.pk}/")

    assert PactVersion.objects.filter(pk=open_version.pk).exists()


def test_opening_from_the_admin_freezes_the_version(coordinator_client, pact):
    draft = make_draft(pact)

    response = coordinator_client.post(f"/admin/pact/versions/{draft.pk}/open/")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.OPEN and len(draft.text_sha256) == 64


def test_a_new_version_supersedes_the_open_one(pact, open_version):
    draft = services.pact_version_create(pact=pact, based_on=open_version)
    services.article_save(version=draft, title="Estate coperta", body="<p>x</p>")

    services.pact_version_open(version=draft)

    open_version.refresh_from_db()
    assert open_version.status == VersionStatus.CLOSED
    assert open_version.superseded_by == draft
    assert list(pact.versions.in_force()) == [draft]
    assert (
        open_version.text_sha256
        == hashlib.sha256(open_version.canonical_text.encode()).hexdigest()
    )


def test_a_new_draft_copies_the_text_and_the_cited_proposals(
    pact, open_version, proposal
):
    draft = services.pact_version_create(pact=pact, based_on=open_version)

    assert draft.number == open_version.number + 1
    assert draft.status == VersionStatus.DRAFT
    assert draft.preamble == open_version.preamble
    assert draft.articles.get().proposals.get() == proposal
    assert draft.network_roles.get().code == "capofila"


def test_the_diff_page_shows_what_changed(coordinator_client, pact, open_version):
    draft = services.pact_version_create(pact=pact, based_on=open_version)
    services.article_save(
        version=draft,
        article=draft.articles.get(),
        title="Informazione condivisa",
        body="<p>Gli aderenti aggiornano un calendario unico.</p>",
    )
    services.article_save(version=draft, title="Estate coperta", body="<p>x</p>")

    page = coordinator_client.get(
        f"/admin/pact/versions/{draft.pk}/compare/?with={open_version.pk}"
    ).content.decode()
    words = re.sub(r'<span class="w-sr-only">[^<]*</span>', "", page)

    assert "<del>tengono aggiornato</del> <ins>aggiornano</ins> un" in words
    assert "calendario<ins> unico</ins>." in words
    assert "Estate coperta" in page


def _compare(client, start, other=None):
    url = f"/admin/pact/versions/{start.pk}/compare/"
    if other is not None:
        url += f"?with={other.pk}"
    page = client.get(url).content.decode()
    words = (
        page[page.index('<div class="pact-diff">') :] if 'pact-diff"' in page else ""
    )
    return page, re.sub(r'<span class="w-sr-only">[^<]*</span>', "", words)


@pytest.fixture
def second_version(pact, open_version, proposal):
    draft = services.pact_version_create(pact=pact, based_on=open_version)
    services.article_save(
        version=draft,
        title="Pre-scuola in tutti i comuni",
        body="<p>I comuni valutano il pre-scuola.</p>",
        proposals=[proposal],
    )
    services.pact_version_update(
        version=draft, duration_terms="<p>Tre anni salvo recesso.</p>"
    )
    return draft


def test_comparing_from_the_first_version_runs_from_older_to_newer(
    coordinator_client, open_version, second_version, proposal
):
    for start, other in (
        (open_version, None),
        (open_version, second_version),
        (second_version, open_version),
        (second_version, None),
    ):
        page, words = _compare(coordinator_client, start, other)

        assert "non ha altre versioni" not in page
        assert "Articolo 2" in page
        added = page[page.index("Articolo 2") :]
        assert "aggiunto nella versione 2" in added.split("</h2>")[0]
        assert "rimosso" not in page.lower()
        # Cited proposals as the published pact cites them, in Italian.
        assert f"Dalle proposte: P{proposal.pk}" in words
        assert "Cites proposals" not in page
        assert not re.search(rf"#{proposal.pk}\b", words)


def test_deleted_and_added_words_stay_apart(coordinator_client, open_version, pact):
    draft = services.pact_version_create(pact=pact, based_on=open_version)
    services.pact_version_update(version=draft, duration_terms="<p>Tre anni.</p>")
    _page, words = _compare(coordinator_client, draft)

    assert "<del>Due</del> <ins>Tre</ins>" in words
    assert "DueTre" not in re.sub(r"<[^>]+>", "", words)


def test_a_pact_with_one_version_says_there_is_nothing_to_compare(
    coordinator_client, open_version
):
    page, _words = _compare(coordinator_client, open_version)
    assert "è l’unica versione di questo patto" in page or ("unica versione" in page)
    assert "<select" not in page


def test_a_version_open_for_signature_is_read_only_with_what_can_still_be_done(
    coordinator_client, open_version
):
    response = coordinator_client.get(f"/admin/pact/versions/edit/{open_version.pk}/")
    assert response.status_code == 302
    page = coordinator_client.get(response["Location"]).content.decode()

    assert "<form" not in page.split('class="pact-frozen"')[1]
    assert "Informazione condivisa" in page  # the text, to read
    for action in ("close", "new-draft", "compare"):
        assert f"/admin/pact/versions/{open_version.pk}/{action}/" in page
    assert f"/admin/pact/adhesions/?version={open_version.pk}" in page
    assert open_version.text_sha256 in page


def test_saving_a_frozen_version_is_refused_and_changes_nothing(
    coordinator_client, open_version
):
    before = open_version.canonical_text
    response = coordinator_client.post(
        f"/admin/pact/versions/edit/{open_version.pk}/",
        {"pact": open_version.pact_id, "preamble": "<p>Cambiato</p>"},
        follow=True,
    )
    assert "non può più cambiare" in response.content.decode()
    open_version.refresh_from_db()
    assert open_version.canonical_text == before
    assert "Cambiato" not in open_version.preamble


def test_a_proposal_shows_which_articles_took_it_up(
    coordinator_client, open_version, proposal
):
    page = coordinator_client.get(
        f"/admin/pact/contributions/inspect/{proposal.pk}/"
    ).content.decode()

    assert "Informazione condivisa" in page
    assert f"/admin/pact/versions/{open_version.pk}/" in page


def test_an_article_lists_the_proposals_it_cites_on_the_public_page(
    client, open_version, proposal
):
    page = client.get("/patto/patto/").content.decode()

    assert "Informazione condivisa" in page
    assert f'href="#proposal-{proposal.pk}"' in page
    assert "Un calendario unico dei servizi 0-6" in page
    assert open_version.text_sha256 in page


def test_the_public_page_shows_the_version_in_force_not_the_draft(
    client, pact, open_version
):
    draft = services.pact_version_create(pact=pact, based_on=open_version)
    services.article_save(version=draft, title="Solo in bozza", body="<p>x</p>")

    page = client.get("/patto/patto/").content.decode()

    assert "Solo in bozza" not in page
    assert client.get("/patto/").status_code == 302


def test_the_public_page_counts_families_and_names_no_one(client, open_version):
    page = client.get("/patto/patto/").content.decode()

    assert "Capofila" in page
    assert "adherents-count" in page


def test_a_pact_without_a_version_in_force_has_no_public_page(client, pact):
    make_draft(pact)

    assert client.get("/patto/patto/").status_code == 404


def test_the_pact_text_downloads_as_pdf_with_its_appendix(client, open_version):
    import pypdfium2

    response = client.get("/patto/patto/pdf/")

    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert "INFORMAZIONE CONDIVISA" in text.upper()
    assert "Un calendario unico dei servizi 0-6" in text


def test_the_pact_pdf_is_rendered_once_per_language_and_revalidated(
    client, open_version
):
    from unittest import mock

    with mock.patch("pact.views.public.render_pdf", return_value=b"%PDF-1") as render:
        first = client.get("/patto/patto/pdf/")
        again = client.get("/patto/patto/pdf/")
        assert render.call_count == 1
        assert first.content == again.content == b"%PDF-1"
        etag = first["ETag"]
        assert (
            client.get("/patto/patto/pdf/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        )
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        english = client.get("/patto/patto/pdf/")
        assert render.call_count == 2 and english["ETag"] != etag


def test_the_version_list_has_a_bounded_number_of_queries(
    coordinator_client, pact, django_assert_max_num_queries
):
    for _ in range(15):
        make_draft(pact)

    with django_assert_max_num_queries(30):
        response = coordinator_client.get("/admin/pact/versions/")
    assert response.status_code == 200


def test_the_edit_page_of_a_frozen_version_says_it_is_frozen(
    coordinator_client, open_version
):
    page = coordinator_client.get(
        f"/admin/pact/versions/edit/{open_version.pk}/", follow=True
    ).content.decode()

    assert "non può più cambiare" in page
    assert f"/admin/pact/versions/{open_version.pk}/open/" not in page
    assert f"/admin/pact/versions/{open_version.pk}/compare/" in page


def test_the_edit_page_of_a_draft_offers_to_open_it(coordinator_client, pact):
    draft = make_draft(pact)

    page = coordinator_client.get(f"/admin/pact/versions/edit/{draft.pk}/")

    assert f"/admin/pact/versions/{draft.pk}/open/" in page.content.decode()


def test_a_new_draft_copies_what_was_saved_not_a_stale_object(pact):
    version = services.pact_version_create(pact=pact)
    services.pact_version_update(version=version, preamble="<p>Salvato</p>")

    draft = services.pact_version_create(pact=pact, based_on=version)

    assert draft.preamble == "<p>Salvato</p>"
