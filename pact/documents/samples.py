"""A realistic signed-pact document, for tests, benchmarks and previews.

Not demo data for the database: it builds the plain dataclasses only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from .context import (
    AdhesionDocument,
    Article,
    Branding,
    Commitment,
    Evidence,
    NetworkRole,
    PactText,
    Party,
    Signatory,
    SignatureMethod,
)

ROME = ZoneInfo("Europe/Rome")

_ARTICLES = (
    (
        "Finalità",
        "<p>Il patto costituisce una rete di supporto alle famiglie con bambini da "
        "0 a 6 anni della Piana di Lucca, per aiutarle a <b>conciliare esigenze "
        "familiari e lavoro</b>.</p>",
    ),
    (
        "Soggetti aderenti",
        "<p>Possono aderire famiglie, realtà del terzo settore, imprese e "
        "istituzioni dei comuni di Lucca, Capannori, Altopascio, Porcari, "
        "Montecarlo, Pescaglia e Villa Basilica.</p>",
    ),
    (
        "Impegni comuni",
        "<p>Ogni soggetto aderente si impegna a:</p><ul><li>condividere "
        "informazioni su servizi e opportunità educative;</li><li>partecipare "
        "agli incontri periodici della rete;</li><li>segnalare esigenze e "
        "proposte emerse dalle famiglie.</li></ul>",
    ),
    (
        "Organizzazione della rete",
        "<p>La rete è coordinata da un coordinatore di rete, che convoca gli "
        "incontri, tiene il registro delle adesioni e cura i rapporti con il "
        "progetto Lucca Family net.</p>",
    ),
    (
        "Continuità",
        "<p>Alla conclusione del progetto Lucca IN le adesioni e il registro "
        "sono consegnati a Lucca Family net, che ne garantisce la continuità "
        "come elemento stabile del sistema dei servizi alle famiglie.</p>",
    ),
)

_ROLES = (
    NetworkRole("capofila", "Capofila", "Coordina la rete e ne cura i rapporti."),
    NetworkRole("nodo", "Nodo", "Offre servizi o attività alle famiglie della rete."),
    NetworkRole(
        "sostenitore", "Sostenitore", "Sostiene la rete e ne diffonde le iniziative."
    ),
)


def sample_pact() -> PactText:
    text = "\n".join(f"{t}\n{b}" for t, b in _ARTICLES)
    return PactText(
        title="Patto di comunità per il supporto alle famiglie della Piana di Lucca",
        slug="patto-di-comunita",
        version_number=1,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        preamble_html=(
            "<p>Nato dal percorso di progettazione partecipata «Lucca In… "
            "famiglia» (ottobre–novembre 2020), il patto raccoglie i punti di "
            "vista, le esigenze, le esperienze e le proposte emerse ai tavoli "
            "tematici.</p>"
        ),
        articles=tuple(
            Article(number=i, title=t, body_html=b)
            for i, (t, b) in enumerate(_ARTICLES, start=1)
        ),
        network_roles=_ROLES,
        effective_date=dt.date(2020, 11, 4),
    )


def sample_document(**overrides) -> AdhesionDocument:
    """An organisation's online-signed adhesion; override any field."""
    signed_at = dt.datetime(2020, 11, 12, 10, 31, 7, tzinfo=ROME)
    document = AdhesionDocument(
        reference="ad-000042",
        pact=sample_pact(),
        member=Party(
            reference="m-0007",
            name="Cooperativa Sociale Il Girasole",
            kind="third_sector",
            codice_fiscale="01234567890",
            partita_iva="01234567890",
            municipality="Capannori (LU)",
            address="Via della Chiesa 12",
        ),
        network_role=_ROLES[1],
        commitments=(
            Commitment(
                "Apertura di un doposcuola il martedì e il giovedì fino alle 18.30.",
                ("doposcuola",),
            ),
            Commitment(
                "Due settimane di centro estivo a tariffa ridotta per le famiglie "
                "della rete.",
                ("centri estivi", "orari flessibili"),
            ),
        ),
        signatory=Signatory(
            name="Maria Bianchi",
            capacity="legale rappresentante",
            email="maria.bianchi@ilgirasole.example",
        ),
        evidence=Evidence(
            method=SignatureMethod.ONLINE,
            signed_at=signed_at,
            recorded_at=signed_at,
            email="maria.bianchi@ilgirasole.example",
            ip_address="192.0.2.45",
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            code_sent_at=signed_at - dt.timedelta(minutes=3),
            code_confirmed_at=signed_at,
            shown_sha256=hashlib.sha256(b"shown").hexdigest(),
        ),
        short_code="LIF-7K3Q-9PXM",
        verification_url="http://testserver/patto/verifica/LIF-7K3Q-9PXM/",
        previous_sha256=hashlib.sha256(b"previous").hexdigest(),
        issued_at=signed_at,
        branding=Branding(
            header_text="Rete Lucca In famiglia",
            subheader_text="Progetto Lucca IN · Comune di Lucca · Lucca Family net",
            footer_text="Rete Lucca In famiglia · Piana di Lucca",
        ),
    )
    return dataclasses.replace(document, **overrides)
