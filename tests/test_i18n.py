"""Italian is the default language and every project string is translated."""

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def _catalog(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def test_every_italian_string_is_translated_and_none_is_fuzzy():
    catalog = _catalog("it")
    missing = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


def test_the_compiled_italian_catalog_matches_its_source():
    compiled = gettext.GNUTranslations(
        open(LOCALE / "it" / "LC_MESSAGES" / "django.mo", "rb")
    )
    stale = []
    for entry in _catalog("it").translated_entries():
        if entry.msgid_plural:
            continue
        if entry.msgctxt:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr:
            stale.append(entry.msgid)
    assert not stale, f"run `make messages`: {len(stale)} stale, e.g. {stale[:5]}"


@pytest.mark.django_db
def test_pages_speak_italian_by_default_and_english_on_request(client):
    italian = client.get("/")
    assert "Vai al contenuto" in italian.content.decode()
    assert 'lang="it"' in italian.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get("/")
    assert "Skip to content" in english.content.decode()
    assert 'lang="en"' in english.content.decode()


@pytest.mark.django_db
def test_empty_admin_lists_read_as_italian(coordinator_client):
    from django.urls import reverse

    html = coordinator_client.get(reverse("crm_invitations:index")).content.decode()
    assert "Non ci sono inviti da mostrare." in html
    assert "nessun inviti" not in html
