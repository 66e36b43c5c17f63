"""Journey 5: a facilitator records contributions at a table on a phone.

The demo keeps one table open for live entry, "Tempo libero, estate e
spostamenti", run by the second facilitator; the first facilitator's tables
(1 and 3) are closed in the demo.
"""

from pact.models import Contribution, ContributionKind, ThematicTable

FACILITATOR = "facilitatore@luccainfamiglia.example"
OPEN_TABLE = "Tempo libero, estate e spostamenti"
CLOSED_TABLE = "Conciliazione e lavoro: imprese e welfare aziendale"

# What the table says, in the order the facilitator types it:
# (kind label, kind, text, author or None for anonymous, topic label or None)
SAID = [
    (
        "Esigenza",
        ContributionKind.NEED,
        "Un centro estivo aperto anche la seconda metà di agosto.",
        "Elisa Guidi",
        "Centri estivi",
    ),
    (
        "Esperienza",
        ContributionKind.EXPERIENCE,
        "A Capannori il bus navetta per i campi solari ha funzionato bene.",
        None,
        "Trasporto",
    ),
    (
        "Punto di vista",
        ContributionKind.POINT_OF_VIEW,
        "Per chi lavora su turni l'estate è un mosaico di nonni e vicini.",
        None,
        None,
    ),
    (
        "Preoccupazione",
        ContributionKind.CONCERN,
        "I costi delle attività sportive pesano sulle famiglie con tre figli.",
        "Sandro Bonini",
        None,
    ),
]
OFFLINE = (
    "Proposta",
    ContributionKind.PROPOSAL,
    "Un calendario unico delle attività estive dei sette comuni della Piana.",
)
EDITED = "Un centro estivo aperto anche la seconda metà di agosto, fino al 31."
SYNTHESIS = (
    "Serve continuità tra scuola e centri estivi, trasporti tra le frazioni "
    "e un calendario unico delle attività della Piana."
)
SAVED = "Salvato."
NOT_SAVED = "Non salvato: la connessione si è interrotta."


def _fill(page, kind_label, text, author=None, topic=None):
    form = page.locator("form[data-contribution-form]")
    form.locator(".kind-picker label", has_text=kind_label).click()
    page.get_by_label("Che cosa è stato condiviso").fill(text)
    page.get_by_label("Chi l'ha detto").select_option(label=author or "Anonimo")
    if topic:
        details = form.locator("details.topic-picker")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        form.get_by_label(topic, exact=True).check()


def _save(page):
    page.get_by_role("button", name="Salva il contributo").click()


def test_facilitator_records_contributions_on_a_phone(browser, demo):
    table = ThematicTable.objects.get(title=OPEN_TABLE)
    before = set(table.contributions.values_list("pk", flat=True))
    page = browser.new_page(phone=True)
    context = page.context

    browser.login(page, FACILITATOR, next_url="/facilitazione/")
    page.wait_for_url("**/facilitazione/")
    assert page.get_by_role("heading", level=1).inner_text() == "I miei tavoli"
    browser.shot(page, "my tables")
    browser.axe(page, "facilitator tables")

    # A closed table reads, but takes nothing more.
    page.get_by_role("link", name=CLOSED_TABLE).click()
    page.wait_for_url("**/facilitazione/tavoli/*/")
    assert page.locator("form[data-contribution-form]").count() == 0
    browser.shot(page, "closed table")
    browser.axe(page, "facilitator closed table")
    page.go_back()

    page.get_by_role("link", name=OPEN_TABLE).click()
    page.wait_for_url(f"**/facilitazione/tavoli/{table.pk}/")
    browser.shot(page, "open table")
    browser.axe(page, "facilitator table")

    items = page.locator("#contribution-list > li.contribution")
    shown = items.count()
    for kind_label, _kind, text, author, topic in SAID:
        _fill(page, kind_label, text, author, topic)
        _save(page)
        page.locator("#save-status", has_text=SAVED).wait_for()
        shown += 1
        assert items.count() == shown
        assert page.locator("[data-contribution-count]").inner_text() == f"({shown})"
        assert text in items.first.inner_text()
        assert page.get_by_label("Che cosa è stato condiviso").input_value() == ""
    browser.shot(page, "four saved")
    browser.axe(page, "facilitator table after saving")

    # The connection drops before a save: nothing is sent, the text stays, and
    # it survives a reload once the phone is back online.
    kind_label, kind, text = OFFLINE
    _fill(page, kind_label, text)
    context.set_offline(True)
    _save(page)
    page.locator("#save-status", has_text=NOT_SAVED).wait_for()
    assert page.get_by_label("Che cosa è stato condiviso").input_value() == text
    assert not table.contributions.filter(text=text).exists()
    browser.shot(page, "offline not saved")
    context.set_offline(False)
    page.reload()
    page.locator("#save-status", has_text="è stato ripristinato").wait_for()
    assert page.get_by_label("Che cosa è stato condiviso").input_value() == text
    assert page.locator(
        "form[data-contribution-form] input[value=proposal]"
    ).is_checked()
    browser.shot(page, "draft restored")

    # This time the save reaches the server but the answer is lost on the way
    # back: sending again must not record it twice.
    def answer_lost(route):
        route.fetch()
        route.abort("connectionfailed")

    page.route(f"**/facilitazione/tavoli/{table.pk}/", answer_lost)
    _save(page)
    page.locator("#save-status", has_text=NOT_SAVED).wait_for()
    assert table.contributions.filter(text=text).count() == 1
    page.unroute(f"**/facilitazione/tavoli/{table.pk}/")
    _save(page)
    page.locator("#save-status", has_text=SAVED).wait_for()
    assert table.contributions.filter(text=text).count() == 1
    assert page.locator("#contribution-list > li", has_text=text).count() == 1
    browser.shot(page, "retry saved once")

    # A typo fixed on the contribution's own page.
    first = table.contributions.get(text=SAID[0][2])
    page.locator(f"#contribution-{first.pk}").get_by_role(
        "link", name="Modifica"
    ).click()
    page.wait_for_url(f"**/facilitazione/contributi/{first.pk}/")
    browser.shot(page, "edit contribution")
    browser.axe(page, "facilitator edit contribution")
    page.get_by_label("Che cosa è stato condiviso").fill(EDITED)
    page.get_by_role("button", name="Salva le modifiche").click()
    page.wait_for_url(f"**/facilitazione/tavoli/{table.pk}/")
    assert page.get_by_text("Contributo aggiornato.").is_visible()

    # The synthesis for the closing plenary.
    page.get_by_role("link", name="Scrivi la sintesi").click()
    page.wait_for_url(f"**/facilitazione/tavoli/{table.pk}/sintesi/")
    browser.axe(page, "facilitator synthesis")
    page.get_by_label("Sintesi per la plenaria conclusiva").fill(SYNTHESIS)
    browser.shot(page, "synthesis")
    page.get_by_role("button", name="Salva la sintesi").click()
    page.wait_for_url(f"**/facilitazione/tavoli/{table.pk}/")
    assert page.get_by_text("Sintesi salvata.").is_visible()
    browser.shot(page, "table with synthesis")

    # The database holds exactly what was typed, once each.
    table.refresh_from_db()
    assert table.synthesis == SYNTHESIS
    added = table.contributions.exclude(pk__in=before).select_related(
        "author", "recorded_by"
    )
    expected = {
        (kind, EDITED if text == SAID[0][2] else text, author, topic)
        for _label, kind, text, author, topic in SAID
    } | {(OFFLINE[1], OFFLINE[2], None, None)}
    got = set()
    for contribution in added:
        topics = list(contribution.topics.values_list("name", flat=True))
        assert len(topics) <= 1
        got.add(
            (
                contribution.kind,
                contribution.text,
                contribution.author.full_name if contribution.author else None,
                topics[0] if topics else None,
            )
        )
        assert contribution.recorded_by.email == FACILITATOR
    assert added.count() == len(expected)
    assert got == expected
    assert Contribution.objects.filter(text=OFFLINE[2]).count() == 1
